"""coop_org_setting_info against the real PostgreSQL, both schema shapes: the export is a coop_orgs
list that coop_org_setting and the settings role apply with no change, secrets withheld."""

import json
import sys

import pytest

from tests.conftest import ansible_playbook, login_args, pg_connect, pg_dump, play_recap, run_module, write_server_env
from tests.fixtures import coop_schema
from tests.fixtures.org_settings import SECRET, all_settings

NCMEC_PASSWORD = 'export-cybertip-secret'


def make_db(scratch_db, shape):
    """Acme: every setting and NCMEC on; Globex: no settings rows; Half: one row with a NULL in a
    nullable bool column; 'twin': an org named like another org's id."""
    db = scratch_db(shape=shape)
    with pg_connect(db) as conn:
        coop_schema.add_org(conn, 'acme0000001', 'Acme Trust & Safety')
        coop_schema.add_org(conn, 'globex00001', 'Globex', with_settings_rows=False)
        coop_schema.add_org(conn, 'half0000001', 'Half', with_settings_rows=False)
        coop_schema.add_org(conn, 'twin', 'Twin A')
        coop_schema.add_org(conn, 'b0000000002', 'twin')
        conn.execute("INSERT INTO public.org_settings (org_id, has_reporting_rules_enabled, user_strike_ttl_days) "
                     "VALUES ('half0000001', NULL, 45)")
        conn.execute("INSERT INTO manual_review_tool.manual_review_queues (id, org_id, name) "
                     "VALUES ('acme-q', 'acme0000001', 'NCMEC')")
        conn.commit()
        coop_schema.add_ncmec(conn, 'acme0000001', 'export-user', NCMEC_PASSWORD, legal_url='https://acme.example/t',
                              default_ncmec_queue_id='acme-q', media_review_requirement='MINIMUM',
                              min_media_to_review=3, policies_applied_to_actions_run_on_report_creation=['p1'],
                              actions_to_run_upon_report_creation=['a1', 'a2'])
    applied = run_module('coop_org_setting', dict(login_args(db), org='acme0000001', settings=all_settings(shape)))
    assert applied['changed'] is True, applied
    return db


def by_org(exported):
    return dict((item['org'], item) for item in exported['coop_orgs'])


@pytest.mark.parametrize('shape', coop_schema.SHAPES)
def test_export_then_apply_changes_nothing(scratch_db, shape):
    db = make_db(scratch_db, shape)
    before = pg_dump(db)
    exported = run_module('coop_org_setting_info', login_args(db), check=True)
    assert exported['changed'] is False and not exported.get('failed'), exported
    text = json.dumps(exported)
    assert SECRET not in text and NCMEC_PASSWORD not in text and 'export-user' not in text
    orgs = by_org(exported)
    assert sorted(orgs) == ['Acme Trust & Safety', 'Globex', 'Half', 'Twin A', 'b0000000002']
    acme = orgs['Acme Trust & Safety']
    expected = dict((k, v) for k, v in all_settings(shape).items() if not k.endswith('_headers'))
    assert acme['settings'] == expected
    assert acme['ncmec']['enabled'] is True and acme['ncmec']['min_media_to_review'] == 3
    assert acme['ncmec']['actions_to_run_upon_report_creation'] == ['a1', 'a2']
    assert 'username' not in acme['ncmec'] and 'password' not in acme['ncmec']
    assert exported['withheld']['Acme Trust & Safety'] == ['appeal_callback_headers', 'partial_items_request_headers',
                                                           'ncmec.username', 'ncmec.password']
    assert orgs['Globex'] == {'org': 'Globex', 'settings': {}, 'ncmec': {'enabled': False}}
    assert orgs['Half']['settings']['user_strike_ttl_days'] == 45
    assert 'has_reporting_rules_enabled' not in orgs['Half']['settings']
    assert ('mrt_requires_decision_reason' in acme['settings']) == (shape == coop_schema.SHAPE_OLD)

    for check in (True, False):
        applied = run_module('coop_org_setting', dict(login_args(db), orgs=exported['coop_orgs']), check=check,
                             diff=True)
        assert applied['changed'] is False and applied['diff'] == [], applied
    assert pg_dump(db) == before


ROLE_PLAY = """
- hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: {python}
  tasks:
    - name: Export
      roost.coop.coop_org_setting_info:
        env_file: {config_dir}/server.env
      register: live
    - name: Apply the export with the settings role
      ansible.builtin.include_role:
        name: roost.coop.settings
      vars:
        coop_config_dir: {config_dir}
        coop_settings_install_psycopg: false
        coop_orgs: "{{{{ live.coop_orgs }}}}"
"""


@pytest.mark.parametrize('shape', coop_schema.SHAPES)
def test_settings_role_takes_the_export_as_is(scratch_db, tmp_path, shape):
    db = make_db(scratch_db, shape)
    write_server_env(tmp_path / 'server.env', db)
    play = tmp_path / 'play.yml'
    play.write_text(ROLE_PLAY.format(python=sys.executable, config_dir=tmp_path))
    before = pg_dump(db)
    proc = ansible_playbook(play)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert play_recap(out)['changed'] == 0
    assert pg_dump(db) == before


def test_not_a_coop_database(scratch_db):
    db = scratch_db(schema=False)
    result = run_module('coop_org_setting_info', login_args(db))
    assert result.get('failed') is True
    assert "public.org_settings, manual_review_tool.manual_review_tool_settings" in result['msg']
    assert "point the connection at Coop's migrated database" in result['msg']


def test_database_error_is_reported_without_claiming_a_change(scratch_db):
    db = scratch_db()
    with pg_connect(db) as conn:
        conn.execute('DROP TABLE public.orgs CASCADE')
    result = run_module('coop_org_setting_info', login_args(db))
    assert result.get('failed') is True
    assert result['msg'].startswith('database error: ') and 'public.orgs' in result['msg'], result['msg']
