# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Catalog of the variables in Coop's three env files (coop-facts section 2: db 2a, server 2b,
client 2c) and pure checks over them: one value, and a whole file for production."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import math
import re
from collections import namedtuple

try:
    from urllib.parse import urlparse
except ImportError:  # pragma: no cover - Python 2 is not supported by the collection
    from urlparse import urlparse

KINDS = ('db', 'server', 'client')
TYPES = ('str', 'int', 'bool', 'float', 'url', 'enum', 'hosts')
# BOOT: process throws at start; USE: fails on first use; opt: has a default; dead: read by nothing.
REQUIRED = ('boot', 'use', 'opt', 'dead')

# truthy: the strings Coop reads as true (None for non-bool); others read as false.
EnvVar = namedtuple('EnvVar', 'name kind type default required secret choices doc minimum maximum truthy')

MIN_SECRET_LENGTH = 32

# Values from Coop's example files (db/.env.example, server/.env.example, compose) and the
# staging seed's password (coop-facts 2a, 2b, 5): never acceptable as a real secret.
PLACEHOLDER_VALUES = frozenset((
    'some_long_secret_string', 'postgres123', 'postgres', 'SG.REAL_API_KEY_HERE', 'clickhouse',
    'cassandra', 'testpassword123', 'changeme', 'change_me', 'changeit', 'password', 'secret',
    'example', 'xxx', 'todo',
))

TRUE_LITERAL = ('true',)
TRUE_YES = ('true', '1', 'yes')
WAREHOUSE_CHOICES = ('clickhouse', 'postgresql', 'noop')
SCYLLA_COMPACTION = ('SizeTieredCompactionStrategy', 'LeveledCompactionStrategy',
                     'TimeWindowCompactionStrategy', 'IncrementalCompactionStrategy')

# Values that are valid for Coop's parser but break it (coop-facts 2d, surprise 5).
BROKEN_VALUES = {
    ('WAREHOUSE_ADAPTER', 'postgresql'): 'the server fails at boot ("PostgreSQL Kysely dialect not yet '
                                         'implemented"); use noop without ClickHouse',
    ('ANALYTICS_ADAPTER', 'postgresql'): 'the server fails at boot; use noop or leave it unset',
    ('DATA_WAREHOUSE_PROVIDER', 'postgresql'): 'the server fails at boot; use noop',
}

# Standard variables read by Node, the OpenTelemetry SDK and the AWS SDK (SES mail when
# SENDGRID_API_KEY is empty, coop-facts 2b): known by prefix, not listed one by one.
KNOWN_PREFIXES = {'db': ('NODE_',), 'server': ('OTEL_', 'NODE_', 'AWS_'), 'client': ()}
# Words that make an unknown name (a typo such as DATABASE_PASWORD, or a key of one's own) count as
# a secret; masking a harmless value by mistake costs little, printing a secret costs a lot.
_SECRET_NAME = re.compile(r'PASS|PWD|SECRET|SECERT|TOKEN|KEY|CREDENTIAL|CREDS|PRIVATE|AUTH|SALT|SIGNING|COOKIE|CERT|DSN')
_NOT_SECRET = frozenset(('AWS_ACCESS_KEY_ID',))


_UNSET = object()


def _v(kind, name, type_, default, required, doc, secret=False, choices=None, minimum=None, maximum=None,
       truthy=_UNSET):
    # truthy=None: Coop reads every value but false/0/no as true.
    if truthy is _UNSET:
        truthy = TRUE_LITERAL if type_ == 'bool' else None
    if type_ == 'int' and name.endswith('_PORT') and minimum is None:
        minimum, maximum = 1, 65535
    return EnvVar(name, kind, type_, default, required, secret, choices, doc, minimum, maximum, truthy)


def _db(*args, **kwargs):
    return _v('db', *args, **kwargs)


def _server(*args, **kwargs):
    return _v('server', *args, **kwargs)


def _client(*args, **kwargs):
    return _v('client', *args, **kwargs)


def _scylla_and_clickhouse(make, server):
    """Variables both the migrator and the server read, with their differing defaults (2a, 2b)."""
    return [
        make('CLICKHOUSE_PROTOCOL', 'enum', 'http', 'opt', 'ClickHouse HTTP or HTTPS (2a, 2b).',
             choices=('http', 'https')),
        make('CLICKHOUSE_HOST', 'str', 'localhost', 'opt', 'ClickHouse host, HTTP interface (2a, 2b).'),
        make('CLICKHOUSE_PORT', 'int', 8123, 'opt', 'ClickHouse HTTP port (2a, 2b).'),
        make('CLICKHOUSE_USERNAME', 'str', 'default', 'opt', 'ClickHouse user (2a, 2b).'),
        make('CLICKHOUSE_PASSWORD', 'str', '', 'opt', 'ClickHouse password (2a, 2b).', secret=True),
        make('CLICKHOUSE_DATABASE', 'str', 'default' if server else 'analytics', 'opt',
             'ClickHouse database; set analytics: server queries hard-code it (2b, surprise 8).'),
        make('SCYLLA_HOSTS', 'hosts', None, 'boot',
             'Comma list of Scylla contact points; the migrator needs it for every command, '
             'the server when Scylla is enabled (2a, 2b, 9).'),
        make('SCYLLA_PORT', 'int', 9042, 'opt', 'Scylla port (2a, 2b).'),
        make('SCYLLA_USERNAME', 'str', None, 'use', 'Scylla user (2a, 2b).'),
        make('SCYLLA_PASSWORD', 'str', None, 'use', 'Scylla password (2a, 2b).', secret=True),
        make('SCYLLA_LOCAL_DATACENTER', 'str', None, 'use', 'Scylla local datacenter (2a, 2b).'),
    ]


_DB = _scylla_and_clickhouse(_db, False) + [
    _db('API_SERVER_DATABASE_HOST', 'str', None, 'use', 'PostgreSQL host for migrations (2a).'),
    _db('API_SERVER_DATABASE_PORT', 'int', 5432, 'opt', 'PostgreSQL port (2a).'),
    _db('API_SERVER_DATABASE_NAME', 'str', None, 'use', 'Coop database, created by db:create (2a).'),
    _db('API_SERVER_DATABASE_USER', 'str', None, 'use', 'PostgreSQL user for migrations (2a).'),
    _db('API_SERVER_DATABASE_PASSWORD', 'str', None, 'use', 'PostgreSQL password for migrations (2a).',
        secret=True),
    _db('API_SERVER_DATABASE_SSL', 'bool', 'false', 'opt', 'true: TLS without certificate check (2a).'),
    _db('API_SERVER_DATABASE_MAINTENANCE_NAME', 'str', 'postgres', 'opt',
        'Database used for CREATE DATABASE by db:create (2a).'),
    _db('CLICKHOUSE_MIGRATIONS_TABLE', 'str', 'MIGRATIONS_METADATA', 'opt', 'ClickHouse migration log table (2a, 6).'),
    _db('SCYLLA_KEYSPACE', 'str', None, 'use', 'Keyspace the Scylla migrations create and use (2a).'),
    _db('SCYLLA_REPLICATION_CLASS', 'str', None, 'use', 'Keyspace replication class at db:create (2a).'),
    _db('SCYLLA_REPLICATION_FACTOR', 'int', None, 'use', 'Keyspace replication factor at db:create (2a).',
        minimum=1, maximum=99),
    _db('SCYLLA_COMPACTION_STRATEGY', 'enum', None, 'opt', 'Table compaction strategy (2a).',
        choices=SCYLLA_COMPACTION),
    _db('SCYLLA_HAS_ENTERPRISE_FEATURES', 'bool', 'false', 'opt', 'true: tombstone_gc mode repair (2a).'),
    _db('MIGRATOR_DB_NAME', 'str', None, 'opt', 'Default --db list; pass --db explicitly instead (1, 2a).'),
]

_SERVER = _scylla_and_clickhouse(_server, True) + [
    _server('PORT', 'int', 8080, 'opt', 'API listen port (1, 2b).', minimum=1, maximum=65535),
    _server('NODE_ENV', 'enum', None, 'opt',
            'production: Secure cookies (HTTPS only), no GraphQL introspection (2b, surprise 10).',
            choices=('production', 'development', 'test')),
    _server('UI_URL', 'url', None, 'boot', 'Public origin of the UI; SAML callback and invite links (2b).'),
    _server('DATABASE_HOST', 'str', None, 'boot', 'Primary PostgreSQL host (2b).'),
    _server('DATABASE_READ_ONLY_HOST', 'str', None, 'boot', 'Read-replica host; the primary if none (2b, 10).'),
    _server('DATABASE_PORT', 'int', 5432, 'opt', 'PostgreSQL port (2b).'),
    _server('DATABASE_USER', 'str', 'postgres', 'opt', 'PostgreSQL user (2b).'),
    _server('DATABASE_NAME', 'str', 'development', 'opt', 'Coop database; the code default is development (2b).'),
    _server('DATABASE_PASSWORD', 'str', None, 'boot', 'PostgreSQL password (2b).', secret=True),
    _server('DATABASE_SSL', 'bool', 'false', 'opt', 'TLS without certificate check (2b).', truthy=TRUE_YES),
    _server('DATABASE_POOL_MAX', 'int', 30, 'opt', 'Primary pool size per process (2b).', minimum=1, maximum=10000),
    _server('DATABASE_READ_POOL_MAX', 'int', 150, 'opt', 'Read pool size per process (2b).', minimum=1, maximum=10000),
    _server('DATABASE_POOL_IDLE_TIMEOUT_MS', 'int', 300000, 'opt', 'Pool idle timeout (2b).', minimum=0),
    _server('DATABASE_POOL_CONNECTION_TIMEOUT_MS', 'int', 15000, 'opt', 'Pool connect timeout (2b).', minimum=0),
    _server('DATABASE_QUERY_TIMEOUT_MS', 'int', 1000000, 'opt', 'Query timeout (2b).', minimum=0),
    _server('DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', 'int', 300000, 'opt', 'Idle in transaction timeout (2b).',
            minimum=0),
    _server('DATABASE_POOL_MAX_LIFETIME_SECONDS', 'int', 0, 'opt', 'Connection lifetime, 0 = never (2b).', minimum=0),
    _server('DATABASE_STATEMENT_TIMEOUT_MS', 'int', None, 'opt', 'Statement timeout (2b).', minimum=0),
    _server('DATABASE_KEEPALIVE', 'bool', None, 'opt', 'TCP keepalive (2b).'),
    _server('DATABASE_KEEPALIVE_INITIAL_DELAY_MS', 'int', None, 'opt', 'Keepalive initial delay (2b).', minimum=0),
    _server('DATABASE_PRINT_LOGS', 'bool', None, 'opt', 'Log SQL (2b).'),
    _server('SESSION_SECRET', 'str', None, 'use',
            'Signs session cookies; unset means every request but /ready answers 500 (2b, surprise 9).', secret=True),
    _server('GRAPHQL_OPAQUE_SCALAR_SECRET', 'str', None, 'dead', 'Read by no code (2b, surprise 9).', secret=True),
    _server('WAREHOUSE_ADAPTER', 'enum', 'clickhouse', 'opt', 'Data warehouse: clickhouse or noop (2b, 2d).',
            choices=WAREHOUSE_CHOICES),
    _server('DATA_WAREHOUSE_PROVIDER', 'enum', None, 'opt', 'Old name of WAREHOUSE_ADAPTER (2b).',
            choices=WAREHOUSE_CHOICES),
    _server('ANALYTICS_ADAPTER', 'enum', None, 'opt', 'Analytics writer; defaults to the warehouse (2b, 2d).',
            choices=WAREHOUSE_CHOICES),
    _server('CLICKHOUSE_POOL_SIZE', 'int', 10, 'opt', 'ClickHouse pool size (2b).', minimum=1),
    _server('CLICKHOUSE_MAX_THREADS', 'int', 2, 'opt', 'ClickHouse max_threads (2b).', minimum=1),
    _server('CLICKHOUSE_MAX_BLOCK_SIZE', 'int', 32768, 'opt', 'ClickHouse max_block_size (2b).', minimum=1),
    _server('CLICKHOUSE_INSERT_MAX_RETRIES', 'int', 2, 'opt', 'Insert retries (2b).', minimum=0),
    _server('CLICKHOUSE_INSERT_RETRY_INITIAL_MS', 'int', 100, 'opt', 'Insert retry first delay (2b).', minimum=0),
    _server('CLICKHOUSE_INSERT_RETRY_MAX_MS', 'int', 1000, 'opt', 'Insert retry max delay (2b).', minimum=0),
    _server('CLICKHOUSE_MAX_BYTES_BEFORE_EXTERNAL_GROUP_BY', 'float', 1.5e9, 'opt', 'Spill threshold (2b).',
            minimum=0),
    _server('CLICKHOUSE_MAX_BYTES_BEFORE_EXTERNAL_SORT', 'float', 1.5e9, 'opt', 'Spill threshold (2b).', minimum=0),
    _server('CLICKHOUSE_RULE_INSIGHTS_LOOKBACK_DAYS', 'int', 90, 'opt', 'Rule insights window (2b).', minimum=1),
    _server('POSTGRES_HOST', 'str', None, 'opt', 'Only for the unusable postgresql warehouse (2b, 2d).'),
    _server('POSTGRES_PORT', 'int', None, 'opt', 'Only for the unusable postgresql warehouse (2b, 2d).'),
    _server('POSTGRES_USERNAME', 'str', None, 'opt', 'Only for the unusable postgresql warehouse (2b, 2d).'),
    _server('POSTGRES_PASSWORD', 'str', None, 'opt', 'Only for the unusable postgresql warehouse (2b, 2d).',
            secret=True),
    _server('POSTGRES_DATABASE', 'str', None, 'opt', 'Only for the unusable postgresql warehouse (2b, 2d).'),
    _server('HMA_SERVICE_URL', 'url', 'http://localhost:9876/', 'opt', 'Meta HMA hash service (2b, 9).'),
    _server('ITEM_INVESTIGATION_AND_STRIKES_ENABLED', 'bool', 'true', 'opt',
            'false: no Scylla; investigation history and strikes off (2b, 9).', truthy=None),
    _server('SCYLLA_SSL', 'bool', None, 'opt', 'TLS to Scylla, certificate verified (2b).', truthy=TRUE_YES),
    _server('SCYLLA_SSL_SERVERNAME', 'str', None, 'opt', 'SNI name; default first host (2b).'),
    _server('EXPOSE_SENSITIVE_IMPLEMENTATION_DETAILS_IN_ERRORS', 'bool', 'false', 'opt',
            'true: stack traces in API errors; never in production (2b).'),
    _server('ALLOW_USER_INPUT_LOCALHOST_URIS', 'bool', 'false', 'opt',
            'true: user URLs may point at localhost (SSRF guard off); never in production (2b).'),
    _server('REDIS_USE_CLUSTER', 'bool', None, 'boot', 'true: Redis Cluster with TLS forced on (2b, 10).'),
    _server('REDIS_HOST', 'str', None, 'boot', 'Redis host (2b).'),
    _server('REDIS_PORT', 'int', 6379, 'opt', 'Redis port (2b).'),
    _server('REDIS_USER', 'str', None, 'opt', 'Redis ACL user (2b).'),
    _server('REDIS_PASSWORD', 'str', '', 'opt', 'Redis password, sent only when non-empty (2b).', secret=True),
    _server('REDIS_TLS', 'bool', None, 'opt', 'TLS to a single Redis node (2b).', truthy=TRUE_YES),
    _server('OTEL_SERVICE_NAME', 'str', None, 'opt', 'PostgreSQL application_name and tracing name (2b).'),
    _server('NOREPLY_EMAIL', 'str', 'noreply@example.com', 'opt', 'Sender address of Coop mail (2b).'),
    _server('SUPPORT_EMAIL', 'str', 'support@example.com', 'opt', 'Support address in Coop mail (2b).'),
    _server('TEAM_EMAIL', 'str', 'team@example.com', 'opt', 'Team address in Coop mail (2b).'),
    _server('SENDGRID_API_KEY', 'str', None, 'opt', 'SendGrid key; empty means AWS SES (2b).', secret=True),
    _server('NCMEC_ENV', 'enum', None, 'opt',
            'production sends child-safety reports to the live CyberTipline; only when approved (2b, 8).',
            choices=('test', 'production')),
    _server('NCMEC_DEBUG', 'str', None, 'opt', '1 outside production dumps report XML to disk (2b).'),
    _server('GOOGLE_PLACES_API_KEY', 'str', None, 'use', 'Server-side place lookups (2b).', secret=True),
    _server('READ_ME_JWT_SECRET', 'str', None, 'opt', 'Signs the ReadMe docs JWT (2b).', secret=True),
    _server('OPEN_AI_API_KEY', 'str', None, 'dead', 'Read by no code (2b).', secret=True),
    _server('LAUNCHDARKLY_SECRET', 'str', None, 'dead', 'Read by no code (2b).', secret=True),
    _server('GROQ_SECRET_KEY', 'str', None, 'dead', 'Read by no code (2b).', secret=True),
    _server('SLACK_APP_BEARER_TOKEN', 'str', None, 'dead', 'Read by no code (2b).', secret=True),
    _server('LOG_REQUEST_BODY', 'bool', None, 'dead', 'Not loaded by the images (2b).'),
    _server('ITEM_QUEUE_TRAFFIC_PERCENTAGE', 'float', None, 'use',
            'Fraction 0-1 of async items queued to the worker; unset means POST /items/async 500s (1, 2b).',
            minimum=0, maximum=1),
    _server('GRAPHQL_MAX_DEPTH', 'int', 10, 'opt', 'GraphQL depth limit (1, 2b).', minimum=1, maximum=100),
    _server('INTEGRATIONS_CONFIG_PATH', 'str', None, 'opt', 'Integrations JSON file (2b).'),
    _server('AWS_REGION', 'str', None, 'opt', 'Only for Secrets Manager signing keys (2b).'),
    _server('BUILD_ID', 'str', None, 'opt', 'Build id, logged (2b).'),
]

_CLIENT = [
    _client('VITE_UI_URL', 'url', None, 'opt',
            'Base of invite/reset links; build time only; empty is not the fallback (2c).'),
    _client('VITE_DOCS_URL', 'url', 'https://roostorg.github.io/coop/latest', 'opt', 'Docs links (2c).'),
    _client('VITE_GOOGLE_PLACES_API_KEY', 'str', None, 'opt', 'Shipped to browsers; restrict by referrer (2c).'),
    _client('VITE_CONTENT_PROXY_URL', 'url', None, 'opt', 'Iframe content proxy; empty means direct (2c).'),
    _client('VITE_CONTENT_URL_PATTERN', 'str', None, 'opt', 'Comma list of URL patterns shown in iframes (2c).'),
    _client('VITE_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'url', None, 'opt', 'Browser tracing endpoint (2c).'),
]

VARS = {
    'db': dict((v.name, v) for v in _DB),
    'server': dict((v.name, v) for v in _SERVER),
    'client': dict((v.name, v) for v in _CLIENT),
}


def lookup(name, kind):
    """The EnvVar for name in kind, or None."""
    return VARS.get(kind, {}).get(name)


def is_known(name, kind):
    return name in VARS.get(kind, {}) or any(name.startswith(p) for p in KNOWN_PREFIXES.get(kind, ()))


def is_secret(name):
    """True when name holds a secret in any kind. An unknown name counts as secret when it contains
    a word like PASSWORD, SECRET, TOKEN, KEY, PASSPHRASE, CREDENTIAL, PRIVATE or AUTH (misspelt
    ones included: PASWORD, SECERT) or is close to a known secret's name, so its value is masked."""
    found = [VARS[kind][name] for kind in KINDS if name in VARS[kind]]
    if found:
        return any(v.secret for v in found)
    upper = str(name).upper()
    if upper in _NOT_SECRET or _SECRET_NAME.search(upper):
        return upper not in _NOT_SECRET
    return any(VARS[kind][near].secret for kind in KINDS
               for near in difflib.get_close_matches(upper, list(VARS[kind]), n=1, cutoff=0.8))


def is_placeholder(value):
    """True for an example/placeholder value from Coop's example files (case-insensitive)."""
    if value is None:
        return False
    text = str(value).strip()
    return text.lower() in set(p.lower() for p in PLACEHOLDER_VALUES)


def closest(name, kind):
    """Nearest known key of kind (or of any kind when kind is None), for "did you mean"."""
    kinds = KINDS if kind is None else (kind,)
    names = sorted(set(n for k in kinds for n in VARS.get(k, {})))
    found = difflib.get_close_matches(str(name).upper(), names, n=1, cutoff=0.6)
    return found[0] if found else None


def unknown_message(name, kind):
    hint = closest(name, kind)
    other = [k for k in KINDS if k != kind and name in VARS[k]]
    text = 'unknown %s env key %s: Coop does not read it' % (kind, name)
    if other:
        text += ' from this file (it belongs in the %s env file)' % other[0]
    if hint:
        text += '; did you mean %s?' % hint
    return text


def _url_problem(value):
    parsed = urlparse(value)
    if parsed.scheme not in ('http', 'https') or not parsed.hostname or any(ch.isspace() for ch in value):
        return 'must be an absolute http:// or https:// URL such as https://coop.example.org'
    return None


def origin_problem(value):
    """Why value is not a bare http(s) origin (scheme://host[:port], no path), or None."""
    problem = _url_problem(value)
    if problem:
        return problem.replace('URL', 'origin')
    parsed = urlparse(value)
    if parsed.path not in ('', '/') or parsed.query or parsed.fragment or parsed.username:
        return 'must be an origin without path, query or credentials, like %s://%s' % (parsed.scheme, parsed.netloc)
    return None


def value_problem(var, value):
    """Why value is wrong for var (a message naming the fix), or None. Values are strings."""
    value = '' if value is None else str(value)
    name = var.name
    broken = BROKEN_VALUES.get((name, value))
    if broken:
        return '%s=%s: %s' % (name, value, broken)
    if value == '' and var.type in ('bool', 'int', 'float', 'enum', 'hosts'):
        return '%s is empty; give a value or remove the key' % name
    if value == '':
        return None
    if var.type == 'bool':
        if var.truthy is None:
            if value.lower() not in ('true', 'false', '0', '1', 'yes', 'no'):
                return '%s must be true or false, got %r' % (name, value)
        elif value not in ('true', 'false') + tuple(var.truthy):
            return ('%s must be true or false (Coop reads only %s as true), got %r'
                    % (name, '/'.join(var.truthy), value))
    elif var.type == 'int':
        if not re.match(r'^-?[0-9]+$', value):
            return '%s must be a whole number, got %r' % (name, value)
        return _range_problem(var, int(value))
    elif var.type == 'float':
        try:
            number = float(value)
        except ValueError:
            return '%s must be a number, got %r' % (name, value)
        if math.isnan(number) or math.isinf(number):
            return '%s must be a number, got %r' % (name, value)
        return _range_problem(var, number)
    elif var.type == 'enum':
        if value not in var.choices:
            return '%s must be one of %s, got %r' % (name, ', '.join(var.choices), value)
    elif var.type == 'url':
        problem = _url_problem(value)
        if problem:
            return '%s %s, got %r' % (name, problem, value)
    elif var.type == 'hosts':
        if any(not part.strip() for part in value.split(',')):
            return '%s must be a comma list of host[:port] without empty items, got %r' % (name, value)
    return None


def _range_problem(var, number):
    if var.minimum is not None and number < var.minimum or var.maximum is not None and number > var.maximum:
        low = '' if var.minimum is None else str(var.minimum)
        high = '' if var.maximum is None else str(var.maximum)
        return '%s must be in %s..%s, got %s' % (var.name, low, high, number)
    return None


def _is_true(env, name):
    var = lookup(name, 'server')
    value = env.get(name, var.default if var else None)
    if value is None:
        return False
    if var is not None and var.truthy is None:
        return str(value).lower() not in ('false', '0', 'no')
    return str(value) in (var.truthy if var is not None else TRUE_LITERAL)


def _secret_problem(name, value, min_length=None):
    if is_placeholder(value):
        return '%s holds a placeholder from Coop\'s example files; set a real secret' % name
    if min_length and len(value) < min_length:
        return ('%s is %d characters; use at least %d random characters (openssl rand -hex 32, '
                'or coop_env generate)' % (name, len(value), min_length))
    return None


def _require(env, names, why):
    return ['%s is missing or empty: %s' % (name, why) for name in names if not env.get(name)]


def production_problems(kind, env, allow_insecure_ui_url=False):
    """Every missing or unsafe item of a whole env file for a production deployment, each naming
    the fix: the seed's required production configuration and boot-time
    requirements (2, 10). env is {KEY: value}."""
    checker = {'db': _db_problems, 'server': _server_problems, 'client': _client_problems}[kind]
    problems = checker(env, allow_insecure_ui_url)
    for name in sorted(env):
        var = lookup(name, kind)
        if var is None:
            continue
        problem = value_problem(var, env[name])
        if problem and problem not in problems:
            problems.append(problem)
        if var.secret and env[name]:
            problem = _secret_problem(name, env[name])
            if problem and problem not in problems:
                problems.append(problem)
    return problems


def _db_problems(env, allow_insecure_ui_url):
    problems = _require(env, ('API_SERVER_DATABASE_HOST', 'API_SERVER_DATABASE_NAME', 'API_SERVER_DATABASE_USER',
                              'API_SERVER_DATABASE_PASSWORD'), 'the migrator connects with it')
    problems += _require(env, ('SCYLLA_HOSTS',), 'every migrator command crashes without it, even --db '
                         'api-server-pg; without Scylla set it to unused')
    return problems


def _server_problems(env, allow_insecure_ui_url):
    problems = _require(env, ('UI_URL', 'DATABASE_HOST', 'DATABASE_PASSWORD', 'REDIS_HOST', 'REDIS_USE_CLUSTER'),
                        'Coop refuses to boot without it')
    problems += _require(env, ('DATABASE_READ_ONLY_HOST',), 'Coop refuses to boot without it; set it to '
                         'DATABASE_HOST when there is no replica')
    problems += _require(env, ('DATABASE_NAME',), 'the code default is development; set the '
                         'database the migrations created')
    problems += _require(env, ('ITEM_QUEUE_TRAFFIC_PERCENTAGE',), 'every POST /items/async answers 500 without '
                         'it; 0 keeps all items in the API process')
    secret = env.get('SESSION_SECRET')
    if not secret:
        problems.append('SESSION_SECRET is missing or empty: every request but /api/v1/ready answers 500 '
                        '(login fails); use coop_env generate: [SESSION_SECRET]')
    else:
        problem = _secret_problem('SESSION_SECRET', secret, MIN_SECRET_LENGTH)
        if problem:
            problems.append(problem)
    ui_url = env.get('UI_URL')
    production = env.get('NODE_ENV') == 'production'
    if ui_url:
        problem = origin_problem(ui_url)
        if problem:
            problems.append('UI_URL %s (the public origin users open)' % problem)
        elif ui_url.startswith('http://') and not allow_insecure_ui_url:
            problems.append('UI_URL is plain http://: with NODE_ENV=production browsers drop the Secure session '
                            'cookie and logins fail; serve Coop over https:// (or allow an '
                            'insecure UI origin explicitly)')
    if not production and not allow_insecure_ui_url:
        problems.append('NODE_ENV is %s: set NODE_ENV=production (Secure cookies, no GraphQL introspection)' % (env.get('NODE_ENV') or 'unset'))
    problems.extend(_server_backends(env))
    for name in ('EXPOSE_SENSITIVE_IMPLEMENTATION_DETAILS_IN_ERRORS', 'ALLOW_USER_INPUT_LOCALHOST_URIS'):
        if env.get(name) == 'true':
            problems.append('%s=true is for development only; set it to false' % name)
    for name in ('NOREPLY_EMAIL', 'SUPPORT_EMAIL', 'TEAM_EMAIL'):
        address = env.get(name) or lookup(name, 'server').default
        if address.lower().endswith(('@example.com', '@example.org')) or '@' not in address:
            problems.append('%s is %s: set a real address of your domain for Coop\'s mail'
                            % (name, address))
    return problems


def _server_backends(env):
    problems = []
    if _is_true(env, 'ITEM_INVESTIGATION_AND_STRIKES_ENABLED'):
        problems += _require(env, ('SCYLLA_HOSTS', 'SCYLLA_USERNAME', 'SCYLLA_PASSWORD', 'SCYLLA_LOCAL_DATACENTER'),
                             'Scylla is enabled and the server builds its client at boot; without Scylla set '
                             'ITEM_INVESTIGATION_AND_STRIKES_ENABLED=false')
    warehouse = env.get('WAREHOUSE_ADAPTER') or env.get('DATA_WAREHOUSE_PROVIDER') or 'clickhouse'
    analytics = env.get('ANALYTICS_ADAPTER') or warehouse
    if analytics == 'clickhouse' and warehouse != 'clickhouse':
        problems.append('ANALYTICS_ADAPTER=clickhouse needs WAREHOUSE_ADAPTER=clickhouse, or the server fails at '
                        'boot; set ANALYTICS_ADAPTER=noop')
    if 'clickhouse' in (warehouse, analytics):
        problems += _require(env, ('CLICKHOUSE_HOST',), 'the ClickHouse warehouse is in use (the default); '
                             'without ClickHouse set WAREHOUSE_ADAPTER=noop')
        if env.get('CLICKHOUSE_DATABASE', 'default') != 'analytics':
            problems.append('CLICKHOUSE_DATABASE must be analytics: the server\'s queries hard-code it and its '
                            'default is default')
    return problems


def _client_problems(env, allow_insecure_ui_url):
    problems = []
    if 'VITE_UI_URL' in env:
        problem = origin_problem(env['VITE_UI_URL']) if env['VITE_UI_URL'] else 'is empty'
        if problem:
            problems.append('VITE_UI_URL %s: an empty value is baked in as \'\', not the browser origin; set it to '
                            'UI_URL or remove the key' % problem)
    proxy = env.get('VITE_CONTENT_PROXY_URL') or ''
    if urlparse(proxy).hostname in ('localhost', '127.0.0.1'):
        problems.append('VITE_CONTENT_PROXY_URL points at %s (the example value): browsers of moderators cannot '
                        'reach it; set your content proxy or empty it' % proxy)
    return problems


def as_env_string(value):
    """The env-file string for a YAML value: booleans as true/false (Coop compares with the
    literal 'true'), numbers as written; None for values that have no env form."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return value
    return None


def check_input(kind, set_values, generate=(), strict=False):
    """Validate the keys and values a task sets (and the keys it generates).

    Returns (values as strings, errors, warnings); messages never contain secret values."""
    errors, warnings, out = [], [], {}
    for name in sorted(set_values, key=str):
        value = as_env_string(set_values[name])
        if value is None:
            errors.append('%s: give a string, number or boolean (to delete the key use remove)' % name)
            continue
        out[name] = value
    for name in sorted(set(out) | set(generate)):
        if not is_known(name, kind):
            (errors if strict else warnings).append(unknown_message(name, kind))
            continue
        var = lookup(name, kind)
        if var is None:
            continue
        if name in generate and var.type != 'str':
            errors.append('%s is a %s, not a secret; it cannot be generated' % (name, var.type))
        elif name in out:
            problem = value_problem(var, out[name])
            if problem:
                errors.append(problem if not var.secret else '%s: invalid value' % name)
    return out, errors, warnings
