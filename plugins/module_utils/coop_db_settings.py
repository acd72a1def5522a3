# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection settings for Coop's PostgreSQL without the driver: the common argument spec and the
settings taken from module options or a Coop env file (coop_db adds psycopg; coop_backup's dump
needs only these and the PostgreSQL client tools)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.roost.coop.plugins.module_utils.coop_dotenv import values as dotenv_values
from ansible_collections.roost.coop.plugins.module_utils.coop_env_catalog import is_secret

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
