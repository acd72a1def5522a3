-- Fixture migration: the columns of Coop's users table that the collection reads (coop-facts 4;
-- not Coop's DDL). The checklist's coop_schema check and coop_sample_org need the table.
CREATE TABLE public.users (
  id varchar(255) PRIMARY KEY, email varchar(255) NOT NULL UNIQUE, password varchar(255),
  first_name varchar(255) NOT NULL, last_name varchar(255) NOT NULL,
  created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,
  org_id varchar(255) NOT NULL REFERENCES public.orgs(id) ON DELETE CASCADE
);
