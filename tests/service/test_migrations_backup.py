"""The migrations role's gate and backup, run by ansible-playbook on localhost against the real
PostgreSQL, with a stand-in migrator that leaves a marker and fails: a dump exists before the
migrator runs, a dump that would not fit stops the deploy before the migrator, a downgrade is
refused with the database unchanged, check mode names the dump it would take."""

import os
import re
import uuid

from tests.conftest import PG, pg_connect, pg_dump, run_play
from tests.fixtures import coop_schema

PLAYBOOK = """
- name: Migrations on localhost
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Migrations
      ansible.builtin.include_role:
        name: roost.coop.migrations
        tasks_from: run.yml
"""
NEW = '2099.01.01T00.00.00.new.sql'


def scripts(root, names):
    folder = root / 'scripts' / 'api-server-pg'
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text('-- test\n')
    return str(root / 'scripts')


def run(tmp_path, db, names, *args, **extra):
    (tmp_path / 'etc').mkdir(exist_ok=True)
    env = tmp_path / 'etc' / 'db.env'
    env.write_text('API_SERVER_DATABASE_HOST=%s\nAPI_SERVER_DATABASE_PORT=%s\nAPI_SERVER_DATABASE_NAME=%s\n'
                   'API_SERVER_DATABASE_USER=%s\nAPI_SERVER_DATABASE_PASSWORD=%s\n'
                   % (PG['host'], PG['port'], db, PG['user'], PG['password']))
    env.chmod(0o600)
    variables = {
        'coop_config_dir': str(tmp_path / 'etc'), 'coop_migrations_install_libs': False,
        'coop_install_dir': str(tmp_path / 'opt'), 'coop_backup_host': 'localhost', 'coop_backup_user': 'root',
        'coop_backup_dir': str(tmp_path / 'backups'), 'coop_database_host': PG['host'],
        'coop_database_port': PG['port'], 'coop_database_name': db, 'coop_database_user': PG['user'],
        'coop_database_password': PG['password'], 'coop_release_id': 'v2',
        '__coop_migrations_scripts_dir': scripts(tmp_path / uuid.uuid4().hex[:6], names),
        '__coop_migrator_argv': ['sh', '-c', 'touch "$0"; echo migrator ran >&2; exit 1', str(tmp_path / 'migrated')],
        '__coop_migrator_chdir': str(tmp_path), '__coop_migrator_environment': {},
    }
    variables.update(extra)
    return run_play(tmp_path, PLAYBOOK, variables, *args)[1]


def dumps(tmp_path):
    folder = tmp_path / 'backups'
    return sorted(os.listdir(str(folder))) if folder.exists() else []


def test_dump_before_the_migrator_and_check_mode_names_it(tmp_path, scratch_db):
    db = scratch_db()
    check = run(tmp_path, db, coop_schema.MIGRATIONS_NEW + [NEW], '--check')
    assert 'Would dump %s to %s' % (db, tmp_path / 'backups') in check, check[-3000:]
    assert NEW in check and dumps(tmp_path) == [] and not (tmp_path / 'migrated').exists()

    out = run(tmp_path, db, coop_schema.MIGRATIONS_NEW + [NEW])
    taken = dumps(tmp_path)
    assert len(taken) == 1 and taken[0].endswith('__unknown__%s.dump' % coop_schema.MIGRATIONS_NEW[-1]), out[-3000:]
    assert (tmp_path / 'migrated').exists() and 'migrator ran' in out  # the migrator ran after the dump
    assert PG['password'] not in out


JOB_ROW = "SELECT count(*) FROM public.view_maintenance_metadata"
JOB_TASK = "TASK [roost.coop.migrations : Insert the bookkeeping rows"


def job_task_ran(out):
    """Whether the play ran coop_job_state (its task reports ok or changed, not skipping)."""
    after = out.split(JOB_TASK, 1)[1]
    return re.search(r'^(ok|changed): \[localhost\]', after.split('TASK [', 1)[0], re.M) is not None


def test_nothing_pending_takes_no_dump(tmp_path, scratch_db):
    db = scratch_db()
    with pg_connect(db) as conn:  # the table coop_job_state fills after the migrations
        conn.execute('CREATE TABLE public.view_maintenance_metadata (table_name text PRIMARY KEY, last_insert timestamptz)')
    out = run(tmp_path, db, coop_schema.MIGRATIONS_NEW)
    assert 'failed=0' in out and dumps(tmp_path) == [], out[-3000:]
    with pg_connect(db) as conn:
        assert conn.execute(JOB_ROW).fetchone()[0] == 1

    # The pending list reads the row: with it there, coop_job_state does not run at all.
    out = run(tmp_path, db, coop_schema.MIGRATIONS_NEW)
    assert 'failed=0' in out and not job_task_ran(out), out[-3000:]

    # Lost on an install with nothing pending: put back.
    with pg_connect(db) as conn:
        conn.execute('DELETE FROM public.view_maintenance_metadata')
    out = run(tmp_path, db, coop_schema.MIGRATIONS_NEW)
    assert 'failed=0' in out and job_task_ran(out), out[-3000:]
    with pg_connect(db) as conn:
        assert conn.execute(JOB_ROW).fetchone()[0] == 1


def test_dump_that_does_not_fit_stops_before_the_migrator(tmp_path, scratch_db):
    db = scratch_db()
    out = run(tmp_path, db, coop_schema.MIGRATIONS_NEW + [NEW], coop_backup_min_free_bytes=10 ** 15)
    assert 'not enough space' in out and 'is free' in out, out[-3000:]
    assert dumps(tmp_path) == [] and not (tmp_path / 'migrated').exists()


def test_downgrade_refused_with_database_unchanged(tmp_path, scratch_db):
    db = scratch_db()
    before = pg_dump(db)
    out = run(tmp_path, db, coop_schema.MIGRATIONS_OLD, coop_release_id='v1')
    assert 'downgrade refused' in out and 'v1 does not have' in out, out[-3000:]
    assert pg_dump(db) == before and dumps(tmp_path) == [] and not (tmp_path / 'migrated').exists()
    with pg_connect(db) as conn:
        assert conn.execute('SELECT count(*) FROM public."SequelizeMeta"').fetchone()[0] == len(coop_schema.MIGRATIONS_NEW)


RESTORE = """
- name: Restore on localhost
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Say what is lost, stop Coop and restore
      ansible.builtin.include_role:
        name: roost.coop.migrations
        tasks_from: restore.yml
"""


def test_restore_says_what_is_lost_and_refuses_without_confirmation(tmp_path, scratch_db):
    db = scratch_db()
    run(tmp_path, db, coop_schema.MIGRATIONS_NEW + [NEW])  # takes the dump, then the stand-in migrator fails
    with pg_connect(db) as conn:
        coop_schema.add_org(conn, 'late', 'Written after the dump')
    before = pg_dump(db)
    variables = {'coop_backup_host': 'localhost', 'coop_backup_dir': str(tmp_path / 'backups'),
                 'coop_config_dir': str(tmp_path / 'etc'),
                 'coop_install_dir': str(tmp_path / 'opt'), 'coop_database_host': PG['host'],
                 'coop_database_port': PG['port'], 'coop_database_name': db, 'coop_database_user': PG['user'],
                 'coop_database_password': PG['password'], 'coop_manage_postgresql': False}
    rc, out = run_play(tmp_path, RESTORE, variables)
    assert rc != 0 and 'Not restoring' in out and 'coop_restore_confirm=yes' in out, out[-3000:]
    assert '"public.orgs":' in out and '{"live": 1, "dump": 0}' in out and 'public.orgs' in out.split('Newest rows')[1]
    assert pg_dump(db) == before and PG['password'] not in out


def test_backup_host_without_db_env_connects_with_the_coop_database_variables(tmp_path, scratch_db):
    db = scratch_db()
    out = run(tmp_path, db, coop_schema.MIGRATIONS_NEW + [NEW], '-e', 'ansible_connection=local',
              coop_backup_host='127.0.0.1')
    assert [d.split('__')[0] for d in dumps(tmp_path)] == [db] and 'on 127.0.0.1' in out, out[-3000:]
    assert PG['password'] not in out
