-- Fixture migration: the tables roost.coop.coop_org writes for a new org and the settings module
-- reads, with the columns, types and keys of Coop's (coop-facts 1, 3, 4), so that a deploy of this
-- release followed by coop_org and the settings role works. Not Coop's SQL.
ALTER TABLE public.users
  ADD COLUMN first_name varchar(255) NOT NULL,
  ADD COLUMN last_name varchar(255) NOT NULL,
  ADD COLUMN role varchar(255) NOT NULL DEFAULT 'ADMIN',
  ADD COLUMN approved_by_admin boolean DEFAULT false,
  ADD COLUMN rejected_by_admin boolean DEFAULT false;
CREATE TABLE public.api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id varchar(255) NOT NULL REFERENCES public.orgs(id) ON DELETE CASCADE,
  key_hash varchar(255) NOT NULL UNIQUE,
  name varchar(255) NOT NULL,
  description text,
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  created_by varchar(255) REFERENCES public.users(id) ON DELETE SET NULL
);
CREATE SCHEMA manual_review_tool;
CREATE TABLE manual_review_tool.manual_review_tool_settings (
  org_id varchar(255) PRIMARY KEY,
  requires_policy_for_decisions boolean NOT NULL DEFAULT false,
  hide_skip_button_for_non_admins boolean DEFAULT false
);
CREATE SCHEMA user_management_service;
CREATE TABLE user_management_service.org_default_user_interface_settings (
  org_id varchar(255) PRIMARY KEY,
  moderator_safety_mute_video boolean NOT NULL DEFAULT true,
  moderator_safety_grayscale boolean NOT NULL DEFAULT true,
  moderator_safety_blur_level integer NOT NULL DEFAULT 2
);
CREATE TYPE public.item_type_kind AS ENUM ('CONTENT', 'USER', 'THREAD');
CREATE TYPE public.action_type AS ENUM ('CUSTOM_ACTION', 'ENQUEUE_TO_MRT', 'ENQUEUE_TO_NCMEC', 'ENQUEUE_AUTHOR_TO_MRT',
                                        'REJECT_APPEAL', 'ACCEPT_APPEAL');
CREATE TYPE public.user_penalty_severity AS ENUM ('NONE', 'LOW', 'MEDIUM', 'HIGH', 'SEVERE');
CREATE TABLE public.item_types (
  id varchar(255) PRIMARY KEY,
  org_id varchar(255) NOT NULL,
  name varchar(255) NOT NULL,
  description varchar(255),
  kind public.item_type_kind NOT NULL,
  fields jsonb[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  is_default_user boolean NOT NULL DEFAULT false,
  UNIQUE (org_id, name),
  CHECK (is_default_user = false OR kind = 'USER')
);
CREATE UNIQUE INDEX item_types_is_default_user ON public.item_types (org_id, is_default_user) WHERE is_default_user;
CREATE TABLE public.actions (
  id varchar(255) PRIMARY KEY,
  org_id varchar(255) NOT NULL,
  name varchar(255) NOT NULL,
  description varchar(255),
  callback_url varchar(255),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  penalty public.user_penalty_severity NOT NULL DEFAULT 'NONE',
  action_type public.action_type NOT NULL DEFAULT 'CUSTOM_ACTION',
  applies_to_all_items_of_kind public.item_type_kind[] NOT NULL DEFAULT ARRAY[]::public.item_type_kind[],
  apply_user_strikes boolean NOT NULL DEFAULT false,
  UNIQUE (org_id, name),
  CHECK ((action_type = 'CUSTOM_ACTION') = (callback_url IS NOT NULL))
);
