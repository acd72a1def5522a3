"""coop_org_setting against the real PostgreSQL, both schema shapes: the check → real → rerun
rhythm, bad inputs leaving the database unchanged, many orgs, env_file, and concurrency."""

import json
import socket
import threading
import time

import pytest

from tests.conftest import login_args, pg_connect, pg_dump, run_module
from tests.fixtures import coop_schema
from tests.fixtures.org_settings import CERT, SECRET, all_settings, stored_settings

from ansible_collections.roost.coop.plugins.module_utils import coop_catalog as catalog


def make_db(scratch_db, shape):
    """Orgs: Acme (default rows), Globex (no settings rows), SSO Org (SAML configured), and two orgs
    whose id and name collide ('twin')."""
    name = scratch_db(shape=shape)
    with pg_connect(name) as conn:
        coop_schema.add_org(conn, 'acme0000001', 'Acme Trust & Safety')
        coop_schema.add_org(conn, 'globex00001', 'Globex', with_settings_rows=False)
        coop_schema.add_org(conn, 'sso00000001', 'SSO Org')
        coop_schema.add_org(conn, 'twin', 'Twin A')
        coop_schema.add_org(conn, 'b0000000002', 'twin')
        conn.execute("UPDATE public.org_settings SET saml_enabled = true, sso_url = 'https://idp.example/x', "
                     "cert = %s WHERE org_id = 'sso00000001'", (CERT,))
        conn.commit()
    return name


def read_back(dbname, org_id):
    with pg_connect(dbname) as conn:
        return stored_settings(conn, org_id)


@pytest.mark.parametrize('shape', coop_schema.SHAPES)
@pytest.mark.parametrize('org', ['Acme Trust & Safety', 'globex00001'])
def test_check_then_apply_then_idempotent(scratch_db, shape, org):
    db = make_db(scratch_db, shape)
    org_id = {'Acme Trust & Safety': 'acme0000001', 'globex00001': 'globex00001'}[org]
    args = dict(login_args(db), org=org, settings=all_settings(shape))
    before = pg_dump(db)

    checked = run_module('coop_org_setting', args, check=True, diff=True)
    assert checked['changed'] is True, checked
    assert pg_dump(db) == before
    assert SECRET not in json.dumps(checked)
    predicted = checked['orgs'][0]['changes']

    applied = run_module('coop_org_setting', args, diff=True)
    assert applied['changed'] is True, applied
    assert applied['orgs'][0]['changes'] == predicted
    assert SECRET not in json.dumps(applied) and SECRET not in applied['_stderr']
    if org_id == 'globex00001':
        assert len(applied['orgs'][0]['created']) == 3
    diff = applied['diff'][0]
    assert diff['before']['moderator_safety_blur_level'] == 2 and diff['after']['moderator_safety_blur_level'] == 4
    assert diff['after']['appeal_callback_headers'] == {'Authorization': '********'}

    stored = read_back(db, org_id)
    expected = dict(all_settings(shape))
    if shape == coop_schema.SHAPE_OLD:
        assert stored['mrt_requires_decision_reason'] is True
    for key, value in expected.items():
        assert stored[key] == value, key

    again = run_module('coop_org_setting', args, check=True, diff=True)
    assert again['changed'] is False and again['diff'] == []
    rerun = run_module('coop_org_setting', args)
    assert rerun['changed'] is False, rerun
    assert rerun['orgs'][0]['changes'] == {}


def test_old_key_sets_both_columns_on_new_schema(scratch_db):
    db = make_db(scratch_db, coop_schema.SHAPE_NEW)
    args = dict(login_args(db), org='acme0000001', settings={'mrt_requires_decision_reason': True})
    result = run_module('coop_org_setting', args)
    assert sorted(result['orgs'][0]['changes']) == ['mrt_requires_decision_reason_on_action',
                                                    'mrt_requires_decision_reason_on_ignore']
    stored = read_back(db, 'acme0000001')
    assert stored['mrt_requires_decision_reason_on_action'] is True
    assert stored['mrt_requires_decision_reason_on_ignore'] is True
    assert run_module('coop_org_setting', args)['changed'] is False


def test_only_changed_columns_are_written(scratch_db):
    db = make_db(scratch_db, coop_schema.SHAPE_NEW)
    run_module('coop_org_setting', dict(login_args(db), org='Acme Trust & Safety',
                                        settings={'moderator_safety_blur_level': 5}))
    # Another writer changes a different column; our rerun with the same key must not touch it.
    with pg_connect(db) as conn:
        conn.execute("UPDATE user_management_service.org_default_user_interface_settings "
                     "SET moderator_safety_grayscale = false WHERE org_id = 'acme0000001'")
        conn.execute("UPDATE public.org_settings SET has_appeals_enabled = true WHERE org_id = 'acme0000001'")
    result = run_module('coop_org_setting', dict(login_args(db), org='Acme Trust & Safety',
                                                 settings={'moderator_safety_blur_level': 6}))
    assert result['orgs'][0]['changes'] == {'moderator_safety_blur_level': {'before': 5, 'after': 6}}
    stored = read_back(db, 'acme0000001')
    assert stored['moderator_safety_grayscale'] is False and stored['has_appeals_enabled'] is True


def test_saml_on_org_without_row(scratch_db):
    # The upsert trap (CHECK on the proposed row): a missing row gets SSO in one task.
    db = make_db(scratch_db, coop_schema.SHAPE_NEW)
    sso = {'saml_enabled': True, 'sso_url': 'https://idp.example/g', 'cert': CERT}
    args = dict(login_args(db), org='Globex', settings=sso)
    assert run_module('coop_org_setting', args)['changed'] is True
    stored = read_back(db, 'globex00001')
    assert stored['saml_enabled'] is True and stored['cert'] == CERT


def test_many_orgs_in_one_task(scratch_db):
    db = scratch_db(shape=coop_schema.SHAPE_NEW)
    with pg_connect(db) as conn:
        for n in range(60):
            coop_schema.add_org(conn, 'bulk%07d' % n, 'Bulk %d' % n, with_settings_rows=n % 2 == 0)
    items = [{'org': 'Bulk %d' % n, 'settings': {'moderator_safety_blur_level': n % 7}} for n in range(60)]
    args = dict(login_args(db), orgs=items, settings={'has_appeals_enabled': True, 'user_strike_ttl_days': 14})
    first = run_module('coop_org_setting', args)
    assert first['changed'] is True and len(first['orgs']) == 60
    with pg_connect(db) as conn:
        blur = dict(conn.execute('SELECT org_id, moderator_safety_blur_level FROM '
                                 'user_management_service.org_default_user_interface_settings').fetchall())
        appeals = conn.execute('SELECT count(*) FROM public.org_settings WHERE has_appeals_enabled '
                               'AND user_strike_ttl_days = 14').fetchone()[0]
    assert blur == dict(('bulk%07d' % n, n % 7) for n in range(60))
    assert appeals == 60
    # Orgs that already had blur 2 and defaults changed nothing in that table.
    unchanged = [o for o in first['orgs'] if o['id'] == 'bulk0000002'][0]
    assert 'moderator_safety_blur_level' not in unchanged['changes']
    assert run_module('coop_org_setting', args)['changed'] is False


def test_env_file_connection(scratch_db, tmp_path):
    db = make_db(scratch_db, coop_schema.SHAPE_NEW)
    login = login_args(db)
    env = tmp_path / 'server.env'
    env.write_text('# Coop server.env\nDATABASE_HOST=%s\nDATABASE_PORT=%s\nDATABASE_NAME=%s\nDATABASE_USER=%s\n'
                   'DATABASE_PASSWORD="%s"\n' % (login['login_host'], login['login_port'], db, login['login_user'],
                                                 login['login_password']))
    args = {'env_file': str(env), 'org': 'SSO Org', 'settings': {'user_strike_ttl_days': 7}}
    result = run_module('coop_org_setting', args)
    assert result['changed'] is True, result
    assert login['login_password'] not in json.dumps(result)
    assert read_back(db, 'sso00000001')['user_strike_ttl_days'] == 7


def closed_port():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


BAD = [
    ('unknown key', {'org': 'acme0000001', 'settings': {'moderator_safety_blurlevel': 3}},
     "did you mean 'moderator_safety_blur_level'"),
    ('wrong type bool', {'org': 'acme0000001', 'settings': {'has_appeals_enabled': 'maybe'}},
     'has_appeals_enabled must be true or false'),
    ('wrong type int', {'org': 'acme0000001', 'settings': {'user_strike_ttl_days': 'a month'}},
     'user_strike_ttl_days must be an integer from 1 to 3650'),
    ('blur too high', {'org': 'acme0000001', 'settings': {'moderator_safety_blur_level': 7}},
     'moderator_safety_blur_level must be from 0 to 6, got 7'),
    ('blur negative', {'org': 'acme0000001', 'settings': {'moderator_safety_blur_level': -1}},
     'moderator_safety_blur_level must be from 0 to 6'),
    ('strike ttl zero', {'org': 'acme0000001', 'settings': {'user_strike_ttl_days': 0}},
     'user_strike_ttl_days must be from 1 to 3650, got 0'),
    ('strike ttl huge', {'org': 'acme0000001', 'settings': {'user_strike_ttl_days': 100000}},
     'user_strike_ttl_days must be from 1 to 3650'),
    ('bad url', {'org': 'acme0000001', 'settings': {'appeal_callback_url': 'hooks.acme.example/appeals'}},
     'appeal_callback_url must be an absolute http:// or https:// URL'),
    ('bad scheme', {'org': 'acme0000001', 'settings': {'ignore_callback_url': 'ftp://x.example/i'}},
     'ignore_callback_url must be an absolute http:// or https:// URL'),
    ('headers list', {'org': 'acme0000001', 'settings': {'appeal_callback_headers': ['Authorization: x']}},
     'appeal_callback_headers must be a JSON object'),
    ('headers bad json', {'org': 'acme0000001', 'settings': {'partial_items_request_headers': '{"a": '}},
     'partial_items_request_headers must be a JSON object'),
    ('body not object', {'org': 'acme0000001', 'settings': {'appeal_callback_body': 5}},
     'appeal_callback_body must be a JSON object'),
    ('saml half configured', {'org': 'acme0000001', 'settings': {'saml_enabled': True,
                                                                 'sso_url': 'https://idp.example/s'}},
     "org 'Acme Trust & Safety': saml_enabled: true needs sso_url and cert; set cert"),
    ('saml cert cleared', {'org': 'SSO Org', 'settings': {'cert': None}},
     "org 'SSO Org': saml_enabled: true needs sso_url and cert; set cert"),
    ('unknown org', {'org': 'Acme Trust and Safety', 'settings': {'is_demo_org': True}},
     "unknown org 'Acme Trust and Safety'; near matches: Acme Trust & Safety (id acme0000001)"),
    ('duplicate org', {'orgs': ['Acme Trust & Safety', 'acme0000001'], 'settings': {'is_demo_org': True}},
     'is listed twice'),
    ('ambiguous org', {'org': 'twin', 'settings': {'is_demo_org': True}},
     "'twin' is the id of org 'Twin A' and the name of org b0000000002"),
    ('one bad org of many', {'orgs': [{'org': 'Globex', 'settings': {'moderator_safety_blur_level': 3}},
                                      {'org': 'Nope Org', 'settings': {}}], 'settings': {'is_demo_org': True}},
     "unknown org 'Nope Org'"),
    ('saml bad in batch', {'orgs': ['Globex', 'Acme Trust & Safety'], 'settings': {'saml_enabled': True}},
     'saml_enabled: true needs sso_url and cert'),
    ('bad org item', {'orgs': [{'name': 'Globex'}], 'settings': {}},
     'orgs[0] must be an org id or name, or a mapping with org and settings'),
    ('conflicting reason keys', {'org': 'acme0000001', 'settings': {'mrt_requires_decision_reason': True,
                                                                    'mrt_requires_decision_reason_on_action': False}},
     'not conflicting values'),
    ('missing env file', {'env_file': '/nonexistent/server.env', 'org': 'x', 'settings': {}},
     'cannot read env_file /nonexistent/server.env'),
]


@pytest.mark.parametrize('case, args, message', BAD, ids=[c[0] for c in BAD])
def test_bad_input_is_a_clear_error_and_changes_nothing(scratch_db, case, args, message):
    db = make_db(scratch_db, coop_schema.SHAPE_NEW)
    before = pg_dump(db)
    full = dict(login_args(db), **args) if 'env_file' not in args else args
    result = run_module('coop_org_setting', full)
    assert result.get('failed') is True, result
    assert message in result['msg'], result['msg']
    assert pg_dump(db) == before


def test_failed_validation_does_not_echo_header_values(scratch_db):
    """A bad key next to valid headers: the failure result (module_args included) hides the headers."""
    db = make_db(scratch_db, coop_schema.SHAPE_NEW)
    for headers in ({'Authorization': 'Bearer ' + SECRET}, json.dumps({'Authorization': 'Bearer ' + SECRET})):
        result = run_module('coop_org_setting', dict(login_args(db), org='acme0000001', settings={
            'appeal_callback_headers': headers, 'moderator_safety_blur_level': 9}))
        assert result.get('failed') is True and 'moderator_safety_blur_level' in result['msg'], result
        assert SECRET not in json.dumps(result) and SECRET not in result['_stderr']


def test_database_error_does_not_echo_stored_row(scratch_db):
    """PostgreSQL's DETAIL of a constraint error quotes the whole row, stored secrets included."""
    db = make_db(scratch_db, coop_schema.SHAPE_NEW)
    with pg_connect(db) as conn:
        conn.execute("UPDATE public.org_settings SET partial_items_request_headers = %s WHERE org_id = 'acme0000001'",
                     (json.dumps({'X-Api-Key': SECRET}),))
        conn.execute('ALTER TABLE public.org_settings ADD CONSTRAINT no_13 CHECK (user_strike_ttl_days <> 13)')
    before = pg_dump(db)
    result = run_module('coop_org_setting', dict(login_args(db), org='acme0000001',
                                                 settings={'user_strike_ttl_days': 13}))
    assert result.get('failed') is True and 'violates check constraint "no_13"' in result['msg'], result
    assert SECRET not in json.dumps(result) and SECRET not in result['_stderr']
    assert pg_dump(db) == before


@pytest.mark.parametrize('key, since', [('mrt_requires_decision_reason_on_action', '2026.06'),
                                        ('mrt_requires_decision_reason_on_ignore', '2026.06'),
                                        ('moderator_safety_sepia', '2026.07')])
def test_new_key_on_old_schema(scratch_db, key, since):
    db = make_db(scratch_db, coop_schema.SHAPE_OLD)
    before = pg_dump(db)
    result = run_module('coop_org_setting', dict(login_args(db), org='Globex', settings={key: True}))
    assert result.get('failed') is True
    assert '%s exists only from Coop schema %s' % (key, since) in result['msg']
    assert pg_dump(db) == before


@pytest.mark.parametrize('problem', ['closed port', 'wrong password'])
def test_connection_failures(scratch_db, problem):
    db = make_db(scratch_db, coop_schema.SHAPE_NEW)
    before = pg_dump(db)
    args = dict(login_args(db), org='acme0000001', settings={'is_demo_org': True}, connect_timeout=3)
    if problem == 'closed port':
        args['login_port'] = closed_port()
    else:
        args['login_password'] = 'definitely-wrong-pw'
    result = run_module('coop_org_setting', args)
    assert result.get('failed') is True
    assert result['msg'].startswith('cannot connect to PostgreSQL (database %s on 127.0.0.1' % db)
    assert 'check login_host, login_port' in result['msg']
    assert 'definitely-wrong-pw' not in json.dumps(result)
    assert pg_dump(db) == before


def wait_for_lock_waiter(db, timeout=30):
    deadline = time.time() + timeout
    with pg_connect(autocommit=True) as conn:
        while time.time() < deadline:
            waiting = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                                   "AND wait_event_type = 'Lock'", (db,)).fetchone()[0]
            if waiting:
                return True
            time.sleep(0.05)
    return False


@pytest.mark.parametrize('row_exists', [True, False], ids=['existing row', 'missing row'])
def test_concurrent_writer_waits_and_loses_no_update(scratch_db, row_exists):
    """A transaction holding the org's row (or inserting it) makes the module wait; after it
    commits, both its change and the module's change are there."""
    db = make_db(scratch_db, coop_schema.SHAPE_NEW)
    org_id = 'acme0000001' if row_exists else 'globex00001'
    other = pg_connect(db)
    table = 'user_management_service.org_default_user_interface_settings'
    if row_exists:
        other.execute('SELECT * FROM %s WHERE org_id = %%s FOR UPDATE' % table, (org_id,))
    else:
        other.execute('INSERT INTO %s (org_id) VALUES (%%s)' % table, (org_id,))
    result = {}
    worker = threading.Thread(target=lambda: result.update(run_module(
        'coop_org_setting', dict(login_args(db), org=org_id, settings={'moderator_safety_blur_level': 5}))))
    worker.start()
    try:
        assert wait_for_lock_waiter(db), 'the module did not wait for the row lock'
        other.execute('UPDATE %s SET moderator_safety_grayscale = false WHERE org_id = %%s' % table, (org_id,))
        other.commit()
    finally:
        worker.join(60)
        other.close()
    assert result.get('changed') is True, result
    stored = read_back(db, org_id)
    assert stored['moderator_safety_grayscale'] is False and stored['moderator_safety_blur_level'] == 5


def test_parallel_runs_on_same_org_lose_no_update(scratch_db):
    """Two module runs at once on one org (rows missing each round), different keys: both land."""
    db = make_db(scratch_db, coop_schema.SHAPE_NEW)
    keys = [('moderator_safety_blur_level', lambda n: n % 7), ('moderator_safety_mute_video', lambda n: n % 2 == 0),
            ('user_strike_ttl_days', lambda n: n + 1), ('has_appeals_enabled', lambda n: n % 2 == 1)]
    for round_no in range(6):
        with pg_connect(db) as conn:
            for schema, table in catalog.TABLES:
                conn.execute('DELETE FROM %s.%s WHERE org_id = %%s' % (schema, table), ('globex00001',))
        results = []
        threads = [threading.Thread(target=lambda k=k, f=f: results.append(run_module(
            'coop_org_setting', dict(login_args(db), org='Globex', settings={k: f(round_no)}))))
            for k, f in keys]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert len(results) == len(keys), results
        assert all(r.get('changed') is not None and not r.get('failed') for r in results), results
        stored = read_back(db, 'globex00001')
        for key, value in keys:
            assert stored[key] == value(round_no), (round_no, key)


def test_parallel_batches_in_opposite_order_do_not_deadlock(scratch_db):
    """Rows are locked in org id order, so two batches listing the same orgs in opposite orders
    serialise instead of deadlocking."""
    db = scratch_db(shape=coop_schema.SHAPE_NEW)
    with pg_connect(db) as conn:
        for n in range(30):
            coop_schema.add_org(conn, 'dl%09d' % n, 'Deadlock %d' % n, with_settings_rows=n % 3 != 0)
    names = ['Deadlock %d' % n for n in range(30)]
    for round_no in range(4):
        results = []
        runs = [(names, {'moderator_safety_blur_level': round_no, 'is_demo_org': round_no % 2 == 0}),
                (names[::-1], {'user_strike_ttl_days': round_no + 10, 'preview_jobs_view_enabled': round_no % 2 == 1})]
        threads = [threading.Thread(target=lambda o=o, s=s: results.append(run_module(
            'coop_org_setting', dict(login_args(db), orgs=o, settings=s)))) for o, s in runs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert [r.get('failed') for r in results] == [None, None], [r.get('msg') for r in results]
        stored = read_back(db, 'dl000000029')
        assert (stored['moderator_safety_blur_level'], stored['user_strike_ttl_days']) == (round_no, round_no + 10)
