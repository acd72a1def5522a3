ALTER TABLE public.org_settings ADD COLUMN show_usage_statistics boolean NOT NULL DEFAULT false;
