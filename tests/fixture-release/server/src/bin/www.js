'use strict';
// Fixture API server (NOT Coop's): the interface of Coop's `node bin/www.js` (coop-facts 1, 10).
// Refuses to boot on the env vars Coop refuses on; listens on all interfaces on PORT (default 8080);
// GET /api/v1/ready → 200 Healthy; anything else needs SESSION_SECRET, as Coop's sessions do.
const http = require('node:http');

for (const name of ['DATABASE_HOST', 'DATABASE_READ_ONLY_HOST', 'DATABASE_PASSWORD', 'REDIS_HOST',
  'REDIS_USE_CLUSTER', 'UI_URL']) {
  if (!process.env[name]) throw new Error(`Missing env var ${name}`);
}
if (/postgresql/i.test(process.env.WAREHOUSE_ADAPTER || '')) {
  throw new Error('PostgreSQL Kysely dialect not yet implemented');
}
const port = Number.parseInt(process.env.PORT, 10) || 8080;

const server = http.createServer((req, res) => {
  const url = req.url.split('?')[0];
  if (req.method === 'GET' && url === '/api/v1/ready') {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('Healthy');
  } else if (!process.env.SESSION_SECRET) {
    res.writeHead(500, { 'Content-Type': 'text/plain' });
    res.end('secret option required for sessions');
  } else {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('Not Found (fixture release)');
  }
});
server.listen(port, () => console.log(`fixture API listening on port ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
