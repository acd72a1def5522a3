"""Helpers for the checklist and sample-org service tests: a private redis-server per test,
production-like env files pointing at a scratch database, a release directory, and snapshots
of every org's rows."""

import contextlib
import os
import secrets
import socket
import subprocess
import tempfile
import time

import bcrypt
from psycopg import sql

from tests.conftest import PG, pg_connect
from tests.fixtures import coop_schema

DEFAULT_PASSWORD = 'testpassword123'


def default_hash(password=DEFAULT_PASSWORD):
    """A bcrypt hash computed now the way Coop's bcryptjs writes it: $2a$, cost 5 (coop-facts 4)."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(5, prefix=b'2a')).decode()


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def redis_server(*config_lines):
    """A redis-server of our own on a free loopback port, with the given config lines; stopped after."""
    port = free_port()
    with tempfile.TemporaryDirectory() as workdir:
        conf = os.path.join(workdir, 'redis.conf')
        with open(conf, 'w') as handle:
            handle.write('port %d\nbind 127.0.0.1\ndir %s\nsave ""\ndaemonize no\nlogfile ""\n' % (port, workdir))
            handle.write('\n'.join(config_lines) + '\n')
        proc = subprocess.Popen(['redis-server', conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 10
            while True:
                try:
                    with socket.create_connection(('127.0.0.1', port), timeout=0.2):
                        break
                except OSError:
                    if time.time() > deadline or proc.poll() is not None:
                        raise RuntimeError('redis-server on port %d did not start' % port)
                    time.sleep(0.05)
            yield port
        finally:
            proc.terminate()
            proc.wait(timeout=10)


PERSISTENT = ('appendonly yes', 'maxmemory-policy noeviction')


def server_env(dbname, redis_port, **overrides):
    """A server.env that passes every check on this machine's services."""
    env = {
        'NODE_ENV': 'production', 'UI_URL': 'https://coop.acme.org',
        'DATABASE_HOST': PG['host'], 'DATABASE_READ_ONLY_HOST': PG['host'], 'DATABASE_PORT': str(PG['port']),
        'DATABASE_USER': PG['user'], 'DATABASE_PASSWORD': PG['password'], 'DATABASE_NAME': dbname,
        'DATABASE_POOL_MAX': '5', 'DATABASE_READ_POOL_MAX': '5',
        'SESSION_SECRET': secrets.token_hex(32), 'REDIS_USE_CLUSTER': 'false',
        'REDIS_HOST': '127.0.0.1', 'REDIS_PORT': str(redis_port), 'ITEM_QUEUE_TRAFFIC_PERCENTAGE': '0',
        'NOREPLY_EMAIL': 'noreply@acme.org', 'SUPPORT_EMAIL': 'support@acme.org', 'TEAM_EMAIL': 'team@acme.org',
        'WAREHOUSE_ADAPTER': 'noop', 'ITEM_INVESTIGATION_AND_STRIKES_ENABLED': 'false', 'SENDGRID_API_KEY': '',
    }
    env.update(overrides)
    return dict((k, v) for k, v in env.items() if v is not None)


def db_env(dbname, **overrides):
    env = {
        'API_SERVER_DATABASE_HOST': PG['host'], 'API_SERVER_DATABASE_PORT': str(PG['port']),
        'API_SERVER_DATABASE_NAME': dbname, 'API_SERVER_DATABASE_USER': PG['user'],
        'API_SERVER_DATABASE_PASSWORD': PG['password'], 'SCYLLA_HOSTS': 'unused',
    }
    env.update(overrides)
    return dict((k, v) for k, v in env.items() if v is not None)


def write_env(path, values, mode=0o600):
    with open(path, 'w') as handle:
        for key, value in values.items():
            handle.write('%s=%s\n' % (key, value))
    os.chmod(path, mode)
    return str(path)


def write_release(root, extra=()):
    """A release tree whose PostgreSQL scripts are the fixture's migrations (all applied) plus extra."""
    folder = os.path.join(str(root), 'release', 'db', 'src', 'scripts', 'api-server-pg')
    os.makedirs(folder)
    for name in coop_schema.MIGRATIONS_NEW + [coop_schema.STAGING_SEED] + list(extra):
        with open(os.path.join(folder, name), 'w') as handle:
            handle.write('-- fixture script\n')
    return os.path.join(str(root), 'release')


def add_real_orgs(dbname, acme_password='Acme-admin-pass-2026'):
    """Two orgs not from the seed: Acme (a password admin and a SAML user) and Beta (one user)."""
    with pg_connect(dbname) as conn:
        coop_schema.add_org(conn, 'acme0000001', 'Acme Trust & Safety')
        coop_schema.add_org_data(conn, 'acme0000001', users=[
            ('acmeadmin01', 'admin@acme.org', default_hash(acme_password)),
            ('acmesaml001', 'mod@acme.org', None)])
        coop_schema.add_org(conn, 'beta0000001', 'Beta Safety')
        coop_schema.add_org_data(conn, 'beta0000001', users=[('betaadmin01', 'admin@beta.org', default_hash('Beta-pass-778899'))])


def org_rows(dbname, exclude_org_ids=()):
    """{table: sorted rows} of every table with an org_id column (and public.orgs), leaving out the
    rows of exclude_org_ids, to show that other orgs' rows are untouched."""
    exclude = list(exclude_org_ids)
    out = {}
    with pg_connect(dbname) as conn, conn.cursor() as cur:
        cur.execute("SELECT table_schema, table_name FROM information_schema.columns WHERE column_name = 'org_id' "
                    "AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2")
        tables = [(s, t, 'org_id') for s, t in cur.fetchall()] + [('public', 'orgs', 'id')]
        for schema, table, column in tables:
            cur.execute(sql.SQL('SELECT * FROM {} WHERE NOT ({} = ANY(%s))').format(
                sql.Identifier(schema, table), sql.Identifier(column)), (exclude,))
            out['%s.%s' % (schema, table)] = sorted(repr(row) for row in cur.fetchall())
    return out


def count_org_rows(dbname, org_ids):
    """Rows of org_ids left in all tables with an org_id column plus public.orgs."""
    total = 0
    with pg_connect(dbname) as conn, conn.cursor() as cur:
        cur.execute("SELECT table_schema, table_name FROM information_schema.columns WHERE column_name = 'org_id' "
                    "AND table_schema NOT IN ('pg_catalog', 'information_schema')")
        for schema, table in cur.fetchall():
            cur.execute(sql.SQL('SELECT count(*) FROM {} WHERE org_id = ANY(%s)').format(sql.Identifier(schema, table)),
                        (list(org_ids),))
            total += cur.fetchone()[0]
        cur.execute('SELECT count(*) FROM public.orgs WHERE id = ANY(%s)', (list(org_ids),))
        return total + cur.fetchone()[0]
