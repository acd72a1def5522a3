"""Every checklist check over hand-made facts: a production-like baseline where all pass, and one
mutation per way each check fails or warns."""

import copy

import pytest

from ansible_collections.roost.coop.plugins.module_utils import coop_checks
from ansible_collections.roost.coop.plugins.module_utils.coop_migrations import seed_env
from ansible_collections.roost.coop.plugins.module_utils.coop_sample import delete_order

SECRET = 'Zq8v' * 16
PASSWORD = 'db-pass-0123456789'
SEED = '2025.12.01T00.00.01.initial-test-data.seed.staging.sql'
INITIAL = '2025.12.01T00.00.00.initial-schema.sql'
LATER = '2026.07.13T21.56.32.restrict_routing_rules_queue_fkeys.sql'

BASELINE = {
    'env': {
        'server': {
            'NODE_ENV': 'production', 'UI_URL': 'https://coop.acme.org', 'DATABASE_HOST': 'db.internal',
            'DATABASE_READ_ONLY_HOST': 'db.internal', 'DATABASE_PASSWORD': PASSWORD, 'DATABASE_NAME': 'coop',
            'DATABASE_USER': 'coop', 'SESSION_SECRET': SECRET, 'REDIS_USE_CLUSTER': 'false',
            'REDIS_HOST': 'redis.internal', 'ITEM_QUEUE_TRAFFIC_PERCENTAGE': '0',
            'NOREPLY_EMAIL': 'noreply@acme.org', 'SUPPORT_EMAIL': 'support@acme.org', 'TEAM_EMAIL': 'team@acme.org',
            'WAREHOUSE_ADAPTER': 'noop', 'ITEM_INVESTIGATION_AND_STRIKES_ENABLED': 'false',
            'DATABASE_POOL_MAX': '5', 'DATABASE_READ_POOL_MAX': '10',
        },
        'db': {
            'API_SERVER_DATABASE_HOST': 'db.internal', 'API_SERVER_DATABASE_NAME': 'coop',
            'API_SERVER_DATABASE_USER': 'coop', 'API_SERVER_DATABASE_PASSWORD': PASSWORD, 'SCYLLA_HOSTS': 'unused',
        },
        'client': {'VITE_UI_URL': 'https://coop.acme.org'},
    },
    'files': [{'kind': 'server', 'path': '/etc/coop/server.env', 'exists': True, 'mode': 0o600, 'error': None},
              {'kind': 'db', 'path': '/etc/coop/db.env', 'exists': True, 'mode': 0o400, 'error': None}],
    'ncmec_approved': False,
    'processes': {'api': 2, 'worker': None},
    'postgres': {'reachable': True, 'target': 'database coop on db.internal:5432 as coop', 'max_connections': 100,
                 'reserved_connections': 3, 'missing_tables': [], 'migrations': [INITIAL, LATER], 'sample_orgs': [],
                 'default_password_users': [], 'ncmec_orgs': []},
    'redis': {'reachable': True, 'target': 'Redis at redis.internal:6379',
              'config': {'appendonly': 'yes', 'maxmemory-policy': 'noeviction'}},
    'scylla': None,
    'clickhouse': None,
    'release': {'dir': '/opt/coop/release/db/src/scripts/api-server-pg', 'scripts': [INITIAL, SEED, LATER]},
    'units': {'failed': []},
    'backups': {'dir': '/var/backups/coop', 'newest': 'coop__x.dump', 'age_hours': 3.0, 'max_age_hours': 24},
    'edge': {
        'ui_url': 'https://coop.acme.org', 'tls_mode': 'acme', 'hsts_min_age': 31536000,
        'tls': {'host': 'coop.acme.org', 'port': 443, 'address': 'coop.acme.org', 'names': ['coop.acme.org'],
                'not_after': '2027-01-30 00:00 UTC', 'days_left': 60.5, 'issuer': 'CN=R11', 'self_signed': False,
                'verified': True, 'verify_code': None, 'verify_error': None, 'ca_bundle': None},
        'hsts': {'host': 'coop.acme.org', 'header': 'max-age=31536000; includeSubDomains',
                 'redirect': {'status': 301, 'location': 'https://coop.acme.org/'},
                 'challenge': {'status': 404, 'location': None}},
        'ports': [{'host': 'app1', 'address': '10.0.0.5', 'port': 8080, 'what': 'Coop API', 'open': False,
                   'error': 'Connection refused', 'local': False, 'controller_peer': False, 'unresolved': False},
                  {'host': 'db1', 'address': '10.0.0.6', 'port': 5432, 'what': 'PostgreSQL', 'open': False,
                   'error': 'timed out', 'local': False, 'controller_peer': False, 'unresolved': False}],
    },
}


def evaluate(facts, check_id):
    (result,) = coop_checks.run(facts, only=[check_id])
    return result


def server(**values):
    def mutate(facts):
        for name, value in values.items():
            if value is None:
                facts['env']['server'].pop(name, None)
            else:
                facts['env']['server'][name] = value
    return mutate


def setting(path, value):
    def mutate(facts):
        node = facts
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return mutate


def both(*mutations):
    def mutate(facts):
        for m in mutations:
            m(facts)
    return mutate


SAMPLE = [{'id': 'e7c89ce7729', 'name': 'Test Org'}]
NCMEC_ORGS = [{'id': 'acme1', 'name': 'Acme', 'credentials': True}, {'id': 'glob1', 'name': 'Globex', 'credentials': True}]
CLICKHOUSE = server(WAREHOUSE_ADAPTER='clickhouse')
SCYLLA_ON = server(ITEM_INVESTIGATION_AND_STRIKES_ENABLED='true', SCYLLA_HOSTS='scylla1:9042,scylla2')

CONFIG_ROLE_POOLS = server(DATABASE_POOL_MAX='10', DATABASE_READ_POOL_MAX='20')
CONFIG_ROLE_POOLS_WITH_WORKERS = both(CONFIG_ROLE_POOLS, server(ITEM_QUEUE_TRAFFIC_PERCENTAGE='1'))

# (check id, mutation, expected status, words expected in the detail)
BROKEN = [
    ('env_files', setting(('files', 0, 'mode'), 0o644), 'fail', '0644'),
    ('env_files', setting(('files', 1, 'exists'), False), 'fail', 'does not exist'),
    ('env_files', setting(('files', 0, 'error'), 'Permission denied'), 'fail', 'Permission denied'),
    ('required_settings', server(DATABASE_READ_ONLY_HOST=None), 'fail', 'DATABASE_READ_ONLY_HOST'),
    ('required_settings', setting(('env', 'db', 'SCYLLA_HOSTS'), ''), 'fail', 'SCYLLA_HOSTS in db.env'),
    ('secrets_present', server(SESSION_SECRET=None), 'fail', 'SESSION_SECRET'),
    ('secrets_present', setting(('env', 'db', 'API_SERVER_DATABASE_PASSWORD'), ''), 'fail', 'API_SERVER_DATABASE_PASSWORD'),
    ('secrets_not_placeholders', server(SESSION_SECRET='some_long_secret_string'), 'fail', 'SESSION_SECRET'),
    ('secrets_not_placeholders', server(SENDGRID_API_KEY='SG.REAL_API_KEY_HERE'), 'fail', 'SENDGRID_API_KEY'),
    ('secrets_not_placeholders', setting(('env', 'db', 'API_SERVER_DATABASE_PASSWORD'), 'postgres123'), 'fail', 'db.env'),
    ('secrets_length', server(SESSION_SECRET='short-but-not-a-placeholder'), 'fail', 'SESSION_SECRET'),
    ('secrets_length', server(DATABASE_PASSWORD='hunter22'), 'warn', 'DATABASE_PASSWORD'),
    ('ui_url', server(UI_URL=None), 'fail', 'not set'),
    ('ui_url', server(UI_URL='coop.acme.org'), 'fail', 'not an http(s) URL'),
    ('ui_url', server(UI_URL='http://coop.acme.org'), 'fail', 'plain http'),
    ('ui_url', server(UI_URL='https://localhost:3000'), 'fail', 'this machine'),
    ('node_env', server(NODE_ENV='development'), 'fail', "'development': Coop runs in development mode"),
    ('node_env', server(NODE_ENV=None), 'fail', 'unset'),
    # Coop compares NODE_ENV === 'production': anything else is development mode.
    ('node_env', server(NODE_ENV='Production'), 'fail', "'Production', not exactly 'production'"),
    ('node_env', server(NODE_ENV=' production'), 'fail', "' production', not exactly"),
    ('node_env', server(NODE_ENV='production\t'), 'fail', "not exactly"),
    ('ui_url', server(NODE_ENV='development', UI_URL='http://localhost:3000'), 'fail', 'this machine'),
    ('ui_url', server(NODE_ENV='development', UI_URL='http://coop.acme.org'), 'fail', 'plain http'),
    ('ui_url', both(setting(('demo',), True), server(UI_URL='http://coop.acme.org')), 'fail', 'Secure'),
    ('client_ui_url', setting(('env', 'client', 'VITE_UI_URL'), 'https://other.acme.org'), 'fail', 'differs'),
    ('client_ui_url', setting(('env', 'client', 'VITE_UI_URL'), ''), 'warn', 'empty'),
    ('email_senders', server(TEAM_EMAIL=None), 'fail', 'TEAM_EMAIL unset'),
    ('email_senders', server(NOREPLY_EMAIL='noreply@example.com'), 'fail', 'noreply@example.com'),
    ('email_domains', server(SUPPORT_EMAIL='help@othermail.net'), 'warn', 'othermail.net'),
    ('sample_orgs', setting(('postgres', 'sample_orgs'), SAMPLE), 'fail', 'Test Org (e7c89ce7729)'),
    ('default_passwords', setting(('postgres', 'default_password_users'),
                                  [{'id': 'u1', 'email': 'test@example.com', 'org_id': 'e7c89ce7729'}]),
     'fail', 'test@example.com'),
    ('default_passwords', setting(('postgres', 'default_password_users'), None), 'warn', 'bcrypt'),
    ('staging_seed', both(setting(('postgres', 'migrations'), [INITIAL, SEED]),
                          setting(('postgres', 'sample_orgs'), SAMPLE)), 'fail', SEED),
    ('ncmec_env', server(NCMEC_ENV='production'), 'fail', 'approval'),
    ('ncmec_org_settings', setting(('postgres', 'ncmec_orgs'), NCMEC_ORGS), 'warn',
     "NCMEC reporting is on for Acme (acme1), Globex (glob1), but NCMEC_ENV is unset: their CyberTip reports go to "
     "NCMEC's test endpoint"),
    ('ncmec_org_settings', both(setting(('postgres', 'ncmec_orgs'), NCMEC_ORGS), server(NCMEC_ENV='staging')), 'warn',
     'NCMEC_ENV is staging'),
    ('ncmec_org_settings', both(setting(('postgres', 'ncmec_orgs'), NCMEC_ORGS[1:] + [dict(NCMEC_ORGS[0], credentials=False)]),
                                server(NCMEC_ENV='production')), 'fail',
     'NCMEC_ENV=production, but these orgs have no CyberTipline credentials, so their reports cannot be sent: '
     'Acme (acme1)'),
    ('warehouse_adapter', server(WAREHOUSE_ADAPTER='postgresql'), 'fail', 'boot'),
    ('warehouse_adapter', server(WAREHOUSE_ADAPTER=None, DATA_WAREHOUSE_PROVIDER='postgresql'), 'fail', 'boot'),
    ('warehouse_adapter', server(ANALYTICS_ADAPTER='clickhouse'), 'fail', 'requires WAREHOUSE_ADAPTER=clickhouse'),
    ('warehouse_adapter', server(WAREHOUSE_ADAPTER='bigquery'), 'fail', 'unknown adapter bigquery'),
    ('coop_schema', setting(('postgres', 'missing_tables'), ['public.users', 'public."SequelizeMeta"']), 'fail',
     'it has no public.users, public."SequelizeMeta"'),
    ('coop_schema', setting(('postgres', 'migrations'), [SEED]), 'fail', 'records no migration'),
    ('postgres_reachable', setting(('postgres',), {'reachable': False, 'target': 'database coop', 'error': 'refused'}),
     'fail', 'refused'),
    ('redis_reachable', setting(('redis',), {'reachable': False, 'target': 'Redis', 'error': 'WRONGPASS'}),
     'fail', 'WRONGPASS'),
    ('scylla_reachable', both(SCYLLA_ON, setting(('scylla',), {'hosts': ['scylla1:9042', 'scylla2'], 'unreachable': [
        {'host': 'scylla2', 'error': 'timed out'}]})), 'fail', 'scylla2 (timed out)'),
    ('scylla_reachable', both(server(ITEM_INVESTIGATION_AND_STRIKES_ENABLED=None),
                              setting(('scylla',), {'hosts': [], 'unreachable': []})), 'fail', 'SCYLLA_HOSTS is not set'),
    ('clickhouse_reachable', both(CLICKHOUSE, setting(('clickhouse',), {
        'url': 'http://ch:8123/ping', 'reachable': False, 'error': 'Connection refused'})), 'fail', 'Connection refused'),
    ('pending_migrations', setting(('postgres', 'migrations'), [INITIAL]), 'fail', '1 pending: ' + LATER),
    ('pending_migrations', setting(('release',), {'dir': '/opt/x', 'error': 'no db/src/scripts/api-server-pg'}),
     'fail', 'no db/src'),
    ('redis_persistence', setting(('redis', 'config', 'appendonly'), 'no'), 'fail', 'appendonly is no'),
    ('redis_persistence', both(setting(('redis', 'config'), None), setting(('redis', 'config_error'), 'NOPERM')),
     'warn', 'NOPERM'),
    ('redis_eviction', setting(('redis', 'config', 'maxmemory-policy'), 'allkeys-lru'), 'fail', 'allkeys-lru'),
    ('redis_eviction', setting(('redis', 'config'), None), 'warn', 'not permitted'),
    ('pg_connections', server(DATABASE_POOL_MAX=None, DATABASE_READ_POOL_MAX=None), 'warn', '540'),
    ('pg_connections', server(ITEM_QUEUE_TRAFFIC_PERCENTAGE='0.5', DATABASE_POOL_MAX='20'), 'warn', '5 processes'),
    # The config role's pools (10 + 20 per process) with a worker on each of the two app hosts.
    ('pg_connections', CONFIG_ROLE_POOLS_WITH_WORKERS, 'warn', 'may open 150 connections'),
    ('unsafe_flags', server(EXPOSE_SENSITIVE_IMPLEMENTATION_DETAILS_IN_ERRORS='true'), 'fail',
     'EXPOSE_SENSITIVE_IMPLEMENTATION_DETAILS_IN_ERRORS'),
    ('unsafe_flags', server(ALLOW_USER_INPUT_LOCALHOST_URIS='true'), 'fail', 'ALLOW_USER_INPUT_LOCALHOST_URIS'),
    ('db_env_agrees', server(DATABASE_NAME='development'), 'warn', 'DATABASE_NAME=development'),
    ('coop_units', setting(('units', 'failed'), [{'unit': 'coop-api.service', 'journal': ['Error: x']}]), 'fail', 'x'),
    ('backup_recent', setting(('backups', 'age_hours'), 30.0), 'warn', 'is 30 hours old (more than 24)'),
    ('backup_recent', setting(('backups', 'newest'), None), 'warn', 'no dump of the database in /var/backups/coop'),
    ('backup_recent', setting(('backups', 'error'), 'cannot list /var/backups/coop'), 'warn', 'cannot list'),
    ('tls', setting(('edge', 'tls', 'names'), ['other.acme.org']), 'fail', 'for other.acme.org, not coop.acme.org'),
    ('tls', setting(('edge', 'tls', 'names'), ['*.trust.acme.org']), 'fail', 'not coop.acme.org'),
    ('tls', setting(('edge', 'tls', 'days_left'), -2.0), 'fail', 'expired on 2027-01-30'),
    # An expired certificate also fails verification: reported once, as expired.
    ('tls', both(setting(('edge', 'tls', 'days_left'), -2.0), setting(('edge', 'tls', 'verified'), False),
                 setting(('edge', 'tls', 'verify_code'), 10)), 'fail', 'expired on 2027-01-30 00:00 UTC'),
    ('tls', setting(('edge', 'tls', 'days_left'), 6.9), 'fail', 'expires in 6.9 days'),
    ('tls', setting(('edge', 'tls', 'days_left'), 20.9), 'warn', 'expires in 21 days'),
    ('tls', both(setting(('edge', 'tls', 'verified'), False), setting(('edge', 'tls', 'verify_code'), 20),
                 setting(('edge', 'tls', 'verify_error'), 'unable to get local issuer certificate')),
     'fail', "chain does not verify against the system's CAs: unable to get local issuer certificate"),
    ('tls', both(setting(('edge', 'tls', 'self_signed'), True), setting(('edge', 'tls_mode'), 'self_signed'),
                 setting(('edge', 'tls', 'verified'), False), setting(('edge', 'tls', 'verify_code'), 18)),
     'warn', 'self-signed (coop_tls: self_signed): browsers warn, for staging only'),
    ('tls', both(setting(('edge', 'tls', 'self_signed'), True), setting(('edge', 'tls', 'verified'), False),
                 setting(('edge', 'tls', 'verify_code'), 18)), 'fail', 'self-signed: browsers refuse it'),
    ('tls', setting(('edge', 'tls'), {'host': 'coop.acme.org', 'port': 443, 'error': 'Connection refused'}), 'fail',
     'no TLS answer from coop.acme.org:443: Connection refused'),
    ('hsts', setting(('edge', 'hsts', 'header'), None), 'warn', 'sends no Strict-Transport-Security header'),
    ('hsts', setting(('edge', 'hsts', 'header'), 'max-age=0'), 'warn', 'max-age below 31536000'),
    ('hsts', setting(('edge', 'hsts', 'header'), 'max-age=300'), 'warn', 'max-age below 31536000'),
    ('hsts', both(setting(('edge', 'hsts', 'header'), 'max-age=86400'), setting(('edge', 'hsts_min_age'), 0)), 'warn',
     'below 15552000'),
    ('hsts', setting(('edge', 'hsts', 'redirect'), {'status': 200, 'location': None}), 'warn',
     'http://coop.acme.org/ answers 200 instead of redirecting to https://coop.acme.org'),
    ('hsts', setting(('edge', 'hsts', 'redirect'), {'status': 301, 'location': 'http://coop.acme.org/'}), 'warn',
     'answers 301 to http://coop.acme.org/'),
    ('hsts', setting(('edge', 'hsts', 'redirect'), {'error': 'Connection refused'}), 'warn', 'does not answer'),
    ('hsts', setting(('edge', 'hsts', 'challenge'), {'status': 301, 'location': 'https://coop.acme.org/x'}), 'warn',
     'acme-challenge'),
    ('internal_ports', setting(('edge', 'ports', 1, 'open'), True), 'fail',
     'reachable from the controller, which is no allowed peer: db1:5432 (PostgreSQL)'),
    ('internal_ports', setting(('edge', 'ports', 1), {'host': 'db1', 'port': 5432, 'what': 'PostgreSQL', 'unresolved': True}),
     'warn', 'cannot resolve: db1:5432'),
    ('internal_ports', both(setting(('edge', 'ports', 0, 'unresolved'), True), setting(('edge', 'ports', 1, 'unresolved'), True)),
     'warn', 'nothing probed from outside'),
]

# Other ways to pass than the baseline.
ALSO_PASSING = [
    ('ncmec_env', both(server(NCMEC_ENV='production'), setting(('ncmec_approved',), True))),
    ('ncmec_org_settings', both(server(NCMEC_ENV='production'), setting(('postgres', 'ncmec_orgs'), NCMEC_ORGS))),
    ('ui_url', both(setting(('demo',), True), server(NODE_ENV='development', UI_URL='http://localhost:3000'))),
    ('ui_url', both(setting(('demo',), True), server(UI_URL='http://127.0.0.1:8880'))),
    ('node_env', both(setting(('demo',), True), server(NODE_ENV='development'))),
    ('node_env', both(setting(('demo',), True), server(NODE_ENV=None))),
    ('client_ui_url', setting(('env', 'client'), {})),
    ('client_ui_url', setting(('env', 'client', 'VITE_UI_URL'), 'https://COOP.acme.org/')),
    ('email_domains', server(UI_URL='https://coop.trust.acme.org')),
    ('staging_seed', setting(('postgres', 'migrations'), [INITIAL, SEED])),
    ('scylla_reachable', both(SCYLLA_ON, setting(('scylla',), {'hosts': ['scylla1:9042'], 'unreachable': []}))),
    ('clickhouse_reachable', both(CLICKHOUSE, setting(('clickhouse',), {'url': 'http://ch:8123/ping', 'reachable': True}))),
    ('warehouse_adapter', server(WAREHOUSE_ADAPTER='clickhouse', ANALYTICS_ADAPTER='clickhouse')),
    ('pg_connections', server(DATABASE_READ_ONLY_HOST='replica.internal', DATABASE_POOL_MAX='30')),
    ('pg_connections', CONFIG_ROLE_POOLS),  # 2 API + 1 job, 30 each: 90 of 97
    ('unsafe_flags', server(ALLOW_USER_INPUT_LOCALHOST_URIS='false')),
    ('tls', setting(('edge', 'tls', 'names'), ['*.acme.org'])),
    ('tls', setting(('edge', 'tls', 'days_left'), 21.0)),
    ('hsts', setting(('edge', 'hsts', 'header'), 'includeSubDomains; Max-Age="31536000"')),
    ('hsts', setting(('edge', 'hsts', 'redirect'), {'status': 308, 'location': 'https://coop.acme.org/'})),
    # The controller is a peer of one port (loopback, or one of the allowed hosts): not judged there.
    ('internal_ports', both(setting(('edge', 'ports', 0, 'open'), True), setting(('edge', 'ports', 0, 'controller_peer'), True))),
    ('internal_ports', both(setting(('edge', 'ports', 0, 'open'), True), setting(('edge', 'ports', 0, 'local'), True))),
]


OFF_IN_BASELINE = ('scylla_reachable', 'clickhouse_reachable')


def make(mutation=None):
    facts = copy.deepcopy(BASELINE)
    if mutation:
        mutation(facts)
    return facts


def test_baseline_passes_or_skips_only_where_a_service_is_off():
    results = coop_checks.run(make())
    statuses = dict((r['id'], r['status']) for r in results)
    assert statuses.pop('scylla_reachable') == 'skip'
    assert statuses.pop('clickhouse_reachable') == 'skip'
    assert set(statuses.values()) == {'pass'}, statuses
    assert all(r['remedy'] == '' for r in results if r['status'] == 'pass')
    assert [r['id'] for r in results] == coop_checks.ids()


@pytest.mark.parametrize('check_id,mutation,status,words', BROKEN,
                         ids=['%s-%d' % (case[0], n) for n, case in enumerate(BROKEN)])
def test_broken(check_id, mutation, status, words):
    result = evaluate(make(mutation), check_id)
    assert result['status'] == status, result
    assert words in result['detail'], result
    assert result['remedy'], result
    assert evaluate(make(), check_id)['status'] == ('skip' if check_id in OFF_IN_BASELINE else 'pass')


@pytest.mark.parametrize('check_id,mutation', ALSO_PASSING,
                         ids=['%s-%d' % (case[0], n) for n, case in enumerate(ALSO_PASSING)])
def test_also_passing(check_id, mutation):
    result = evaluate(make(mutation), check_id)
    assert result['status'] == 'pass', result


def test_module_docs_list_every_check_id():
    import yaml
    from ansible_collections.roost.coop.plugins.modules import coop_checklist
    text = ' '.join(yaml.safe_load(coop_checklist.DOCUMENTATION)['options']['checks']['description'])
    assert [check_id for check_id in coop_checks.ids() if 'C(%s)' % check_id not in text] == []


def test_every_check_has_a_failing_or_warning_case():
    assert set(coop_checks.ids()) - set(case[0] for case in BROKEN) == set()


@pytest.mark.parametrize('mutation', [case[1] for case in BROKEN])
def test_no_secret_value_in_any_result(mutation):
    facts = make(mutation)
    text = repr(coop_checks.run(facts))
    for kind in ('server', 'db'):
        for name, value in facts['env'][kind].items():
            if value and coop_checks.catalog.is_secret(name):
                assert value not in text, name


@pytest.mark.parametrize('part', ['postgres', 'redis'])
def test_checks_skip_without_facts(part):
    facts = make(setting((part,), None))
    skipped = [r['id'] for r in coop_checks.run(facts) if r['status'] == 'skip']
    assert '%s_reachable' % part in skipped


def test_a_failed_database_read_warns_instead_of_passing():
    # Connected, but e.g. SELECT on public.users was refused: what was not read proves nothing.
    needs = {'sample_orgs': ['sample_orgs'], 'default_passwords': ['default_password_users'],
             'staging_seed': ['migrations'], 'pending_migrations': ['migrations'], 'pg_connections': ['max_connections']}
    for check_id, keys in needs.items():
        facts = make(setting(('postgres', 'query_error'), 'permission denied for table users'))
        for key in keys:
            del facts['postgres'][key]
        result = evaluate(facts, check_id)
        assert result['status'] == 'warn' and 'permission denied' in result['detail'], result
    # What was read before the error still counts.
    facts = make(both(setting(('postgres', 'sample_orgs'), SAMPLE), setting(('postgres', 'query_error'), 'denied')))
    del facts['postgres']['default_password_users']
    assert evaluate(facts, 'sample_orgs')['status'] == 'fail'
    assert evaluate(facts, 'default_passwords')['status'] == 'warn'


def test_skip_without_env_files():
    facts = make(setting(('env',), {'server': None, 'db': None, 'client': None}))
    facts['files'] = []
    results = dict((r['id'], r['status']) for r in coop_checks.run(facts))
    for check_id in ('env_files', 'required_settings', 'secrets_present', 'ui_url', 'ncmec_env', 'unsafe_flags',
                     'client_ui_url', 'db_env_agrees'):
        assert results[check_id] == 'skip', check_id


def test_pending_scripts_follow_the_seed_rule():
    scripts = [INITIAL, SEED, 'x.seed.prod.sql', LATER, 'README.md']
    assert coop_checks.pending_scripts(scripts, [INITIAL]) == [LATER, 'x.seed.prod.sql']
    assert coop_checks.pending_scripts(scripts, [INITIAL], env='staging') == [SEED, LATER]
    assert seed_env(SEED) == 'staging' and seed_env(INITIAL) is None


def test_pool_demand_counts_workers_and_read_pool():
    env = {'DATABASE_HOST': 'db', 'DATABASE_READ_ONLY_HOST': 'db', 'ITEM_QUEUE_TRAFFIC_PERCENTAGE': '1'}
    assert coop_checks.pool_demand(env, {'api': 2})[0] == (2 + 2 + 1) * (30 + 150)
    assert coop_checks.pool_demand(env, {'api': 1, 'worker': 0})[0] == 2 * 180
    env['DATABASE_READ_ONLY_HOST'] = 'replica'
    assert coop_checks.pool_demand(env, {'api': 1, 'worker': 0})[0] == 2 * 30
    assert coop_checks.pool_demand(env, {'api': 1, 'worker': 0, 'jobs': 3})[0] == 4 * 30
    env.update(DATABASE_HOST='localhost', DATABASE_READ_ONLY_HOST='127.0.0.1')
    assert coop_checks.pool_demand(env, {'api': 1, 'worker': 0, 'jobs': 0})[0] == 1 * 180
    env['DATABASE_READ_ONLY_HOST'] = ''
    assert coop_checks.pool_demand(env, {'api': 1, 'worker': 0})[0] == 2 * 180


def test_blocking_and_summary():
    results = coop_checks.run(make(both(server(SUPPORT_EMAIL='help@othermail.net'), server(NCMEC_ENV='production'))))
    summary = coop_checks.summary(results)
    assert summary['failed'] == ['ncmec_env'] and summary['warned'] == ['email_domains']
    assert [r['id'] for r in coop_checks.blocking(results, 'fail')] == ['ncmec_env']
    assert sorted(r['id'] for r in coop_checks.blocking(results, 'warn')) == ['email_domains', 'ncmec_env']
    assert coop_checks.blocking(results, 'never') == []
    lines = coop_checks.table(results)
    assert lines[1].startswith('FAIL  ncmec_env') and 'fix: ' in lines[2]


def test_delete_order_puts_children_first():
    tables = [('public', 'actions'), ('public', 'rules'), ('public', 'rules_actions'), ('public', 'users'),
              ('public', 'roles')]
    edges = [(('public', 'rules_actions'), ('public', 'rules')), (('public', 'rules_actions'), ('public', 'actions')),
             (('public', 'users'), ('public', 'roles')), (('public', 'users'), ('public', 'orgs'))]
    order = delete_order(tables, edges)
    assert sorted(order) == sorted(tables)
    for child, parent in edges:
        if parent in tables:
            assert order.index(child) < order.index(parent)
    cyclic = delete_order([('s', 'a'), ('s', 'b')], [(('s', 'a'), ('s', 'b')), (('s', 'b'), ('s', 'a'))])
    assert sorted(cyclic) == [('s', 'a'), ('s', 'b')]


def test_default_password_users_verifies_each_distinct_hash_once(monkeypatch):
    import bcrypt
    from ansible_collections.roost.coop.plugins.module_utils import coop_sample
    # Coop's bcryptjs writes $2a$ hashes at cost 5 (coop-facts 4).
    seed = bcrypt.hashpw(b'testpassword123', bcrypt.gensalt(5, prefix=b'2a')).decode()
    other = bcrypt.hashpw(b'a real password', bcrypt.gensalt(5, prefix=b'2a')).decode()
    assert seed.startswith('$2a$05$')
    calls = []
    real_verify = coop_sample.verify
    monkeypatch.setattr(coop_sample, 'verify', lambda password, hashed: calls.append(hashed) or real_verify(password, hashed))
    rows = [{'id': 'u1', 'email': 'a@x', 'org_id': 'o1', 'password': seed},
            {'id': 'u2', 'email': 'b@x', 'org_id': 'o2', 'password': other},
            {'id': 'u3', 'email': 'c@x', 'org_id': 'o1', 'password': seed},
            {'id': 'u4', 'email': 'd@x', 'org_id': 'o1', 'password': 'not-a-hash'}]
    found = coop_sample.default_password_users(rows, coop_sample.DEFAULT_PASSWORDS)
    assert [u['id'] for u in found] == ['u1', 'u3'] and 'password' not in found[0]
    assert sorted(calls) == sorted([seed, other, 'not-a-hash'])
    assert [u['id'] for u in coop_sample.default_password_users(rows, ['a real password'])] == ['u2']
    locked = coop_sample.unusable_hash()
    assert locked.startswith('$2') and not coop_sample.verify('testpassword123', locked)
    assert locked != coop_sample.unusable_hash()


# ---- the go-live verdict and the Coop-database rule (issue 11 items 4-6) ----

DEPENDENT = ('sample_orgs', 'default_passwords', 'staging_seed', 'pending_migrations')
# A reachable database without Coop's tables, read as the module reads it (wrong DATABASE_NAME).
NOT_COOP = setting(('postgres',), {'reachable': True, 'target': 'database postgres on db.internal:5432 as coop',
                                   'max_connections': 100, 'reserved_connections': 3,
                                   'missing_tables': list(coop_checks.COOP_TABLES), 'migrations': None,
                                   'sample_orgs': [], 'default_password_users': []})


def test_a_database_that_is_not_coops_fails_every_check_that_reads_it():
    found = dict((r['id'], r) for r in coop_checks.run(make(NOT_COOP)))
    assert found['postgres_reachable']['status'] == 'pass'
    assert found['coop_schema']['status'] == 'fail'
    assert 'DATABASE_NAME' in found['coop_schema']['remedy'] and 'db:update' in found['coop_schema']['remedy']
    for check_id in DEPENDENT:
        assert found[check_id]['status'] == 'fail', found[check_id]
        assert 'not a migrated Coop database' in found[check_id]['detail']
        assert 'coop_schema' in found[check_id]['remedy']
    # max_connections does not depend on Coop's tables.
    assert found['pg_connections']['status'] == 'pass'
    assert coop_checks.headline(list(found.values())).startswith('NOT READY FOR GO-LIVE: ')


def test_headline():
    results = coop_checks.run(make())
    assert coop_checks.headline(results) == 'READY FOR GO-LIVE'
    assert coop_checks.table(results, title='READY FOR GO-LIVE')[:2] == [
        'READY FOR GO-LIVE', coop_checks.table(results)[0]]
    assert coop_checks.headline(results, demo=True) == 'DEMO INSTALL, NOT FOR GO-LIVE (coop_demo: true)'
    warned = coop_checks.run(make(server(SUPPORT_EMAIL='help@othermail.net')))
    assert coop_checks.headline(warned) == 'READY FOR GO-LIVE: 1 to review (email_domains)'
    development = coop_checks.run(make(server(NODE_ENV='development')))
    assert coop_checks.headline(development) == 'NOT READY FOR GO-LIVE: 1 failed (node_env)'
    demo = make(both(setting(('demo',), True), server(NODE_ENV='development', UI_URL='https://localhost:3000')))
    demo['env']['client']['VITE_UI_URL'] = 'https://localhost:3000'
    assert coop_checks.headline(coop_checks.run(demo), demo=True) == \
        'DEMO INSTALL, NOT FOR GO-LIVE (coop_demo: true): 1 to review (email_domains)'
    some = coop_checks.run(make(), only=['ncmec_env'])
    assert coop_checks.headline(some, partial=True).startswith('PARTIAL CHECK, NOT A GO-LIVE VERDICT')
    unchecked = coop_checks.run(make(setting(('postgres',), None)))
    assert coop_checks.headline(unchecked) == 'NOT READY FOR GO-LIVE: not checked: postgres_reachable, coop_schema'


def test_node_env_value_shown_only_when_short():
    result = evaluate(make(server(NODE_ENV='x' * 40)), 'node_env')
    assert result['status'] == 'fail' and 'a 40-character value' in result['detail'] and 'x' * 40 not in result['detail']


@pytest.mark.parametrize('url,mode', [('http://127.0.0.1:8880', 'off'), ('http://coop.acme.org', 'off')])
def test_tls_and_hsts_do_not_apply_over_http(url, mode):
    facts = make(both(setting(('edge', 'ui_url'), url), setting(('edge', 'tls_mode'), mode),
                      setting(('edge', 'tls'), None), setting(('edge', 'hsts'), None)))
    for check_id in ('tls', 'hsts'):
        result = evaluate(facts, check_id)
        assert (result['status'], result['remedy']) == ('skip', ''), result
        assert 'not applicable: coop_ui_url %s is http:// and coop_tls is off' % url in result['detail']


def test_edge_checks_skip_on_hosts_without_the_probe():
    for check_id in ('tls', 'hsts', 'internal_ports'):
        result = evaluate(make(setting(('edge',), None)), check_id)
        assert result['status'] == 'skip' and 'first host' in result['detail'], result


def test_local_demo_ports_are_not_alarming():
    """The local inventory: one container the controller cannot resolve, firewall off: no fail, no warn."""
    unresolved = both(setting(('demo',), True), setting(('edge', 'ports'), [
        {'host': 'coop-local', 'address': 'coop-local', 'port': port, 'what': what, 'open': False, 'unresolved': True,
         'local': False, 'controller_peer': False} for port, what in ((8080, 'Coop API'), (5432, 'PostgreSQL'))]))
    result = evaluate(make(unresolved), 'internal_ports')
    assert result['status'] == 'skip' and 'cannot resolve: coop-local:8080 (Coop API)' in result['detail'], result
    # Everything on the controller itself (ansible_connection: local): open, but loopback is a peer.
    local = both(setting(('demo',), True), setting(('edge', 'ports'), [
        {'host': 'one', 'address': '127.0.0.1', 'port': 8080, 'what': 'Coop API', 'open': True, 'local': True}]))
    result = evaluate(make(local), 'internal_ports')
    assert result['status'] == 'skip' and 'the controller is the host or an allowed peer: one:8080' in result['detail']


def test_every_tls_problem_is_reported_once_with_its_fix():
    facts = make(both(setting(('edge', 'tls', 'names'), ['other.acme.org']), setting(('edge', 'tls', 'days_left'), 3.0),
                      setting(('edge', 'tls', 'verified'), False), setting(('edge', 'tls', 'verify_code'), 20),
                      setting(('edge', 'tls', 'verify_error'), 'unable to get local issuer certificate')))
    result = evaluate(facts, 'tls')
    assert result['status'] == 'fail'
    assert [result['detail'].count(words) for words in ('other.acme.org', 'expires in 3.0 days', 'local issuer')] == [1, 1, 1]
    assert [result['remedy'].count(words) for words in ('covers', 'renew it', 'full chain')] == [0, 1, 1]
    assert 'coop_tls_cert_file must cover it' in result['remedy']


@pytest.mark.parametrize('names,host,covered', [
    (['coop.acme.org'], 'COOP.acme.org.', True), (['*.acme.org'], 'coop.acme.org', True),
    (['*.acme.org'], 'a.coop.acme.org', False), (['*.acme.org'], 'acme.org', False), (['10.0.0.5'], '10.0.0.5', True),
    ([], 'coop.acme.org', False), (None, 'coop.acme.org', False)])
def test_covers(names, host, covered):
    assert coop_checks.covers(names, host) is covered


@pytest.mark.parametrize('header,age', [('max-age=31536000', 31536000), (' MAX-AGE = "600" ; preload', 600),
                                        ('includeSubDomains', None), ('max-age=soon', None), ('', None), (None, None)])
def test_hsts_max_age(header, age):
    assert coop_checks.hsts_max_age(header) == age


@pytest.mark.parametrize('code,mode,status', [(10, 'acme', 'fail'), (18, 'self_signed', 'warn')])
def test_expired_or_self_signed_is_not_also_a_chain_problem(code, mode, status):
    """OpenSSL fails verification of an expired or self-signed certificate too: reported once, on its own."""
    facts = make(both(setting(('edge', 'tls', 'verified'), False), setting(('edge', 'tls', 'verify_code'), code),
                      setting(('edge', 'tls_mode'), mode),
                      setting(('edge', 'tls', 'days_left'), -1.0 if code == 10 else 60.0),
                      setting(('edge', 'tls', 'self_signed'), code == 18)))
    result = evaluate(facts, 'tls')
    assert result['status'] == status and 'chain' not in result['detail'], result
