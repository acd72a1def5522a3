"""roles/settings on localhost against a scratch database, connection from a server.env."""

import sys

from tests.conftest import ansible_playbook, login_args, pg_connect, pg_dump, play_recap
from tests.fixtures import coop_schema

PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: {python}
  roles:
    - role: roost.coop.settings
      coop_config_dir: {config_dir}
      coop_orgs:
        - org: Role Org
          settings: {{moderator_safety_blur_level: 1, has_appeals_enabled: true,
                      appeal_callback_headers: {{Authorization: Bearer role-secret-value}}}}
        - org: rorg0000002
          settings: {{user_strike_ttl_days: 60}}
"""


def run_playbook(path, *extra):
    proc = ansible_playbook(path, *extra)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    return play_recap(out)['changed'], out


def test_settings_role_applies_coop_orgs(scratch_db, tmp_path):
    db = scratch_db(shape=coop_schema.SHAPE_NEW)
    with pg_connect(db) as conn:
        coop_schema.add_org(conn, 'rorg0000001', 'Role Org')
        coop_schema.add_org(conn, 'rorg0000002', 'Second Org', with_settings_rows=False)
    login = login_args(db)
    (tmp_path / 'server.env').write_text(
        'DATABASE_HOST=%(login_host)s\nDATABASE_PORT=%(login_port)s\nDATABASE_NAME=%(login_db)s\n'
        'DATABASE_USER=%(login_user)s\nDATABASE_PASSWORD=%(login_password)s\n' % login)
    playbook = tmp_path / 'play.yml'
    playbook.write_text(PLAYBOOK.format(python=sys.executable, config_dir=tmp_path))
    before = pg_dump(db)

    changed, out = run_playbook(playbook, '--check', '--diff')
    assert changed == 1 and 'moderator_safety_blur_level' in out
    assert 'role-secret-value' not in out
    assert pg_dump(db) == before

    changed, out = run_playbook(playbook)
    assert changed == 1
    with pg_connect(db) as conn:
        rows = conn.execute('SELECT org_id, user_strike_ttl_days, has_appeals_enabled FROM public.org_settings '
                            'ORDER BY org_id').fetchall()
        blur = conn.execute('SELECT moderator_safety_blur_level FROM '
                            'user_management_service.org_default_user_interface_settings '
                            "WHERE org_id = 'rorg0000001'").fetchone()[0]
    assert rows == [('rorg0000001', 90, True), ('rorg0000002', 60, False)]
    assert blur == 1

    changed, out = run_playbook(playbook)
    assert changed == 0
