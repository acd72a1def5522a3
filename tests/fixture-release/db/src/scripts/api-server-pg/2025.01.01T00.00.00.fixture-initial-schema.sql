-- Fixture migration: a few of the tables the collection's modules read (not Coop's schema).
-- Each table the collection reads has the columns and keys Coop's has (coop-facts 3, 4).
CREATE TABLE public.orgs (
  id varchar(255) PRIMARY KEY,
  email varchar(255) NOT NULL UNIQUE,
  name varchar(255) NOT NULL UNIQUE,
  website_url varchar(255) NOT NULL UNIQUE,
  api_key_id varchar(255),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  on_call_alert_email varchar(255)
);
CREATE TABLE public.org_settings (
  org_id varchar(255) PRIMARY KEY,
  has_appeals_enabled boolean DEFAULT false,
  user_strike_ttl_days integer DEFAULT 90
);
-- Bookkeeping of the decisions job (coop-facts 11): empty after --env prod, the seed fills it.
CREATE TABLE public.view_maintenance_metadata (
  table_name text PRIMARY KEY,
  last_insert timestamp NOT NULL DEFAULT '-infinity'
);
-- The columns of Coop's users that coop_sample_org and the checklist read or write, with its keys.
CREATE TYPE public.login_method_enum AS ENUM ('password', 'saml');
CREATE TABLE public.users (
  id varchar(255) PRIMARY KEY,
  email varchar(255) NOT NULL UNIQUE,
  password varchar(255),
  org_id varchar(255) NOT NULL REFERENCES public.orgs(id) ON DELETE CASCADE,
  login_methods public.login_method_enum[] NOT NULL DEFAULT ARRAY['password']::public.login_method_enum[],
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CONSTRAINT password_null_when_not_present CHECK ((password IS NOT NULL) = ('password' = ANY(login_methods)))
);
