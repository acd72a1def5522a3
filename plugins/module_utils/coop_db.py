# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL connection for the roost.coop modules: guarded psycopg 3 import, the common
argument spec, and connection settings taken from module options or a Coop env file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import traceback
from contextlib import contextmanager

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.roost.coop.plugins.module_utils.coop_dotenv import values as dotenv_values
from ansible_collections.roost.coop.plugins.module_utils.coop_env_catalog import is_secret

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


def optional_import(name):
    """(the library, None), or (None, the ImportError traceback) for a library a module can run without."""
    try:
        return importlib.import_module(name), None
    except ImportError:
        return None, traceback.format_exc()


SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']

# Coop's server.env uses DATABASE_*, the migrator's db.env API_SERVER_DATABASE_* (coop-facts 2a/2b).
ENV_PREFIXES = ('DATABASE_', 'API_SERVER_DATABASE_')
# What each reads as "use TLS": the server true/1/yes, the migrator only true (coop-facts 2a/2b).
SSL_TRUE = {'DATABASE_': ('true', '1', 'yes'), 'API_SERVER_DATABASE_': ('true',)}


def coop_db_argument_spec():
    """Options shared by every roost.coop module that talks to Coop's PostgreSQL."""
    return dict(
        login_host=dict(type='str', aliases=['host']),
        login_port=dict(type='int', aliases=['port']),
        login_db=dict(type='str', aliases=['database', 'db']),
        login_user=dict(type='str', aliases=['user']),
        login_password=dict(type='str', no_log=True, aliases=['password']),
        ssl_mode=dict(type='str', choices=SSL_MODES),
        ca_cert=dict(type='path'),
        env_file=dict(type='path'),
        connect_timeout=dict(type='int', default=10),
    )


def ensure_psycopg(module):
    if not HAS_PSYCOPG:
        module.fail_json(msg=missing_required_lib('psycopg (version 3)'), exception=PSYCOPG_IMPORT_ERROR)


def settings_from_env(env):
    """Connection settings from the values of a Coop server.env or db.env.

    Returns a dict with keys host, port, dbname, user, password, sslmode (absent when not set).
    Coop's own defaults apply where a key is missing: port 5432, user postgres, and for the
    server the database name 'development' (coop-facts 2b)."""
    prefix = None
    for candidate in ENV_PREFIXES[::-1]:
        if any(key.startswith(candidate) for key in env):
            prefix = candidate
            break
    if prefix is None:
        return {}
    out = {}
    mapping = (('HOST', 'host'), ('PORT', 'port'), ('NAME', 'dbname'), ('USER', 'user'), ('PASSWORD', 'password'))
    for suffix, key in mapping:
        value = env.get(prefix + suffix)
        if value not in (None, ''):
            out[key] = value
    if 'port' in out:
        try:
            out['port'] = int(out['port'])
        except ValueError:
            raise ValueError('%sPORT is %r, not a port number; set it to a number such as 5432' % (prefix, out['port']))
    if prefix == 'DATABASE_':
        out.setdefault('dbname', 'development')
    out.setdefault('user', 'postgres')
    ssl = env.get(prefix + 'SSL')
    if ssl is not None and ssl.strip().lower() in SSL_TRUE[prefix]:
        # Coop connects with rejectUnauthorized: false, i.e. encrypted without verification.
        out['sslmode'] = 'require'
    return out


def env_secrets(env):
    """Values of env's secret keys (and of names that look like one), for a module's no_log_values."""
    return set(value for key, value in env.items() if value and is_secret(key))


def connection_settings(params, read_file=None, secrets=None):
    """Merge the env file's settings (if any) with explicit module options, which win. The values
    of the env file's secrets are added to the set secrets (a module's no_log_values), so that no
    message can carry them. Raises ValueError (coop_dotenv.EnvFileError naming line and key, never a
    value) for a file the env readers read differently."""
    settings = {}
    env_file = params.get('env_file')
    if env_file:
        reader = read_file or _read_text
        env = dotenv_values(reader(env_file))
        if secrets is not None:
            secrets.update(env_secrets(env))
        settings.update(settings_from_env(env))
    explicit = (('login_host', 'host'), ('login_port', 'port'), ('login_db', 'dbname'),
                ('login_user', 'user'), ('login_password', 'password'), ('ssl_mode', 'sslmode'),
                ('ca_cert', 'sslrootcert'))
    for option, key in explicit:
        if params.get(option) not in (None, ''):
            settings[key] = params[option]
    settings['connect_timeout'] = params.get('connect_timeout') or 10
    return settings


def _read_text(path):
    with open(path, 'r') as handle:
        return handle.read()


def describe(settings):
    """Where we connect, for messages; never includes the password."""
    return 'database %s on %s:%s as %s' % (
        settings.get('dbname', '(default)'), settings.get('host', '(local socket)'),
        settings.get('port', 5432), settings.get('user', '(default)'))


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
