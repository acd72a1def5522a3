"""The preflight and config roles run by ansible-playbook on localhost into a temporary
directory: converge twice (second run changed=0), derived values, the restart fact, preflight
refusals, and a scan of -vvvv --diff output for every secret value."""

import json
import os
import pwd
import subprocess
import sys
import uuid

import pytest

from tests.conftest import ansible_playbook, play_recap as recap, run_play
from ansible_collections.roost.coop.plugins.module_utils import coop_dotenv as dotenv

PLAYBOOK = """
- name: Coop config on localhost
  hosts: localhost
  gather_facts: false
  roles:
    - roost.coop.preflight
    - roost.coop.config
  post_tasks:
    - name: Show the restart fact
      ansible.builtin.debug:
        msg: "RESTART={{ coop_restart_required | default(false) }}"
"""

DB_PASSWORD = 'Db-pass word #1 "quoted" ' + uuid.uuid4().hex
REDIS_PASSWORD = 'redis-' + uuid.uuid4().hex


@pytest.fixture
def coop_account():
    """A throwaway system user/group the role creates (and we delete afterwards)."""
    name = 'cooptest%s' % uuid.uuid4().hex[:6]
    yield name
    subprocess.run(['userdel', name], capture_output=True, check=False)
    subprocess.run(['groupdel', name], capture_output=True, check=False)


def base_vars(config_dir, account):
    return {
        'coop_config_dir': str(config_dir), 'coop_user': account, 'coop_group': account,
        'coop_config_home': '/nonexistent', 'coop_database_host': 'db1.internal', 'coop_database_password': DB_PASSWORD,
        'coop_redis_password': REDIS_PASSWORD, 'coop_ui_url': 'https://coop.example.org',
        'coop_noreply_email': 'noreply@coop.example.org', 'coop_support_email': 'support@coop.example.org',
        'coop_team_email': 'team@coop.example.org',
        'coop_version': 'main',  # runs without Scylla (1.0.x cannot: test_coop_releases)
    }


def run_playbook(tmp_path, extra_vars, *args):
    return run_play(tmp_path, PLAYBOOK, extra_vars, *args)


def env_file(config_dir, kind):
    with open(os.path.join(str(config_dir), kind + '.env')) as handle:
        return dotenv.values(handle.read())


def test_converge_twice_and_derived_values(tmp_path, coop_account):
    config_dir = tmp_path / 'etc-coop'
    rc, out = run_playbook(tmp_path, base_vars(config_dir, coop_account))
    assert rc == 0, out[-4000:]
    assert recap(out)['changed'] > 0 and 'RESTART=True' in out
    # a valid setup: the checks print one ok line, nothing per rule
    preflight = out.split('TASK [roost.coop.config')[0]
    assert 'TASK [roost.coop.preflight : Check the Coop variables]' in preflight and '(item=' not in preflight
    account = pwd.getpwnam(coop_account)
    for kind in ('db', 'server', 'client'):
        stat = os.stat(str(config_dir / (kind + '.env')))
        assert oct(stat.st_mode & 0o777) == '0o600' and stat.st_uid == account.pw_uid
    assert oct(os.stat(str(config_dir)).st_mode & 0o777) == '0o750'
    db, server, client = (env_file(config_dir, k) for k in ('db', 'server', 'client'))
    assert db['SCYLLA_HOSTS'] == 'unused' and db['API_SERVER_DATABASE_PASSWORD'] == DB_PASSWORD
    assert db['API_SERVER_DATABASE_NAME'] == 'coop' and 'SCYLLA_USERNAME' not in db
    assert server['DATABASE_READ_ONLY_HOST'] == 'db1.internal' == server['DATABASE_HOST']
    assert server['DATABASE_NAME'] == 'coop' and server['DATABASE_PASSWORD'] == DB_PASSWORD
    assert server['ITEM_INVESTIGATION_AND_STRIKES_ENABLED'] == 'false' and 'SCYLLA_HOSTS' not in server
    assert server['WAREHOUSE_ADAPTER'] == 'noop' == server['ANALYTICS_ADAPTER']
    assert server['REDIS_USE_CLUSTER'] == 'false' and server['PORT'] == '8080'
    assert server['UI_URL'] == 'https://coop.example.org' == client['VITE_UI_URL']
    assert server['ITEM_QUEUE_TRAFFIC_PERCENTAGE'] == '0' and server['NODE_ENV'] == 'production'
    assert len(server['SESSION_SECRET']) == 48 and 'REDIS_USER' not in server
    secret = server['SESSION_SECRET']

    rc, out = run_playbook(tmp_path, base_vars(config_dir, coop_account))
    assert rc == 0, out[-4000:]
    assert recap(out)['changed'] == 0 and 'RESTART=False' in out
    assert env_file(config_dir, 'server')['SESSION_SECRET'] == secret

    # Scylla and ClickHouse on, then ClickHouse off again: derived keys follow, extras pass through.
    more = dict(base_vars(config_dir, coop_account), coop_scylla_hosts=['10.0.0.5:9042', '10.0.0.6'],
                coop_scylla_username='coop', coop_scylla_password='scylla-' + uuid.uuid4().hex,
                coop_clickhouse_host='ch1.internal', coop_clickhouse_password='ch-' + uuid.uuid4().hex,
                coop_server_env_extra={'GRAPHQL_MAX_DEPTH': 12}, coop_client_env_extra={'VITE_DOCS_URL': 'https://docs.example.org'})
    rc, out = run_playbook(tmp_path, more)
    assert rc == 0, out[-4000:]
    db, server, client = (env_file(config_dir, k) for k in ('db', 'server', 'client'))
    assert db['SCYLLA_HOSTS'] == '10.0.0.5:9042,10.0.0.6' == server['SCYLLA_HOSTS']
    assert server['ITEM_INVESTIGATION_AND_STRIKES_ENABLED'] == 'true' and server['WAREHOUSE_ADAPTER'] == 'clickhouse'
    assert server['CLICKHOUSE_DATABASE'] == 'analytics' and db['CLICKHOUSE_HOST'] == 'ch1.internal'
    assert server['GRAPHQL_MAX_DEPTH'] == '12' and client['VITE_DOCS_URL'] == 'https://docs.example.org'
    del more['coop_clickhouse_host']
    rc, out = run_playbook(tmp_path, more)
    assert rc == 0, out[-4000:]
    server = env_file(config_dir, 'server')
    assert server['WAREHOUSE_ADAPTER'] == 'noop' and not any(k.startswith('CLICKHOUSE_') for k in server)
    assert server['SESSION_SECRET'] == secret


def test_no_secret_in_verbose_output_or_diff(tmp_path, coop_account):
    config_dir = tmp_path / 'etc-coop'
    outputs = []
    first = base_vars(config_dir, coop_account)
    rc, out = run_playbook(tmp_path, first, '-vvvv', '--diff')
    assert rc == 0, out[-4000:]
    outputs.append(out)
    changed = dict(first, coop_database_password='Second pass ' + uuid.uuid4().hex,
                   coop_redis_password='second-redis-' + uuid.uuid4().hex,
                   coop_sendgrid_api_key='SG.' + uuid.uuid4().hex)
    rc, out = run_playbook(tmp_path, changed, '-vvvv', '--diff', '--check')
    assert rc == 0, out[-4000:]
    outputs.append(out)
    rc, out = run_playbook(tmp_path, changed, '-vvvv', '--diff')
    assert rc == 0, out[-4000:]
    outputs.append(out)
    text = '\n'.join(outputs)
    # the scan must see real diffs and module results, or it proves nothing
    assert 'DATABASE_PASSWORD=******** (changed)' in text and '+UI_URL=https://coop.example.org' in text
    assert 'changed_keys' in text and 'SESSION_SECRET' in text
    session_secret = env_file(config_dir, 'server')['SESSION_SECRET']
    secrets = [DB_PASSWORD, REDIS_PASSWORD, changed['coop_database_password'], changed['coop_redis_password'],
               changed['coop_sendgrid_api_key'], session_secret]
    for secret in secrets:
        assert secret not in text, 'secret value found in ansible-playbook -vvvv --diff output'


def test_preflight_reports_every_problem_and_changes_nothing(tmp_path, coop_account):
    config_dir = tmp_path / 'etc-coop'
    bad = dict(base_vars(config_dir, coop_account), coop_database_password='postgres123',
               coop_ui_url='http://coop.example.org/app', coop_ncmec_env='production', coop_warehouse_adapter='postgresql',
               coop_item_queue_traffic_percentage='1.5', coop_session_secret='short', coop_noreply_email='',
               coop_scylla_hosts='10.0.0.5')
    rc, out = run_playbook(tmp_path, bad)
    assert rc != 0 and recap(out)['failed'] == 1
    for fragment in ('coop_database_password: placeholder', 'not an absolute http(s) origin',
                     'coop_ncmec_live_reporting_approved: true', 'postgresql makes', 'fraction from 0 to 1',
                     'shorter than 32', 'coop_noreply_email', 'must be a list'):
        assert ' '.join(out.split()).count(fragment) == 1, (fragment, out[-4000:])
    assert '9 problem(s) in the Coop variables' in out and '(item=' not in out
    assert not config_dir.exists()
    assert 'postgres123' not in out


@pytest.mark.parametrize('overrides,fragment', [
    ({'coop_ui_url': 'http://coop.example.org'}, 'Put TLS in front of Coop'),
    # production over plain http cannot keep a login, whatever the inventory allows
    ({'coop_ui_url': 'http://127.0.0.1:8880', 'coop_allow_insecure_ui_url': True}, 'Put TLS in front of Coop'),
    ({'coop_database_password': ''}, 'coop_database_password is empty'),
    # refused by the config role's validation otherwise, after the database and Redis hosts changed
    ({'coop_node_env': 'development'}, 'coop_allow_insecure_ui_url: true to confirm'),
    ({'coop_ui_url': ''}, 'coop_ui_url is empty'),
    ({'coop_clickhouse_host': '', 'coop_warehouse_adapter': 'clickhouse'}, 'needs coop_clickhouse_host'),
    ({'coop_scylla_hosts': ['s1']}, 'coop_scylla_username or coop_scylla_password is empty'),
])
def test_preflight_single_refusals(tmp_path, coop_account, overrides, fragment):
    config_dir = tmp_path / 'etc-coop'
    rc, out = run_playbook(tmp_path, dict(base_vars(config_dir, coop_account), **overrides))
    assert rc != 0 and fragment in ' '.join(out.split()), out[-3000:]
    assert not config_dir.exists()


def test_two_app_hosts_need_one_session_secret(tmp_path, coop_account):
    config_dir = tmp_path / 'etc-coop'
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text('coop_app:\n  hosts:\n    localhost:\n    app2.invalid:\n'
                         '  vars:\n    ansible_connection: local\n    ansible_python_interpreter: %s\n' % sys.executable)
    (tmp_path / 'play.yml').write_text(PLAYBOOK)
    (tmp_path / 'vars.json').write_text(json.dumps(base_vars(config_dir, coop_account)))
    proc = ansible_playbook(tmp_path / 'play.yml', '-e', '@%s' % (tmp_path / 'vars.json'), inventory=inventory)
    out = ' '.join((proc.stdout + proc.stderr).split())
    assert proc.returncode != 0 and 'coop_session_secret is empty with 2 coop_app hosts' in out, out[-3000:]
    assert not config_dir.exists()


def test_insecure_ui_url_allowed_explicitly(tmp_path, coop_account):
    config_dir = tmp_path / 'etc-coop'
    rc, out = run_playbook(tmp_path, dict(base_vars(config_dir, coop_account), coop_ui_url='http://coop.lan',
                                          coop_node_env='development', coop_allow_insecure_ui_url=True))
    assert rc == 0, out[-4000:]
    assert env_file(config_dir, 'server')['UI_URL'] == 'http://coop.lan'


def test_web_only_host_gets_only_the_client_file(tmp_path, coop_account):
    config_dir = tmp_path / 'etc-coop-web'
    rc, out = run_playbook(tmp_path, dict(base_vars(config_dir, coop_account), coop_config_env_files=['client']))
    assert rc == 0, out[-4000:]
    # and the lock file coop_env holds while it writes (empty, 0600)
    assert sorted(os.listdir(str(config_dir))) == ['.client.env.lock', 'client.env']
    assert env_file(config_dir, 'client') == {'VITE_UI_URL': 'https://coop.example.org'}
