-- Fixture staging seed: applied only with --env staging, like Coop's sample-org seed, which also
-- holds the decisions job's bookkeeping row (coop-facts 11).
INSERT INTO public.orgs (id, email, name, website_url, created_at, updated_at)
VALUES ('fixture0001', 'test@example.com', 'Fixture Test Org', 'test.com', now(), now());
INSERT INTO public.view_maintenance_metadata (table_name, last_insert)
VALUES ('manual_review_tool.dim_mrt_decisions_materialized', '-infinity');
