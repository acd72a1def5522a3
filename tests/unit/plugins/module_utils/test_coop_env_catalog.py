"""Env catalog: shape, secrets, placeholders, closest key, value and production checks."""

import pytest

from ansible_collections.roost.coop.plugins.module_utils import coop_env_catalog as cat


def test_every_entry_is_well_formed():
    for kind in cat.KINDS:
        assert cat.VARS[kind], kind
        for name, var in cat.VARS[kind].items():
            assert var.name == name and var.kind == kind
            assert var.type in cat.TYPES and var.required in cat.REQUIRED
            assert var.doc and '(' in var.doc, name  # cites a coop-facts section
            assert (var.choices is not None) == (var.type == 'enum'), name
            if var.default is not None and var.type in ('int', 'float', 'enum', 'bool'):
                assert cat.value_problem(var, str(var.default)) is None, name


@pytest.mark.parametrize('kind,name', [
    ('db', 'API_SERVER_DATABASE_PASSWORD'), ('db', 'SCYLLA_HOSTS'), ('server', 'SESSION_SECRET'),
    ('server', 'UI_URL'), ('server', 'ITEM_QUEUE_TRAFFIC_PERCENTAGE'), ('server', 'PORT'),
    ('server', 'DATABASE_READ_ONLY_HOST'), ('client', 'VITE_UI_URL'),
])
def test_known_keys_present(kind, name):
    assert name in cat.VARS[kind]


def test_secrets():
    for name in ('SESSION_SECRET', 'DATABASE_PASSWORD', 'API_SERVER_DATABASE_PASSWORD', 'REDIS_PASSWORD',
                 'SENDGRID_API_KEY', 'CLICKHOUSE_PASSWORD', 'SCYLLA_PASSWORD', 'READ_ME_JWT_SECRET'):
        assert cat.is_secret(name), name
    for name in ('UI_URL', 'DATABASE_HOST', 'VITE_GOOGLE_PLACES_API_KEY', 'NODE_ENV', 'AWS_ACCESS_KEY_ID'):
        assert not cat.is_secret(name), name
    # unknown names that look like credentials are masked too
    assert cat.is_secret('AWS_SECRET_ACCESS_KEY') and cat.is_secret('MY_API_TOKEN')


def test_placeholders():
    for value in ('some_long_secret_string', 'postgres123', 'SG.REAL_API_KEY_HERE', 'clickhouse', 'cassandra',
                  ' Postgres123 ', 'testpassword123'):
        assert cat.is_placeholder(value), value
    assert not cat.is_placeholder('x7Gq2v9LrT0pWmZ4sK8cN1bY6dH3fJ5a')
    assert not cat.is_placeholder(None)
    assert cat.MIN_SECRET_LENGTH == 32


def test_closest():
    assert cat.closest('DATABSE_HOST', 'server') == 'DATABASE_HOST'
    assert cat.closest('SESION_SECRET', 'server') == 'SESSION_SECRET'
    assert cat.closest('DATABASE_HOST', 'db') == 'API_SERVER_DATABASE_HOST'
    assert cat.closest('VITE_UI_ULR', 'client') == 'VITE_UI_URL'
    assert cat.closest('COMPLETELY_DIFFERENT_THING', 'client') is None
    message = cat.unknown_message('DATABASE_HOST', 'db')
    assert 'server env file' in message and 'API_SERVER_DATABASE_HOST' in message


def test_known_prefixes():
    assert cat.is_known('OTEL_EXPORTER_OTLP_ENDPOINT', 'server')
    assert cat.is_known('NODE_EXTRA_CA_CERTS', 'server')
    assert not cat.is_known('OTEL_EXPORTER_OTLP_ENDPOINT', 'client')
    assert not cat.is_known('SESION_SECRET', 'server')


@pytest.mark.parametrize('kind,name,value,fragment', [
    ('server', 'REDIS_USE_CLUSTER', 'yes', 'only true'),
    ('server', 'REDIS_USE_CLUSTER', 'TRUE', 'only true'),
    ('server', 'DATABASE_SSL', 'maybe', 'true or false'),
    ('server', 'ITEM_INVESTIGATION_AND_STRIKES_ENABLED', 'off', 'true or false'),
    ('server', 'ITEM_QUEUE_TRAFFIC_PERCENTAGE', '1.5', '0..1'),
    ('server', 'ITEM_QUEUE_TRAFFIC_PERCENTAGE', '-0.1', '0..1'),
    ('server', 'ITEM_QUEUE_TRAFFIC_PERCENTAGE', 'five', 'number'),
    ('server', 'ITEM_QUEUE_TRAFFIC_PERCENTAGE', 'nan', 'number'),
    ('server', 'PORT', '80a', 'whole number'),
    ('server', 'PORT', '70000', '1..65535'),
    ('server', 'WAREHOUSE_ADAPTER', 'postgresql', 'fails at boot'),
    ('server', 'WAREHOUSE_ADAPTER', 'bigquery', 'one of'),
    ('server', 'NCMEC_ENV', 'prod', 'one of'),
    ('server', 'NODE_ENV', 'staging', 'one of'),
    ('server', 'UI_URL', 'coop.example.org', 'absolute'),
    ('db', 'SCYLLA_HOSTS', 'a,,b', 'comma list'),
    ('db', 'SCYLLA_HOSTS', '', 'empty'),
])
def test_value_problems(kind, name, value, fragment):
    problem = cat.value_problem(cat.VARS[kind][name], value)
    assert problem and fragment in problem and name in problem


@pytest.mark.parametrize('kind,name,value', [
    ('server', 'REDIS_USE_CLUSTER', 'false'), ('server', 'DATABASE_SSL', 'yes'),
    ('server', 'ITEM_INVESTIGATION_AND_STRIKES_ENABLED', 'False'), ('server', 'ITEM_QUEUE_TRAFFIC_PERCENTAGE', '0.05'),
    ('server', 'ITEM_QUEUE_TRAFFIC_PERCENTAGE', '1'), ('server', 'WAREHOUSE_ADAPTER', 'noop'),
    ('server', 'NCMEC_ENV', 'production'), ('server', 'UI_URL', 'https://coop.example.org'),
    ('db', 'SCYLLA_HOSTS', 'unused'), ('db', 'SCYLLA_HOSTS', '10.0.0.1:9042,10.0.0.2'), ('server', 'SENDGRID_API_KEY', ''),
])
def test_value_ok(kind, name, value):
    assert cat.value_problem(cat.VARS[kind][name], value) is None


def good_server():
    return {
        'NODE_ENV': 'production', 'UI_URL': 'https://coop.example.org', 'DATABASE_HOST': 'db1',
        'DATABASE_READ_ONLY_HOST': 'db1', 'DATABASE_NAME': 'coop', 'DATABASE_USER': 'coop',
        'DATABASE_PASSWORD': 'Zq8v2LmT0pWmZ4sK', 'SESSION_SECRET': 'a' * 16 + 'b' * 16,
        'REDIS_HOST': 'r1', 'REDIS_USE_CLUSTER': 'false', 'ITEM_QUEUE_TRAFFIC_PERCENTAGE': '0',
        'ITEM_INVESTIGATION_AND_STRIKES_ENABLED': 'false', 'WAREHOUSE_ADAPTER': 'noop', 'ANALYTICS_ADAPTER': 'noop',
        'NOREPLY_EMAIL': 'noreply@coop.example.org', 'SUPPORT_EMAIL': 'support@coop.example.org',
        'TEAM_EMAIL': 'team@coop.example.org',
    }


def test_production_server_good():
    assert cat.production_problems('server', good_server()) == []


def test_production_server_reports_everything_at_once():
    env = good_server()
    for key in ('DATABASE_READ_ONLY_HOST', 'DATABASE_NAME', 'REDIS_USE_CLUSTER', 'ITEM_QUEUE_TRAFFIC_PERCENTAGE'):
        del env[key]
    env.update({'SESSION_SECRET': 'some_long_secret_string', 'UI_URL': 'http://coop.example.org',
                'WAREHOUSE_ADAPTER': 'postgresql', 'ANALYTICS_ADAPTER': 'clickhouse',
                'SENDGRID_API_KEY': 'SG.REAL_API_KEY_HERE', 'NOREPLY_EMAIL': 'noreply@example.com',
                'ITEM_INVESTIGATION_AND_STRIKES_ENABLED': 'true'})
    problems = cat.production_problems('server', env)
    text = '\n'.join(problems)
    for fragment in ('DATABASE_READ_ONLY_HOST', 'DATABASE_NAME', 'REDIS_USE_CLUSTER', 'ITEM_QUEUE_TRAFFIC_PERCENTAGE',
                     'SESSION_SECRET holds a placeholder', 'UI_URL is plain http://', 'WAREHOUSE_ADAPTER=postgresql',
                     'ANALYTICS_ADAPTER=clickhouse needs', 'SENDGRID_API_KEY holds a placeholder', 'NOREPLY_EMAIL',
                     'SCYLLA_HOSTS', 'CLICKHOUSE_HOST'):
        assert fragment in text, fragment
    # no secret value leaks into messages
    assert 'some_long_secret_string' not in text and 'SG.REAL_API_KEY_HERE' not in text


def test_production_short_secret_and_insecure_allowed():
    env = good_server()
    env['SESSION_SECRET'] = 'short-but-random-1'
    assert any('at least 32' in p for p in cat.production_problems('server', env))
    env = good_server()
    env.update({'UI_URL': 'http://coop.internal', 'NODE_ENV': 'development'})
    assert len(cat.production_problems('server', env)) == 2
    assert cat.production_problems('server', env, allow_insecure_ui_url=True) == []


def test_production_ui_url_must_be_origin():
    env = good_server()
    env['UI_URL'] = 'https://coop.example.org/app'
    assert any('origin without path' in p for p in cat.production_problems('server', env))


def test_production_db_and_client():
    assert len(cat.production_problems('db', {})) == 5
    good = {'API_SERVER_DATABASE_HOST': 'db1', 'API_SERVER_DATABASE_NAME': 'coop', 'API_SERVER_DATABASE_USER': 'coop',
            'API_SERVER_DATABASE_PASSWORD': 'Zq8v2LmT0pWmZ4sK', 'SCYLLA_HOSTS': 'unused'}
    assert cat.production_problems('db', good) == []
    good['API_SERVER_DATABASE_PASSWORD'] = 'postgres123'
    assert cat.production_problems('db', good) == [
        "API_SERVER_DATABASE_PASSWORD holds a placeholder from Coop's example files; set a real secret"]
    assert cat.production_problems('client', {'VITE_UI_URL': 'https://coop.example.org'}) == []
    assert cat.production_problems('client', {'VITE_UI_URL': ''})
    assert cat.production_problems('client', {'VITE_CONTENT_PROXY_URL': 'http://localhost:4000'})


def test_check_input_converts_and_collects_everything():
    values, errors, warnings = cat.check_input('server', {
        'REDIS_USE_CLUSTER': False, 'PORT': 8080, 'ITEM_QUEUE_TRAFFIC_PERCENTAGE': 0.05, 'UI_URL': 'https://c.example',
        'SESION_SECRET': 'x', 'NCMEC_ENV': 'prod', 'DATABASE_PASSWORD': ['not', 'a', 'string'],
        'SESSION_SECRET': '',
    }, generate=['PORT'])
    assert values['REDIS_USE_CLUSTER'] == 'false' and values['PORT'] == '8080'
    assert values['ITEM_QUEUE_TRAFFIC_PERCENTAGE'] == '0.05'
    assert warnings == ['unknown server env key SESION_SECRET: Coop does not read it; did you mean SESSION_SECRET?']
    text = '\n'.join(errors)
    assert 'NCMEC_ENV must be one of' in text and 'DATABASE_PASSWORD: give a string' in text
    assert 'PORT is a int, not a secret' in text and len(errors) == 3
    errors, warnings = cat.check_input('server', {'SESION_SECRET': 'x'}, strict=True)[1:]
    assert warnings == [] and 'did you mean SESSION_SECRET' in errors[0]


@pytest.mark.parametrize('strict', [False, True])
def test_check_input_hides_secret_values(strict):
    value = 'Zq8v2LmT0pWmZ4sK-secret'
    values, errors, warnings = cat.check_input('server', {
        'SENDGRID_API_KEY': value, 'MY_API_TOKEN': value, 'SESSION_SECRET': [value]}, strict=strict)
    assert values == {'SENDGRID_API_KEY': value, 'MY_API_TOKEN': value}
    assert any('MY_API_TOKEN' in m for m in errors + warnings)
    assert any('SESSION_SECRET: give a string' in m for m in errors)
    assert value not in '\n'.join(errors + warnings)
    assert cat.as_env_string(True) == 'true' and cat.as_env_string(None) is None
