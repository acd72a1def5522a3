"""roles/settings on localhost: orgs with create: true are created before their settings, the
password and API key never shown; restarts only when a setting Coop caches changed and
coop_settings_restart_on_cached_change is true (a stand-in systemctl on PATH records the calls)."""

import hashlib
import json
import os
import stat

from tests.conftest import ansible_playbook, login_args, pg_connect, pg_dump, play_recap
from tests.fixtures import coop_schema

PASSWORD = 'role-admin-Pass-93ae'

PLAYBOOK = """
- name: Settings role with coop_orgs from the extra vars
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Settings
      ansible.builtin.include_role:
        name: roost.coop.settings
"""


def setup(scratch_db, tmp_path, monkeypatch):
    db = scratch_db(shape=coop_schema.SHAPE_NEW)
    with pg_connect(db) as conn:
        coop_schema.add_org(conn, 'rorg0000001', 'Old Org')
    login = login_args(db)
    (tmp_path / 'server.env').write_text(
        'DATABASE_HOST=%(login_host)s\nDATABASE_PORT=%(login_port)s\nDATABASE_NAME=%(login_db)s\n'
        'DATABASE_USER=%(login_user)s\nDATABASE_PASSWORD=%(login_password)s\n' % login)
    (tmp_path / 'play.yml').write_text(PLAYBOOK)
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    fake = bin_dir / 'systemctl'
    fake.write_text('#!/bin/sh\necho "$@" >> %s\n' % (tmp_path / 'systemctl.log'))
    fake.chmod(0o755)
    monkeypatch.setenv('PATH', '%s:%s' % (bin_dir, os.environ['PATH']))
    return db


def play(tmp_path, orgs, *args, **role_vars):
    variables = dict(role_vars, coop_orgs=orgs, coop_config_dir=str(tmp_path))
    (tmp_path / 'vars.json').write_text(json.dumps(variables))
    proc = ansible_playbook(tmp_path / 'play.yml', '-e', '@%s' % (tmp_path / 'vars.json'), *args)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return play_recap(out)['changed'], out


def restarts(tmp_path):
    log = tmp_path / 'systemctl.log'
    return log.read_text().splitlines() if log.exists() else []


def new_org(tmp_path, **settings):
    return dict(org='New Org', create=True, email='trust@new.example', website='new.example',
                admin=dict(email='lead@new.example', password=PASSWORD), api_key_file=str(tmp_path / 'new.key'),
                settings=settings)


def test_settings_role_creates_orgs_then_applies_their_settings(scratch_db, tmp_path, monkeypatch):
    db = setup(scratch_db, tmp_path, monkeypatch)
    orgs = [new_org(tmp_path, user_strike_ttl_days=30), dict(org='Old Org', settings={'moderator_safety_blur_level': 1})]
    before = pg_dump(db)

    changed, out = play(tmp_path, orgs, '--check', '--diff')
    assert changed == 2 and 'New Org' in out and PASSWORD not in out
    assert pg_dump(db) == before and not (tmp_path / 'new.key').exists()

    changed, out = play(tmp_path, orgs, '-vvvv', '--diff')
    assert changed == 2
    assert PASSWORD not in out
    key_file = tmp_path / 'new.key'
    key = key_file.read_text().strip()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and len(key) == 64 and key not in out
    assert 'user_strike_ttl_days' in out and 'apply within 600 s' in out
    assert restarts(tmp_path) == []  # coop_settings_restart_on_cached_change is false
    with pg_connect(db) as conn:
        row = conn.execute('SELECT s.user_strike_ttl_days, k.key_hash FROM public.orgs o JOIN public.org_settings s '
                           'ON s.org_id = o.id JOIN public.api_keys k ON k.org_id = o.id WHERE o.name = %s',
                           ('New Org',)).fetchone()
    assert row == (30, hashlib.sha256(key.encode()).hexdigest())

    changed, out = play(tmp_path, orgs)
    assert changed == 0


def test_same_name_listed_twice_is_refused(scratch_db, tmp_path, monkeypatch):
    db = setup(scratch_db, tmp_path, monkeypatch)
    twin = dict(new_org(tmp_path), org='new org', email='b@new.example', website='b.new.example')
    (tmp_path / 'vars.json').write_text(json.dumps(dict(coop_orgs=[new_org(tmp_path), twin], coop_config_dir=str(tmp_path))))
    before = pg_dump(db)
    proc = ansible_playbook(tmp_path / 'play.yml', '-e', '@%s' % (tmp_path / 'vars.json'))
    out = ' '.join((proc.stdout + proc.stderr).split())
    assert proc.returncode != 0 and 'coop_orgs lists an org to create twice' in out
    assert PASSWORD not in out and pg_dump(db) == before


def test_restart_only_when_a_cached_setting_changed(scratch_db, tmp_path, monkeypatch):
    setup(scratch_db, tmp_path, monkeypatch)
    flag = dict(coop_settings_restart_on_cached_change=True)

    play(tmp_path, [dict(org='Old Org', settings={'moderator_safety_blur_level': 4})], **flag)
    assert restarts(tmp_path) == []  # changed, but Coop does not cache it

    changed, out = play(tmp_path, [dict(org='Old Org', settings={'ignore_callback_url': 'https://hooks.example/ignore'})],
                        **flag)
    assert changed == 2 and 'they were restarted' in out
    assert restarts(tmp_path) == ['try-restart coop-api.service coop-worker.service']

    play(tmp_path, [dict(org='Old Org', settings={'ignore_callback_url': 'https://hooks.example/ignore'})], **flag)
    assert len(restarts(tmp_path)) == 1  # unchanged: no restart


def test_compose_runtime_restarts_the_projects_server_and_worker(scratch_db, tmp_path, monkeypatch):
    """Runtime compose: the restart goes through the app role's compose command (probed as the app
    role does: podman, then a stand-in compose command on PATH that records its calls) with the app
    role's project file and name; the worker only when the app role runs one. No engine runs."""
    setup(scratch_db, tmp_path, monkeypatch)
    compose = tmp_path / 'bin' / 'stand-in-compose'
    compose.write_text('#!/bin/sh\n[ "$1" = version ] && { echo "stand-in-compose version 9"; exit 0; }\n'
                       'echo "$@" >> %s\n' % (tmp_path / 'compose.log'))
    compose.chmod(0o755)
    project = tmp_path / 'project'
    project.mkdir()
    runtime = dict(coop_settings_restart_on_cached_change=True, coop_runtime='compose', coop_compose_engine='podman',
                   coop_compose_command=['stand-in-compose'], coop_compose_dir=str(project), coop_compose_project='coopx')

    def calls():
        log = tmp_path / 'compose.log'
        return log.read_text().splitlines() if log.exists() else []

    play(tmp_path, [dict(org='Old Org', settings={'moderator_safety_blur_level': 4})], **runtime)
    assert calls() == []  # changed, but Coop does not cache it
    head = '--file %s/compose.yml --project-name coopx restart' % project
    play(tmp_path, [dict(org='Old Org', settings={'user_strike_ttl_days': 45})], **runtime)
    assert calls() == [head + ' server']  # no worker without item queue traffic
    play(tmp_path, [dict(org='Old Org', settings={'user_strike_ttl_days': 45})], **runtime)
    assert len(calls()) == 1  # unchanged: no restart
    changed, out = play(tmp_path, [dict(org='Old Org', settings={'user_strike_ttl_days': 50})],
                        coop_item_queue_traffic_percentage='100', **runtime)
    assert calls()[1:] == [head + ' server worker'] and 'they were restarted' in out
    assert restarts(tmp_path) == []  # systemctl is not called on compose hosts
