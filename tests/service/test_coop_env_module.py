"""coop_env on real files: create, rerun unchanged, check mode, diff masking, modes, owner,
backup, generate, validation, and atomicity (a write that dies leaves the old file)."""

import grp
import json
import os
import pwd
import resource
import signal
import subprocess
import sys
import time


from tests.conftest import COLLECTIONS, ROOT, run_module
from ansible_collections.roost.coop.plugins.module_utils import coop_dotenv as dotenv

PASSWORD = 'Zq8v2LmT0pWmZ4sK-db-pw-42'
REDIS_PASSWORD = "r3dis pass'word"


def server_set():
    return {'NODE_ENV': 'production', 'UI_URL': 'https://coop.example.org', 'DATABASE_HOST': 'db1',
            'DATABASE_READ_ONLY_HOST': 'db1', 'DATABASE_NAME': 'coop', 'DATABASE_PASSWORD': PASSWORD,
            'REDIS_HOST': 'redis1', 'REDIS_PASSWORD': REDIS_PASSWORD, 'REDIS_USE_CLUSTER': False,
            'ITEM_QUEUE_TRAFFIC_PERCENTAGE': 0, 'ITEM_INVESTIGATION_AND_STRIKES_ENABLED': False,
            'WAREHOUSE_ADAPTER': 'noop', 'ANALYTICS_ADAPTER': 'noop',
            'NOREPLY_EMAIL': 'noreply@coop.example.org', 'SUPPORT_EMAIL': 'support@coop.example.org',
            'TEAM_EMAIL': 'team@coop.example.org'}


def env_args(path, **extra):
    args = {'path': str(path), 'kind': 'server', 'set': server_set(), 'generate': ['SESSION_SECRET']}
    args.update(extra)
    return args


def read(path):
    with open(str(path), 'rb') as handle:
        return handle.read()


def mode_of(path):
    return oct(os.stat(str(path)).st_mode & 0o7777)


def test_create_then_unchanged(tmp_path):
    path = tmp_path / 'server.env'
    first = run_module('coop_env', env_args(path, validate='production'))
    assert first['changed'] is True and not first.get('failed'), first
    assert first['generated_keys'] == ['SESSION_SECRET']
    assert mode_of(path) == '0o600'
    got = dotenv.values(read(path).decode())
    assert got['DATABASE_PASSWORD'] == PASSWORD and got['REDIS_PASSWORD'] == REDIS_PASSWORD
    assert got['REDIS_USE_CLUSTER'] == 'false' and got['ITEM_QUEUE_TRAFFIC_PERCENTAGE'] == '0'
    assert len(got['SESSION_SECRET']) == 48 and got['SESSION_SECRET'].isalnum()
    before = read(path)
    second = run_module('coop_env', env_args(path, validate='production'))
    assert second['changed'] is False and second['changed_keys'] == [] and second['generated_keys'] == []
    assert read(path) == before
    # results never carry secret values
    blob = json.dumps(first) + json.dumps(second)
    for secret in (PASSWORD, REDIS_PASSWORD, got['SESSION_SECRET']):
        assert secret not in blob


def test_check_mode_touches_nothing(tmp_path):
    path = tmp_path / 'server.env'
    result = run_module('coop_env', env_args(path), check=True, diff=True)
    assert result['changed'] is True and not path.exists()
    path.write_text('# mine\nUI_URL=https://old.example.org\n')
    os.chmod(str(path), 0o644)
    before = read(path)
    result = run_module('coop_env', env_args(path), check=True, diff=True)
    assert result['changed'] is True and 'UI_URL' in result['changed_keys']
    assert read(path) == before and mode_of(path) == '0o644'


def test_diff_masks_secrets(tmp_path):
    path = tmp_path / 'server.env'
    path.write_text("DATABASE_PASSWORD='old-password-value'\nUI_URL=https://old.example.org\n")
    result = run_module('coop_env', env_args(path), diff=True)
    text = json.dumps(result['diff'])
    content = dotenv.values(read(path).decode())
    for secret in ('old-password-value', PASSWORD, REDIS_PASSWORD, content['SESSION_SECRET']):
        assert secret not in text
    diff = result['diff'][0]
    assert 'DATABASE_PASSWORD=********\n' in diff['before']
    assert 'DATABASE_PASSWORD=******** (changed)\n' in diff['after']
    assert 'UI_URL=https://old.example.org' in diff['before'] and 'UI_URL=https://coop.example.org' in diff['after']


def test_keeps_comments_order_and_unmanaged_keys(tmp_path):
    path = tmp_path / 'server.env'
    original = '# Coop\n\nMY_OWN=kept\n# db\nDATABASE_HOST=old\n\n# end\n'
    path.write_text(original)
    result = run_module('coop_env', {'path': str(path), 'kind': 'server', 'set': {'DATABASE_HOST': 'db2'},
                                     'remove': ['MY_OWN']})
    assert result['changed_keys'] == ['DATABASE_HOST'] and result['removed_keys'] == ['MY_OWN']
    assert path.read_text() == '# Coop\n\n# db\nDATABASE_HOST=db2\n\n# end\n'
    assert any('MY_OWN' in str(w) for w in result.get('warnings', [])) is False


def test_mode_owner_group_and_backup(tmp_path):
    path = tmp_path / 'server.env'
    path.write_text('UI_URL=https://old.example.org\n')
    os.chmod(str(path), 0o644)
    owner = pwd.getpwnam('nobody')
    group = grp.getgrgid(owner.pw_gid).gr_name
    result = run_module('coop_env', {'path': str(path), 'kind': 'server', 'owner': 'nobody', 'group': group,
                                     'set': {'UI_URL': 'https://coop.example.org'}, 'backup': True})
    assert result['changed'] is True and result['backup_file']
    stat = os.stat(str(path))
    assert (stat.st_uid, stat.st_gid, mode_of(path)) == (owner.pw_uid, owner.pw_gid, '0o600')
    assert read(result['backup_file']) == b'UI_URL=https://old.example.org\n'
    again = run_module('coop_env', {'path': str(path), 'kind': 'server', 'owner': 'nobody', 'group': group,
                                    'set': {'UI_URL': 'https://coop.example.org'}, 'backup': True})
    assert again['changed'] is False and 'backup_file' not in again
    # only the mode differs: changed, content untouched
    os.chmod(str(path), 0o640)
    fixed = run_module('coop_env', {'path': str(path), 'kind': 'server', 'set': {'UI_URL': 'https://coop.example.org'}})
    assert fixed['changed'] is True and fixed['changed_keys'] == [] and mode_of(path) == '0o600'


def test_generate_keeps_existing_value(tmp_path):
    path = tmp_path / 'server.env'
    path.write_text('SESSION_SECRET=existing-secret-value-that-is-long-enough-123\n')
    os.chmod(str(path), 0o600)
    result = run_module('coop_env', {'path': str(path), 'kind': 'server', 'generate': ['SESSION_SECRET']})
    assert result['changed'] is False and result['generated_keys'] == []
    path.write_text('SESSION_SECRET=\n')
    result = run_module('coop_env', {'path': str(path), 'kind': 'server', 'generate': ['SESSION_SECRET']})
    assert result['generated_keys'] == ['SESSION_SECRET']
    assert len(dotenv.values(path.read_text())['SESSION_SECRET']) == 48


def test_unknown_key_warns_and_strict_fails(tmp_path):
    path = tmp_path / 'server.env'
    result = run_module('coop_env', {'path': str(path), 'kind': 'server', 'set': {'SESION_SECRET': 'x' * 40}})
    assert not result.get('failed')
    assert 'did you mean SESSION_SECRET' in json.dumps(result['warnings'])
    assert 'x' * 40 not in json.dumps(result)
    path.unlink()
    result = run_module('coop_env', {'path': str(path), 'kind': 'server', 'strict': True,
                                     'set': {'SESION_SECRET': 'x' * 40}})
    assert result['failed'] and 'did you mean SESSION_SECRET' in result['msg'] and not path.exists()


def test_bad_values_fail_all_at_once_and_write_nothing(tmp_path):
    path = tmp_path / 'server.env'
    path.write_text('UI_URL=https://coop.example.org\n')
    before = read(path)
    result = run_module('coop_env', {'path': str(path), 'kind': 'server', 'set': {
        'WAREHOUSE_ADAPTER': 'postgresql', 'REDIS_USE_CLUSTER': 'yes', 'ITEM_QUEUE_TRAFFIC_PERCENTAGE': 5,
        'NCMEC_ENV': 'prod', 'DATABASE_PASSWORD': 'it\'s "bad"'}})
    assert result['failed'] and len(result['problems']) == 5, result['problems']
    assert read(path) == before
    assert 'it\'s "bad"' not in json.dumps(result)


def test_validate_production_lists_every_problem(tmp_path):
    path = tmp_path / 'server.env'
    result = run_module('coop_env', {'path': str(path), 'kind': 'server', 'validate': 'production',
                                     'set': {'UI_URL': 'http://coop.example.org', 'SESSION_SECRET': 'some_long_secret_string',
                                             'WAREHOUSE_ADAPTER': 'postgresql'}})
    assert result['failed'] and not path.exists()
    text = '\n'.join(result['problems'])
    for fragment in ('WAREHOUSE_ADAPTER=postgresql', 'DATABASE_HOST is missing', 'DATABASE_READ_ONLY_HOST',
                     'REDIS_USE_CLUSTER', 'ITEM_QUEUE_TRAFFIC_PERCENTAGE', 'SESSION_SECRET holds a placeholder',
                     'plain http://', 'NODE_ENV'):
        assert fragment in text, fragment
    insecure = run_module('coop_env', env_args(path, validate='production', allow_insecure_ui_url=True,
                                               set=dict(server_set(), UI_URL='http://coop.lan', NODE_ENV='development')))
    assert insecure['changed'] and not insecure.get('failed'), insecure


def test_missing_directory_and_create_false(tmp_path):
    result = run_module('coop_env', {'path': str(tmp_path / 'nope' / 'server.env'), 'kind': 'server'})
    assert result['failed'] and 'does not exist; create it first' in result['msg']
    result = run_module('coop_env', {'path': str(tmp_path / 'server.env'), 'kind': 'server', 'create': False})
    assert result['failed'] and 'set create: true' in result['msg']


def spawn_module(args, preexec_fn=None):
    payload = json.dumps({'ANSIBLE_MODULE_ARGS': dict(args, _ansible_remote_tmp='/tmp', _ansible_tmpdir=None)})
    env = dict(os.environ, PYTHONPATH=COLLECTIONS)
    proc = subprocess.Popen([sys.executable, '-m', 'ansible_collections.roost.coop.plugins.modules.coop_env'],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT,
                            preexec_fn=preexec_fn)
    return proc, payload.encode()


def test_failed_write_leaves_old_file(tmp_path):
    path = tmp_path / 'server.env'
    path.write_text('UI_URL=https://coop.example.org\n')
    os.chmod(str(path), 0o600)
    before = read(path)

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    proc, payload = spawn_module({'path': str(path), 'kind': 'server', 'set': {'BUILD_ID': 'b' * 100000}},
                                 preexec_fn=small_files)
    out = proc.communicate(payload)[0]
    result = json.loads(out)
    assert result['failed'] and 'the old file is unchanged' in result['msg']
    assert read(path) == before
    assert sorted(os.listdir(str(tmp_path))) == ['.server.env.lock', 'server.env']  # temporary file cleaned up


def test_killed_write_leaves_old_file(tmp_path):
    """SIGKILL the module while its temporary file exists: the env file is the old one, whole."""
    path = tmp_path / 'server.env'
    path.write_text('UI_URL=https://coop.example.org\n')
    before = read(path)
    big = 'b' * (48 * 1024 * 1024)
    killed_mid_write = 0
    for _attempt in range(5):
        path.write_bytes(before)
        for name in os.listdir(str(tmp_path)):
            if name != 'server.env':
                os.unlink(str(tmp_path / name))
        proc, payload = spawn_module({'path': str(path), 'kind': 'server', 'set': {'BUILD_ID': big}})
        proc.stdin.write(payload)
        proc.stdin.close()
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None:
            if any(n.endswith('.tmp') for n in os.listdir(str(tmp_path))):
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.0005)
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
        content = read(path)
        # never a partial file: the old content, or (if the kill came too late) the whole new one
        assert content == before or dotenv.values(content.decode())['BUILD_ID'] == big
        if proc.returncode == -signal.SIGKILL and content == before:
            killed_mid_write += 1
            leftovers = [n for n in os.listdir(str(tmp_path)) if n.endswith('.tmp')]
            assert leftovers and all(n.startswith('.server.env.') for n in leftovers)
            break
    assert killed_mid_write == 1, 'never caught the module while it was writing'
