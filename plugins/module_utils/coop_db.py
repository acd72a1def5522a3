# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL connection for the roost.coop modules: guarded psycopg 3 import, connecting, and the
shared queries. The argument spec and the connection settings live in coop_db_settings (no psycopg)
and are offered here too."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import traceback
from contextlib import contextmanager

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.roost.coop.plugins.module_utils import coop_db_settings

PSYCOPG_IMPORT_ERROR = None
try:
    import psycopg
    from psycopg import sql
    from psycopg.types.json import Jsonb
    HAS_PSYCOPG = True
except ImportError:  # pragma: no cover - exercised by sanity's import test
    psycopg = None
    sql = None
    Jsonb = None
    HAS_PSYCOPG = False
    PSYCOPG_IMPORT_ERROR = traceback.format_exc()


# The settings helpers live in coop_db_settings (no psycopg); callers reach them here too.
coop_db_argument_spec = coop_db_settings.coop_db_argument_spec
connection_settings = coop_db_settings.connection_settings
describe = coop_db_settings.describe
env_secrets = coop_db_settings.env_secrets
settings_from_env = coop_db_settings.settings_from_env


def optional_import(name):
    """(the library, None), or (None, the ImportError traceback) for a library a module can run without."""
    try:
        return importlib.import_module(name), None
    except ImportError:
        return None, traceback.format_exc()


def ensure_psycopg(module):
    if not HAS_PSYCOPG:
        module.fail_json(msg=missing_required_lib('psycopg (version 3)'), exception=PSYCOPG_IMPORT_ERROR)


def connect(module, autocommit=False):
    """Open one connection from the module's options, or fail the module with a message naming the fix."""
    ensure_psycopg(module)
    try:
        settings = connection_settings(module.params, secrets=module.no_log_values)
    except (IOError, OSError) as exc:
        module.fail_json(msg='cannot read env_file %s: %s; point env_file at Coop\'s server.env or db.env' % (module.params['env_file'], exc))
    except ValueError as exc:
        module.fail_json(msg='env_file %s: %s' % (module.params['env_file'], exc))
    if settings.get('password'):
        module.no_log_values.add(settings['password'])
    try:
        conn = psycopg.connect(autocommit=autocommit, **settings)
    except psycopg.Error as exc:
        module.fail_json(msg='cannot connect to PostgreSQL (%s): %s; check login_host, login_port, login_user, '
                             'login_password, login_db, ssl_mode and ca_cert, or the env_file' % (describe(settings), _first_line(exc)))
    return conn


def abort(conn):
    """End the transaction without committing and close. A lost connection has nothing left to roll
    back (the server ended the transaction), so its second error is not raised over the first."""
    try:
        conn.rollback()
    except psycopg.Error:
        pass
    finally:
        conn.close()


def failure(conn, exc):
    """Message for a database error inside the transaction: the first cause, and that nothing changed."""
    lost = ' (the connection was lost; the server rolled the transaction back)' if conn.broken else ''
    return 'database error, nothing was changed%s: %s' % (lost, error_text(exc))


@contextmanager
def failing(module, conn, known=(), hint=None, read_only=False):
    """Run a block in conn's transaction; on an error roll back, close and fail: the module's own
    `known` errors with their message (and `errors` list), a database error with failure() plus
    hint(exc) (a connection that was lost gets no hint)."""
    try:
        yield
    except known as exc:
        abort(conn)
        module.fail_json(msg=str(exc), **dict(errors=exc.errors) if getattr(exc, 'errors', None) else {})
    except psycopg.Error as exc:
        message = failure(conn, exc)
        if read_only:
            message = message.replace(', nothing was changed', '')
        if hint and not conn.broken:
            message += hint(exc)
        abort(conn)
        module.fail_json(msg=message)


def finish(module, conn):
    """Commit, or roll back in check mode, then close. A commit whose connection is lost may or may
    not have been applied, so the message says so instead of "nothing was changed"."""
    try:
        if module.check_mode:
            conn.rollback()
        else:
            conn.commit()
    except psycopg.Error as exc:
        if module.check_mode or not conn.broken:
            module.fail_json(msg=failure(conn, exc))
        module.fail_json(msg='the connection to PostgreSQL was lost while committing (%s): the changes may or may '
                             'not be saved; rerun the task, it changes only what still differs' % error_text(exc))
    finally:
        conn.close()


def _first_line(exc):
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def error_text(exc):
    """A psycopg error for messages: the primary message only, as DETAIL quotes row values (secrets)."""
    diag = getattr(exc, 'diag', None)
    return (diag.message_primary if diag is not None else None) or _first_line(exc)


def table_identifier(schema, table):
    """A schema-qualified table name for psycopg.sql composition."""
    return sql.Identifier(schema, table)


def job_state_sql(row):
    """(exists, insert, params) SQL for one coop_releases.JOB_STATE row; identifiers quoted, values bound."""
    table = table_identifier(row['schema'], row['table'])
    key_column = row['key'][0]
    columns = [key_column] + [name for name, _value in row['values']]
    exists = sql.SQL('SELECT 1 FROM {} WHERE {} = %s').format(table, sql.Identifier(key_column))
    insert = sql.SQL('INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO NOTHING RETURNING 1').format(
        table, sql.SQL(', ').join(sql.Identifier(c) for c in columns),
        sql.SQL(', ').join(sql.Placeholder() for _c in columns), sql.Identifier(key_column))
    return exists, insert, [row['key'][1]] + [value for _name, value in row['values']]


def job_state_missing(cursor, rows):
    """The rows (of coop_releases.JOB_STATE) that are not there, each with whether its table exists."""
    missing = []
    for row in rows:
        cursor.execute('SELECT to_regclass(%s)', ('%s.%s' % (row['schema'], row['table']),))
        if cursor.fetchone()[0] is None:
            missing.append((row, False))
            continue
        exists, _insert, params = job_state_sql(row)
        cursor.execute(exists, params[:1])
        if cursor.fetchone() is None:
            missing.append((row, True))
    return missing


def existing_columns(cursor, tables):
    """{(schema, table): set(columns)} for the given (schema, table) pairs, from information_schema, in one query."""
    schemas = [schema for schema, _table in tables]
    names = [table for _schema, table in tables]
    cursor.execute(
        'SELECT table_schema, table_name, column_name FROM information_schema.columns '
        'WHERE (table_schema, table_name) IN (SELECT * FROM unnest(%s::text[], %s::text[]))',
        (schemas, names))
    found = {}
    for schema, table, column in cursor.fetchall():
        found.setdefault((schema, table), set()).add(column)
    return found


def json_param(value):
    """A Python value bound as one jsonb query parameter."""
    return Jsonb(value)


def find_orgs(cursor, identifiers):
    """Orgs of public.orgs whose id or name is one of identifiers, in one query.

    Returns ({identifier: (id, name)} matched by id, {identifier: (id, name)} matched by name)."""
    cursor.execute('SELECT id, name FROM public.orgs WHERE id = ANY(%s) OR name = ANY(%s)',
                   (list(identifiers), list(identifiers)))
    by_id, by_name = {}, {}
    for org_id, name in cursor.fetchall():
        by_id[org_id] = (org_id, name)
        by_name[name] = (org_id, name)
    return by_id, by_name


def all_orgs(cursor):
    """[(id, name)] of every org, for "near matches" in error messages."""
    cursor.execute('SELECT id, name FROM public.orgs ORDER BY name')
    return cursor.fetchall()
