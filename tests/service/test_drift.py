"""The roost.coop.drift playbook on localhost against a scratch database and env files the config
role wrote: exit 0 and no drift after a converge; one changed setting and two changed env keys
(one secret) found, shown per key with declared and live, the secret never shown (also with -vvv),
nothing written on the host; one module run per host; the JSON report replaced atomically, 0600."""

import json
import os
import re
import stat
import subprocess
import sys

import pytest
import yaml

from tests.conftest import ANSIBLE_PLAYBOOK, PG, ansible_playbook, pg_connect, pg_dump, play_recap, run_module, run_play
from tests.fixtures import coop_schema

REDIS_SECRET = 'drift-redis-secret-4417'
CHANGED_SECRET = 'drift-changed-secret-9902'
CONVERGE = """
- hosts: coop_app
  gather_facts: false
  roles:
    - roost.coop.config
    - role: roost.coop.settings
      coop_settings_install_psycopg: false
"""


def inventory(tmp_path, db):
    config_dir = tmp_path / 'etc-coop'
    group = {
        'hosts': {'localhost': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}},
        'vars': {
            'coop_config_dir': str(config_dir), 'coop_user': 'root', 'coop_group': 'root',
            'coop_config_manage_user': False, 'coop_version': 'main', 'coop_ui_url': 'https://coop.example.org',
            'coop_database_host': PG['host'], 'coop_database_port': PG['port'], 'coop_database_name': db,
            'coop_database_user': PG['user'], 'coop_database_password': PG['password'],
            'coop_redis_password': REDIS_SECRET, 'coop_noreply_email': 'noreply@coop.example.org',
            'coop_support_email': 'support@coop.example.org', 'coop_team_email': 'team@coop.example.org',
            'coop_drift_report_path': str(tmp_path / 'drift.json'),
            'coop_orgs': [{'org': 'Acme Trust & Safety', 'settings': {'user_strike_ttl_days': 30,
                                                                      'moderator_safety_blur_level': 3}},
                          {'org': 'Globex', 'settings': {'has_appeals_enabled': True}}],
        },
    }
    path = tmp_path / 'inventory.yml'
    path.write_text(yaml.safe_dump({'all': {'children': {'coop_app': group, 'coop_web': {'hosts': {}}}}}))
    return path, config_dir


def drift(inventory_path, *args):
    proc = ansible_playbook(os.path.join('playbooks', 'drift.yml'), *args, inventory=inventory_path)
    return proc.returncode, proc.stdout + proc.stderr


def tasks(out):
    return re.findall(r'^TASK \[(.*?)\]', out, re.M)


def edit_env(path, key, value):
    lines = [line for line in path.read_text().splitlines() if not line.startswith(key + '=')]
    path.write_text('\n'.join(lines + ['%s=%s' % (key, value)]) + '\n')


def converged(scratch_db, tmp_path):
    """(database, inventory, config dir) after the config and settings roles ran on localhost."""
    db = scratch_db(shape=coop_schema.SHAPE_NEW)
    with pg_connect(db) as conn:
        coop_schema.add_org(conn, 'acme0000001', 'Acme Trust & Safety')
        coop_schema.add_org(conn, 'globex00001', 'Globex')
    inv, config_dir = inventory(tmp_path, db)
    play = tmp_path / 'converge.yml'
    play.write_text(CONVERGE)
    proc = ansible_playbook(play, inventory=inv)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    return db, inv, config_dir


def test_drift_report(scratch_db, tmp_path):
    db, inv, config_dir = converged(scratch_db, tmp_path)

    report_path = tmp_path / 'drift.json'
    report_path.write_text('old report\n')
    report_path.chmod(0o644)
    rc, out = drift(inv)
    assert rc == 0, out[-3000:]
    assert 'NO DRIFT: the live settings and env files are as declared' in out
    assert json.loads(report_path.read_text()) == {'drift': False, 'orgs': {}, 'env': {}}
    assert stat.S_IMODE(report_path.stat().st_mode) == 0o600
    assert play_recap(out)['changed'] == 0
    # One module run on the host (coop_drift, the config role's env values and the orgs by the variable's
    # name, without importing the role); the report on the controller.
    assert tasks(out) == ['Compare the env files and org settings with the declared values',
                          'Build the drift report, write it on the controller, fail when anything drifted']

    with pg_connect(db) as conn:
        conn.execute("UPDATE public.org_settings SET user_strike_ttl_days = 7 WHERE org_id = 'acme0000001'")
        conn.commit()
    server_env = config_dir / 'server.env'
    edit_env(server_env, 'UI_URL', 'https://hand-edited.example.org')
    edit_env(server_env, 'REDIS_PASSWORD', CHANGED_SECRET)
    files = dict((name, (config_dir / name).read_bytes()) for name in os.listdir(str(config_dir)))
    before = pg_dump(db)

    rc, out = drift(inv, '-vvv')
    assert rc == 2, out[-3000:]
    report = json.loads((tmp_path / 'drift.json').read_text())
    assert report == {
        'drift': True,
        'orgs': {'Acme Trust & Safety': {'user_strike_ttl_days': {'declared': 30, 'live': 7}}},
        'env': {'localhost': {str(server_env): {
            'UI_URL': {'declared': 'https://coop.example.org', 'live': 'https://hand-edited.example.org'},
            'REDIS_PASSWORD': {'declared': '********', 'live': '********'}}}}}
    table = out[out.index('DRIFT: 3 value(s) differ'):]
    assert 'org Acme Trust & Safety' in table and 'user_strike_ttl_days' in table
    assert 'https://hand-edited.example.org' in table and 'REDIS_PASSWORD' in table
    assert 'Drift: 3 value(s) differ from the inventory' in out
    for secret in (REDIS_SECRET, CHANGED_SECRET, PG['password']):
        assert secret not in out and secret not in json.dumps(report)
    assert pg_dump(db) == before
    assert dict((name, (config_dir / name).read_bytes()) for name in os.listdir(str(config_dir))) == files

    # A missing env file: every key it declares drifts (live unset); it is not created.
    (config_dir / 'client.env').unlink()
    rc, out = drift(inv)
    assert rc == 2, out[-3000:]
    assert json.loads((tmp_path / 'drift.json').read_text())['env']['localhost'][str(config_dir / 'client.env')] == {
        'VITE_UI_URL': {'declared': 'https://coop.example.org', 'live': None}}
    assert not (config_dir / 'client.env').exists()
    assert pg_dump(db) == before


ORGS_VAR_PLAY = """
- hosts: localhost
  gather_facts: false
  check_mode: true
  module_defaults:
    roost.coop.coop_drift:
      login_host: "{{ pg.host }}"
      login_port: "{{ pg.port }}"
      login_user: "{{ pg.user }}"
      login_password: "{{ pg.password }}"
      login_db: "{{ db }}"
  tasks:
    - name: Orgs by the name of an undefined variable
      roost.coop.coop_drift:
        orgs_var: coop_orgs_nowhere
      register: undefined_var
    - name: Orgs by the variable's name, one setting declared otherwise
      roost.coop.coop_drift:
        orgs_var: declared
      register: by_name
    - name: Both
      roost.coop.coop_drift:
        orgs: "{{ declared }}"
        orgs_var: declared
      ignore_errors: true
      register: both
    - name: Keep the results
      ansible.builtin.copy:
        content: "{{ [undefined_var.orgs_compared, by_name.orgs_compared, by_name.orgs, both.msg] | to_json }}"
        dest: "{{ out }}"
        mode: '0600'
      check_mode: false
"""


def test_orgs_by_variable_name(scratch_db, tmp_path):
    """orgs_var: the variable's value (templated on the controller) is compared as orgs; an undefined
    variable is no orgs; orgs and orgs_var together are refused; only orgs that differ come back."""
    db = scratch_db(shape=coop_schema.SHAPE_NEW)
    with pg_connect(db) as conn:
        coop_schema.add_org(conn, 'acme0000001', 'Acme Trust & Safety')
        coop_schema.add_org(conn, 'globex00001', 'Globex')
    # A template and a vaulted value among the declared ones: both reach the module rendered.
    (tmp_path / 'vault-pass').write_text('drift-vault-pass\n')
    vaulted = subprocess.run([ANSIBLE_PLAYBOOK.replace('ansible-playbook', 'ansible-vault'), 'encrypt_string',
                              '--vault-password-file', str(tmp_path / 'vault-pass'), '3'],
                             capture_output=True, text=True, check=True).stdout
    (tmp_path / 'declared.yml').write_text(
        "declared:\n  - org: Acme Trust & Safety\n    settings:\n      user_strike_ttl_days: '{{ 6 * 5 }}'\n"
        "  - org: Globex\n    settings:\n      moderator_safety_blur_level: %s\n"
        % vaulted.strip().replace('\n', '\n        '))
    results = tmp_path / 'results.json'
    rc, out = run_play(tmp_path, ORGS_VAR_PLAY, {'pg': PG, 'db': db, 'out': str(results)},
                       '-e', '@%s' % (tmp_path / 'declared.yml'), '--vault-password-file', str(tmp_path / 'vault-pass'))
    assert rc == 0, out[-3000:]
    compared_none, compared, orgs, both = json.loads(results.read_text())
    assert (compared_none, compared) == (0, 2)
    assert [(org['name'], org['changes']) for org in orgs] == [
        ('Acme Trust & Safety', {'user_strike_ttl_days': {'before': 90, 'after': 30}}),
        ('Globex', {'moderator_safety_blur_level': {'before': 2, 'after': 3}})]
    assert both.startswith('orgs and orgs_var are both set')


CONFIG_ENV_PLAY = """
- hosts: coop_app
  gather_facts: false
  check_mode: true
  vars:
    coop_api_port: 9999
  tasks:
    - name: The config role's server.env values; a play variable ranks above the role's default
      roost.coop.coop_drift:
        config_env_files: [server]
      register: play_var
    - name: The task's own env_dir wins over coop_config_dir
      roost.coop.coop_drift:
        config_env_files: [client]
        env_dir: "{{ empty_dir }}"
      register: own_dir
    - name: An unknown kind
      roost.coop.coop_drift:
        config_env_files: [server, worker]
      ignore_errors: true
      register: unknown
    - name: Both env_files and config_env_files
      roost.coop.coop_drift:
        config_env_files: [server]
        env_files: {server: {set: {PORT: '1'}}}
      ignore_errors: true
      register: both
    - name: Keep the results
      ansible.builtin.copy:
        content: "{{ [play_var.env, own_dir.env, unknown.msg, both.msg] | to_json }}"
        dest: "{{ out }}"
        mode: '0600'
      check_mode: false
"""


def test_config_env_files(scratch_db, tmp_path):
    """config_env_files: the values the config role wrote compare equal (test_drift_report), a play variable
    ranks above the role's defaults, the task's own options win, bad input is refused with the fix."""
    _db, inv, config_dir = converged(scratch_db, tmp_path)
    (tmp_path / 'empty').mkdir()
    play = tmp_path / 'config-env.yml'
    results = tmp_path / 'results.json'
    play.write_text(CONFIG_ENV_PLAY)
    proc = ansible_playbook(play, '-e', 'empty_dir=%s out=%s' % (tmp_path / 'empty', results), inventory=inv)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    play_var, own_dir, unknown, both = json.loads(results.read_text())
    assert play_var == [{'path': str(config_dir / 'server.env'), 'changes': {'PORT': {'before': '8080', 'after': '9999'}}}]
    assert own_dir == [{'path': str(tmp_path / 'empty' / 'client.env'),
                        'changes': {'VITE_UI_URL': {'before': None, 'after': 'https://coop.example.org'}}}]
    assert unknown.startswith('config_env_files must be a list of db, server, client'), unknown
    assert both.startswith('env_files and config_env_files are both set'), both


@pytest.mark.parametrize('orgs, words', [('[{"org": "Acme", "ncmec": {"password": "unparsed-pw-313"}', 'orgs is text but not JSON'),
                                         ('{"org": "Acme", "ncmec": {"password": "unparsed-pw-313"}}', 'orgs must be a list of orgs'),
                                         (5, 'orgs must be a list of orgs')])
def test_orgs_that_are_no_list_refused(tmp_path, orgs, words):
    """Refused with the fix; the unparsed text, credentials and all, stays out of the result."""
    result = run_module('coop_drift', dict(orgs=orgs, env_dir=str(tmp_path), login_host='127.0.0.1'), check=True)
    assert result.get('failed') and result['msg'].startswith(words), result
    assert 'unparsed-pw-313' not in json.dumps(result)


WEB_CONVERGE = """
- hosts: coop_web
  gather_facts: false
  roles:
    - role: roost.coop.config
      coop_config_env_files: [client]
"""


def test_web_only_host(scratch_db, tmp_path):
    """A host only in coop_web is compared on its client.env alone (as site.yml writes it there), and the
    report names that host when its file drifts."""
    _db, inv, _config_dir = converged(scratch_db, tmp_path)
    data = yaml.safe_load(inv.read_text())
    web_dir = tmp_path / 'web-etc'
    data['all']['children']['coop_web']['hosts'] = {'web-only': {
        'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable, 'coop_config_dir': str(web_dir),
        'coop_ui_url': 'https://coop.example.org', 'coop_user': 'root', 'coop_group': 'root',
        'coop_config_manage_user': False}}
    inv.write_text(yaml.safe_dump(data))
    play = tmp_path / 'web.yml'
    play.write_text(WEB_CONVERGE)
    proc = ansible_playbook(play, inventory=inv)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert [name for name in os.listdir(str(web_dir)) if name.endswith('.env')] == ['client.env']

    rc, out = drift(inv)
    assert rc == 0, out[-3000:]
    assert play_recap(out, 'web-only')['failed'] == 0 and play_recap(out, 'web-only')['ok'] == 1

    edit_env(web_dir / 'client.env', 'VITE_UI_URL', 'https://web-edit.example.org')
    rc, out = drift(inv)
    assert rc == 2, out[-3000:]
    assert json.loads((tmp_path / 'drift.json').read_text())['env'] == {'web-only': {str(web_dir / 'client.env'): {
        'VITE_UI_URL': {'declared': 'https://coop.example.org', 'live': 'https://web-edit.example.org'}}}}
