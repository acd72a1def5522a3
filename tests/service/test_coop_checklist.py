"""coop_checklist against the real PostgreSQL and private redis-servers: a clean production-like
deployment passes; each way of breaking it fails (or warns) exactly the check that covers it."""

import http.server
import json
import os
import socket
import threading

import pytest

from psycopg import sql

from tests.conftest import pg_connect, pg_dump, run_module
from tests.fixtures import coop_schema
from tests.service import checklist_support as live

from ansible_collections.roost.coop.plugins.module_utils import coop_checks

ALWAYS_SKIPPED = {'scylla_reachable', 'clickhouse_reachable', 'coop_units', 'backup_recent',  # no systemd here; no backup_dir
                  'tls', 'hsts', 'internal_ports'}  # no edge: probed from the controller (test_edge_probe.py)


@pytest.fixture(scope='module')
def persistent_redis():
    with live.redis_server(*live.PERSISTENT) as port:
        yield port


class Deployment(object):
    """Env files, a release and a database for one test; run() executes the module on them."""

    def __init__(self, root, dbname, redis_port):
        self.root, self.dbname, self.redis_port = str(root), dbname, redis_port
        self.release = live.write_release(root)

    def run(self, server=None, db=None, client=None, check=False, modes=None, **args):
        server_values = live.server_env(self.dbname, self.redis_port, **(server or {}))
        self.session_secret = server_values.get('SESSION_SECRET')
        paths = {}
        for kind, values in (('server', server_values), ('db', live.db_env(self.dbname, **(db or {}))),
                             ('client', dict({'VITE_UI_URL': 'https://coop.acme.org'}, **(client or {})))):
            paths[kind + '_env'] = live.write_env(os.path.join(self.root, kind + '.env'), values,
                                                  (modes or {}).get(kind, 0o600))
        module_args = dict(paths, release_dir=self.release, fail_on='warn', probe_timeout=1)
        module_args.update(args)
        return run_module('coop_checklist', module_args, check=check)


def statuses(result):
    return dict((c['id'], c['status']) for c in result['checks'])


@pytest.fixture
def deployment(tmp_path, scratch_db, persistent_redis):
    dbname = scratch_db()
    live.add_real_orgs(dbname)
    return Deployment(tmp_path, dbname, persistent_redis)


def test_clean_deployment_passes_every_check_and_changes_nothing(deployment):
    before = pg_dump(deployment.dbname)
    for check in (True, False):
        result = deployment.run(check=check)
        assert not result.get('failed'), result.get('msg')
        assert result['changed'] is False
        found = statuses(result)
        assert [c['id'] for c in result['checks']] == coop_checks.ids(), 'every registered check runs once, in order'
        assert {k for k, v in found.items() if v == 'skip'} == ALWAYS_SKIPPED, found
        assert {v for k, v in found.items() if k not in ALWAYS_SKIPPED} == {'pass'}
        assert result['summary']['fail'] == 0 and result['summary']['warn'] == 0
        assert result['report'][0] == result['headline'] == 'READY FOR GO-LIVE'
        assert result['report'][1].split() == ['STAT', 'check', 'detail']
    assert pg_dump(deployment.dbname) == before
    text = json.dumps(result)
    assert deployment.session_secret not in text


# (check id, server.env overrides, db.env overrides, client.env overrides, expected status)
ENV_BROKEN = [
    ('required_settings', {'REDIS_USE_CLUSTER': None}, {}, {}, 'fail'),
    ('required_settings', {}, {'SCYLLA_HOSTS': None}, {}, 'fail'),
    ('secrets_present', {'SESSION_SECRET': None}, {}, {}, 'fail'),
    ('secrets_not_placeholders', {'SESSION_SECRET': 'some_long_secret_string'}, {}, {}, 'fail'),
    ('secrets_not_placeholders', {'SENDGRID_API_KEY': 'SG.REAL_API_KEY_HERE'}, {}, {}, 'fail'),
    ('secrets_length', {'SESSION_SECRET': 'only-twenty-chars-xy'}, {}, {}, 'fail'),
    ('ui_url', {'UI_URL': 'http://coop.acme.org'}, {}, {}, 'fail'),
    ('ui_url', {'UI_URL': 'https://localhost'}, {}, {}, 'fail'),
    ('node_env', {'NODE_ENV': 'development'}, {}, {}, 'fail'),
    ('client_ui_url', {}, {}, {'VITE_UI_URL': 'https://staging.acme.org'}, 'fail'),
    ('email_senders', {'TEAM_EMAIL': 'team@example.com'}, {}, {}, 'fail'),
    ('email_domains', {'SUPPORT_EMAIL': 'help@mailhost.net'}, {}, {}, 'warn'),
    ('ncmec_env', {'NCMEC_ENV': 'production'}, {}, {}, 'fail'),
    ('warehouse_adapter', {'WAREHOUSE_ADAPTER': 'postgresql'}, {}, {}, 'fail'),
    ('warehouse_adapter', {'ANALYTICS_ADAPTER': 'clickhouse'}, {}, {}, 'fail'),
    ('postgres_reachable', {'DATABASE_PASSWORD': 'not-the-password-at-all'}, {}, {}, 'fail'),
    ('redis_reachable', {'REDIS_PORT': None}, {}, {}, 'fail'),
    ('pg_connections', {'DATABASE_POOL_MAX': '400'}, {}, {}, 'warn'),
    ('unsafe_flags', {'EXPOSE_SENSITIVE_IMPLEMENTATION_DETAILS_IN_ERRORS': 'true'}, {}, {}, 'fail'),
    ('unsafe_flags', {'ALLOW_USER_INPUT_LOCALHOST_URIS': 'true'}, {}, {}, 'fail'),
    ('db_env_agrees', {}, {'API_SERVER_DATABASE_NAME': 'postgres'}, {}, 'warn'),
]


@pytest.mark.parametrize('check_id,server,db,client,status', ENV_BROKEN,
                         ids=['%s-%d' % (case[0], n) for n, case in enumerate(ENV_BROKEN)])
def test_broken_configuration(deployment, check_id, server, db, client, status):
    if check_id == 'redis_reachable':
        server = {'REDIS_PORT': str(live.free_port())}
    result = deployment.run(server=server, db=db, client=client, fail_on='fail')
    found = statuses(result)
    assert found[check_id] == status, [c for c in result['checks'] if c['id'] == check_id]
    assert bool(result.get('failed')) == (status == 'fail')
    if status == 'fail':
        assert check_id in result['msg']
    else:
        assert deployment.run(server=server, db=db, client=client, fail_on='warn').get('failed')
    assert result['changed'] is False
    if 'SESSION_SECRET' in server and server['SESSION_SECRET']:
        assert server['SESSION_SECRET'] not in json.dumps(result)


def test_env_file_readable_by_others_fails(deployment):
    result = deployment.run(modes={'server': 0o644})
    assert statuses(result)['env_files'] == 'fail'
    assert '0644' in [c for c in result['checks'] if c['id'] == 'env_files'][0]['detail']


def test_missing_env_file_fails(deployment, tmp_path):
    result = deployment.run(client_env=str(tmp_path / 'nope.env'))
    found = statuses(result)
    assert found['env_files'] == 'fail' and found['client_ui_url'] == 'skip'


def test_staging_seed_fails_the_sample_org_checks(tmp_path, scratch_db, persistent_redis):
    dbname = scratch_db(staging_seed=True)
    with pg_connect(dbname) as conn:
        coop_schema.add_staging_seed(conn, live.default_hash())
    result = Deployment(tmp_path, dbname, persistent_redis).run()
    found = statuses(result)
    assert result['failed']
    assert found['sample_orgs'] == found['default_passwords'] == found['staging_seed'] == 'fail'
    details = dict((c['id'], c['detail']) for c in result['checks'])
    assert 'Test Org 4 (6cd8223106e)' in details['sample_orgs']
    assert 'test2@example.com' in details['default_passwords'] and '$2' not in json.dumps(result)


def test_default_password_in_a_real_org_fails(tmp_path, scratch_db, persistent_redis):
    dbname = scratch_db()
    live.add_real_orgs(dbname, acme_password='testpassword123')
    result = Deployment(tmp_path, dbname, persistent_redis).run()
    found = statuses(result)
    assert found['default_passwords'] == 'fail' and found['sample_orgs'] == 'pass'
    assert 'admin@acme.org' in [c for c in result['checks'] if c['id'] == 'default_passwords'][0]['detail']
    custom = Deployment(tmp_path / 'x', dbname, persistent_redis).run(default_passwords=['something-else'])
    assert statuses(custom)['default_passwords'] == 'pass'


def test_pending_migration_fails(deployment):
    live.write_release(os.path.join(deployment.root, 'newer'), extra=['2026.09.01T00.00.00.new_thing.sql'])
    result = deployment.run(release_dir=os.path.join(deployment.root, 'newer', 'release'))
    check = [c for c in result['checks'] if c['id'] == 'pending_migrations'][0]
    assert check['status'] == 'fail' and '2026.09.01T00.00.00.new_thing.sql' in check['detail']
    wrong = deployment.run(release_dir=deployment.root)
    assert statuses(wrong)['pending_migrations'] == 'fail'
    assert statuses(deployment.run(release_dir=None))['pending_migrations'] == 'skip'


def test_redis_without_persistence_fails(deployment):
    with live.redis_server('appendonly no', 'maxmemory-policy allkeys-lru') as port:
        result = deployment.run(server={'REDIS_PORT': str(port)})
    found = statuses(result)
    assert found['redis_reachable'] == 'pass'
    assert found['redis_persistence'] == 'fail' and found['redis_eviction'] == 'fail'


def test_redis_auth(deployment):
    password = 'redis-pass-for-this-test-only'
    with live.redis_server('requirepass %s' % password, *live.PERSISTENT) as port:
        good = deployment.run(server={'REDIS_PORT': str(port), 'REDIS_PASSWORD': password})
        bad = deployment.run(server={'REDIS_PORT': str(port)})
        wrong = deployment.run(server={'REDIS_PORT': str(port), 'REDIS_PASSWORD': 'not-the-right-redis-pass'})
    assert statuses(good)['redis_reachable'] == 'pass' and statuses(good)['redis_persistence'] == 'pass'
    assert statuses(bad)['redis_reachable'] == 'fail' and statuses(bad)['redis_persistence'] == 'skip'
    assert statuses(wrong)['redis_reachable'] == 'fail'
    assert password not in json.dumps(good)


def test_redis_without_config_permission_warns(deployment):
    with live.redis_server('user default off', 'user checker on >checker-pass-0123456 ~* &* +@all -config',
                           *live.PERSISTENT) as port:
        result = deployment.run(server={'REDIS_PORT': str(port), 'REDIS_USER': 'checker',
                                        'REDIS_PASSWORD': 'checker-pass-0123456'}, fail_on='fail')
    found = statuses(result)
    assert found['redis_reachable'] == 'pass'
    assert found['redis_persistence'] == 'warn' and found['redis_eviction'] == 'warn'
    assert not result.get('failed')


def test_scylla_reachability(deployment):
    scylla = {'ITEM_INVESTIGATION_AND_STRIKES_ENABLED': 'true'}
    with socket.socket() as listener:
        listener.bind(('127.0.0.1', 0))
        listener.listen(8)
        up = deployment.run(server=dict(scylla, SCYLLA_HOSTS='127.0.0.1:%d' % listener.getsockname()[1]))
    down = deployment.run(server=dict(scylla, SCYLLA_HOSTS='127.0.0.1:%d' % live.free_port()))
    unset = deployment.run(server=scylla)
    assert statuses(up)['scylla_reachable'] == 'pass'
    assert statuses(down)['scylla_reachable'] == 'fail' and down['failed']
    assert statuses(unset)['scylla_reachable'] == 'fail'


class Ping(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.path == '/ping'
        self.send_response(200 if ok else 404)
        self.end_headers()
        self.wfile.write(b'Ok.\n' if ok else b'')

    def log_message(self, *args):
        pass


def test_clickhouse_reachability(deployment):
    clickhouse = {'WAREHOUSE_ADAPTER': 'clickhouse', 'CLICKHOUSE_HOST': '127.0.0.1'}
    server = http.server.HTTPServer(('127.0.0.1', 0), Ping)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        up = deployment.run(server=dict(clickhouse, CLICKHOUSE_PORT=str(server.server_address[1])))
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    down = deployment.run(server=dict(clickhouse, CLICKHOUSE_PORT=str(live.free_port())))
    assert statuses(up)['clickhouse_reachable'] == 'pass'
    assert statuses(down)['clickhouse_reachable'] == 'fail'


def test_fail_on_never_and_check_selection(deployment):
    result = deployment.run(server={'NCMEC_ENV': 'production'}, fail_on='never', checks=['ncmec_env', 'ui_url'])
    assert not result.get('failed')
    assert [c['id'] for c in result['checks']] == ['ui_url', 'ncmec_env']
    approved = deployment.run(server={'NCMEC_ENV': 'production'}, ncmec_live_reporting_approved=True)
    assert statuses(approved)['ncmec_env'] == 'pass'
    unknown = deployment.run(checks=['no_such_check'])
    assert unknown['failed'] and 'no_such_check' in unknown['msg']
    negative = deployment.run(worker_processes=-1)
    assert negative['failed'] and 'worker_processes must be 0 or more' in negative['msg']


def test_database_user_without_read_access_warns_instead_of_passing(tmp_path, scratch_db, persistent_redis):
    dbname = scratch_db(staging_seed=True)
    with pg_connect(dbname) as conn:
        coop_schema.add_staging_seed(conn, live.default_hash())
    role, password = 'coop_chk_%s' % os.urandom(4).hex(), os.urandom(12).hex()
    with pg_connect(dbname, autocommit=True) as admin:
        admin.execute(sql.SQL('CREATE ROLE {} LOGIN PASSWORD {}').format(sql.Identifier(role), sql.Literal(password)))
        admin.execute(sql.SQL('GRANT SELECT ON public.orgs, public."SequelizeMeta" TO {}').format(sql.Identifier(role)))
    try:
        result = Deployment(tmp_path, dbname, persistent_redis).run(
            server={'DATABASE_USER': role, 'DATABASE_PASSWORD': password}, checks=['sample_orgs', 'default_passwords'],
            fail_on='never')
    finally:
        with pg_connect(dbname, autocommit=True) as admin:
            admin.execute(sql.SQL('DROP OWNED BY {}').format(sql.Identifier(role)))
            admin.execute(sql.SQL('DROP ROLE {}').format(sql.Identifier(role)))
    checks = dict((c['id'], c) for c in result['checks'])
    # SELECT on public.users is refused: the seed's users cannot be checked, so that check may not pass.
    assert checks['sample_orgs']['status'] == 'fail' and checks['default_passwords']['status'] == 'warn', checks
    assert 'permission denied' in checks['default_passwords']['detail']


def test_ncmec_org_settings(deployment):
    """An org reporting to NCMEC: warned while NCMEC_ENV is not production; under production an org
    without credentials fails; the credentials never reach the result."""
    with pg_connect(deployment.dbname) as conn:
        coop_schema.add_ncmec(conn, 'acme0000001', 'acme-esp', 'acme-cybertip-secret')
        coop_schema.add_ncmec(conn, 'beta0000001', '', '')
    approved = {'ncmec_live_reporting_approved': True, 'checks': ['ncmec_org_settings']}
    test_run = deployment.run(fail_on='fail', **approved)
    (found,) = test_run['checks']
    assert found['status'] == 'warn' and not test_run.get('failed'), found
    assert "Acme Trust & Safety (acme0000001), Beta Safety (beta0000001), but NCMEC_ENV is unset" in found['detail']
    assert "test endpoint" in found['detail']
    live_run = deployment.run(server={'NCMEC_ENV': 'production'}, **approved)
    (found,) = live_run['checks']
    assert found['status'] == 'fail' and live_run.get('failed'), found
    assert found['detail'].endswith('cannot be sent: Beta Safety (beta0000001)')
    with pg_connect(deployment.dbname) as conn:
        conn.execute("UPDATE ncmec_reporting.ncmec_org_settings SET username = 'beta-esp', password = 'beta-secret' "
                     "WHERE org_id = 'beta0000001'")
        conn.commit()
    fixed = deployment.run(server={'NCMEC_ENV': 'production'}, **approved)
    assert fixed['checks'][0]['status'] == 'pass', fixed['checks']
    for result in (test_run, live_run, fixed):
        assert 'acme-cybertip-secret' not in json.dumps(result) and 'acme-esp' not in json.dumps(result)
