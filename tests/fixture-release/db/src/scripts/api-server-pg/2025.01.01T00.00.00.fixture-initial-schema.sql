-- Fixture migration: a few of the tables the collection's modules read (not Coop's schema).
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
