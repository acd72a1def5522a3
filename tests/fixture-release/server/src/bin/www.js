'use strict';
// Fixture API server (NOT Coop's): the interface of Coop's `node bin/www.js` (coop-facts 1, 10, 11).
// Refuses to boot on the env vars the release it plays refuses on (lib/release.js); listens on all
// interfaces on PORT (default 8080) once PostgreSQL and Redis answered (Coop's start-up connects to
// both; the fixture exits 1 naming the one it cannot reach); GET /api/v1/ready samples the CPU for
// 1 s like Coop's and answers 500 Unhealthy above 75 % (it queries neither PostgreSQL nor Redis, as
// Coop's does not); anything else needs SESSION_SECRET, as Coop's sessions do.
const http = require('node:http');
const os = require('node:os');

const { RELEASE, requireEnv, requireScylla } = require('../lib/release.js');
const { query } = require('../lib/pg.js');
const { ping } = require('../lib/redis.js');

requireEnv(['DATABASE_HOST', 'DATABASE_READ_ONLY_HOST', 'DATABASE_PASSWORD', 'REDIS_HOST', 'REDIS_USE_CLUSTER', 'UI_URL']);
if (/postgresql/i.test(process.env.WAREHOUSE_ADAPTER || '')) {
  throw new Error('PostgreSQL Kysely dialect not yet implemented');
}
requireScylla();
const port = Number.parseInt(process.env.PORT, 10) || 8080;

function cpuTimes() {
  let idle = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    idle += cpu.times.idle;
    total += Object.values(cpu.times).reduce((a, b) => a + b, 0);
  }
  return { idle, total };
}

async function cpuUsage() {
  const start = cpuTimes();
  await new Promise((resolve) => { setTimeout(resolve, 1000); });
  const end = cpuTimes();
  return 1 - (end.idle - start.idle) / (end.total - start.total);
}

function send(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'text/plain' });
  res.end(body);
}

// Fixture only: a test machine shared with other CPU-heavy work may raise the limit (Coop's is 75 %).
const CPU_LIMIT = Number(process.env.FIXTURE_READY_CPU_LIMIT || 0.75);

const server = http.createServer(async (req, res) => {
  const url = req.url.split('?')[0];
  if (req.method === 'GET' && url === '/api/v1/ready') {
    send(res, ...(await cpuUsage() > CPU_LIMIT ? [500, 'Unhealthy'] : [200, 'Healthy']));
  } else if (req.method === 'GET' && url === '/api/v1/fixture-release') {
    send(res, 200, RELEASE); // fixture only: which release answers (upgrade tests)
  } else if (!process.env.SESSION_SECRET) {
    send(res, 500, 'secret option required for sessions');
  } else {
    send(res, 404, 'Not Found (fixture release)');
  }
});
ping().then(() => {
  query('SELECT 1');
  server.listen(port, () => console.log(`fixture API ${RELEASE} listening on port ${port}`));
}).catch((err) => {
  console.error(`fixture API ${RELEASE}: ${err.message}`);
  process.exit(1);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
