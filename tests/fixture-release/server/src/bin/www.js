'use strict';
// Fixture API server (NOT Coop's): the interface of Coop's `node bin/www.js` (coop-facts 1, 10, 11).
// Refuses to boot on the env vars the release it plays refuses on (lib/release.js); listens on all
// interfaces on PORT (default 8080) once PostgreSQL and Redis answered (Coop's start-up connects to
// both; the fixture exits 1 naming the one it cannot reach); GET /api/v1/ready samples the CPU for 1 s like Coop's and
// answers 500 Unhealthy above 75 % (it queries neither PostgreSQL nor Redis, as Coop's does not);
// anything else needs SESSION_SECRET, as Coop's sessions do. POST /api/v1/graphql answers only the
// `login` mutation, checking the password against public.users with bcrypt like Coop's (coop-facts 3, 4).
// POST /api/v1/fixture-login (no credentials, fixture only) and GET
// /api/v1/fixture-me stand in for Coop's login and `me`: the session cookie is configured as Coop's
// (express-session: connect.sid signed with SESSION_SECRET, HttpOnly, SameSite=Lax, Secure when
// NODE_ENV is production, proxy trusted), so under production it is set only over https as the
// proxy reports it (X-Forwarded-Proto), and a request is authenticated only with that cookie. The
// graphql login sets the same cookie.
const crypto = require('node:crypto');
const http = require('node:http');
const os = require('node:os');

const { matches } = require('../lib/bcrypt.js');
const { query } = require('../lib/pg.js');
const { RELEASE, requireEnv, requireScylla } = require('../lib/release.js');
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

function sign(id) {
  const mac = crypto.createHmac('sha256', process.env.SESSION_SECRET).update(id).digest('base64').replace(/=+$/, '');
  return `s:${id}.${mac}`;
}

// Express with `trust proxy` true: the protocol is the first X-Forwarded-Proto value, else the socket's.
function secureRequest(req) {
  const forwarded = String(req.headers['x-forwarded-proto'] || '').split(',')[0].trim();
  return forwarded ? forwarded === 'https' : Boolean(req.socket.encrypted);
}

function setSession(res, req) {
  const secure = process.env.NODE_ENV === 'production';
  // express-session sets no Secure cookie on a request it does not see as https.
  if (!secure || secureRequest(req)) {
    const value = encodeURIComponent(sign(crypto.randomBytes(18).toString('hex')));
    res.setHeader('Set-Cookie', `connect.sid=${value}; Path=/; Max-Age=2592000; HttpOnly;${secure ? ' Secure;' : ''} SameSite=Lax`);
  }
}

function authenticated(req) {
  const cookie = (req.headers.cookie || '').split(';').map((c) => c.trim()).find((c) => c.startsWith('connect.sid='));
  if (!cookie) return false;
  const value = decodeURIComponent(cookie.slice('connect.sid='.length));
  const id = value.slice(2, value.lastIndexOf('.'));
  const expected = Buffer.from(sign(id));
  const given = Buffer.from(value);
  return value.startsWith('s:') && given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

// Fixture only: a test machine shared with other CPU-heavy work may raise the limit (Coop's is 75 %).
const CPU_LIMIT = Number(process.env.FIXTURE_READY_CPU_LIMIT || 0.75);

async function readJson(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

// Coop's login outcomes: LoginSuccessResponse, LoginUserDoesNotExistError, LoginIncorrectPasswordError.
function login(input) {
  const rows = query("SELECT id, password FROM public.users WHERE email = :'email' "
    + "AND 'password' = ANY(login_methods)", { email: String(input.email || '') });
  if (rows.length === 0) return { __typename: 'LoginUserDoesNotExistError' };
  const [id, hash] = rows[0].split('|');
  if (!matches(String(input.password || ''), hash)) return { __typename: 'LoginIncorrectPasswordError' };
  return { __typename: 'LoginSuccessResponse', user: { id } };
}

async function graphql(req, res) {
  const body = await readJson(req);
  if (!/\blogin\s*\(/.test(body.query || '')) {
    res.writeHead(400, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ message: 'fixture release: only the login mutation is served' }] }));
    return;
  }
  const result = login((body.variables || {}).input || {});
  if (result.user) setSession(res, req);
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ data: { login: result } }));
}

const server = http.createServer(async (req, res) => {
  const url = req.url.split('?')[0];
  if (req.method === 'GET' && url === '/api/v1/ready') {
    send(res, ...(await cpuUsage() > CPU_LIMIT ? [500, 'Unhealthy'] : [200, 'Healthy']));
  } else if (req.method === 'GET' && url === '/api/v1/fixture-release') {
    send(res, 200, RELEASE); // fixture only: which release answers (upgrade tests)
  } else if (!process.env.SESSION_SECRET) {
    send(res, 500, 'secret option required for sessions');
  } else if (req.method === 'POST' && url === '/api/v1/graphql') {
    await graphql(req, res).catch((err) => send(res, 500, String(err.message)));
  } else if (req.method === 'POST' && url === '/api/v1/fixture-login') {
    setSession(res, req);
    send(res, 200, 'logged in');
  } else if (req.method === 'GET' && url === '/api/v1/fixture-me') {
    send(res, ...(authenticated(req) ? [200, 'authenticated'] : [401, 'Unauthorized']));
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
