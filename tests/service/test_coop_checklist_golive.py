"""The go-live verdict must not pass what is wrong (issue 11, items 4-6): NODE_ENV compared as
Coop compares it, a database that is not Coop's failing every check that reads it, and a
development install never called ready unless the inventory declares a demo."""

import json
import sys

import pytest

from tests.conftest import ansible_playbook, pg_connect, play_recap
from tests.fixtures import coop_schema
from tests.service import checklist_support as live
from tests.service.test_coop_checklist import Deployment, statuses
from tests.service.test_coop_env_node import node_reads

READS_THE_DATABASE = ('sample_orgs', 'default_passwords', 'staging_seed', 'pending_migrations')


@pytest.fixture(scope='module')
def redis_port():
    with live.redis_server(*live.PERSISTENT) as port:
        yield port


@pytest.fixture
def deployment(tmp_path, scratch_db, redis_port):
    return Deployment(tmp_path, scratch_db(), redis_port)


# NODE_ENV lines as an operator may write them; Coop is in production mode only when Node reads
# exactly 'production' (Coop tests NODE_ENV === 'production').
NODE_ENV_LINES = ['production', 'Production', '" production"', 'PRODUCTION', "'production'", ' production ',
                  'production # the real one', '"production "']


def test_node_env_is_compared_as_coop_compares_it(deployment):
    verdicts = {}
    for value in NODE_ENV_LINES:
        result = deployment.run(server={'NODE_ENV': value}, checks=['node_env'], fail_on='never')
        coop_mode = node_reads('NODE_ENV=%s\n' % value, ['NODE_ENV'])['NODE_ENV'] == 'production'
        verdicts[value] = (statuses(result)['node_env'], coop_mode)
    assert all((status == 'pass') == coop_mode for status, coop_mode in verdicts.values()), verdicts
    assert verdicts['Production'] == ('fail', False) and verdicts['" production"'] == ('fail', False)
    assert verdicts['production'] == ('pass', True)


@pytest.mark.parametrize('database', ['empty', 'tables_without_migrations'])
def test_a_database_that_is_not_coops_fails_every_check_that_reads_it(tmp_path, scratch_db, redis_port, database):
    dbname = scratch_db(schema=False)
    if database == 'tables_without_migrations':
        with pg_connect(dbname) as conn:
            coop_schema.create(conn)
            conn.execute('DELETE FROM public."SequelizeMeta"')
    # The env files name this database, as a wrong DATABASE_NAME would.
    result = Deployment(tmp_path, dbname, redis_port).run(fail_on='fail')
    checks = dict((c['id'], c) for c in result['checks'])
    assert result['failed'] and result['headline'].startswith('NOT READY FOR GO-LIVE: ')
    assert checks['postgres_reachable']['status'] == 'pass'
    assert checks['coop_schema']['status'] == 'fail', checks['coop_schema']
    assert 'not a migrated Coop database' in checks['coop_schema']['detail']
    assert 'DATABASE_NAME' in checks['coop_schema']['remedy'] and 'migrations' in checks['coop_schema']['remedy']
    for check_id in READS_THE_DATABASE:
        assert checks[check_id]['status'] == 'fail', checks[check_id]
        assert 'coop_schema' in checks[check_id]['remedy']
    # The fix is printed once, under coop_schema.
    assert sum('DATABASE_NAME in server.env' in line for line in result['report']) == 1


DEVELOPMENT = {'NODE_ENV': 'development', 'UI_URL': 'http://localhost:8880'}
LOCAL_CLIENT = {'VITE_UI_URL': 'http://localhost:8880'}


def test_a_development_install_is_not_ready_unless_declared_a_demo(deployment):
    golive = deployment.run(server=DEVELOPMENT, client=LOCAL_CLIENT, fail_on='fail')
    found = statuses(golive)
    assert golive['failed'] and found['node_env'] == 'fail' and found['ui_url'] == 'fail'
    assert golive['headline'] == golive['report'][0]
    assert golive['headline'].startswith('NOT READY FOR GO-LIVE: ') and 'node_env' in golive['headline']

    demo = deployment.run(server=DEVELOPMENT, client=LOCAL_CLIENT, fail_on='fail', demo=True)
    found = statuses(demo)
    assert not demo.get('failed'), demo.get('msg')
    assert found['node_env'] == 'pass' and found['ui_url'] == 'pass'
    assert demo['report'][0] == demo['headline']
    assert demo['headline'].startswith('DEMO INSTALL, NOT FOR GO-LIVE (coop_demo: true)')
    assert 'READY FOR GO-LIVE' not in demo['headline'].replace('NOT FOR GO-LIVE', '')
    detail = [c['detail'] for c in demo['checks'] if c['id'] == 'node_env'][0]
    assert 'demo install' in detail and 'not for go-live' in detail

    # Production mode over plain http on a real host cannot keep a login, demo or not.
    broken = deployment.run(server={'UI_URL': 'http://coop.acme.org'}, client={'VITE_UI_URL': 'http://coop.acme.org'},
                            demo=True, fail_on='fail')
    assert broken['failed'] and statuses(broken)['ui_url'] == 'fail'


def test_the_role_fails_a_development_install_and_reports_a_demo(tmp_path, scratch_db, redis_port):
    dbname = scratch_db()
    live.write_env(tmp_path / 'server.env', live.server_env(dbname, redis_port, **DEVELOPMENT))
    live.write_env(tmp_path / 'db.env', live.db_env(dbname))
    live.write_env(tmp_path / 'client.env', LOCAL_CLIENT)
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(json.dumps({'coop_app': {'hosts': {'localhost': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
        'coop_config_dir': str(tmp_path), 'coop_checklist_install_libs': False,
        'coop_checklist_report_path': str(tmp_path / 'report.json'), 'coop_checklist_release_dir': ''}}}}))

    golive = ansible_playbook('roost.coop.checklist', inventory=inventory)
    assert golive.returncode != 0 and play_recap(golive.stdout)['failed'] == 1
    assert 'NOT READY FOR GO-LIVE' in golive.stdout
    assert json.loads((tmp_path / 'report.json').read_text())['localhost']['headline'].startswith('NOT READY')

    demo = ansible_playbook('roost.coop.checklist', '-e', 'coop_demo=true', inventory=inventory)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert 'DEMO INSTALL, NOT FOR GO-LIVE' in demo.stdout and 'FAIL ' not in demo.stdout
    written = json.loads((tmp_path / 'report.json').read_text())['localhost']
    assert written['headline'].startswith('DEMO INSTALL, NOT FOR GO-LIVE') and written['summary']['fail'] == 0
