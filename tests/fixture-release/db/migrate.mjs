// Fixture migrator (NOT Coop's): honours the interface of Coop's `npm run db:create|db:update
// -- --db X --env Y` (coop-facts 1, 6, 9) with psql as the only dependency.
// - every command dies without SCYLLA_HOSTS, like the real one (it splits it at import time);
// - `--env` is required; seeds `*.seed.<env>.(sql|cjs)` run only for their env;
// - applied scripts are recorded by file name WITH extension in public."SequelizeMeta".
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';

if (process.getuid() === 0) throw new Error('fixture release: refusing to run as root (the roles run release code unprivileged)');

const scyllaHosts = process.env.SCYLLA_HOSTS.split(','); // throws when unset, as Coop's does
void scyllaHosts;

const DATABASES = ['api-server-pg', 'clickhouse', 'scylla'];
const SEED = /\.seed\.([^.]+)\.(sql|cjs)$/;
const here = path.dirname(new URL(import.meta.url).pathname);
const require = createRequire(import.meta.url);

function parseArgs(argv) {
  const out = { command: argv[0], db: [], env: undefined };
  for (let i = 1; i < argv.length; i += 1) {
    if (argv[i] === '--db') out.db.push(...argv[++i].split(','));
    else if (argv[i] === '--env') out.env = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!['create', 'apply'].includes(out.command)) throw new Error('command must be create or apply');
  if (!['staging', 'prod'].includes(out.env)) throw new Error('--env staging|prod is required');
  if (out.db.length === 0) out.db = (process.env.MIGRATOR_DB_NAME || DATABASES.join(',')).split(',');
  for (const db of out.db) if (!DATABASES.includes(db)) throw new Error(`unknown --db ${db}`);
  return out;
}

function psql(database, input, vars = {}) {
  const env = { ...process.env, PGHOST: process.env.API_SERVER_DATABASE_HOST,
    PGPORT: process.env.API_SERVER_DATABASE_PORT || '5432', PGUSER: process.env.API_SERVER_DATABASE_USER,
    PGPASSWORD: process.env.API_SERVER_DATABASE_PASSWORD, PGDATABASE: database };
  const args = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1'];
  for (const [k, v] of Object.entries(vars)) args.push('-v', `${k}=${v}`);
  const run = spawnSync('psql', args, { input, env, encoding: 'utf8' });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`psql failed on ${database}: ${run.stderr.trim()}`);
  return run.stdout;
}

function createPg() {
  const target = process.env.API_SERVER_DATABASE_NAME;
  if (!target) throw new Error('API_SERVER_DATABASE_NAME is not set');
  psql(process.env.API_SERVER_DATABASE_MAINTENANCE_NAME || 'postgres',
    "SELECT format('CREATE DATABASE %I', :'target') WHERE NOT EXISTS "
    + "(SELECT 1 FROM pg_database WHERE datname = :'target') \\gexec\n", { target });
}

function scriptSql(file) {
  if (file.endsWith('.cjs')) return `${require(file).sql};\n`;
  return `\\i ${file}\n`;
}

function applyPg(env) {
  const dir = path.join(here, 'src', 'scripts', 'api-server-pg');
  const db = process.env.API_SERVER_DATABASE_NAME;
  psql(db, 'CREATE TABLE IF NOT EXISTS public."SequelizeMeta" (name varchar(255) NOT NULL UNIQUE PRIMARY KEY, '
    + '"createdAt" timestamptz NOT NULL, "updatedAt" timestamptz NOT NULL);\n');
  // Fixture only (not Coop): one row per run, so tests can count migrator runs and their hosts.
  psql(db, 'CREATE TABLE IF NOT EXISTS public.fixture_migrator_runs (id serial PRIMARY KEY, command text NOT NULL, '
    + 'host text NOT NULL, at timestamptz NOT NULL DEFAULT now());\n'
    + "INSERT INTO public.fixture_migrator_runs (command, host) VALUES ('apply', :'host');\n", { host: hostname() });
  const done = new Set(psql(db, 'SELECT name FROM public."SequelizeMeta";\n').split('\n').filter(Boolean));
  const scripts = readdirSync(dir).filter((n) => /\.(sql|cjs)$/.test(n)).sort()
    .filter((n) => !SEED.test(n) || n.match(SEED)[1] === env);
  for (const name of scripts) {
    if (done.has(name)) continue;
    psql(db, `BEGIN;\n${scriptSql(path.join(dir, name))}`
      + 'INSERT INTO public."SequelizeMeta" (name, "createdAt", "updatedAt") VALUES (:\'name\', now(), now());\n'
      + 'COMMIT;\n', { name });
    console.log(`{ event: 'migrated', name: '${name}' }`);
  }
}

const args = parseArgs(process.argv.slice(2));
for (const db of args.db) {
  if (db !== 'api-server-pg') throw new Error(`the fixture release has no ${db} migrations; use --db api-server-pg`);
  if (args.command === 'create') createPg();
  else applyPg(args.env);
}
