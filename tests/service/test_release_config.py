"""Release-aware configuration end to end: preflight refuses what a Coop release cannot boot with,
the config role writes only the keys that release has, and the fixture server playing that
release (tests/fixture-release, not Coop) boots with the written server.env, or refuses to like
Coop 1.0.2 does without Scylla (coop-facts 11)."""

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import pytest

from tests.conftest import ansible_playbook
from tests.service import fixture_release as fx
from tests.service.test_config_roles import PLAYBOOK, base_vars, env_file

SCYLLA = {'coop_scylla_hosts': ['127.0.0.1:9042'], 'coop_scylla_username': 'coop',
          'coop_scylla_password': 'scylla-' + uuid.uuid4().hex}


@pytest.fixture(scope='module')
def releases():
    build_user = fx.make_user('cbuild')
    parent = fx.open_dir()
    built = {}
    for version in ('1.0.2', 'main'):
        release = parent / ('release-' + version)
        subprocess.run([str(fx.FIXTURE / 'variant.sh'), version, str(release)], check=True)
        subprocess.run(['chown', '-R', 'root:root', str(release)], check=True)
        fx.build(release, build_user, projects=('server',))
        built[version] = release
    yield built
    shutil.rmtree(str(parent))
    fx.drop_user(build_user)


@pytest.fixture
def account():
    name = 'cooprel%s' % uuid.uuid4().hex[:6]
    parent = fx.open_dir()  # the runtime user reads server.env there
    OPEN_DIRS[name] = parent
    yield name
    fx.drop_user(name)
    shutil.rmtree(str(parent))


OPEN_DIRS = {}


def configure(tmp_path, account, **extra):
    config_dir = OPEN_DIRS[account] / 'etc-coop'
    variables = dict(base_vars(config_dir, account), **extra)
    (tmp_path / 'vars.json').write_text(json.dumps(variables))
    (tmp_path / 'play.yml').write_text(PLAYBOOK)
    proc = ansible_playbook(tmp_path / 'play.yml', '-e', '@%s' % (tmp_path / 'vars.json'))
    return proc.returncode, proc.stdout + proc.stderr, config_dir


# The fixture connects to PostgreSQL and Redis at start-up, as Coop does: the test services stand in
# for the env file's hosts (Node's --env-file does not override the process's environment).
SERVICES = {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin', 'DATABASE_HOST': os.environ['COOP_TEST_PG_HOST'],
            'DATABASE_PORT': os.environ['COOP_TEST_PG_PORT'], 'DATABASE_USER': os.environ['COOP_TEST_PG_USER'],
            'DATABASE_PASSWORD': os.environ['COOP_TEST_PG_PASSWORD'], 'DATABASE_NAME': 'postgres',
            'REDIS_HOST': os.environ['COOP_TEST_REDIS_HOST'], 'REDIS_PORT': os.environ['COOP_TEST_REDIS_PORT'],
            'REDIS_PASSWORD': ''}


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def boot(release, user, env_path):
    """Start the fixture API with the env file; (process, release it answers as, or None when it exited)."""
    port = free_port()
    proc = subprocess.Popen(['runuser', '-u', user, '--', fx.NODE, '--env-file=%s' % env_path, 'bin/www.js'],
                            cwd=str(release / 'server' / 'transpiled'), env=dict(SERVICES, PORT=str(port)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 15
    while time.time() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen('http://127.0.0.1:%d/api/v1/fixture-release' % port, timeout=2) as resp:
                return proc, resp.read().decode()
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    return proc, None


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
    return proc.communicate(timeout=10)


def answers_as(release, user, env_path):
    """The release the fixture API answers as with env_path, stopped again; None when it did not boot."""
    proc, answer = boot(release, user, env_path)
    stop(proc)
    return answer


def test_one_zero_two_without_scylla_is_refused_with_the_fix(tmp_path, account):
    rc, out, config_dir = configure(tmp_path, account, coop_version='1.0.2')
    assert rc != 0
    out = ' '.join(out.split())  # the failure's problems list is wrapped as YAML
    assert 'coop_version 1.0.2: SCYLLA_HOSTS, SCYLLA_USERNAME, SCYLLA_PASSWORD, SCYLLA_LOCAL_DATACENTER missing' in out
    assert 'set coop_scylla_hosts, coop_scylla_username, coop_scylla_password' in out
    assert 'or deploy a newer coop_version (main)' in out
    assert not config_dir.exists()  # refused before anything changed


def test_one_zero_two_with_scylla_gets_no_flag_and_boots(tmp_path, account, releases):
    rc, out, config_dir = configure(tmp_path, account, coop_version='1.0.2', **SCYLLA)
    assert rc == 0, out[-4000:]
    server = env_file(config_dir, 'server')
    assert 'ITEM_INVESTIGATION_AND_STRIKES_ENABLED' not in server
    assert server['SCYLLA_HOSTS'] == '127.0.0.1:9042' and server['SCYLLA_USERNAME'] == 'coop'
    assert answers_as(releases['1.0.2'], account, config_dir / 'server.env') == '1.0.2'


def test_main_without_scylla_gets_the_flag_and_boots(tmp_path, account, releases):
    rc, out, config_dir = configure(tmp_path, account, coop_version='main')
    assert rc == 0, out[-4000:]
    server = env_file(config_dir, 'server')
    assert server['ITEM_INVESTIGATION_AND_STRIKES_ENABLED'] == 'false' and 'SCYLLA_USERNAME' not in server
    assert answers_as(releases['main'], account, config_dir / 'server.env') == 'main'
    # The same file cannot boot 1.0.2: the failure preflight prevents.
    proc, answer = boot(releases['1.0.2'], account, config_dir / 'server.env')
    _out, err = stop(proc)
    assert answer is None and proc.returncode != 0 and 'Missing env var SCYLLA_HOSTS' in err


def test_downgrade_to_one_zero_two_removes_the_flag(tmp_path, account):
    rc, out, config_dir = configure(tmp_path, account, coop_version='main', **SCYLLA)
    assert rc == 0 and env_file(config_dir, 'server')['ITEM_INVESTIGATION_AND_STRIKES_ENABLED'] == 'true'
    variables = json.loads((tmp_path / 'vars.json').read_text())
    variables['coop_version'] = '1.0.2'
    (tmp_path / 'vars.json').write_text(json.dumps(variables))
    proc = ansible_playbook(tmp_path / 'play.yml', '-e', '@%s' % (tmp_path / 'vars.json'))
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    assert 'ITEM_INVESTIGATION_AND_STRIKES_ENABLED' not in env_file(config_dir, 'server')


def test_unknown_version_is_allowed_with_a_warning_naming_the_rules(tmp_path, account):
    rc, out, _config_dir = configure(tmp_path, account, coop_version='1.1.0')
    assert rc == 0, out[-4000:]
    assert 'coop_version 1.1.0 is not a release this collection knows' in out
    assert 'applied the rules of main' in ' '.join(out.split())


def test_one_zero_two_boots_with_placeholder_scylla_settings_in_the_extras(tmp_path, account, releases):
    """1.0.2's Scylla client connects lazily: any values let it boot (strikes fail when used)."""
    extra = {'SCYLLA_HOSTS': 'unused', 'SCYLLA_USERNAME': 'none', 'SCYLLA_PASSWORD': 'none-' + uuid.uuid4().hex,
             'SCYLLA_LOCAL_DATACENTER': 'datacenter1'}
    rc, out, config_dir = configure(tmp_path, account, coop_version='1.0.2', coop_server_env_extra=extra)
    assert rc == 0, out[-4000:]
    server = env_file(config_dir, 'server')
    assert server['SCYLLA_HOSTS'] == 'unused' and 'ITEM_INVESTIGATION_AND_STRIKES_ENABLED' not in server
    assert answers_as(releases['1.0.2'], account, config_dir / 'server.env') == '1.0.2'
