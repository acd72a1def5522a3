# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""coop_migration_info against the real PostgreSQL: pending = release scripts - SequelizeMeta rows."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid

from tests.conftest import login_args, pg_connect, run_module


def make_release(tmp_path, names):
    folder = tmp_path / 'scripts' / 'api-server-pg'
    folder.mkdir(parents=True)
    for name in names:
        (folder / name).write_text('-- test\n')
    return str(tmp_path / 'scripts')


def record(dbname, names):
    with pg_connect(dbname) as conn:
        conn.execute('CREATE TABLE IF NOT EXISTS public."SequelizeMeta" (name varchar(255) PRIMARY KEY, '
                     '"createdAt" timestamptz NOT NULL, "updatedAt" timestamptz NOT NULL)')
        for name in names:
            conn.execute('INSERT INTO public."SequelizeMeta" VALUES (%s, now(), now())', (name,))


def test_pending_against_sequelize_meta(tmp_path, scratch_db):
    db = scratch_db(schema=False)
    scripts = make_release(tmp_path, ['2025.01.01T00.00.00.a.sql', '2025.01.02T00.00.00.b.cjs',
                                      '2025.01.03T00.00.00.c.seed.staging.sql', '2025.01.04T00.00.00.d.sql'])
    args = dict(login_args(db), scripts_dir=scripts)
    first = run_module('coop_migration_info', args, check=True)
    assert not first.get('failed'), first
    assert first['pending']['api-server-pg'] == ['2025.01.01T00.00.00.a.sql', '2025.01.02T00.00.00.b.cjs',
                                                 '2025.01.04T00.00.00.d.sql']
    assert first['changed'] is False and first['applied'] == {'api-server-pg': 0}

    record(db, ['2025.01.01T00.00.00.a.sql', '2025.01.02T00.00.00.b.cjs', '2024.12.31T00.00.00.old.sql'])
    second = run_module('coop_migration_info', args)
    assert second['pending']['api-server-pg'] == ['2025.01.04T00.00.00.d.sql']
    assert second['unknown']['api-server-pg'] == ['2024.12.31T00.00.00.old.sql']
    assert [c[1] for c in second['commands']] == ['create', 'apply']
    staging = run_module('coop_migration_info', dict(args, env='staging'))
    assert staging['pending']['api-server-pg'] == ['2025.01.03T00.00.00.c.seed.staging.sql',
                                                   '2025.01.04T00.00.00.d.sql']


def test_missing_database_has_everything_pending(tmp_path):
    scripts = make_release(tmp_path, ['1.sql'])
    args = dict(login_args('coop_absent_%s' % uuid.uuid4().hex[:8]), scripts_dir=scripts)
    result = run_module('coop_migration_info', args)
    assert result['database_exists'] is False
    assert result['pending']['api-server-pg'] == ['1.sql']


def test_connection_from_db_env_and_password_hidden(tmp_path, scratch_db):
    db = scratch_db(schema=False)
    scripts = make_release(tmp_path, ['1.sql'])
    login = login_args(db)
    env_file = tmp_path / 'db.env'
    env_file.write_text('API_SERVER_DATABASE_HOST=%s\nAPI_SERVER_DATABASE_PORT=%s\nAPI_SERVER_DATABASE_NAME=%s\n'
                        'API_SERVER_DATABASE_USER=%s\nAPI_SERVER_DATABASE_PASSWORD=%s\nSCYLLA_HOSTS=unused\n'
                        % (login['login_host'], login['login_port'], db, login['login_user'],
                           login['login_password']))
    result = run_module('coop_migration_info', {'scripts_dir': scripts, 'env_file': str(env_file)})
    assert result['pending'] == {'api-server-pg': ['1.sql']}
    record(db, ['1.sql'])
    assert run_module('coop_migration_info', {'scripts_dir': scripts, 'env_file': str(env_file)})['commands'] == []
    bad = run_module('coop_migration_info', {'scripts_dir': scripts, 'env_file': str(env_file),
                                             'login_password': 'wrong-password-xyz'})
    assert bad['failed'] and 'wrong-password-xyz' not in bad['msg']


def test_missing_scripts_dir_names_the_fix(tmp_path, scratch_db):
    db = scratch_db(schema=False)
    result = run_module('coop_migration_info', dict(login_args(db), scripts_dir=str(tmp_path / 'nope')))
    assert result['failed'] and 'db/build/scripts' in result['msg']
