'use strict';
// One query through psql with the server's DATABASE_* settings (the fixture has no npm dependencies).
// Values go in as psql variables (vars {name: value}, written :'name' in the SQL, which psql quotes);
// the SQL then goes through stdin, where psql substitutes them.
const { spawnSync } = require('node:child_process');

function query(sql, vars = {}) {
  const env = { ...process.env, PGHOST: process.env.DATABASE_HOST, PGPORT: process.env.DATABASE_PORT || '5432',
    PGUSER: process.env.DATABASE_USER || 'postgres', PGPASSWORD: process.env.DATABASE_PASSWORD,
    PGDATABASE: process.env.DATABASE_NAME || 'development' };
  const args = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1'];
  for (const [name, value] of Object.entries(vars)) args.push('-v', `${name}=${value}`);
  const run = spawnSync('psql', args, { env, encoding: 'utf8', input: sql });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(run.stderr.trim());
  return run.stdout.split('\n').filter(Boolean);
}

module.exports = { query };
