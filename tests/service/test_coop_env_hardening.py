"""coop_env under the faults and inputs an outside probe found: line breaks only the readers see,
misspelt secret keys, parallel runs on one file, symlinks, an invalid mode, temporary files a
killed run left behind, and readers racing the replacement of a large file."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import COLLECTIONS, ROOT, run_module
from tests.service.test_coop_env_module import env_args, mode_of, read, server_set, spawn_module
from ansible_collections.roost.coop.plugins.module_utils import coop_dotenv as dotenv


def test_vertical_tab_does_not_make_a_production_line(tmp_path):
    """X=1<VT>NODE_ENV=production is one line, X's, for every reader: NODE_ENV stays unset."""
    path = tmp_path / 'server.env'
    settings = dict(server_set())
    del settings['NODE_ENV']
    path.write_text(''.join(dotenv.line(k, str(v).lower() if isinstance(v, bool) else str(v))
                            for k, v in settings.items()) + 'X=1\x0bNODE_ENV=production\n')
    before = read(path)
    result = run_module('coop_env', env_args(path, set=settings, validate='production'))
    assert result['failed'] and any('NODE_ENV' in p for p in result['problems']), result
    assert read(path) == before


def test_form_feed_does_not_hide_a_key(tmp_path):
    """B after a form feed is part of A's value: setting B adds a line, and says so."""
    path = tmp_path / 'server.env'
    path.write_text('A=x\x0cB=old\n')
    result = run_module('coop_env', {'path': str(path), 'kind': 'server', 'set': {'B': 'new'}})
    assert result['changed'] and result['changed_keys'] == ['B']
    assert path.read_text() == 'A=x\x0cB=old\nB=new\n'
    again = run_module('coop_env', {'path': str(path), 'kind': 'server', 'set': {'B': 'new'}})
    assert again['changed'] is False


def test_file_the_readers_disagree_on_is_refused(tmp_path):
    path = tmp_path / 'server.env'
    path.write_text("DATABASE_NAME='c8clean\nDATABASE_PASSWORD=Pw-9f2kLmQ\n")
    before = read(path)
    result = run_module('coop_env', {'path': str(path), 'kind': 'server', 'set': {'UI_URL': 'https://c.example.org'}},
                        diff=True)
    assert result['failed'] and 'line 1 (DATABASE_NAME)' in result['msg']
    assert 'Pw-9f2kLmQ' not in json.dumps(result) and 'c8clean' not in json.dumps(result)
    assert read(path) == before


@pytest.mark.parametrize('key', ['DATABASE_PASWORD', 'SESION_SECRET', 'MY_API_TOKEN', 'SMTP_PASSPHRASE',
                                 'GCP_CREDENTIALS_JSON', 'TLS_PRIVATE_PEM', 'BASIC_AUTH', 'SIGNING_KEY'])
def test_misspelt_or_own_secret_key_is_masked(tmp_path, key):
    path = tmp_path / 'server.env'
    path.write_text('%s=old-value-4711\n' % key)
    value = 'new-value-0815'
    for check in (True, False):
        result = run_module('coop_env', {'path': str(path), 'kind': 'server', 'set': {key: value},
                                         '_ansible_verbosity': 4}, check=check, diff=True)
        blob = json.dumps(result)
        assert value not in blob and 'old-value-4711' not in blob, blob
        assert '%s=******** (changed)' % key in result['diff'][0]['after']
    assert dotenv.values(path.read_text())[key] == value


def test_commented_secret_is_masked_in_the_diff(tmp_path):
    path = tmp_path / 'server.env'
    path.write_text('#DATABASE_PASSWORD=old-value-4711\nUI_URL=https://a.example.org\n')
    result = run_module('coop_env', {'path': str(path), 'kind': 'server', 'set': {'UI_URL': 'https://b.example.org'}},
                        diff=True)
    assert 'old-value-4711' not in json.dumps(result)
    assert result['diff'][0]['before'].startswith('#DATABASE_PASSWORD=********\n')


def _payload(args):
    return json.dumps({'ANSIBLE_MODULE_ARGS': dict(args, _ansible_remote_tmp='/tmp', _ansible_tmpdir=None)}).encode()


MODULE = [sys.executable, '-m', 'ansible_collections.roost.coop.plugins.modules.coop_env']
ENV = dict(os.environ, PYTHONPATH=COLLECTIONS)


@pytest.mark.parametrize('size', [0, 1024 * 1024])
def test_parallel_runs_lose_no_key(tmp_path, size):
    """Three processes set different keys in one file at once, several rounds: every key lands."""
    path = tmp_path / 'server.env'
    for round_ in range(5):
        path.write_text('BUILD_ID=%s\n' % ('b' * size) if size else '# empty\n')
        procs = []
        for n in range(3):
            args = {'path': str(path), 'kind': 'server', 'set': {'OWN_KEY_%d' % n: 'round-%d' % round_}}
            proc = subprocess.Popen(MODULE, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    env=ENV, cwd=ROOT)
            procs.append((proc, _payload(args)))
        for proc, payload in procs:
            proc.stdin.write(payload)
            proc.stdin.close()
        for proc, _payload_ in procs:
            result = json.loads(proc.stdout.read())
            proc.wait()
            proc.stdout.close()
            proc.stderr.close()
            assert result['changed'] and not result.get('failed'), result
        got = dotenv.values(path.read_text())
        assert [got.get('OWN_KEY_%d' % n) for n in range(3)] == ['round-%d' % round_] * 3, 'round %d lost a key' % round_


def test_private_under_umask_000(tmp_path):
    """The env file, its lock file and the temporary file are 0600 even when the umask is 000."""
    path = tmp_path / 'server.env'
    proc, payload = spawn_module({'path': str(path), 'kind': 'server', 'set': {'UI_URL': 'https://coop.example.org'}},
                                 preexec_fn=lambda: os.umask(0))
    result = json.loads(proc.communicate(payload)[0])
    assert result['changed'] and not result.get('failed'), result
    assert mode_of(path) == '0o600' and mode_of(tmp_path / '.server.env.lock') == '0o600'


def test_symlink_is_followed_and_kept(tmp_path):
    """Like lineinfile: the link stays, the file it points to is replaced with the new content, 0600."""
    target_dir = tmp_path / 'real'
    target_dir.mkdir()
    target = target_dir / 'server.env'
    target.write_text('UI_URL=https://old.example.org\n')
    os.chmod(str(target), 0o644)
    link = tmp_path / 'server.env'
    link.symlink_to(target)
    result = run_module('coop_env', {'path': str(link), 'kind': 'server', 'set': {'UI_URL': 'https://new.example.org'}})
    assert result['changed'] and not result.get('failed'), result
    assert link.is_symlink() and os.readlink(str(link)) == str(target)
    assert target.read_text() == 'UI_URL=https://new.example.org\n' and mode_of(target) == '0o600'
    assert sorted(os.listdir(str(target_dir))) == ['.server.env.lock', 'server.env']
    again = run_module('coop_env', {'path': str(link), 'kind': 'server', 'set': {'UI_URL': 'https://new.example.org'}})
    assert again['changed'] is False


@pytest.mark.parametrize('mode', ['0999', 'u=rwz', 'bogus', 0o17777])
def test_invalid_mode_writes_nothing(tmp_path, mode):
    path = tmp_path / 'server.env'
    result = run_module('coop_env', {'path': str(path), 'kind': 'server', 'mode': mode,
                                     'set': {'UI_URL': 'https://coop.example.org'}})
    assert result['failed'] and 'is not a file mode' in result['msg'] and 'Nothing was written' in result['msg']
    assert os.listdir(str(tmp_path)) == []
    path.write_text('UI_URL=https://old.example.org\n')
    os.chmod(str(path), 0o640)
    before = read(path)
    result = run_module('coop_env', {'path': str(path), 'kind': 'server', 'mode': mode,
                                     'set': {'UI_URL': 'https://coop.example.org'}})
    assert result['failed'] and read(path) == before and mode_of(path) == '0o640'
    assert sorted(os.listdir(str(tmp_path))) == ['server.env']


def test_unknown_owner_writes_nothing(tmp_path):
    path = tmp_path / 'server.env'
    result = run_module('coop_env', {'path': str(path), 'kind': 'server', 'owner': 'no-such-user-4711',
                                     'set': {'UI_URL': 'https://coop.example.org'}})
    assert result['failed'] and 'owner no-such-user-4711 does not exist' in result['msg']
    assert os.listdir(str(tmp_path)) == []


def test_stale_temp_file_of_a_killed_run_is_removed(tmp_path):
    """A run killed after writing its temporary file (0600, part of the new secrets) leaves it;
    the next run, holding the lock, removes it. Another file's temporary file is left alone, and
    so is the temporary file of a run that is still writing (it holds the lock)."""
    path = tmp_path / 'server.env'
    path.write_text('UI_URL=https://coop.example.org\n')
    stale = tmp_path / '.server.env.k1ll3d_x.tmp'
    stale.write_text('DATABASE_PASSWORD=half-written-secret')
    other = tmp_path / '.db.env.abcd1234.tmp'
    other.write_text('x')
    result = run_module('coop_env', {'path': str(path), 'kind': 'server', 'set': {'UI_URL': 'https://coop.example.org'}})
    assert not result.get('failed') and not stale.exists() and other.exists(), result
    assert '.server.env.k1ll3d_x.tmp' in json.dumps(result['warnings'])
    assert 'half-written-secret' not in json.dumps(result)
    # check mode removes nothing
    stale.write_text('x')
    run_module('coop_env', {'path': str(path), 'kind': 'server', 'set': {}}, check=True)
    assert stale.exists()


def test_live_writer_keeps_its_temp_file(tmp_path):
    """While one run holds the lock (stopped mid-write), a second run waits instead of deleting the
    first run's temporary file; the first then completes its rename."""
    path = tmp_path / 'server.env'
    path.write_text('UI_URL=https://coop.example.org\n')
    big = 'b' * (12 * 1024 * 1024)
    first, payload = spawn_module({'path': str(path), 'kind': 'server', 'set': {'BUILD_ID': big}})
    first.stdin.write(payload)
    first.stdin.close()
    deadline = time.time() + 60
    while not any(n.endswith('.tmp') for n in os.listdir(str(tmp_path))):
        assert time.time() < deadline and first.poll() is None, 'the first run never wrote its temporary file'
        time.sleep(0.0005)
    os.kill(first.pid, signal.SIGSTOP)
    second, payload2 = spawn_module({'path': str(path), 'kind': 'server', 'set': {'OWN_KEY': 'second'}})
    second.stdin.write(payload2)
    second.stdin.close()
    time.sleep(2)
    assert second.poll() is None, 'the second run did not wait for the lock'
    assert any(n.endswith('.tmp') for n in os.listdir(str(tmp_path)))
    os.kill(first.pid, signal.SIGCONT)
    assert json.loads(first.stdout.read())['changed']
    assert json.loads(second.stdout.read())['changed']
    for proc in (first, second):
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    got = dotenv.values(path.read_text())
    assert got['BUILD_ID'] == big and got['OWN_KEY'] == 'second'


READER = r'''
import os, sys
path, old, new, stop = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
reads = bad = 0
while not os.path.exists(stop):
    # the size at a glance (fast enough to catch a truncate-then-write), and now and then every byte
    if reads % 200 == 0:
        with open(path, 'rb') as handle:
            data = handle.read()
        size = len(data) if data[-1:] == b'\n' else -1
    else:
        size = os.stat(path).st_size
    reads += 1
    if size not in (old, new):
        bad += 1
print(reads, bad)
'''


def test_readers_never_see_a_partial_file(tmp_path):
    """Processes reading a large env file over and over while coop_env replaces it always get the
    whole old file or the whole new one (the rename), never an empty or half-written one."""
    path = tmp_path / 'server.env'
    old_text = 'BUILD_ID=%s\n' % ('a' * (8 * 1024 * 1024))
    new_text = dotenv.update(old_text, {'BUILD_ID': 'c' * (10 * 1024 * 1024)})[0]
    path.write_text(old_text)
    stop = tmp_path / 'stop'
    readers = [subprocess.Popen([sys.executable, '-c', READER, str(path), str(len(old_text)), str(len(new_text)),
                                 str(stop)], stdout=subprocess.PIPE, text=True) for dummy in range(2)]
    time.sleep(0.5)
    result = run_module('coop_env', {'path': str(path), 'kind': 'server', 'set': {'BUILD_ID': 'c' * (10 * 1024 * 1024)}})
    time.sleep(0.3)
    stop.write_text('')
    counts = [tuple(map(int, proc.communicate()[0].split())) for proc in readers]
    assert result['changed'] and read(path).decode() == new_text
    assert all(reads > 100 for reads, bad in counts), counts
    assert all(bad == 0 for reads, bad in counts), 'a reader saw a partial file: %s' % (counts,)
