-- Fixture migration of the "main"-shaped release only (variant.sh drops it for 1.0.x): the
-- migration an upgrade from v1 to v2 applies.
ALTER TABLE public.org_settings ADD COLUMN appeal_callback_url text;
