// Fixture migration in the .cjs form the runner also accepts for api-server-pg (coop-facts 6).
// The fixture runner reads `sql` from it; it is recorded with its extension like any other script.
module.exports.sql = 'CREATE TABLE public.session (sid varchar PRIMARY KEY, sess json NOT NULL, expire timestamp(6) NOT NULL)';
