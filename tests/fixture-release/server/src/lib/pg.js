'use strict';
// One query through psql with the server's DATABASE_* settings (the fixture has no npm dependencies).
const { spawnSync } = require('node:child_process');

function query(sql) {
  const env = { ...process.env, PGHOST: process.env.DATABASE_HOST, PGPORT: process.env.DATABASE_PORT || '5432',
    PGUSER: process.env.DATABASE_USER || 'postgres', PGPASSWORD: process.env.DATABASE_PASSWORD,
    PGDATABASE: process.env.DATABASE_NAME || 'development' };
  const run = spawnSync('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql], { env, encoding: 'utf8' });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(run.stderr.trim());
  return run.stdout.split('\n').filter(Boolean);
}

module.exports = { query };
