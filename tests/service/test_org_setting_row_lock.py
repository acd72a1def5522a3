"""coop_org_setting's locking read: a transaction that changes the same column between the
module's INSERT ... ON CONFLICT and its read must not make the module see a stale value.

A statement-level AFTER INSERT trigger holds the module right after its INSERT (on an advisory
lock the test owns), so the other transaction's UPDATE lands in exactly that window. Every wait
is on a lock the test watches in pg_stat_activity, each bounded in time."""

import threading
import time

from tests.conftest import login_args, pg_connect, run_module
from tests.fixtures import coop_schema

TABLE = 'user_management_service.org_default_user_interface_settings'
ORG = 'acme0000001'
GATE = 1414  # advisory lock key the trigger waits on

HOLD_AFTER_INSERT = """
CREATE FUNCTION public.hold_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(%d);
    RETURN NULL;
END $$;
CREATE TRIGGER hold_after_insert AFTER INSERT ON %s
    FOR EACH STATEMENT EXECUTE FUNCTION public.hold_after_insert();
""" % (GATE, TABLE)


def wait_for(predicate, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError('timed out after %ss waiting for %s' % (timeout, what))


def lock_waiter(monitor, db, wait_event):
    """pid of the backend in db waiting on a lock of this kind (advisory, transactionid), or None."""
    row = monitor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' "
                          "AND wait_event = %s", (db, wait_event)).fetchone()
    return row[0] if row else None


def test_value_changed_between_insert_and_read_is_seen_and_overwritten(scratch_db):
    db = scratch_db(shape=coop_schema.SHAPE_NEW)
    with pg_connect(db) as conn:
        coop_schema.add_org(conn, ORG, 'Acme Trust & Safety')
        conn.execute('UPDATE %s SET moderator_safety_blur_level = 3 WHERE org_id = %%s' % TABLE, (ORG,))
        conn.execute(HOLD_AFTER_INSERT)
    with pg_connect(autocommit=True) as admin:
        # Nothing in this test may hang: every statement in the database gives up after 60 s.
        admin.execute('ALTER DATABASE "%s" SET statement_timeout = 60000' % db)

    monitor = pg_connect(db, autocommit=True)
    gate = pg_connect(db, autocommit=True)
    other = pg_connect(db)
    result = {}
    worker = threading.Thread(target=lambda: result.update(run_module(
        'coop_org_setting', dict(login_args(db), org=ORG, settings={'moderator_safety_blur_level': 3}))))
    try:
        gate.execute('SELECT pg_advisory_lock(%s)', (GATE,))
        worker.start()
        module_pid = wait_for(lambda: lock_waiter(monitor, db, 'advisory'), 'the module to finish its INSERT')

        # Inside the window: another writer changes the column and keeps its transaction open.
        other.execute('UPDATE %s SET moderator_safety_blur_level = 5 WHERE org_id = %%s' % TABLE, (ORG,))
        gate.execute('SELECT pg_advisory_unlock(%s)', (GATE,))
        # With the lock the module now waits for that writer; without it, it reads 3 and ends.
        wait_for(lambda: not worker.is_alive() or lock_waiter(monitor, db, 'transactionid') == module_pid,
                 'the module to either finish or wait for the row lock')
        other.commit()
        worker.join(60)
        assert not worker.is_alive(), 'the module did not finish'
    finally:
        for conn in (other, gate, monitor):
            conn.close()
        worker.join(60)

    assert not result.get('failed'), result
    entry = result['orgs'][0]
    assert entry['changed'] is True and entry['created'] == [], result
    assert entry['changes'] == {'moderator_safety_blur_level': {'before': 5, 'after': 3}}, result
    with pg_connect(db) as conn:
        stored = conn.execute('SELECT moderator_safety_blur_level FROM %s WHERE org_id = %%s' % TABLE,
                              (ORG,)).fetchone()[0]
    assert stored == 3
