# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""coop_backup against the real PostgreSQL: dumps, retention, the space check, restore."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import os
import stat
import subprocess

from tests.conftest import PG, login_args, pg_connect, run_module
from tests.fixtures import coop_schema

LAST = coop_schema.MIGRATIONS_NEW[-1]


def dump(db, folder, check=False, **extra):
    return run_module('coop_backup', dict(login_args(db), dest_dir=str(folder), release='v1-abc', **extra), check=check)


def names(db):
    with pg_connect(db) as conn:
        return sorted(row[0] for row in conn.execute('SELECT name FROM public."SequelizeMeta"'))


def org_names(db):
    with pg_connect(db) as conn:
        return sorted(row[0] for row in conn.execute('SELECT name FROM public.orgs'))


def test_dump_name_mode_and_password_never_shown(scratch_db, tmp_path):
    db = scratch_db()
    folder = tmp_path / 'backups'
    check = run_module('coop_backup', dict(login_args(db), dest_dir=str(folder), release='v1/abc'), check=True)
    assert check['changed'] and not folder.exists(), check
    result = dump(db, folder)
    assert not result.get('failed'), result
    name = os.path.basename(result['path'])
    assert name.startswith(db + '__') and name.endswith('__v1-abc__%s.dump' % LAST)
    assert check['path'].endswith('__v1_abc__%s.dump' % LAST)
    assert result['release'] == 'v1-abc' and result['last_migration'] == LAST
    assert stat.S_IMODE(os.stat(result['path']).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(folder)).st_mode) == 0o700
    assert result['size'] == os.path.getsize(result['path']) > 0
    assert os.listdir(str(folder)) == [name]  # no temporary file left behind
    assert PG['password'] not in json.dumps(result) + result['_stderr']


def test_owner_and_group(scratch_db, tmp_path):
    db = scratch_db()
    me = os.getuid()
    import grp
    import pwd
    result = dump(db, tmp_path, owner=pwd.getpwuid(me).pw_name, group=grp.getgrgid(os.getgid()).gr_name)
    assert not result.get('failed'), result
    assert os.stat(result['path']).st_uid == me
    bad = dump(db, tmp_path / 'other', owner='no-such-user-coop')
    assert bad.get('failed')


def test_retention_keeps_exactly_keep(scratch_db, tmp_path):
    db = scratch_db()
    (tmp_path / 'notes.txt').write_text('not a dump')
    (tmp_path / 'otherdb__20200101T000000.000Z__x__y.dump').write_text('another database')
    taken = [dump(db, tmp_path, keep=3)['path'] for _i in range(5)]
    mine = sorted(n for n in os.listdir(str(tmp_path)) if n.startswith(db))
    assert [os.path.join(str(tmp_path), n) for n in mine] == sorted(taken[-3:])
    assert (tmp_path / 'notes.txt').exists() and (tmp_path / 'otherdb__20200101T000000.000Z__x__y.dump').exists()
    last = dump(db, tmp_path, keep=3, check=True)
    assert last['removed'] == [sorted(taken)[-3]] and len(os.listdir(str(tmp_path))) == 5


def test_space_check_stops_before_writing(scratch_db, tmp_path):
    db = scratch_db()
    folder = tmp_path / 'backups'
    result = dump(db, folder, min_free_bytes=10 ** 15)
    assert result.get('failed')
    assert 'not enough space' in result['msg'] and 'min_free_bytes' in result['msg'] and 'is free' in result['msg']
    assert result['free_bytes'] < result['needed_bytes']
    assert not folder.exists()


def test_restore_brings_back_data_and_migrations(scratch_db, tmp_path):
    db = scratch_db()
    with pg_connect(db) as conn:
        coop_schema.add_org(conn, 'org1', 'Before the upgrade')
    taken = dump(db, tmp_path)
    with pg_connect(db) as conn:
        coop_schema.add_org(conn, 'org2', 'Written after the dump')
        conn.execute('INSERT INTO public."SequelizeMeta" VALUES (%s, now(), now())', ('2099.01.01T00.00.00.v2.sql',))
        conn.commit()
    before = names(db)
    args = dict(login_args(db), dest_dir=str(tmp_path), state='restore')
    preview = run_module('coop_backup', args, check=True)
    assert not preview.get('failed'), preview
    assert preview['lost']['migrations'] == ['2099.01.01T00.00.00.v2.sql']
    assert preview['lost']['tables']['public.orgs'] == {'live': 2, 'dump': 1}
    assert 'public.orgs' in preview['lost']['written_after_dump']
    assert preview['release'] == 'v1-abc' and names(db) == before  # check mode changed nothing

    done = run_module('coop_backup', args)
    assert not done.get('failed'), done
    assert done['path'] == taken['path'] and done['lost'] == preview['lost']
    assert names(db) == sorted(coop_schema.MIGRATIONS_NEW)
    assert org_names(db) == ['Before the upgrade']
    replaced = done['replaced_database']
    try:
        assert org_names(replaced) == ['Before the upgrade', 'Written after the dump']
    finally:
        with pg_connect(autocommit=True) as admin:
            admin.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % replaced)
    assert PG['password'] not in json.dumps(done) + done['_stderr']


def test_loss_report_reads_timestamps_without_time_zone_as_utc(scratch_db, tmp_path):
    db = scratch_db()
    with pg_connect(db) as conn:
        conn.execute('CREATE TABLE public.notes (id integer, created_at timestamp, updated_at date)')
        conn.commit()
    dump(db, tmp_path)
    with pg_connect(autocommit=True) as admin:  # a session time zone far from UTC must not shift them
        admin.execute('ALTER DATABASE "%s" SET timezone = \'Pacific/Kiritimati\'' % db)
    with pg_connect(db) as conn:
        conn.execute("INSERT INTO public.notes VALUES (1, '2099-01-02 03:04:05', '2099-01-01')")
        conn.commit()
    preview = run_module('coop_backup', dict(login_args(db), dest_dir=str(tmp_path), state='restore'), check=True)
    assert preview['lost']['written_after_dump']['public.notes'] == '2099-01-02T03:04:05+00:00', preview
    assert preview['lost']['tables']['public.notes'] == {'live': 1, 'dump': 0}


def test_restore_drops_replaced_when_asked_and_failed_restore_leaves_live(scratch_db, tmp_path):
    db = scratch_db()
    dump(db, tmp_path)
    with pg_connect(db) as conn:
        coop_schema.add_org(conn, 'org2', 'After')
    done = run_module('coop_backup', dict(login_args(db), dest_dir=str(tmp_path), state='restore', keep_replaced=False))
    assert not done.get('failed') and done['replaced_database'] == '', done
    with pg_connect(autocommit=True) as admin:
        left = admin.execute("SELECT count(*) FROM pg_database WHERE datname LIKE %s", (db + '_%',)).fetchone()[0]
    assert left == 0 and org_names(db) == []

    broken = tmp_path / ('%s__20300101T000000.000Z__v9__x.dump' % db)
    broken.write_bytes(b'PGDMP not really')
    failed = run_module('coop_backup', dict(login_args(db), dest_dir=str(tmp_path), state='restore'))
    assert failed.get('failed') and 'pg_restore' in failed['msg'], failed
    assert names(db) == sorted(coop_schema.MIGRATIONS_NEW)
    with pg_connect(autocommit=True) as admin:  # the half-made database is gone
        assert admin.execute("SELECT count(*) FROM pg_database WHERE datname LIKE %s", (db + '_%',)).fetchone()[0] == 0


def test_checklist_backup_recent(scratch_db, tmp_path):
    db = scratch_db()
    env = tmp_path / 'db.env'
    env.write_text('API_SERVER_DATABASE_NAME=%s\n' % db)
    env.chmod(0o600)

    def status(**args):
        result = run_module('coop_checklist', dict(db_env=str(env), checks=['backup_recent'], fail_on='never', **args))
        return result['checks'][0]

    assert status()['status'] == 'skip'
    empty = status(backup_dir=str(tmp_path / 'none'))
    assert empty['status'] == 'warn' and 'cannot list' in empty['detail']
    (tmp_path / 'backups').mkdir()
    assert 'no dump' in status(backup_dir=str(tmp_path / 'backups'))['detail']
    dump(db, tmp_path / 'backups')
    assert status(backup_dir=str(tmp_path / 'backups'))['status'] == 'pass'
    old = status(backup_dir=str(tmp_path / 'backups'), backup_max_age_hours=-1)
    assert old['status'] == 'warn' and 'hours old' in old['detail'] and 'site.yml --tags backup' in old['remedy']


def test_password_reaches_pg_dump_by_environment_not_argv(scratch_db, tmp_path):
    db = scratch_db()
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    for name in ('pg_dump', 'pg_restore', 'psql'):  # record the argv and environment, then run the real tool
        wrapper = bin_dir / name
        wrapper.write_text('#!/bin/sh\necho "$@" >> %s/argv.txt\nenv >> %s/env.txt\nexec /usr/bin/%s "$@"\n'
                           % (tmp_path, tmp_path, name))
        wrapper.chmod(0o755)
    taken = dump(db, tmp_path / 'backups', bin_dir=str(bin_dir))
    restored = run_module('coop_backup', dict(login_args(db), dest_dir=str(tmp_path / 'backups'), state='restore',
                                              keep_replaced=False, bin_dir=str(bin_dir)))
    assert not taken.get('failed') and not restored.get('failed'), (taken, restored)
    argv = (tmp_path / 'argv.txt').read_text()
    assert '-Fc' in argv and '--single-transaction' in argv and PG['password'] not in argv
    assert 'PGPASSWORD=%s' % PG['password'] in (tmp_path / 'env.txt').read_text()


def compression(path):
    toc = subprocess.run(['pg_restore', '-l', path], capture_output=True, text=True, check=True).stdout
    return re.search(r'Compression: (\S+)', toc).group(1)


def test_compress_level(scratch_db, tmp_path):
    db = scratch_db()
    fast = dump(db, tmp_path / 'fast')
    small = dump(db, tmp_path / 'small', compress_level=9)
    assert not fast.get('failed') and not small.get('failed'), (fast, small)
    assert (compression(fast['path']), compression(small['path'])) == ('1', '9')
    bad = dump(db, tmp_path / 'bad', compress_level=10)
    assert bad.get('failed') and 'compress_level is 10; give 0 (none) to 9' in bad['msg'], bad
    assert not (tmp_path / 'bad').exists()


def test_dump_of_a_database_without_migrations_and_a_refused_login(scratch_db, tmp_path):
    """The dump's facts come from psql: no SequelizeMeta names the dump 'none'; a refused login fails
    before anything is written, naming the database and the fix, never the password."""
    empty = scratch_db(schema=False)
    taken = dump(empty, tmp_path / 'empty')
    assert not taken.get('failed'), taken
    assert taken['path'].endswith('__v1-abc__none.dump') and taken['last_migration'] == 'none'
    wrong = 'not-the-password-5521'
    refused = run_module('coop_backup', dict(login_args(empty), login_password=wrong, dest_dir=str(tmp_path / 'refused')))
    assert refused.get('failed') and refused['msg'].startswith('cannot connect to PostgreSQL (database %s' % empty)
    assert 'check the connection options' in refused['msg'] and wrong not in json.dumps(refused)
    assert not (tmp_path / 'refused').exists()
