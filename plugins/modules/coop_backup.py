#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: coop_backup
short_description: Dump Coop's PostgreSQL database before a migration, or restore such a dump
version_added: 0.2.0
description:
  - O(state=dump) takes a C(pg_dump -Fc) of Coop's database into O(dest_dir), named
    C(<db>__<UTC time>__<release>__<last recorded migration>.dump), written under a temporary name
    and renamed when complete, mode C(0600), owned by O(owner)/O(group). It then keeps the O(keep)
    newest dumps of that database in O(dest_dir) and removes the older ones (other files are left alone).
  - The dump reads the database's size and last recorded migration with C(psql) and needs no psycopg.
  - Before writing anything it checks the free space of O(dest_dir) against
    C(pg_database_size * space_factor + min_free_bytes) and fails with the figures when the dump
    would not fit.
  - O(state=restore) restores O(dump) (or the newest dump of the database) into a new database with
    C(pg_restore --single-transaction --exit-on-error), then swaps the names in one transaction - the
    live database becomes C(<db>_replaced_<time>) and the restored one takes its name. A failed
    restore drops the new database and leaves the live one untouched. The replaced database is kept
    (O(keep_replaced=true), the default, so rows written after the dump can still be read) or dropped.
  - Before restoring it reports what the restore loses (RV(lost)) - recorded migrations the dump
    lacks, tables whose row counts differ, tables with rows stamped after the dump - and does so in
    check mode too, without touching the database.
  - Only PostgreSQL. ClickHouse (analytics) and Scylla (item investigation) are not dumped; back
    them up with their own tools (C(BACKUP DATABASE) / C(clickhouse-backup), C(nodetool snapshot)).
author: roost.coop developers (@roostorg)
attributes:
  check_mode:
    support: full
    description: O(state=dump) reports the dump it would take and the dumps it would remove;
      O(state=restore) reports the dump it would restore and what would be lost.
  diff_mode:
    support: none
    description: The result says what would be written or replaced.
options:
  state:
    description: Take a dump, or restore one.
    type: str
    choices: [dump, restore]
    default: dump
  dest_dir:
    description: Directory of the dumps on the host running the module; created C(0700) when missing.
    type: path
    required: true
  release:
    description: The Coop release the database belongs to (the live release id), recorded in the dump's name.
    type: str
    default: unknown
  keep:
    description: How many dumps of this database to keep in O(dest_dir), the new one included.
    type: int
    default: 5
  owner:
    description: Owner of O(dest_dir) and of the dumps.
    type: str
  group:
    description: Group of O(dest_dir) and of the dumps.
    type: str
  space_factor:
    description:
      - Estimated dump size as a fraction of C(pg_database_size). C(-Fc) dumps are compressed and
        hold no index data, so they are usually much smaller; C(1.0) is the safe side.
    type: float
    default: 1.0
  min_free_bytes:
    description: Bytes that must stay free in O(dest_dir) after the dump.
    type: int
    default: 104857600
  compress_level:
    description:
      - Compression level of the dump (C(pg_dump -Z), gzip, C(0)-C(9)). The default C(1) is gzip's
        fastest - a dump is taken before every migration, and it is markedly faster than
        pg_dump's default C(6) for a file a few percent larger (see the benchmark P8).
    type: int
    default: 1
  bin_dir:
    description:
      - Directory of C(pg_dump), C(pg_restore) and C(psql) (all in Debian's C(postgresql-client)); default the C(PATH).
        They must be at least the server's major version.
    type: path
  dump:
    description: For O(state=restore), the dump to restore - a file name in O(dest_dir) or a path. Default the newest.
    type: str
  keep_replaced:
    description: For O(state=restore), keep the replaced database as C(<db>_replaced_<time>) instead of dropping it.
    type: bool
    default: true
  maintenance_db:
    description: Database to connect to for creating, renaming and dropping databases during a restore.
    type: str
    default: postgres
extends_documentation_fragment:
  - roost.coop.coop_db
notes:
  - The password reaches C(pg_dump) and C(pg_restore) through the C(PGPASSWORD) environment variable,
    never their command line.
  - A restore needs a user that may create databases and owns (or is superuser over) Coop's
    database, and no other session on it - stop Coop first (the C(roost.coop.restore) playbook does).
  - Database-level settings (C(ALTER DATABASE ... SET), C(GRANT ... ON DATABASE)) are not part of a
    C(-Fc) dump of the database's contents and are not carried over to the restored database.
seealso:
  - module: roost.coop.coop_migration_info
'''

EXAMPLES = r'''
- name: Dump Coop's database before migrating
  roost.coop.coop_backup:
    env_file: /etc/coop/db.env
    dest_dir: /var/backups/coop
    release: 1c1f54da0a3e-5e8b3a0f2c11
    owner: coop-backup
    group: coop-backup
    keep: 5

- name: Restore the newest dump, dropping the replaced database
  roost.coop.coop_backup:
    env_file: /etc/coop/db.env
    dest_dir: /var/backups/coop
    state: restore
    keep_replaced: false
'''

RETURN = r'''
path:
  description: The dump taken (or that would be), or restored.
  returned: always
  type: str
  sample: /var/backups/coop/coop__20261129T150102.345Z__1c1f54da0a3e-5e8b3a0f2c11__2026.07.13T21.56.32.restrict_routing_rules_queue_fkeys.sql.dump
size:
  description: Size of the dump in bytes; in check mode for O(state=dump), the estimate.
  returned: always
  type: int
release:
  description: The release the dump came from (from its name; C(unknown) when not recorded).
  returned: always
  type: str
last_migration:
  description: The last migration recorded in C(SequelizeMeta) when the dump was taken (from its name, file-name safe).
  returned: always
  type: str
removed:
  description: Older dumps removed by the retention (or that would be).
  returned: state=dump
  type: list
  elements: str
free_bytes:
  description: Free bytes in O(dest_dir) before the dump.
  returned: state=dump
  type: int
lost:
  description:
    - What the restore replaces - C(migrations) recorded in the live database and not in the dump,
      C(tables) whose row counts differ (C({live, dump})), and C(written_after_dump), per table the
      newest C(created_at)/C(updated_at) later than the dump.
  returned: state=restore
  type: dict
  sample: {migrations: [2026.07.13T21.56.32.restrict_routing_rules_queue_fkeys.sql], tables: {public.orgs: {live: 3, dump: 2}},
           written_after_dump: {public.orgs: '2026-11-29T15:20:00+00:00'}}
dumped_at:
  description: When the restored dump was taken (UTC, ISO 8601).
  returned: state=restore
  type: str
replaced_database:
  description: Name the replaced database was renamed to (dropped unless O(keep_replaced)); empty when there was none.
  returned: state=restore
  type: str
'''

import os
from datetime import datetime, timezone

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.roost.coop.plugins.module_utils import coop_backup, coop_db_settings


def db():
    """coop_db, imported on first use: a dump needs only pg_dump and psql, not psycopg (a tenth of a second)."""
    from ansible_collections.roost.coop.plugins.module_utils import coop_db
    return coop_db


TIMESTAMP_COLUMNS = ('created_at', 'updated_at', 'createdAt', 'updatedAt')


def tool(module, name):
    if module.params['bin_dir']:
        path = os.path.join(module.params['bin_dir'], name)
        if not os.access(path, os.X_OK):
            module.fail_json(msg='%s is not an executable; point bin_dir at the directory of pg_dump, pg_restore and psql'
                                 % path)
        return path
    path = module.get_bin_path(name)
    if not path:
        module.fail_json(msg='%s is not installed on this host; install the PostgreSQL client (postgresql-client, '
                             'the server\'s major version or newer) or set bin_dir' % name)
    return path


def libpq_env(settings):
    """Connection settings as libpq environment variables: nothing secret on a command line."""
    names = (('host', 'PGHOST'), ('port', 'PGPORT'), ('dbname', 'PGDATABASE'), ('user', 'PGUSER'),
             ('password', 'PGPASSWORD'), ('sslmode', 'PGSSLMODE'), ('sslrootcert', 'PGSSLROOTCERT'),
             ('connect_timeout', 'PGCONNECT_TIMEOUT'))
    return dict((var, str(settings[key])) for key, var in names if settings.get(key) not in (None, ''))


def settings_of(module):
    try:
        settings = coop_db_settings.connection_settings(module.params)
    except (IOError, OSError, ValueError) as exc:
        module.fail_json(msg='cannot read the connection settings: %s; point env_file at Coop\'s db.env' % exc)
    if settings.get('password'):
        module.no_log_values.add(settings['password'])
    if not settings.get('dbname'):
        module.fail_json(msg='no database name: set login_db, or env_file to Coop\'s db.env')
    return settings


def open_db(module, settings, dbname=None):
    db().ensure_psycopg(module)
    try:
        return db().psycopg.connect(autocommit=True, **dict(settings, dbname=dbname or settings['dbname']))
    except db().psycopg.Error as exc:
        cannot_connect(module, dict(settings, dbname=dbname or settings['dbname']), db().error_text(exc))


def cannot_connect(module, settings, detail):
    module.fail_json(msg='cannot connect to PostgreSQL (%s): %s; check the connection options or env_file'
                         % (coop_db_settings.describe(settings), detail))


# The database's size and its last recorded migration, read with psql: the dump needs no psycopg.
FACTS_SQL = """SELECT pg_database_size(current_database()) AS size,
       to_regclass('public."SequelizeMeta"') IS NOT NULL AS has_meta \\gset
\\if :has_meta
SELECT :size, max(name) FROM public."SequelizeMeta";
\\else
SELECT :size, NULL;
\\endif
"""


def dump_facts(module, settings):
    """(database size in bytes, last recorded migration or None) of the database to dump."""
    rc, out, err = module.run_command([tool(module, 'psql'), '-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1',
                                       '-f', '-'], data=FACTS_SQL, environ_update=libpq_env(settings))
    if rc == 2:
        cannot_connect(module, settings, last_line(err))
    fields = out.strip('\n').split('\t')
    if rc != 0 or len(fields) != 2 or not fields[0].isdigit():
        module.fail_json(msg='cannot read the size of %s with psql (exit %s): %s' % (settings['dbname'], rc, last_line(err)))
    return int(fields[0]), fields[1] or None


def last_migration(conn):
    if conn.execute("SELECT to_regclass('public.\"SequelizeMeta\"')").fetchone()[0] is None:
        return None
    return conn.execute('SELECT max(name) FROM public."SequelizeMeta"').fetchone()[0]


def free_bytes(path):
    while not os.path.isdir(path):
        path = os.path.dirname(path)
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


def listing(folder):
    return os.listdir(folder) if os.path.isdir(folder) else []


def fail_cleanly(module, tmp, msg):
    if os.path.exists(tmp):
        os.unlink(tmp)
    module.fail_json(msg=msg)


def take_dump(module, settings):
    params = module.params
    folder = params['dest_dir']
    if params['keep'] < 1:
        module.fail_json(msg='keep is %s; keep at least 1 dump' % params['keep'])
    if not 0 <= params['compress_level'] <= 9:
        module.fail_json(msg='compress_level is %s; give 0 (none) to 9 (smallest), 1 is the fastest compression'
                             % params['compress_level'])
    size, last = dump_facts(module, settings)
    name = coop_backup.dump_name(settings['dbname'], datetime.now(timezone.utc), params['release'], last)
    path = os.path.join(folder, name)
    free = free_bytes(folder)
    fits, needed, figures = coop_backup.space_verdict(size, params['space_factor'], params['min_free_bytes'], free)
    if not fits:
        module.fail_json(msg='not enough space in %s for a dump of %s: %s; free space there, move dest_dir, or lower '
                             'space_factor if dumps are known to be smaller' % (folder, settings['dbname'], figures),
                         needed_bytes=needed, free_bytes=free)
    removed = coop_backup.to_remove(listing(folder) + [name], settings['dbname'], params['keep'])
    info = coop_backup.parse_name(name)
    result = dict(changed=True, path=path, size=int(size * params['space_factor']), release=info['release'],
                  last_migration=info['last_migration'], removed=[os.path.join(folder, n) for n in removed],
                  free_bytes=free)
    if module.check_mode:
        module.exit_json(**result)
    if not os.path.isdir(folder):
        os.makedirs(folder, 0o700)
        module.set_owner_if_different(folder, params['owner'], False)
        module.set_group_if_different(folder, params['group'], False)
    tmp = os.path.join(folder, '.%s.partial' % name)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    rc, _out, err = module.run_command([tool(module, 'pg_dump'), '-Fc', '-Z', str(params['compress_level']), '-f', tmp],
                                       environ_update=libpq_env(settings))
    if rc != 0:
        fail_cleanly(module, tmp, 'pg_dump failed (exit %s): %s' % (rc, last_line(err)))
    with open(tmp, 'rb') as handle:
        os.fsync(handle.fileno())
    module.set_owner_if_different(tmp, params['owner'], False)
    module.set_group_if_different(tmp, params['group'], False)
    os.rename(tmp, path)
    for old in result['removed']:
        os.unlink(old)
    result['size'] = os.path.getsize(path)
    module.exit_json(**result)


def last_line(text):
    lines = [line for line in (text or '').splitlines() if line.strip()]
    return lines[-1] if lines else 'no error output'


def live_state(conn, since=None):
    """({schema.table: rows}, SequelizeMeta names, {schema.table: newest timestamp after since}); one scan
    per table (the newest timestamps only with since), all tables in one statement."""
    sql = db().sql
    tables = conn.execute(
        "SELECT table_schema, table_name, quote_ident(table_schema) || '.' || quote_ident(table_name) "
        "FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
        "AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2").fetchall()
    columns = db().existing_columns(conn.cursor(), [(s, t) for s, t, _q in tables]) if since else {}
    # Dates and timestamps without a time zone are read as UTC, as the dump's time is.
    conn.execute("SET TIME ZONE 'UTC'")
    parts = []
    for number, (schema, table, _key) in enumerate(tables):
        stamps = [c for c in TIMESTAMP_COLUMNS if c in columns.get((schema, table), ())]
        newest = sql.SQL('max(GREATEST({}))::timestamptz').format(sql.SQL(', ').join(sql.Identifier(c) for c in stamps)) \
            if stamps else sql.SQL('NULL::timestamptz')
        parts.append(sql.SQL('SELECT {}, count(*), {} FROM {}').format(
            sql.Literal(number), newest, db().table_identifier(schema, table)))
    counts, newer = {}, {}
    for number, count, newest in conn.execute(sql.SQL(' UNION ALL ').join(parts)).fetchall() if parts else []:
        key = tables[number][2]
        counts[key] = count
        if newest is not None and newest > since:
            newer[key] = newest.isoformat()
    meta = []
    if last_migration(conn) is not None:
        meta = [row[0] for row in conn.execute('SELECT name FROM public."SequelizeMeta"')]
    return counts, meta, newer


def choose_dump(module, dbname):
    folder, wanted = module.params['dest_dir'], module.params['dump']
    if wanted:
        path = wanted if os.sep in wanted else os.path.join(folder, wanted)
        if not os.path.isfile(path):
            module.fail_json(msg='dump %s does not exist; name a file of %s (or leave dump unset for the newest)'
                                 % (path, folder))
        return path
    mine = coop_backup.own_dumps(listing(folder), dbname)
    if not mine:
        module.fail_json(msg='no dump of %s in %s; take one with state=dump, or set dump to a file' % (dbname, folder))
    return os.path.join(folder, mine[0])


def restore(module, settings):
    params = module.params
    dbname = settings['dbname']
    path = choose_dump(module, dbname)
    info = coop_backup.parse_name(os.path.basename(path)) or {}
    dumped = info.get('time') or datetime.utcfromtimestamp(os.path.getmtime(path))
    dumped = dumped.replace(tzinfo=timezone.utc)
    env = dict(os.environ, **libpq_env(settings))
    pg_restore = tool(module, 'pg_restore')
    admin = open_db(module, settings, params['maintenance_db'])
    with admin:
        row = admin.execute('SELECT pg_get_userbyid(datdba), datcollate, datctype, pg_encoding_to_char(encoding) '
                            'FROM pg_database WHERE datname = %s', (dbname,)).fetchone()
        stamp = datetime.now(timezone.utc).strftime('%Y%m%d%H%M%S')
        replaced = '%s_replaced_%s' % (dbname[:40], stamp) if row is not None else ''
        fresh = '%s_restore_%s' % (dbname[:40], stamp)
        loading = None
        if module.check_mode:
            # Nothing is restored: the dump's rows are read from pg_restore's output.
            counts, meta, rc, err = coop_backup.dump_counts([pg_restore, '--data-only', '-f', '-', path], env)
            if rc != 0:
                give_up(module, admin, None, fresh, 'cannot read %s with pg_restore (exit %s): %s; is it a pg_dump '
                                                    '-Fc file?' % (path, rc, err))
        else:
            create_database(module, admin, fresh, row)
            # pg_restore fills the new database while the live rows are counted; the dump's rows are then
            # counted in the new database (faster than reading the dump's data a second time).
            loading = coop_backup.start([pg_restore, '--single-transaction', '--exit-on-error', '-d', fresh, path], env)
        live_counts, live_meta, newer = {}, [], {}
        if row is not None:
            with open_db(module, settings) as live:
                live_counts, live_meta, newer = live_state(live, dumped)
        if not module.check_mode:
            rc, err = coop_backup.finish(loading)
            if rc != 0:
                give_up(module, admin, None, fresh, 'pg_restore of %s failed (exit %s), %s is untouched: %s; is it a '
                                                    'pg_dump -Fc file?' % (path, rc, dbname, err))
            with open_db(module, settings, fresh) as restored:
                counts, meta, _newer = live_state(restored)
        lost = {'migrations': [], 'tables': {}, 'written_after_dump': {}}
        if row is not None:
            lost = coop_backup.losses(counts, meta, live_counts, live_meta, newer)
        result = dict(changed=True, path=path, size=os.path.getsize(path), release=info.get('release', 'unknown'),
                      last_migration=info.get('last_migration', 'unknown'), lost=lost, dumped_at=dumped.isoformat(),
                      replaced_database=replaced if params['keep_replaced'] else '')
        if module.check_mode:
            module.exit_json(**result)
        swap(module, admin, dbname, fresh, row, replaced)
    module.exit_json(**result)


def create_database(module, admin, fresh, row):
    """The database to restore into, with the live one's owner, encoding and locale."""
    sql = db().sql
    create = sql.SQL('CREATE DATABASE {} TEMPLATE template0').format(sql.Identifier(fresh))
    if row is not None:
        create = sql.SQL('CREATE DATABASE {} TEMPLATE template0 OWNER {} ENCODING {} LC_COLLATE {} LC_CTYPE {}').format(
            sql.Identifier(fresh), sql.Identifier(row[0]), sql.Literal(row[3]), sql.Literal(row[1]), sql.Literal(row[2]))
    try:
        admin.execute(create)
    except db().psycopg.Error as exc:
        module.fail_json(msg='cannot create the database to restore into (%s): %s; the user needs CREATEDB'
                             % (fresh, db().error_text(exc)))


def give_up(module, admin, loading, fresh, msg):
    """Stop a running pg_restore, drop the new database, fail with msg."""
    if loading is not None:
        loading.kill()
        coop_backup.finish(loading)
    admin.execute(db().sql.SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)').format(db().sql.Identifier(fresh)))
    module.fail_json(msg=msg)


def swap(module, admin, dbname, fresh, row, replaced):
    """Give the restored database the live one's name in one transaction."""
    sql, psycopg = db().sql, db().psycopg
    try:
        if row is not None:
            admin.execute(sql.SQL('ALTER DATABASE {} WITH ALLOW_CONNECTIONS false').format(sql.Identifier(dbname)))
            admin.execute('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s '
                          'AND pid <> pg_backend_pid()', (dbname,))
        with admin.transaction():
            if row is not None:
                admin.execute(sql.SQL('ALTER DATABASE {} RENAME TO {}').format(sql.Identifier(dbname), sql.Identifier(replaced)))
            admin.execute(sql.SQL('ALTER DATABASE {} RENAME TO {}').format(sql.Identifier(fresh), sql.Identifier(dbname)))
        if row is not None and module.params['keep_replaced']:
            admin.execute(sql.SQL('ALTER DATABASE {} WITH ALLOW_CONNECTIONS true').format(sql.Identifier(replaced)))
        elif row is not None:
            admin.execute(sql.SQL('DROP DATABASE {} WITH (FORCE)').format(sql.Identifier(replaced)))
    except psycopg.Error as exc:
        module.fail_json(msg='restored into %s but could not swap it with %s: %s; rename them by hand (ALTER DATABASE '
                             '... RENAME TO ...) once no session uses %s' % (fresh, dbname, db().error_text(exc), dbname))


def main():
    argument_spec = coop_db_settings.coop_db_argument_spec()
    argument_spec.update(
        state=dict(type='str', choices=['dump', 'restore'], default='dump'),
        dest_dir=dict(type='path', required=True),
        release=dict(type='str', default='unknown'),
        keep=dict(type='int', default=5),
        owner=dict(type='str'),
        group=dict(type='str'),
        space_factor=dict(type='float', default=1.0),
        compress_level=dict(type='int', default=1),
        min_free_bytes=dict(type='int', default=104857600),
        bin_dir=dict(type='path'),
        dump=dict(type='str'),
        keep_replaced=dict(type='bool', default=True),
        maintenance_db=dict(type='str', default='postgres'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    settings = settings_of(module)
    if module.params['state'] == 'dump':
        take_dump(module, settings)
    restore(module, settings)


if __name__ == '__main__':
    main()
