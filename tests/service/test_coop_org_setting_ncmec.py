"""coop_org_setting's NCMEC settings (ncmec_reporting.ncmec_org_settings) against the real
PostgreSQL: a row is created only with credentials and deleted by enabled: false, every bad input
fails naming the key with the database unchanged, and the credentials never reach the output."""

import json

import pytest

from tests.conftest import ansible_playbook, login_args, pg_connect, pg_dump, run_module
from tests.fixtures import coop_schema

USERNAME = 'esp-user-7731'
PASSWORD = 'cybertip-pass-90210'
NEW_PASSWORD = 'rotated-pass-55511'
ARRAYS = {'policies_applied_to_actions_run_on_report_creation': ['policy-csam'],
          'actions_to_run_upon_report_creation': ['act-ban']}
FULL = dict(ARRAYS, username=USERNAME, password=PASSWORD, company_template='Acme', legal_url='https://acme.example/terms',
            contact_email='safety@acme.example', more_info_url='https://acme.example/ncmec',
            ncmec_preservation_endpoint='https://hooks.acme.example/preserve',
            ncmec_additional_info_endpoint='https://hooks.acme.example/info', default_ncmec_queue_id='acme-q',
            default_internet_detail_type='WEB_PAGE', terms_of_service='No CSAM.',
            contact_person_email='le@acme.example', contact_person_first_name='Ada',
            contact_person_last_name='Lovelace', contact_person_phone='+1 555 0100',
            media_review_requirement='MINIMUM', min_media_to_review=2)


def make_db(scratch_db, shape=coop_schema.SHAPE_NEW):
    """Acme (a queue, no NCMEC row), Globex (a queue), Live Org (NCMEC on, both arrays set)."""
    name = scratch_db(shape=shape)
    with pg_connect(name) as conn:
        coop_schema.add_org(conn, 'acme0000001', 'Acme Trust & Safety')
        coop_schema.add_org(conn, 'globex00001', 'Globex')
        coop_schema.add_org(conn, 'live0000001', 'Live Org')
        coop_schema.add_ncmec(conn, 'live0000001', 'live-user', 'live-secret-pass', **ARRAYS)
        for queue, org in (('acme-q', 'acme0000001'), ('globex-q', 'globex00001')):
            conn.execute('INSERT INTO manual_review_tool.manual_review_queues (id, org_id, name) VALUES (%s, %s, %s)',
                         (queue, org, 'NCMEC'))
        conn.commit()
    return name


def ncmec_row(db, org_id):
    with pg_connect(db) as conn:
        cur = conn.execute('SELECT * FROM ncmec_reporting.ncmec_org_settings WHERE org_id = %s', (org_id,))
        row = cur.fetchone()
        return None if row is None else dict(zip([d.name for d in cur.description], row))


def no_credentials(result, *secrets):
    text = json.dumps(result) + result.get('_stderr', '')
    for secret in secrets or (USERNAME, PASSWORD, NEW_PASSWORD, 'live-secret-pass', 'live-user'):
        assert secret not in text


@pytest.mark.parametrize('shape', coop_schema.SHAPES)
def test_turn_on_check_apply_rerun(scratch_db, shape):
    db = make_db(scratch_db, shape)
    args = dict(login_args(db), org='Acme Trust & Safety', ncmec=FULL)
    before = pg_dump(db)

    checked = run_module('coop_org_setting', args, check=True, diff=True)
    assert checked['changed'] is True, checked
    assert pg_dump(db) == before
    assert checked['orgs'][0]['created'] == ['ncmec_reporting.ncmec_org_settings']
    assert checked['diff'][0]['after']['row in ncmec_reporting.ncmec_org_settings'] == 'created'
    assert checked['orgs'][0]['changes']['ncmec.password'] == {'before': None, 'after': '********'}
    no_credentials(checked)

    applied = run_module('coop_org_setting', args, diff=True)
    assert applied['changed'] is True and applied['orgs'] == checked['orgs'], applied
    no_credentials(applied)
    row = ncmec_row(db, 'acme0000001')
    for key, value in FULL.items():
        assert row[key] == value, key

    rerun = run_module('coop_org_setting', args, check=True, diff=True)
    assert rerun['changed'] is False and rerun['diff'] == [], rerun


def test_change_and_rotate_password(scratch_db):
    db = make_db(scratch_db)
    old = ncmec_row(db, 'live0000001')
    args = dict(login_args(db), org='live0000001',
                ncmec={'password': NEW_PASSWORD, 'contact_email': 'new@live.example', 'min_media_to_review': None})
    result = run_module('coop_org_setting', args, diff=True)
    assert result['changed'] is True, result
    assert result['orgs'][0]['changes'] == {
        'ncmec.password': {'before': '********', 'after': '********'},
        'ncmec.contact_email': {'before': None, 'after': 'new@live.example'}}
    no_credentials(result)
    row = ncmec_row(db, 'live0000001')
    assert row['password'] == NEW_PASSWORD and row['username'] == 'live-user'
    assert row['updated_at'] > old['updated_at'] and row['created_at'] == old['created_at']
    assert run_module('coop_org_setting', args)['changed'] is False


def test_enabled_false_deletes_the_row(scratch_db):
    db = make_db(scratch_db)
    args = dict(login_args(db), orgs=[{'org': 'Live Org', 'ncmec': {'enabled': False}},
                                      {'org': 'Globex', 'ncmec': {'enabled': False}}])
    before = pg_dump(db)
    checked = run_module('coop_org_setting', args, check=True, diff=True)
    assert checked['changed'] is True and pg_dump(db) == before
    assert [o['removed'] for o in checked['orgs']] == [['ncmec_reporting.ncmec_org_settings'], []]
    assert checked['diff'] == [{'before_header': 'org Live Org (id live0000001)',
                                'after_header': 'org Live Org (id live0000001)',
                                'before': {'row in ncmec_reporting.ncmec_org_settings': 'present (NCMEC reporting on)'},
                                'after': {'row in ncmec_reporting.ncmec_org_settings': 'deleted (NCMEC reporting off)'}}]
    applied = run_module('coop_org_setting', args)
    assert applied['changed'] is True and ncmec_row(db, 'live0000001') is None
    assert run_module('coop_org_setting', args)['changed'] is False


BAD = [
    ('one array', dict(FULL, actions_to_run_upon_report_creation=None),
     "ncmec.policies_applied_to_actions_run_on_report_creation and ncmec.actions_to_run_upon_report_creation go "
     "together (both lists or both null); set ncmec.actions_to_run_upon_report_creation"),
    ('empty array', dict(FULL, policies_applied_to_actions_run_on_report_creation=[]),
     'ncmec.policies_applied_to_actions_run_on_report_creation must be a non-empty list of ids'),
    ('media requirement', dict(FULL, media_review_requirement='SOME'),
     "ncmec.media_review_requirement must be one of ALL, MINIMUM, got 'SOME'"),
    ('media requirement null', dict(FULL, media_review_requirement=None),
     'ncmec.media_review_requirement cannot be null; use ALL or MINIMUM'),
    ('min media zero', dict(FULL, min_media_to_review=0), 'ncmec.min_media_to_review must be a whole number of 1 or more'),
    ('min media with ALL', dict(FULL, media_review_requirement='ALL'),
     'ncmec.min_media_to_review only counts with ncmec.media_review_requirement: MINIMUM'),
    ('detail type', dict(FULL, default_internet_detail_type='WEBSITE'),
     'ncmec.default_internet_detail_type must be one of WEB_PAGE, EMAIL, NEWSGROUP, CHAT_IM, ONLINE_GAMING, '
     "CELL_PHONE, NON_INTERNET, PEER_TO_PEER, got 'WEBSITE'"),
    ('queue missing', dict(FULL, default_ncmec_queue_id='nope-q'),
     "org 'Acme Trust & Safety': ncmec.default_ncmec_queue_id 'nope-q' does not exist; use one of the org's review "
     "queues (acme-q) or null"),
    ('queue of another org', dict(FULL, default_ncmec_queue_id='globex-q'),
     "ncmec.default_ncmec_queue_id 'globex-q' belongs to another org"),
    ('no password', dict((k, v) for k, v in FULL.items() if k != 'password'),
     "org 'Acme Trust & Safety' has no NCMEC settings yet; turning reporting on needs ncmec.password"),
    ('empty username', dict(FULL, username='  '), 'ncmec.username must be a non-empty string'),
    ('off with keys', {'enabled': False, 'password': PASSWORD},
     'ncmec.enabled: false turns NCMEC reporting off by deleting the org\'s NCMEC row; remove the other ncmec keys '
     '(password)'),
    ('unknown key', dict(FULL, legal_uri='https://x.example'), 'unknown NCMEC setting ncmec.legal_uri (did you mean '
                                                               'ncmec.legal_url?)'),
    ('bad email', dict(FULL, contact_email='safety at acme'), 'ncmec.contact_email must be an email address'),
    ('bad url', dict(FULL, ncmec_additional_info_endpoint='hooks.acme.example/info'),
     'ncmec.ncmec_additional_info_endpoint must be an absolute http:// or https:// URL'),
    ('terms too long', dict(FULL, terms_of_service='x' * 3001),
     'ncmec.terms_of_service is 3001 characters; Coop keeps at most 3000'),
    ('enabled not bool', {'enabled': 'sometimes'}, 'ncmec.enabled must be true or false'),
]


@pytest.mark.parametrize('case, ncmec, message', BAD, ids=[c[0] for c in BAD])
def test_bad_ncmec_input_is_a_clear_error_and_changes_nothing(scratch_db, case, ncmec, message):
    db = make_db(scratch_db)
    before = pg_dump(db)
    result = run_module('coop_org_setting', dict(login_args(db), org='acme0000001', ncmec=ncmec,
                                                 settings={'moderator_safety_blur_level': 5}), diff=True)
    assert result.get('failed') is True, result
    assert message in result['msg'], result['msg']
    no_credentials(result)
    assert pg_dump(db) == before


def test_clearing_one_stored_array_is_refused(scratch_db):
    db = make_db(scratch_db)
    before = pg_dump(db)
    result = run_module('coop_org_setting', dict(login_args(db), org='Live Org',
                                                 ncmec={'actions_to_run_upon_report_creation': None}))
    assert result.get('failed') is True and "org 'Live Org': ncmec.policies_applied" in result['msg'], result
    assert pg_dump(db) == before


PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: NCMEC reporting for Acme
      roost.coop.coop_org_setting:
        login_host: {login_host}
        login_port: {login_port}
        login_user: {login_user}
        login_password: {login_password}
        login_db: {login_db}
        org: Acme Trust & Safety
        ncmec:
          username: "{{{{ ncmec_user }}}}"
          password: "{{{{ ncmec_password }}}}"
          contact_email: safety@acme.example
"""


def test_credentials_absent_from_verbose_diff_output(scratch_db, tmp_path):
    """-vvvv --diff, check mode and real run, success and a failure (bad email after the credentials)."""
    db = make_db(scratch_db)
    play = tmp_path / 'play.yml'
    play.write_text(PLAY.format(**login_args(db)))
    password = PASSWORD
    secrets = tmp_path / 'vault.json'  # a file, as -vvvv echoes the command line
    secrets.write_text(json.dumps({'ncmec_user': USERNAME, 'ncmec_password': password}))
    extra = ['-e', '@%s' % secrets, '-vvvv', '--diff']
    for mode in (['--check'], []):
        proc = ansible_playbook(play, *(extra + mode))
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0, out[-3000:]
        assert 'ncmec.contact_email' in out
        assert USERNAME not in out and password not in out
    bad = tmp_path / 'bad.yml'
    bad.write_text(PLAY.format(**login_args(db)).replace('safety@acme.example', 'not-an-email'))
    proc = ansible_playbook(bad, *extra)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and 'ncmec.contact_email must be an email address' in out
    assert USERNAME not in out and password not in out
