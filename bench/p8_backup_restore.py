#!/usr/bin/env python
"""P8: backup + restore of Coop's database, roost.coop.coop_backup vs pg_dump + pg_restore by hand.

Usage: python bench/p8_backup_restore.py [rounds] [rows]

A scratch database with the fixture schema and `rows` (default 100000) rows in each of Coop's
larger tables here (public.users, public.session, public.item_types). Timed, per round, in a
rotated order:
  coop   the coop_backup module as Ansible runs it (child process): state=dump, then
         state=restore (reads the dump's row counts, counts the live rows, restores into a new
         database with --single-transaction, swaps the names, drops the replaced database)
  floor  by hand: pg_dump -Fc -f, createdb, pg_restore --single-transaction --exit-on-error,
         then the same two renames and a drop in psql; also with pg_dump -Z 1, the module's default
         compression, which separates the choice of level from the module's own overhead
Prints the median seconds of each and the median of the per-round ratios (target <= 1.2x).
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, '.collections'))

from tests.conftest import PG, login_args, pg_connect, run_module  # noqa: E402
from tests.fixtures import coop_schema  # noqa: E402

ENV = dict(os.environ, PGHOST=PG['host'], PGPORT=str(PG['port']), PGUSER=PG['user'], PGPASSWORD=PG['password'])


def make_db(rows):
    name = 'coop_bench_%s' % uuid.uuid4().hex[:10]
    with pg_connect(autocommit=True) as admin:
        admin.execute('CREATE DATABASE "%s"' % name)
    with pg_connect(name) as conn:
        coop_schema.create(conn)
        coop_schema.add_org(conn, 'org1', 'Bench org')
        conn.execute("INSERT INTO public.users (id, email, password, first_name, last_name, created_at, updated_at, "
                     "org_id) SELECT 'u' || i, 'u' || i || '@bench.example', '$2b$10$' || md5(i::text), 'First', "
                     "'Last', now(), now(), 'org1' FROM generate_series(1, %s) AS i", (rows,))
        conn.execute("INSERT INTO public.session (sid, sess, expire) SELECT md5(i::text), json_build_object("
                     "'cookie', json_build_object('maxAge', 86400000), 'user', 'u' || i), now() "
                     "FROM generate_series(1, %s) AS i", (rows,))
        conn.execute("INSERT INTO public.item_types (id, org_id, name, kind, fields) SELECT 'it' || i, 'org1', "
                     "'Item type ' || i, 'CONTENT', '{}' FROM generate_series(1, %s) AS i", (rows,))
        conn.commit()
    return name


def drop(name):
    with pg_connect(autocommit=True) as admin:
        admin.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)


def coop(db, folder):
    args = dict(login_args(db), dest_dir=folder, keep=1)
    dumped = run_module('coop_backup', args)
    assert not dumped.get('failed'), dumped
    restored = run_module('coop_backup', dict(args, state='restore', keep_replaced=False))
    assert not restored.get('failed'), restored


def floor(db, folder, level=None):
    path = os.path.join(folder, 'by-hand.dump')
    subprocess.run(['pg_dump', '-Fc', '-d', db, '-f', path] + (['-Z', level] if level else []), env=ENV, check=True)
    fresh = db + '_new'
    subprocess.run(['createdb', '-T', 'template0', fresh], env=ENV, check=True)
    subprocess.run(['pg_restore', '--single-transaction', '--exit-on-error', '-d', fresh, path], env=ENV, check=True)
    subprocess.run(['psql', '-q', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', 'BEGIN', '-c',
                    'ALTER DATABASE "%s" RENAME TO "%s_old"' % (db, db), '-c',
                    'ALTER DATABASE "%s" RENAME TO "%s"' % (fresh, db), '-c', 'COMMIT', '-c',
                    'DROP DATABASE "%s_old"' % db], env=ENV, check=True)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    db = make_db(rows)
    try:
        with pg_connect(db) as conn:
            size = conn.execute('SELECT pg_database_size(current_database())').fetchone()[0]
        print('database %s: %d rows in each of users, session, item_types; %.1f MiB' % (db, rows, size / 1048576.0))
        ways = {'coop': coop, 'floor': floor, 'floor -Z 1': lambda db, folder: floor(db, folder, '1')}
        times = dict((name, []) for name in ways)
        ratios, same_level = [], []
        for n in range(rounds):
            order = list(ways)[n % 3:] + list(ways)[:n % 3]
            took = {}
            for which in order:
                with tempfile.TemporaryDirectory() as folder:
                    start = time.monotonic()
                    ways[which](db, folder)
                    took[which] = time.monotonic() - start
                times[which].append(took[which])
            ratios.append(took['coop'] / took['floor'])
            same_level.append(took['coop'] / took['floor -Z 1'])
            print('round %d: coop %.2f s, floor %.2f s, floor -Z 1 %.2f s; ratios %.2fx, %.2fx' % (
                n + 1, took['coop'], took['floor'], took['floor -Z 1'], ratios[-1], same_level[-1]))
        print('median: coop %.2f s, floor %.2f s; coop / floor %.2fx (target <= 1.2x)' % (
            statistics.median(times['coop']), statistics.median(times['floor']), statistics.median(ratios)))
        print("        by hand with the same compression (-Z 1) %.2f s; coop / that %.2fx (the module's own cost)" % (
            statistics.median(times['floor -Z 1']), statistics.median(same_level)))
    finally:
        drop(db)


if __name__ == '__main__':
    main()
