// PostgreSQL side of the fixture migrator, through psql (the fixture's only outside dependency).
// Applied scripts are recorded by file name WITH extension in public."SequelizeMeta" (coop-facts 6).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import path from 'node:path';

const SEED = /\.seed\.([^.]+)\.(sql|cjs)$/;
const require = createRequire(import.meta.url);

function psql(database, input, vars = {}) {
  const env = { ...process.env, PGHOST: process.env.API_SERVER_DATABASE_HOST,
    PGPORT: process.env.API_SERVER_DATABASE_PORT || '5432', PGUSER: process.env.API_SERVER_DATABASE_USER,
    PGPASSWORD: process.env.API_SERVER_DATABASE_PASSWORD, PGDATABASE: database };
  const args = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1'];
  for (const [k, v] of Object.entries(vars)) args.push('-v', `${k}=${v}`);
  const run = spawnSync('psql', args, { input, env, encoding: 'utf8' });
  if (run.error) throw run.error;
  if (run.status !== 0) {
    const line = run.stderr.split('\n').find((l) => /ERROR|FATAL|error/.test(l)) || run.stderr.trim();
    throw new Error(line.replace(/^psql:[^:]*:\d+: /, '').replace(/^(ERROR|FATAL): +/, '').trim());
  }
  return run.stdout;
}

function scriptSql(file) {
  if (file.endsWith('.cjs')) return `${require(file).sql};\n`;
  return `\\i ${file}\n`;
}

export function makePgConfig({ scriptsDirectory }) {
  const target = () => {
    const name = process.env.API_SERVER_DATABASE_NAME;
    if (!name) throw new Error('API_SERVER_DATABASE_NAME is not set');
    return name;
  };
  return {
    async create() {
      psql(process.env.API_SERVER_DATABASE_MAINTENANCE_NAME || 'postgres',
        "SELECT format('CREATE DATABASE %I', :'target') WHERE NOT EXISTS "
        + "(SELECT 1 FROM pg_database WHERE datname = :'target') \\gexec\n", { target: target() });
    },
    async apply(env, mode) {
      const db = target();
      psql(db, 'CREATE TABLE IF NOT EXISTS public."SequelizeMeta" (name varchar(255) NOT NULL UNIQUE PRIMARY KEY, '
        + '"createdAt" timestamptz NOT NULL, "updatedAt" timestamptz NOT NULL);\n');
      // Fixture only (not Coop): one row per run, so tests can count migrator runs and their hosts.
      psql(db, 'CREATE TABLE IF NOT EXISTS public.fixture_migrator_runs (id serial PRIMARY KEY, command text NOT NULL, '
        + 'host text NOT NULL, at timestamptz NOT NULL DEFAULT now());\n'
        + "INSERT INTO public.fixture_migrator_runs (command, host) VALUES ('apply', :'host');\n", { host: hostname() });
      const done = new Set(psql(db, 'SELECT name FROM public."SequelizeMeta";\n').split('\n').filter(Boolean));
      const todo = readdirSync(scriptsDirectory).filter((n) => /\.(sql|cjs)$/.test(n)).sort()
        .filter((n) => !SEED.test(n) || n.match(SEED)[1] === env)
        .filter((n) => !done.has(n));
      for (const name of mode === 'next' ? todo.slice(0, 1) : todo) {
        console.info(`{ event: 'migrating', name: '${name}' }`);
        const started = Date.now();
        try {
          psql(db, `BEGIN;\n${scriptSql(path.join(scriptsDirectory, name))}`
            + 'INSERT INTO public."SequelizeMeta" (name, "createdAt", "updatedAt") VALUES (:\'name\', now(), now());\n'
            + 'COMMIT;\n', { name });
        } catch (error) {
          throw new Error(`Migration ${name} (up) failed: Original error: ${error.message}`);
        }
        console.info(`{ event: 'migrated', name: '${name}', durationSeconds: ${(Date.now() - started) / 1000} }`);
      }
    },
  };
}
