"""coop_migration_info for ClickHouse, against a real clickhouse-server (Debian's package) started
on loopback for these tests: pending = release scripts - the names in the migration log, read over
the HTTP interface with the db.env's CLICKHOUSE_* keys. For Scylla, what runs without a server:
the module names the missing driver."""

import os
import shutil
import subprocess
import tempfile
import time
import urllib.request

import pytest

from tests.conftest import run_module
from tests.service import checklist_support as live

PASSWORD = 'ch-test-pw'
CH_SCRIPTS = ['2025.11.22T00.00.00.initial-schema.sql',
              '2026.05.02T00.07.03.add-action-execution-parameters-and-note.sql',
              '2026.06.09T22.57.32.add_item_ip_address_to_content_api_requests.sql']
SCYLLA_SCRIPTS = ['2025.12.03T00.00.00.initial-schema.cjs', '2026.06.09T22.57.31.add_ip_address_index_to_item_submissions.cjs']

CONFIG = """<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <http_port>{http}</http_port>
  <tcp_port>{tcp}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>{dir}/data/</path>
  <tmp_path>{dir}/tmp/</tmp_path>
  <users_config>{dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
</yandex>
"""
USERS = """<yandex>
  <profiles><default/></profiles>
  <users><default><password>{password}</password><networks><ip>127.0.0.1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default/></quotas>
</yandex>
"""


class ClickHouse(object):
    def __init__(self, port):
        self.port = port

    def query(self, text):
        request = urllib.request.Request('http://127.0.0.1:%d/' % self.port, data=text.encode('utf-8'),
                                         headers={'X-ClickHouse-User': 'default', 'X-ClickHouse-Key': PASSWORD})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read().decode('utf-8')


@pytest.fixture(scope='module')
def clickhouse():
    binary = shutil.which('clickhouse-server')
    assert binary, 'clickhouse-server is not installed: hack/setup.sh installs Debian\'s clickhouse-server'
    folder = tempfile.mkdtemp(prefix='coop-clickhouse-')
    port = live.free_port()
    with open(os.path.join(folder, 'config.xml'), 'w') as handle:
        handle.write(CONFIG.format(http=port, tcp=live.free_port(), dir=folder))
    with open(os.path.join(folder, 'users.xml'), 'w') as handle:
        handle.write(USERS.format(password=PASSWORD))
    log = open(os.path.join(folder, 'server.log'), 'w')
    proc = subprocess.Popen([binary, '--config-file=%s' % os.path.join(folder, 'config.xml')], cwd=folder,
                            stdout=log, stderr=subprocess.STDOUT)
    server = ClickHouse(port)
    try:
        deadline = time.time() + 60
        while True:
            try:
                server.query('SELECT 1')
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise AssertionError('clickhouse-server did not start:\n' + open(log.name).read()[-3000:])
                time.sleep(0.2)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def release(tmp_path, db, names):
    folder = tmp_path / 'scripts' / db
    folder.mkdir(parents=True)
    for name in names:
        (folder / name).write_text('-- fixture script\n')
    return str(tmp_path / 'scripts')


def migration_info(tmp_path, scripts, db, **env):
    env_file = live.write_env(tmp_path / 'db.env', env)
    return run_module('coop_migration_info', {'scripts_dir': scripts, 'databases': [db], 'env_file': env_file})


def ch_env(server, **overrides):
    env = {'CLICKHOUSE_HOST': '127.0.0.1', 'CLICKHOUSE_PORT': str(server.port), 'CLICKHOUSE_USERNAME': 'default',
           'CLICKHOUSE_PASSWORD': PASSWORD}
    env.update(overrides)
    return env


def record(server, database, table, names):
    """The migrator's log as Coop creates it (MergeTree ORDER BY name; DateTime, as this
    ClickHouse predates DateTime64)."""
    server.query('CREATE DATABASE IF NOT EXISTS `%s`' % database)
    server.query('CREATE TABLE IF NOT EXISTS `%s`.`%s` (name String, executed_at DateTime) '
                 'ENGINE = MergeTree ORDER BY name' % (database, table))
    for name in names:
        server.query("INSERT INTO `%s`.`%s` VALUES ('%s', now())" % (database, table, name))


def test_clickhouse_pending_against_the_migration_log(tmp_path, clickhouse):
    scripts = release(tmp_path, 'clickhouse', CH_SCRIPTS + ['2026.01.01T00.00.00.not-for-clickhouse.cjs'])
    fresh = migration_info(tmp_path, scripts, 'clickhouse', **ch_env(clickhouse))
    assert not fresh.get('failed'), fresh
    assert fresh['pending'] == {'clickhouse': CH_SCRIPTS} and fresh['applied'] == {'clickhouse': 0}
    assert [c[1] for c in fresh['commands']] == ['create', 'apply']

    record(clickhouse, 'analytics', 'MIGRATIONS_METADATA', CH_SCRIPTS[:2] + ['2025.01.01T00.00.00.gone.sql'])
    later = migration_info(tmp_path, scripts, 'clickhouse', **ch_env(clickhouse))
    assert later['pending'] == {'clickhouse': CH_SCRIPTS[2:]} and later['applied'] == {'clickhouse': 3}
    assert later['unknown'] == {'clickhouse': ['2025.01.01T00.00.00.gone.sql']}

    record(clickhouse, 'analytics', 'MIGRATIONS_METADATA', CH_SCRIPTS[2:])
    done = migration_info(tmp_path, scripts, 'clickhouse', **ch_env(clickhouse))
    assert done['pending'] == {'clickhouse': []} and done['commands'] == []


def test_clickhouse_database_and_table_from_db_env(tmp_path, clickhouse):
    record(clickhouse, 'coop_other', 'migration_log', CH_SCRIPTS[:1])
    scripts = release(tmp_path, 'clickhouse', CH_SCRIPTS)
    result = migration_info(tmp_path, scripts, 'clickhouse', **ch_env(
        clickhouse, CLICKHOUSE_DATABASE='coop_other', CLICKHOUSE_MIGRATIONS_TABLE='migration_log'))
    assert result['pending'] == {'clickhouse': CH_SCRIPTS[1:]}, result


def test_clickhouse_wrong_password_fails_clearly(tmp_path, clickhouse):
    scripts = release(tmp_path, 'clickhouse', CH_SCRIPTS)
    result = migration_info(tmp_path, scripts, 'clickhouse', **ch_env(clickhouse, CLICKHOUSE_PASSWORD='not-the-pw-123'))
    assert result.get('failed') is True, result
    assert result['msg'].startswith('cannot read the ClickHouse migration log at http://127.0.0.1:%d/' % clickhouse.port)
    assert 'check CLICKHOUSE_* in the env_file' in result['msg']
    assert 'not-the-pw-123' not in repr(result)


def test_scylla_without_its_driver_names_it(tmp_path):
    """No Scylla or Cassandra server installs from Debian or PyPI here, and the project does not
    install cassandra-driver: without it the module says what to install."""
    try:
        import cassandra  # noqa: F401
        has_driver = True
    except ImportError:
        has_driver = False
    scripts = release(tmp_path, 'scylla', SCYLLA_SCRIPTS)
    result = migration_info(tmp_path, scripts, 'scylla', SCYLLA_HOSTS='127.0.0.1:%d' % live.free_port())
    assert result.get('failed') is True, result
    if has_driver:
        assert result['msg'].startswith('cannot read the Scylla migration log on 127.0.0.1'), result['msg']
    else:
        assert 'cassandra-driver (to read the Scylla migration log)' in result['msg'], result['msg']
