"""Faults of the database modules (issue 11, items 8 and 9): a connection lost in the middle of
the transaction is a normal module failure with its cause and "nothing was changed" (no
traceback), a lost commit says the outcome is unknown, and input PostgreSQL cannot store is
refused, naming the key, before any connection is made."""

import time

import pytest

from tests.conftest import PG, login_args, module_result, pg_connect, pg_dump, run_module, start_module
from tests.fixtures import coop_schema
from tests.service import checklist_support as live
from tests.service.checklist_support import free_port

from ansible_collections.roost.coop.plugins.module_utils import coop_db

TERMINATED = 'terminating connection due to administrator command'


def backend_waiting_on_a_lock(dbname, timeout=30):
    """The pid of the backend in dbname that waits on a lock (the module's), once it waits."""
    deadline = time.time() + timeout
    with pg_connect(autocommit=True) as admin:
        while time.time() < deadline:
            row = admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                                (dbname,)).fetchone()
            if row:
                return row[0]
            time.sleep(0.05)
    raise AssertionError('no backend of %s waited on a lock within %s s' % (dbname, timeout))


def lose_connection_while_locked(dbname, lock_sql, module, args):
    """Hold a row lock the module needs, start the module, end its backend once it waits on that
    lock (after its first writes in the transaction), then release the lock. Returns the result."""
    with pg_connect(dbname) as holder:
        holder.execute(lock_sql)
        proc = start_module(module, dict(login_args(dbname), **args))
        try:
            pid = backend_waiting_on_a_lock(dbname)
            with pg_connect(autocommit=True) as admin:
                assert admin.execute('SELECT pg_terminate_backend(%s)', (pid,)).fetchone()[0]
            result = module_result(module, proc, timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        holder.rollback()
    return result


def assert_clean_failure(result):
    assert result.get('failed'), result
    assert 'nothing was changed' in result['msg'] and TERMINATED in result['msg'], result['msg']
    assert 'connection was lost' in result['msg']
    assert 'Traceback' not in result['_stderr'] and 'exception' not in result, result['_stderr']


def test_org_setting_lost_connection_is_a_clean_failure_and_changes_nothing(scratch_db):
    dbname = scratch_db()
    with pg_connect(dbname) as conn:
        coop_schema.add_org(conn, 'acme0000001', 'Acme Trust & Safety')
        # No settings rows: the module inserts them first, in the transaction the loss ends.
        coop_schema.add_org(conn, 'globex00001', 'Globex', with_settings_rows=False)
    before = pg_dump(dbname)
    result = lose_connection_while_locked(
        dbname, "SELECT 1 FROM user_management_service.org_default_user_interface_settings "
                "WHERE org_id = 'acme0000001' FOR UPDATE",
        'coop_org_setting', {'orgs': ['Acme Trust & Safety', 'globex00001'],
                             'settings': {'has_appeals_enabled': True, 'moderator_safety_blur_level': 5}})
    assert_clean_failure(result)
    assert pg_dump(dbname) == before


def test_sample_org_lost_connection_is_a_clean_failure_and_changes_nothing(scratch_db):
    dbname = scratch_db(staging_seed=True)
    with pg_connect(dbname) as conn:
        coop_schema.add_staging_seed(conn, live.default_hash())
        conn.execute("INSERT INTO public.session (sid, sess, expire) VALUES "
                     "('sid-seed', '{\"passport\": {\"user\": \"7c89ce77297\"}}', now() + interval '1 day')")
    before = pg_dump(dbname)
    # The session is deleted first; the delete of the seed's users then waits on this lock.
    result = lose_connection_while_locked(
        dbname, "SELECT 1 FROM public.users WHERE id = '4bff959d009' FOR UPDATE", 'coop_sample_org',
        {'state': 'absent'})
    assert_clean_failure(result)
    assert pg_dump(dbname) == before


class Module(object):
    """The two things coop_db.finish uses of AnsibleModule; fail_json stops like the real one."""

    def __init__(self, check_mode):
        self.check_mode = check_mode

    def fail_json(self, msg):
        raise SystemExit(msg)


@pytest.mark.parametrize('check_mode', [False, True])
def test_a_commit_on_a_lost_connection_says_the_outcome_is_unknown(scratch_db, check_mode):
    dbname = scratch_db()
    conn = pg_connect(dbname)
    conn.execute("INSERT INTO public.org_settings (org_id) VALUES ('x')")
    pid = conn.info.backend_pid
    with pg_connect(autocommit=True) as admin:
        admin.execute('SELECT pg_terminate_backend(%s)', (pid,))
    with pytest.raises(SystemExit) as stopped:
        coop_db.finish(Module(check_mode), conn)
    message = str(stopped.value)
    assert TERMINATED in message
    if check_mode:
        assert 'nothing was changed' in message
    else:
        assert 'may or may not be saved' in message and 'rerun the task' in message
    assert conn.closed


# Input PostgreSQL or int() cannot take. The connection points at a closed port: a message about
# the key, not about connecting, proves the input was refused before the database was touched.
BAD_SETTINGS = [
    ({'moderator_safety_blur_level': '--3'}, 'moderator_safety_blur_level must be an integer from 0 to 6'),
    ({'moderator_safety_blur_level': '\u00b2'}, 'moderator_safety_blur_level must be an integer from 0 to 6'),
    ({'appeal_callback_url': 'https://hooks.acme.org/\x00'}, 'appeal_callback_url contains a NUL character'),
    ({'cert': 'PEM\x00'}, 'cert contains a NUL character'),
    ({'appeal_callback_body': {'reason': 'a\x00b'}}, 'appeal_callback_body["reason"] contains a NUL character'),
    ({'appeal_callback_headers': {'Authorization': 'Bearer tok\x00en-secret-1234'}},
     'appeal_callback_headers["Authorization"] contains a NUL character'),
]


@pytest.mark.parametrize('settings,words', BAD_SETTINGS, ids=[str(n) for n in range(len(BAD_SETTINGS))])
def test_unstorable_settings_are_refused_before_connecting(settings, words):
    args = {'login_host': PG['host'], 'login_port': free_port(), 'login_user': 'nobody', 'login_db': 'nowhere',
            'org': 'Acme Trust & Safety', 'settings': settings}
    result = run_module('coop_org_setting', args)
    assert result.get('failed') and words in result['msg'], result
    assert 'invalid literal' not in result['msg'] and 'Unicode escape' not in result['msg']
    assert 'cannot connect' not in result['msg'] and 'Traceback' not in result['_stderr']
    assert 'Bearer' not in result['msg'] + result['_stderr']


def test_unstorable_settings_leave_a_real_database_unchanged(scratch_db):
    dbname = scratch_db()
    with pg_connect(dbname) as conn:
        coop_schema.add_org(conn, 'acme0000001', 'Acme Trust & Safety')
    before = pg_dump(dbname)
    for settings, words in BAD_SETTINGS:
        result = run_module('coop_org_setting', dict(login_args(dbname), org='acme0000001', settings=settings))
        assert result.get('failed') and words in result['msg'], result
    assert pg_dump(dbname) == before
