-- Fixture staging seed: applied only with --env staging, like Coop's sample-org seed.
INSERT INTO public.orgs (id, email, name, website_url, created_at, updated_at)
VALUES ('fixture0001', 'test@example.com', 'Fixture Test Org', 'test.com', now(), now());
