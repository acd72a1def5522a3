"""Shared pytest fixtures: the real PostgreSQL and Redis started by hack/services.sh, scratch
databases with our fixture schema, and a runner that executes a module the way Ansible does
(a child process reading ANSIBLE_MODULE_ARGS), so results are the module's real JSON."""

import json
import os
import re
import subprocess
import sys
import tempfile
import uuid

import pytest
from hypothesis import settings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, '.collections')
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
sys.path.insert(0, ROOT)

from tests.fixtures import coop_schema  # noqa: E402


def _env(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        raise RuntimeError('%s is not set; source tests/services.env after hack/services.sh' % name)
    return value


PG = {
    'host': _env('COOP_TEST_PG_HOST', '127.0.0.1'),
    'port': int(_env('COOP_TEST_PG_PORT', '5432')),
    'user': _env('COOP_TEST_PG_USER', 'coop_test'),
    'password': _env('COOP_TEST_PG_PASSWORD', 'coop_test_pw'),
}
REDIS = {'host': _env('COOP_TEST_REDIS_HOST', '127.0.0.1'), 'port': int(_env('COOP_TEST_REDIS_PORT', '6379'))}


# In strict mode (CI=true, or COOP_TESTS_STRICT=1 as hack/test.sh sets it) a skipped test fails:
# a missing tool must not pass silently. A skip that is right even there goes here, with why.
ALLOWED_SKIPS = {
    # 'tests/unit/test_x.py::test_y': 'why it may skip in CI',
}


def strict_skips():
    return any(os.environ.get(name, '').strip().lower() in ('1', 'true', 'yes') for name in ('CI', 'COOP_TESTS_STRICT'))


# The property tests draw new examples on each run, except in strict mode: there they run on fixed
# examples, so a CI run is repeatable and a failure is the change's, not the draw's. The readers'
# disagreements a draw finds are kept as cases in tests/unit/plugins/module_utils/test_coop_dotenv.py.
settings.register_profile('strict', derandomize=True)
if strict_skips():
    settings.load_profile('strict')


def _fail_skip(report, nodeid):
    """Turn a skip report into a failure naming the reason and the fix."""
    if not (report.skipped and strict_skips()) or hasattr(report, 'wasxfail') or nodeid in ALLOWED_SKIPS:
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = 'failed'
    report.longrepr = ('%s was skipped in strict mode (CI or COOP_TESTS_STRICT): %s; install what it needs '
                       '(hack/setup.sh) or list it in ALLOWED_SKIPS in tests/conftest.py with the reason'
                       % (nodeid, reason))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_skip(outcome.get_result(), item.nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _fail_skip(outcome.get_result(), collector.nodeid)


def pg_connect(dbname='postgres', autocommit=False):
    import psycopg
    return psycopg.connect(dbname=dbname, autocommit=autocommit, **PG)


def login_args(dbname):
    """Module connection options for a scratch database."""
    return {'login_host': PG['host'], 'login_port': PG['port'], 'login_user': PG['user'],
            'login_password': PG['password'], 'login_db': dbname}


@pytest.fixture
def scratch_db():
    """Factory: scratch_db(shape=..., staging_seed=False) -> database name with the fixture schema."""
    made = []

    def make(shape=coop_schema.SHAPE_NEW, staging_seed=False, schema=True):
        name = 'coop_t_%s' % uuid.uuid4().hex[:12]
        with pg_connect(autocommit=True) as admin:
            admin.execute('CREATE DATABASE "%s"' % name)
        made.append(name)
        if schema:
            with pg_connect(name) as conn:
                coop_schema.create(conn, shape=shape, staging_seed=staging_seed)
        return name

    yield make
    with pg_connect(autocommit=True) as admin:
        for name in made:
            admin.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)


def write_server_env(path, dbname):
    """A server.env at path with the DATABASE_* keys of a scratch database; returns path."""
    keys = ('DATABASE_HOST', 'DATABASE_PORT', 'DATABASE_NAME', 'DATABASE_USER', 'DATABASE_PASSWORD')
    values = (PG['host'], PG['port'], dbname, PG['user'], PG['password'])
    path.write_text(''.join('%s=%s\n' % pair for pair in zip(keys, values)))
    return path


def pg_dump(dbname):
    """Data + schema dump for 'database unchanged' comparisons (without pg_dump's random \\restrict lines)."""
    env = dict(os.environ, PGPASSWORD=PG['password'])
    out = subprocess.run(
        ['pg_dump', '-h', PG['host'], '-p', str(PG['port']), '-U', PG['user'], '--no-owner', dbname],
        env=env, check=True, capture_output=True, text=True).stdout
    return '\n'.join(line for line in out.splitlines() if not line.startswith(('\\restrict', '\\unrestrict')))


def start_module(name, args, check=False, diff=False, env=None, wrapper=()):
    """Start plugins/modules/<name>.py as Ansible would, its arguments on stdin, under the command
    wrapper (argv before Python's) if any; returns the process."""
    module_args = dict(args)
    module_args['_ansible_check_mode'] = check
    module_args['_ansible_diff'] = diff
    module_args.setdefault('_ansible_tmpdir', None)
    module_args.setdefault('_ansible_remote_tmp', '/tmp')
    payload = json.dumps({'ANSIBLE_MODULE_ARGS': module_args})
    child_env = dict(os.environ, PYTHONPATH=COLLECTIONS)
    child_env.update(env or {})
    with tempfile.TemporaryFile('w+') as stdin:
        stdin.write(payload)
        stdin.seek(0)
        return subprocess.Popen(list(wrapper) + [sys.executable, '-m',
                                                 'ansible_collections.roost.coop.plugins.modules.%s' % name],
                                stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=child_env, cwd=ROOT)


def module_result(name, proc, timeout=None):
    """Wait for a module started by start_module and return its JSON result ('failed': True when it failed)."""
    stdout, stderr = proc.communicate(timeout=timeout)
    try:
        result = json.loads(stdout)
    except ValueError:
        raise AssertionError('module %s printed no JSON (rc %s):\nstdout: %s\nstderr: %s'
                             % (name, proc.returncode, stdout, stderr))
    result['_stderr'] = stderr
    return result


def run_module(name, args, check=False, diff=False, env=None):
    """Run plugins/modules/<name>.py as Ansible would and return its JSON result.

    The result has 'failed': True when the module failed."""
    return module_result(name, start_module(name, args, check=check, diff=diff, env=env))


ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')


def ansible_playbook(playbook, *args, inventory=None):
    """Run ansible-playbook with this checkout's collections and ansible.cfg; without inventory,
    on localhost over the local connection with this Python. Returns the CompletedProcess."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'),
               ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0')
    if inventory is None:
        target = ['-i', 'localhost,', '-c', 'local', '-e', 'ansible_python_interpreter=%s' % sys.executable]
    else:
        target = ['-i', str(inventory)]
    return subprocess.run([ANSIBLE_PLAYBOOK] + target + [str(playbook)] + list(args), capture_output=True,
                          text=True, env=env, cwd=ROOT, check=False)


def play_recap(output, host='localhost'):
    """{ok, changed, unreachable, failed} of host from ansible-playbook's PLAY RECAP."""
    match = re.search(r'%s\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)' % re.escape(host),
                      output)
    assert match, output[-3000:]
    return dict(zip(('ok', 'changed', 'unreachable', 'failed'), map(int, match.groups())))


def run_play(tmp_path, playbook_text, variables, *args):
    """ansible_playbook of playbook_text with variables as an extra-vars file; (rc, stdout + stderr)."""
    vars_file = tmp_path / ('vars-%s.json' % uuid.uuid4().hex[:6])
    vars_file.write_text(json.dumps(variables))
    playbook = tmp_path / 'play.yml'
    playbook.write_text(playbook_text)
    proc = ansible_playbook(playbook, '-e', '@%s' % vars_file, *args)
    return proc.returncode, proc.stdout + proc.stderr
