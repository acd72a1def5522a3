"""Helpers for tests on the fixture release (tests/fixture-release, not Coop): a variant written
by its variant.sh, built the way the release role builds (unprivileged build user; db/ with
npm ci, npm run build, npm prune --omit=dev), and run as an unprivileged runtime user."""

import contextlib
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid

from tests.conftest import PG

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURE = ROOT / 'tests' / 'fixture-release'
NODE_VERSION = re.search(r'^coop_node_version:\s*(\S+)',
                         (ROOT / 'roles/release/defaults/main.yml').read_text(), re.M).group(1)
NODE_DIR = ROOT / '.cache' / ('node-' + NODE_VERSION)  # Coop's Node, unpacked by hack/setup.sh
NODE = str(NODE_DIR / 'bin' / 'node')
NPM_CLI = os.path.realpath(shutil.which('npm') or '/usr/bin/npm')
PATH = '%s:/usr/local/bin:/usr/bin:/bin' % (NODE_DIR / 'bin')


def make_user(prefix):
    name = '%s%s' % (prefix, uuid.uuid4().hex[:6])
    subprocess.run(['useradd', '--system', '--no-create-home', '--home-dir', '/nonexistent',
                    '--shell', '/usr/sbin/nologin', name], check=True)
    return name


def drop_user(name):
    subprocess.run(['userdel', name], capture_output=True, check=False)
    subprocess.run(['groupdel', name], capture_output=True, check=False)


def open_dir():
    """A directory other users can traverse (pytest's tmp_path is 0700)."""
    path = pathlib.Path(tempfile.mkdtemp(prefix='coop-fixture-'))
    path.chmod(0o755)
    return path


def as_user(user, argv, cwd, env=None, home=None):
    full = dict(PATH=PATH, HOME=home or '/nonexistent', NPM_CONFIG_UPDATE_NOTIFIER='false',
                NPM_CONFIG_AUDIT='false', NPM_CONFIG_FUND='false')
    full.update(env or {})
    return subprocess.run(['runuser', '-u', user, '--', 'env', '-i'] + ['%s=%s' % kv for kv in full.items()] + argv,
                          cwd=str(cwd), capture_output=True, text=True, check=False)


def build(release, build_user, projects=('db', 'server')):
    """Build like the release role: the build user owns and builds each project; the rest stays root's."""
    home = release.parent / ('home-' + build_user)
    home.mkdir(exist_ok=True)
    shutil.chown(str(home), build_user)
    for project in projects:
        subprocess.run(['chown', '-R', build_user, str(release / project)], check=True)
        steps = [['ci'], ['run', 'build']] + ([['prune', '--omit=dev']] if project == 'db' else [])
        for step in steps:
            run = as_user(build_user, [NODE, NPM_CLI] + step, release / project, home=str(home))
            assert run.returncode == 0, (project, step, run.stdout + run.stderr)


def variant(version, parent, build_user):
    """A built fixture release playing `version` under `parent`."""
    release = parent / ('release-' + version)
    subprocess.run([str(FIXTURE / 'variant.sh'), version, str(release)], check=True)
    subprocess.run(['chown', '-R', 'root:root', str(release)], check=True)
    build(release, build_user)
    return release


def db_env(dbname, **extra):
    env = {'API_SERVER_DATABASE_HOST': PG['host'], 'API_SERVER_DATABASE_PORT': str(PG['port']),
           'API_SERVER_DATABASE_NAME': dbname, 'API_SERVER_DATABASE_USER': PG['user'],
           'API_SERVER_DATABASE_PASSWORD': PG['password'], 'SCYLLA_HOSTS': 'unused'}
    env.update(extra)
    return env


def server_env(dbname, **extra):
    env = {'DATABASE_HOST': PG['host'], 'DATABASE_READ_ONLY_HOST': PG['host'], 'DATABASE_PORT': str(PG['port']),
           'DATABASE_NAME': dbname, 'DATABASE_USER': PG['user'], 'DATABASE_PASSWORD': PG['password'],
           'REDIS_HOST': '127.0.0.1', 'REDIS_USE_CLUSTER': 'false', 'UI_URL': 'http://127.0.0.1:8880'}
    env.update(extra)
    return env


def write_env(path, values, owner):
    path.write_text(''.join('%s=%s\n' % kv for kv in values.items()))
    path.chmod(0o600)
    shutil.chown(str(path), owner)


def tree_state(path):
    """(relative path, size, mtime, mode) of everything under path: 'nothing written' comparisons."""
    out = []
    for dirpath, dirnames, filenames in os.walk(str(path)):
        for name in sorted(dirnames + filenames):
            full = os.path.join(dirpath, name)
            st = os.lstat(full)
            out.append((os.path.relpath(full, str(path)), st.st_size, st.st_mtime_ns, st.st_mode))
    return sorted(out)


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def served(dbname):
    """The fixture API (from its sources) on a free port against dbname; yields the port."""
    port = free_port()
    env = dict(server_env(dbname), PORT=str(port), SESSION_SECRET='fixture-session',
               ITEM_INVESTIGATION_AND_STRIKES_ENABLED='false', PATH='/usr/bin:/bin', PGCONNECT_TIMEOUT='5')
    proc = subprocess.Popen([NODE, 'bin/www.js'], cwd=str(FIXTURE / 'server' / 'src'), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 15
        while proc.poll() is None and time.time() < deadline:
            try:
                urllib.request.urlopen('http://127.0.0.1:%d/api/v1/fixture-release' % port, timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        assert proc.poll() is None, proc.communicate()
        yield port
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def graphql_login(port, email, password):
    """The __typename of the fixture API's answer to Coop's login mutation."""
    body = json.dumps({'query': 'mutation ($input: LoginInput!) { login(input: $input) { __typename } }',
                       'variables': {'input': {'email': email, 'password': password, 'remember': False}}})
    request = urllib.request.Request('http://127.0.0.1:%d/api/v1/graphql' % port, data=body.encode(),
                                     headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.loads(resp.read())['data']['login']['__typename']
