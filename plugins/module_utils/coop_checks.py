# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The go-live checklist: each check is a pure function over facts gathered by coop_checklist.

Facts (a dict; a missing or None part means "not gathered"):
  env        {'server': {..} | None, 'db': {..} | None, 'client': {..} | None}  parsed env files
  files      [{'kind', 'path', 'exists', 'mode', 'error'}]                    the env files given
  ncmec_approved  bool  (live CyberTipline reporting approved by NCMEC for this deployment)
  demo       bool  (the inventory declares a demo or test install, never to go live)
  processes  {'api': int, 'worker': int | None}  Coop processes sharing the database
  postgres   {'reachable', 'error', 'target', 'max_connections', 'reserved_connections',
              'missing_tables' (of COOP_TABLES), 'migrations' (names or None), 'sample_orgs' [{id, name}],
              'default_password_users' [{id, email, org_id}] | None (bcrypt missing),
              'ncmec_orgs' [{id, name, credentials: bool}] (orgs with an NCMEC row),
              'query_error' (set when connected but the reads failed)}
  redis      {'reachable', 'error', 'target', 'config' {name: value} | None, 'config_error'}
  scylla     {'hosts': [..], 'unreachable': [{'host', 'error'}]}      only when probed
  clickhouse {'url', 'reachable', 'error'}                             only when probed
  release    {'dir', 'scripts': [names] | None, 'error'}               only with a release dir
  units      {'failed': [{'unit', 'journal': [lines]}], 'error'}        only where systemctl exists
  backups    {'dir', 'newest', 'age_hours', 'max_age_hours', 'error'}  only with a backup dir
  edge       probed from the controller by roost.coop.coop_edge_probe, only on one host of a run:
             {'ui_url', 'tls_mode', 'hsts_min_age', 'tls': {..} | None, 'hsts': {..} | None,
              'ports': [{'host', 'address', 'port', 'what', 'peers', 'open', 'error', 'local',
                         'controller_peer'}] | None}   (see check_tls, check_hsts, check_internal_ports)

Each check returns {id, title, status: pass|warn|fail|skip, detail, remedy}. Details name
variables, never the value of a secret.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.roost.coop.plugins.module_utils import coop_env_catalog as catalog
from ansible_collections.roost.coop.plugins.module_utils.coop_migrations import pending, scripts_for, seed_env
from ansible_collections.roost.coop.plugins.module_utils.coop_sample import SAMPLE_ORGS

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2
    from urlparse import urlsplit

PASS, WARN, FAIL, SKIP = 'pass', 'warn', 'fail', 'skip'
STATUSES = (PASS, WARN, FAIL, SKIP)
FAIL_ON = {'fail': (FAIL,), 'warn': (FAIL, WARN), 'never': ()}
FALSE_WORDS = ('false', '0', 'no')
TRUE_WORDS = ('true', '1', 'yes')

# The seed's "Required production configuration" for the server (coop-facts 9): unset means boot
# failure, 500s, or (DATABASE_NAME) the wrong database.
REQUIRED_SERVER = ('UI_URL', 'DATABASE_HOST', 'DATABASE_READ_ONLY_HOST', 'DATABASE_PASSWORD', 'DATABASE_NAME',
                   'SESSION_SECRET', 'REDIS_USE_CLUSTER', 'REDIS_HOST', 'ITEM_QUEUE_TRAFFIC_PERCENTAGE')
# Every migrator command needs SCYLLA_HOSTS (coop-facts 2a, "Ten surprises" 4).
REQUIRED_DB = ('API_SERVER_DATABASE_HOST', 'API_SERVER_DATABASE_NAME', 'API_SERVER_DATABASE_USER',
               'API_SERVER_DATABASE_PASSWORD', 'SCYLLA_HOSTS')
# Secrets signed with, not typed by people: they must be long (catalog MIN_SECRET_LENGTH).
GENERATED_SECRETS = ('SESSION_SECRET', 'READ_ME_JWT_SECRET')
MIN_PASSWORD_LENGTH = 12
SENDERS = ('NOREPLY_EMAIL', 'SUPPORT_EMAIL', 'TEAM_EMAIL')
EXAMPLE_DOMAINS = ('example.com', 'example.org', 'example.net', 'example', 'localhost', 'test', 'invalid')
LOCAL_HOSTS = ('localhost', '127.0.0.1', '::1', '0.0.0.0')
# Tables every migrated Coop database has and the database checks read (coop-facts 4, 6).
COOP_TABLES = ('public.orgs', 'public.users', 'public."SequelizeMeta"')
# Without these a report proves nothing about go-live.
ESSENTIAL = ('node_env', 'postgres_reachable', 'coop_schema')
ADAPTERS = catalog.VARS['server']['WAREHOUSE_ADAPTER'].choices

CHECKS = []


def check(check_id, title):
    """Register a check; the function returns (status, detail, remedy)."""
    def register(func):
        CHECKS.append((check_id, title, func))
        return func
    return register


def run(facts, only=None):
    """Evaluate every registered check (or those whose id is in only), in registry order."""
    results = []
    for check_id, title, func in CHECKS:
        if only and check_id not in only:
            continue
        status, detail, remedy = func(facts)
        results.append({'id': check_id, 'title': title, 'status': status, 'detail': detail,
                        'remedy': '' if status == PASS else remedy})
    return results


def summary(results):
    counts = dict((status, 0) for status in STATUSES)
    for result in results:
        counts[result['status']] += 1
    counts['total'] = len(results)
    counts['failed'] = [r['id'] for r in results if r['status'] == FAIL]
    counts['warned'] = [r['id'] for r in results if r['status'] == WARN]
    return counts


def blocking(results, fail_on):
    """The results that make the run fail under fail_on (fail|warn|never)."""
    return [r for r in results if r['status'] in FAIL_ON[fail_on]]


SEVERITY = {FAIL: 0, WARN: 1, PASS: 2, SKIP: 3}


def headline(results, demo=False, partial=False):
    """One line that says whether the install may go live: READY FOR GO-LIVE only when no check
    failed, every check ran, Coop runs in production mode and the inventory declares no demo."""
    counts = summary(results)
    found = []
    if counts['failed']:
        found.append('%d failed (%s)' % (len(counts['failed']), _names(counts['failed'])))
    if counts['warned']:
        found.append('%d to review (%s)' % (len(counts['warned']), _names(counts['warned'])))
    found = '; '.join(found)
    if demo:
        return 'DEMO INSTALL, NOT FOR GO-LIVE (coop_demo: true)%s' % (': ' + found if found else '')
    if counts['failed']:
        return 'NOT READY FOR GO-LIVE: ' + found
    if partial:
        return 'PARTIAL CHECK, NOT A GO-LIVE VERDICT: %d checks ran%s' % (counts['total'], ': ' + found if found else '')
    unchecked = [r['id'] for r in results if r['id'] in ESSENTIAL and r['status'] == SKIP]
    if unchecked:
        return 'NOT READY FOR GO-LIVE: not checked: %s%s' % (_names(unchecked), '; ' + found if found else '')
    return 'READY FOR GO-LIVE' + (': ' + found if found else '')


def table(results, title=None):
    """Lines of a table people read at a glance: the headline, then worst first, the remedy under each problem."""
    width = max([len(r['id']) for r in results] + [5])
    lines = [title] if title else []
    lines.append('%-4s  %-*s  %s' % ('STAT', width, 'check', 'detail'))
    for r in sorted(results, key=lambda item: SEVERITY[item['status']]):
        lines.append('%-4s  %-*s  %s' % (r['status'].upper(), width, r['id'], r['detail']))
        if r['remedy'] and r['status'] in (FAIL, WARN):
            lines.append('%-4s  %-*s  fix: %s' % ('', width, '', r['remedy']))
    return lines


def ids():
    return [check_id for check_id, _title, _func in CHECKS]


# ---- helpers -------------------------------------------------------------------------------

def _env(facts, kind):
    return (facts.get('env') or {}).get(kind)


def _set(env, name):
    return env is not None and env.get(name, '') != ''


def production(server):
    """Coop's own test, NODE_ENV === 'production': exact, so 'Production' or ' production' is development."""
    return server.get('NODE_ENV') == 'production'


def _shown(value):
    """A value of a non-secret setting for a detail: quoted when it is short, else only its length."""
    if value is None:
        return 'unset'
    if len(value) <= 24 and all(' ' <= ch < '\x7f' for ch in value):
        return repr(str(value))
    return 'a %d-character value' % len(value)


def _lower(env, name, default=''):
    return (env.get(name, default) or default).strip().lower()


def _host(url):
    try:
        return (urlsplit(url).hostname or '').lower()
    except ValueError:
        return ''


def _origin(url):
    parts = urlsplit(url.strip())
    return '%s://%s' % (parts.scheme.lower(), parts.netloc.lower())


def _missing(kind):
    return SKIP, '%s.env was not given or cannot be read' % kind, 'pass the path of %s.env to check it' % kind


def _names(items):
    return ', '.join(items)


def _warehouse(env):
    """Effective WAREHOUSE_ADAPTER and ANALYTICS_ADAPTER (coop-facts 2d)."""
    warehouse = _lower(env, 'WAREHOUSE_ADAPTER') or _lower(env, 'DATA_WAREHOUSE_PROVIDER') or 'clickhouse'
    analytics = _lower(env, 'ANALYTICS_ADAPTER') or warehouse
    return warehouse, analytics


def investigation_enabled(server):
    """ITEM_INVESTIGATION_AND_STRIKES_ENABLED: on unless false/0/no (coop-facts 2b)."""
    return _lower(server, 'ITEM_INVESTIGATION_AND_STRIKES_ENABLED') not in FALSE_WORDS


def clickhouse_selected(server):
    return 'clickhouse' in _warehouse(server)


def _catalog_default(name, fallback):
    var = catalog.VARS.get('server', {}).get(name)
    default = getattr(var, 'default', None)
    try:
        return int(default)
    except (TypeError, ValueError):
        return fallback


def _email_domain(address):
    return address.rsplit('@', 1)[-1].strip().lower() if '@' in address else ''


def _is_example_domain(domain):
    return any(domain == d or domain.endswith('.' + d) for d in EXAMPLE_DOMAINS)


# ---- files and required settings ------------------------------------------------------------

@check('env_files', 'Env files exist and only their owner can read them')
def check_env_files(facts):
    files = facts.get('files') or []
    if not files:
        return SKIP, 'no env file was given', 'pass server_env, db_env and client_env'
    problems = []
    for item in files:
        if not item.get('exists'):
            problems.append('%s does not exist' % item['path'])
        elif item.get('error'):
            problems.append('%s cannot be read: %s' % (item['path'], item['error']))
        elif item.get('mode') is not None and item['mode'] & 0o077:
            problems.append('%s has mode %04o' % (item['path'], item['mode'] & 0o7777))
    if problems:
        return FAIL, '; '.join(problems), ('write the env files with roost.coop.config (mode 0600, owner coop), '
                                           'or chmod 0600 them')
    return PASS, 'all %d env files exist with mode 0600 or stricter' % len(files), ''


def _unset(facts, secret):
    """Required names (secrets or the others) that are empty or missing in the env files given."""
    missing = []
    for kind, env, names in (('server.env', _env(facts, 'server'), REQUIRED_SERVER),
                             ('db.env', _env(facts, 'db'), REQUIRED_DB)):
        if env is not None:
            missing.extend('%s in %s' % (name, kind) for name in names
                           if not _set(env, name) and catalog.is_secret(name) == secret)
    return missing


@check('required_settings', 'Required production settings are set')
def check_required_settings(facts):
    if _env(facts, 'server') is None and _env(facts, 'db') is None:
        return _missing('server')
    missing = _unset(facts, secret=False)
    if missing:
        return FAIL, 'not set: %s' % _names(missing), 'set them with the roost.coop.config role (coop-facts 9)'
    return PASS, 'every required setting is set', ''


@check('secrets_present', 'Required secrets are set')
def check_secrets_present(facts):
    if _env(facts, 'server') is None and _env(facts, 'db') is None:
        return _missing('server')
    missing = _unset(facts, secret=True)
    if missing:
        return FAIL, 'not set: %s' % _names(missing), \
            'set them (roost.coop.config generates SESSION_SECRET); without SESSION_SECRET every request ' \
            'but /api/v1/ready answers 500'
    return PASS, 'every required secret is set', ''


def _secret_values(facts):
    for kind in ('server', 'db', 'client'):
        env = _env(facts, kind) or {}
        for name in sorted(env):
            if env[name] and catalog.is_secret(name):
                yield kind, name, env[name]


@check('secrets_not_placeholders', 'Secrets are not the placeholders from Coop\'s example files')
def check_secrets_not_placeholders(facts):
    if _env(facts, 'server') is None and _env(facts, 'db') is None:
        return _missing('server')
    found = ['%s (%s.env)' % (name, kind) for kind, name, value in _secret_values(facts) if catalog.is_placeholder(value)]
    if found:
        return FAIL, 'example values in: %s' % _names(found), \
            'replace them with real secrets (roost.coop.config generates session secrets; ' \
            'SENDGRID_API_KEY empty means AWS SES)'
    return PASS, 'no secret has an example value', ''


@check('secrets_length', 'Secrets are long enough')
def check_secrets_length(facts):
    if _env(facts, 'server') is None and _env(facts, 'db') is None:
        return _missing('server')
    short, weak = [], []
    for kind, name, value in _secret_values(facts):
        if name in GENERATED_SECRETS and len(value) < catalog.MIN_SECRET_LENGTH:
            short.append('%s (%s.env)' % (name, kind))
        elif len(value) < MIN_PASSWORD_LENGTH:
            weak.append('%s (%s.env)' % (name, kind))
    if short:
        return FAIL, 'shorter than %d characters: %s' % (catalog.MIN_SECRET_LENGTH, _names(short)), \
            'generate them, e.g. openssl rand -hex 32, or remove them and let roost.coop.config generate them'
    if weak:
        return WARN, 'shorter than %d characters: %s' % (MIN_PASSWORD_LENGTH, _names(weak)), \
            'use longer passwords for the services, e.g. openssl rand -base64 24'
    return PASS, 'every secret is long enough', ''


# ---- public origin, client, email ------------------------------------------------------------

@check('ui_url', 'Public UI origin is set, https and not localhost')
def check_ui_url(facts):
    server = _env(facts, 'server')
    if server is None:
        return _missing('server')
    url = server.get('UI_URL', '').strip()
    if not url:
        return FAIL, 'UI_URL is not set; every Coop process refuses to start', \
            'set coop_ui_url to the public https origin people open, e.g. https://coop.example.org'
    parts = urlsplit(url)
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        return FAIL, 'UI_URL %s is not an http(s) URL' % url, 'set coop_ui_url to an origin such as https://coop.example.org'
    local = parts.hostname.lower() in LOCAL_HOSTS
    if production(server) and parts.scheme != 'https' and not local:
        return FAIL, 'UI_URL %s is plain http while NODE_ENV=production makes session cookies Secure: ' \
            'browsers drop them and logins fail' % url, 'serve Coop over https and set coop_ui_url to the https origin'
    if facts.get('demo'):
        return PASS, 'UI_URL is %s (demo install)' % url, ''
    if local:
        return FAIL, 'UI_URL %s points at this machine; SAML callbacks and invite links would too' % url, \
            'set coop_ui_url to the public https origin of the deployment (coop_demo: true for a demo install)'
    if parts.scheme != 'https':
        return FAIL, 'UI_URL %s is plain http: logins and API keys would cross the network in clear text' % url, \
            'serve Coop over https and set coop_ui_url to the https origin (coop_demo: true for a demo install)'
    return PASS, 'UI_URL is %s' % url, ''


@check('node_env', 'NODE_ENV is production')
def check_node_env(facts):
    server = _env(facts, 'server')
    if server is None:
        return _missing('server')
    value = server.get('NODE_ENV')
    if production(server):
        return PASS, 'NODE_ENV=production', ''
    if facts.get('demo'):
        return PASS, 'NODE_ENV is %s: demo install (coop_demo: true), not for go-live' % _shown(value), ''
    near = value is not None and value.strip().lower() == 'production'
    return FAIL, 'NODE_ENV is %s%s: Coop runs in development mode (GraphQL introspection on, session cookies ' \
        'not Secure), which is not ready for go-live' % (_shown(value), ', not exactly \'production\'' if near else ''), \
        'set coop_node_env: production (lower case, nothing around it) once Coop is served over https; ' \
        'for a demo or test install set coop_demo: true'


@check('client_ui_url', 'Client VITE_UI_URL agrees with UI_URL')
def check_client_ui_url(facts):
    server, client = _env(facts, 'server'), _env(facts, 'client')
    if client is None:
        return _missing('client')
    if 'VITE_UI_URL' not in client:
        return PASS, 'VITE_UI_URL is unset: the client uses the browser\'s origin', ''
    vite = client['VITE_UI_URL'].strip()
    if not vite:
        return WARN, 'VITE_UI_URL is empty, which the client uses as \'\' rather than the browser origin (coop-facts 2c)', \
            'set VITE_UI_URL to UI_URL or remove the line, then rebuild the client'
    if server is None or not server.get('UI_URL'):
        return SKIP, 'UI_URL is not known', 'pass server_env'
    if _origin(vite) != _origin(server['UI_URL']):
        return FAIL, 'VITE_UI_URL %s differs from UI_URL %s: invite and reset links point elsewhere' % (vite, server['UI_URL']), \
            'set VITE_UI_URL to UI_URL and rebuild the client (VITE_* are baked in at build time)'
    return PASS, 'VITE_UI_URL matches UI_URL', ''


@check('email_senders', 'Email sender addresses are set and not examples')
def check_email_senders(facts):
    server = _env(facts, 'server')
    if server is None:
        return _missing('server')
    bad = []
    for name in SENDERS:
        value = server.get(name, '').strip()
        if not value:
            bad.append('%s unset (Coop falls back to an example.com address)' % name)
        elif _is_example_domain(_email_domain(value)):
            bad.append('%s=%s' % (name, value))
    if bad:
        return FAIL, _names(bad), 'set NOREPLY_EMAIL, SUPPORT_EMAIL and TEAM_EMAIL to addresses of your own domain'
    return PASS, 'senders: %s' % _names(server[name] for name in SENDERS), ''


@check('email_domains', 'Email sender domains match the UI host')
def check_email_domains(facts):
    server = _env(facts, 'server')
    if server is None:
        return _missing('server')
    host = _host(server.get('UI_URL', ''))
    domains = set(_email_domain(server.get(name, '')) for name in SENDERS if server.get(name))
    if not host or not domains:
        return SKIP, 'UI_URL or the sender addresses are not set', 'see ui_url and email_senders'
    foreign = sorted(d for d in domains if not (host == d or host.endswith('.' + d) or d.endswith('.' + host)))
    if foreign:
        return WARN, 'sender domain(s) %s differ from the UI host %s; mail may be flagged as spoofed' % (_names(foreign), host), \
            'send from the UI\'s domain, or make sure SPF/DKIM cover the sender domain'
    return PASS, 'sender domains match %s' % host, ''


# ---- the staging seed -----------------------------------------------------------------------

def _postgres(facts, needs=(), schema=True):
    """(the postgres facts, None), or (None, the result to return) when the check cannot judge.

    With schema, a database that is not a migrated Coop database fails the check: the tables it
    reads are missing, and their absence must not read as "nothing bad found"."""
    pg = facts.get('postgres')
    if not pg:
        return None, (SKIP, 'PostgreSQL was not checked', 'pass server_env')
    if not pg.get('reachable'):
        return None, (SKIP, 'PostgreSQL is unreachable', 'see postgres_reachable')
    unread = [need for need in needs if need not in pg]
    if unread and pg.get('query_error'):
        # A fact the check needs was never read: the check must not pass on its absence.
        return None, (WARN, 'connected, but reading the database failed: %s' % pg['query_error'],
                      'let the server\'s database user read public.orgs, public.users and public."SequelizeMeta", '
                      'then rerun the checklist')
    if schema and not_coop(pg):
        return None, (FAIL, 'cannot be checked: %s is not a migrated Coop database' % pg.get('target', 'the database'),
                      'fix coop_schema first (DATABASE_NAME, or run the migrations)')
    return pg, None


def not_coop(pg):
    """Why the database read is not a migrated Coop database, or '' (also when that was not read)."""
    if 'missing_tables' not in pg or 'migrations' not in pg:
        return ''
    if pg['missing_tables']:
        return 'it has no %s' % _names(pg['missing_tables'])
    if not [name for name in pg['migrations'] or [] if seed_env(name) is None]:
        return 'public."SequelizeMeta" records no migration'
    return ''


@check('sample_orgs', 'Sample orgs of the staging seed are gone')
def check_sample_orgs(facts):
    pg, skipped = _postgres(facts, ('sample_orgs',))
    if skipped:
        return skipped
    orgs = [org for org in pg.get('sample_orgs') or [] if org['id'] in SAMPLE_ORGS]
    if orgs:
        return FAIL, 'sample orgs present: %s' % _names('%s (%s)' % (o['name'], o['id']) for o in orgs), \
            'run roost.coop.secure_sample_org (coop_sample_org state=absent) to delete them'
    return PASS, 'none of the staging seed\'s orgs exist', ''


@check('default_passwords', 'No user logs in with a known default password')
def check_default_passwords(facts):
    pg, skipped = _postgres(facts, ('default_password_users',))
    if skipped:
        return skipped
    users = pg.get('default_password_users')
    if users is None:
        return WARN, 'cannot verify password hashes: the bcrypt Python library is missing', \
            'install bcrypt where the checklist runs'
    if users:
        return FAIL, 'users with a default password: %s' % _names(u['email'] for u in users), \
            'run coop_sample_org state=locked (or absent), or have these users change their password'
    return PASS, 'no password hash verifies against a known default', ''


@check('staging_seed', 'Migrations ran with --env prod, not the staging seed')
def check_staging_seed(facts):
    pg, skipped = _postgres(facts, ('migrations', 'sample_orgs'))
    if skipped:
        return skipped
    seeds = [name for name in pg.get('migrations') or [] if seed_env(name) == 'staging']
    if not seeds:
        return PASS, 'no staging seed is recorded', ''
    if any(org['id'] in SAMPLE_ORGS for org in pg.get('sample_orgs') or []):
        return FAIL, 'SequelizeMeta records %s and its sample orgs are still there' % _names(seeds), \
            'run roost.coop.secure_sample_org; migrate with --env prod only'
    return PASS, 'SequelizeMeta records %s, but its sample orgs were removed' % _names(seeds), ''


# ---- NCMEC, adapters and backing services --------------------------------------------------

@check('ncmec_env', 'NCMEC_ENV=production only when approved')
def check_ncmec_env(facts):
    server = _env(facts, 'server')
    if server is None:
        return _missing('server')
    if _lower(server, 'NCMEC_ENV') != 'production':
        return PASS, 'reports go to NCMEC\'s test endpoint (NCMEC_ENV is %s)' % (server.get('NCMEC_ENV') or 'unset'), ''
    if facts.get('ncmec_approved'):
        return PASS, 'NCMEC_ENV=production and live reporting is approved', ''
    return FAIL, 'NCMEC_ENV=production sends reports to the live CyberTipline, but approval is not recorded', \
        'leave NCMEC_ENV unset until NCMEC approves, then set coop_ncmec_live_reporting_approved: true'


@check('ncmec_org_settings', 'Orgs reporting to NCMEC report where NCMEC_ENV says, with credentials')
def check_ncmec_org_settings(facts):
    server = _env(facts, 'server')
    if server is None:
        return _missing('server')
    pg, skipped = _postgres(facts, ('ncmec_orgs',))
    if skipped:
        return skipped
    orgs = pg.get('ncmec_orgs') or []
    if not orgs:
        return PASS, 'no org has NCMEC reporting on', ''
    names = _names('%s (%s)' % (org['name'], org['id']) for org in orgs)
    if _lower(server, 'NCMEC_ENV') != 'production':
        return WARN, 'NCMEC reporting is on for %s, but NCMEC_ENV is %s: their CyberTip reports go to NCMEC\'s test ' \
            'endpoint, not the live CyberTipline' % (names, server.get('NCMEC_ENV') or 'unset'), \
            'once NCMEC approved live reporting set coop_ncmec_env: production (and ' \
            'coop_ncmec_live_reporting_approved: true); until then these reports reach no one'
    lacking = [org for org in orgs if not org['credentials']]
    if lacking:
        return FAIL, 'NCMEC_ENV=production, but these orgs have no CyberTipline credentials, so their reports ' \
            'cannot be sent: %s' \
            % _names('%s (%s)' % (org['name'], org['id']) for org in lacking), \
            'set ncmec.username and ncmec.password for them in coop_orgs (or ncmec.enabled: false)'
    return PASS, 'NCMEC reporting is on for %s, with credentials, to the live CyberTipline' % names, ''


@check('warehouse_adapter', 'Warehouse and analytics adapters can boot')
def check_warehouse_adapter(facts):
    server = _env(facts, 'server')
    if server is None:
        return _missing('server')
    warehouse, analytics = _warehouse(server)
    unknown = [v for v in (warehouse, analytics) if v not in ADAPTERS]
    if unknown:
        return FAIL, 'unknown adapter %s' % _names(unknown), 'use one of %s' % _names(ADAPTERS)
    if 'postgresql' in (warehouse, analytics):
        return FAIL, 'the postgresql adapter makes the server fail at boot (coop-facts 2d)', \
            'use WAREHOUSE_ADAPTER=noop without ClickHouse, or clickhouse with ClickHouse'
    if analytics == 'clickhouse' and warehouse != 'clickhouse':
        return FAIL, 'ANALYTICS_ADAPTER=clickhouse requires WAREHOUSE_ADAPTER=clickhouse (boot failure)', \
            'set both to clickhouse, or both to noop'
    return PASS, 'warehouse %s, analytics %s' % (warehouse, analytics), ''


def _reach(facts, name, selected, what):
    server = _env(facts, 'server')
    if server is None:
        return _missing('server')
    if not selected(server):
        return None
    probe = facts.get(name)
    if not probe:
        return SKIP, '%s was not probed' % what, 'run the checklist where it can reach %s' % what
    return probe


def _connected(facts, part, answered, remedy):
    fact = facts.get(part)
    if not fact:
        return SKIP, '%s was not checked' % part, 'pass server_env'
    target = fact.get('target', part)
    if fact.get('reachable'):
        return PASS, '%s %s' % (answered, target), ''
    return FAIL, 'cannot reach %s: %s' % (target, fact.get('error')), remedy


@check('postgres_reachable', 'PostgreSQL reachable with the server\'s credentials')
def check_postgres_reachable(facts):
    return _connected(facts, 'postgres', 'connected to',
                      'check DATABASE_HOST/PORT/NAME/USER/PASSWORD in server.env, pg_hba.conf and the firewall')


@check('coop_schema', 'The database is a migrated Coop database')
def check_coop_schema(facts):
    pg, skipped = _postgres(facts, ('missing_tables', 'migrations'), schema=False)
    if skipped:
        return skipped
    why = not_coop(pg)
    if why:
        server = _env(facts, 'server') or {}
        return FAIL, '%s: %s, so it is not a migrated Coop database and the seed, password and migration checks ' \
            'cannot run' % (pg.get('target', 'the database'), why), \
            'point DATABASE_NAME in server.env (and API_SERVER_DATABASE_NAME in db.env) at Coop\'s database%s; ' \
            'if it is Coop\'s, run the migrations (roost.coop.migrations role: db:update --db api-server-pg --env prod)' \
            % ('' if server.get('DATABASE_NAME') else ' (unset, Coop uses "development")')
    count = len([name for name in pg['migrations'] if seed_env(name) is None])
    return PASS, 'Coop\'s tables exist and %d migrations are recorded' % count, ''


@check('redis_reachable', 'Redis reachable (with AUTH when a password is set)')
def check_redis_reachable(facts):
    return _connected(facts, 'redis', 'PING answered by',
                      'check REDIS_HOST/PORT/USER/PASSWORD in server.env and that Redis listens there, with TLS '
                      'exactly when REDIS_TLS or REDIS_USE_CLUSTER=true asks for it')


@check('scylla_reachable', 'Scylla reachable when item investigation is on')
def check_scylla_reachable(facts):
    probe = _reach(facts, 'scylla', investigation_enabled, 'Scylla')
    if probe is None:
        return SKIP, 'ITEM_INVESTIGATION_AND_STRIKES_ENABLED is off: Coop uses no Scylla', ''
    if isinstance(probe, tuple):
        return probe
    if not probe.get('hosts'):
        return FAIL, 'item investigation is on but SCYLLA_HOSTS is not set: the server fails at boot', \
            'set coop_scylla_hosts, or ITEM_INVESTIGATION_AND_STRIKES_ENABLED=false for a PostgreSQL+Redis deployment'
    down = probe.get('unreachable') or []
    if down:
        return FAIL, 'unreachable: %s' % _names('%s (%s)' % (d['host'], d['error']) for d in down), \
            'start Scylla or fix SCYLLA_HOSTS; without Scylla set ITEM_INVESTIGATION_AND_STRIKES_ENABLED=false'
    return PASS, 'reachable: %s' % _names(probe['hosts']), ''


@check('clickhouse_reachable', 'ClickHouse reachable when an adapter uses it')
def check_clickhouse_reachable(facts):
    probe = _reach(facts, 'clickhouse', clickhouse_selected, 'ClickHouse')
    if probe is None:
        return SKIP, 'no adapter uses ClickHouse', ''
    if isinstance(probe, tuple):
        return probe
    if probe.get('reachable'):
        return PASS, '%s answered' % probe['url'], ''
    return FAIL, '%s: %s' % (probe['url'], probe.get('error')), \
        'start ClickHouse or fix CLICKHOUSE_HOST/PORT/PROTOCOL; without ClickHouse set WAREHOUSE_ADAPTER=noop'


@check('pending_migrations', 'No PostgreSQL migration of the release is pending')
def check_pending_migrations(facts):
    release = facts.get('release')
    if not release:
        return SKIP, 'no release directory was given', 'pass release_dir to compare its scripts with the database'
    if release.get('error'):
        return FAIL, release['error'], 'point release_dir at the Coop release (it has db/src/scripts or build/scripts)'
    pg, skipped = _postgres(facts, ('migrations',))
    if skipped:
        return skipped
    todo = pending_scripts(release.get('scripts') or [], pg.get('migrations') or [])
    if todo:
        shown = todo[:5] + (['and %d more' % (len(todo) - 5)] if len(todo) > 5 else [])
        return FAIL, '%d pending: %s' % (len(todo), _names(shown)), \
            'run the roost.coop.migrations role (db:update --db api-server-pg --env prod)'
    return PASS, 'all %d scripts applied' % len(scripts_for(release.get('scripts') or [], 'api-server-pg', 'prod')), ''


def pending_scripts(file_names, recorded, env='prod'):
    """PostgreSQL script names (with extension) the migrator would apply with --env env (coop-facts 6)."""
    return pending(scripts_for(file_names, 'api-server-pg', env), recorded)


@check('redis_persistence', 'Redis persists to disk (appendonly yes)')
def check_redis_persistence(facts):
    return _redis_config(facts, 'appendonly', 'yes', 'pending review jobs live only in Redis; a restart loses them',
                         'set appendonly yes (roost.coop.redis does), then CONFIG REWRITE')


@check('redis_eviction', 'Redis never evicts keys (maxmemory-policy noeviction)')
def check_redis_eviction(facts):
    return _redis_config(facts, 'maxmemory-policy', 'noeviction', 'evicted keys are lost review jobs and queue state',
                         'set maxmemory-policy noeviction (roost.coop.redis does)')


def _redis_config(facts, name, wanted, why, remedy):
    redis = facts.get('redis')
    if not redis or not redis.get('reachable'):
        return SKIP, 'Redis was not reached', 'see redis_reachable'
    config = redis.get('config')
    if config is None:
        return WARN, 'cannot read %s: %s' % (name, redis.get('config_error') or 'CONFIG is not permitted'), \
            'confirm %s %s on the Redis server (managed Redis often hides CONFIG)' % (name, wanted)
    value = config.get(name)
    if value == wanted:
        return PASS, '%s %s' % (name, value), ''
    return FAIL, '%s is %s; %s' % (name, value, why), remedy


@check('pg_connections', 'PostgreSQL max_connections covers Coop\'s pools')
def check_pg_connections(facts):
    server = _env(facts, 'server')
    pg, skipped = _postgres(facts, ('max_connections',), schema=False)
    if skipped:
        return skipped
    if server is None or pg.get('max_connections') is None:
        return SKIP, 'max_connections or server.env unknown', 'pass server_env'
    need, how = pool_demand(server, facts.get('processes') or {})
    available = pg['max_connections'] - (pg.get('reserved_connections') or 0)
    if need > available:
        return WARN, 'Coop may open %d connections (%s) but PostgreSQL allows %d' % (need, how, available), \
            'lower DATABASE_POOL_MAX / DATABASE_READ_POOL_MAX or raise max_connections'
    return PASS, 'up to %d connections (%s) of %d available' % (need, how, available), ''


def pool_demand(server, processes):
    """(connections, explanation): pools per process times the processes sharing this database.

    The read pool counts only when DATABASE_READ_ONLY_HOST is this same primary."""
    def size(name, default):
        try:
            return int(server.get(name) or _catalog_default(name, default))
        except ValueError:
            return _catalog_default(name, default)
    primary = size('DATABASE_POOL_MAX', 30)
    read = size('DATABASE_READ_POOL_MAX', 150)
    if not same_host(server.get('DATABASE_READ_ONLY_HOST', ''), server.get('DATABASE_HOST', '')):
        read = 0
    api = int(processes.get('api') or 1)
    worker = processes.get('worker')
    if worker is None:
        try:
            worker = api if float(server.get('ITEM_QUEUE_TRAFFIC_PERCENTAGE') or 0) > 0 else 0
        except ValueError:
            worker = 0
    jobs = processes.get('jobs')
    count = api + int(worker) + (1 if jobs is None else int(jobs))
    return count * (primary + read), '%d processes x (%d + %d read)' % (count, primary, read)


def same_host(read_host, primary):
    """Whether the read pool goes to the primary: unset, equal, or both loopback names."""
    read_host, primary = read_host.strip().lower(), primary.strip().lower()
    return not read_host or read_host == primary or (read_host in LOCAL_HOSTS and primary in LOCAL_HOSTS)


@check('unsafe_flags', 'Error details and localhost URIs are off')
def check_unsafe_flags(facts):
    server = _env(facts, 'server')
    if server is None:
        return _missing('server')
    on = [name for name in ('EXPOSE_SENSITIVE_IMPLEMENTATION_DETAILS_IN_ERRORS', 'ALLOW_USER_INPUT_LOCALHOST_URIS')
          if server.get(name, '').strip() == 'true']
    if on:
        return FAIL, '%s=true (stack traces to clients / SSRF to this host)' % '=true, '.join(on), \
            'remove these lines from server.env or set them to false'
    return PASS, 'both flags are off', ''


@check('db_env_agrees', 'Migrator and server use the same database')
def check_db_env_agrees(facts):
    server, db = _env(facts, 'server'), _env(facts, 'db')
    if server is None or db is None:
        return SKIP, 'needs both server.env and db.env', 'pass server_env and db_env'
    differ = []
    for suffix, default in (('HOST', ''), ('PORT', '5432'), ('NAME', ''), ('USER', 'postgres')):
        a = server.get('DATABASE_' + suffix) or default
        b = db.get('API_SERVER_DATABASE_' + suffix) or default
        if a != b:
            differ.append('DATABASE_%s=%s vs API_SERVER_DATABASE_%s=%s' % (suffix, a, suffix, b))
    if differ:
        return WARN, _names(differ), 'migrations would go to another database than the server reads; align the two files'
    return PASS, 'same host, port, database and user', ''


def last_line(journal):
    """The last line of a unit's journal that says something: not blank, not a stack frame, not Node's
    `Node.js vX` footer (an uncaught error ends with those)."""
    for line in reversed(journal or []):
        text = line.strip()
        if text and not text.startswith('at ') and not text.startswith('Node.js v') and text != '^':
            return text
    return '(no journal lines)'


@check('coop_units', 'No Coop unit failed (API, worker, job runs)')
def check_coop_units(facts):
    units = facts.get('units')
    if units is None:
        return SKIP, 'no systemd on this host', 'run the checklist on the hosts that run Coop with systemd'
    if units.get('error'):
        return SKIP, units['error'], 'run the checklist where systemctl answers (a host booted with systemd)'
    failed = units.get('failed') or []
    if failed:
        return FAIL, '; '.join('%s: %s' % (u['unit'], last_line(u.get('journal'))) for u in failed), \
            'read `journalctl -u <unit>`, fix the cause (a failing RefreshMRTDecisionsMaterializedViewJob lacks its ' \
            'bookkeeping row: run the roost.coop.migrations role), then `systemctl reset-failed <unit>`'
    return PASS, 'no failed coop-* unit', ''


@check('backup_recent', 'A recent dump of the database exists')
def check_backup_recent(facts):
    backups = facts.get('backups')
    if not backups:
        return SKIP, 'no backup directory was given on this host', \
            'pass backup_dir (the checklist role does on coop_backup_host)'
    remedy = 'take one with site.yml --tags backup (schedule it, e.g. daily); coop_backup_dir is %s' % backups['dir']
    if backups.get('error'):
        return WARN, backups['error'], remedy
    if backups.get('newest') is None:
        return WARN, 'no dump of the database in %s' % backups['dir'], remedy
    if backups['age_hours'] > backups['max_age_hours']:
        return WARN, 'the newest dump, %s, is %.0f hours old (more than %s)' % (
            backups['newest'], backups['age_hours'], backups['max_age_hours']), remedy
    return PASS, 'newest dump %s, %.1f hours old' % (backups['newest'], backups['age_hours']), ''


# ---- the public edge and the internal ports (probed from the controller) --------------------

TLS_FAIL_DAYS, TLS_WARN_DAYS = 7, 21
HSTS_MIN_AGE = 15552000  # 180 days: the shortest max-age browsers' preload lists accept is a year; half is the floor
# OpenSSL's verify code of an expired certificate: the tls check reports the expiry, not a chain problem.
X509_EXPIRED = 10
REDIRECTS = (301, 302, 307, 308)


def covers(names, host):
    """Whether a certificate's DNS names (or IP addresses) cover host: exact, or one wildcard label."""
    host = host.lower().rstrip('.')
    for name in names or []:
        name = name.lower().rstrip('.')
        if name == host:
            return True
        if name.startswith('*.') and '.' in host and host.split('.', 1)[1] == name[2:] and host.split('.', 1)[0]:
            return True
    return False


def hsts_max_age(header):
    """max-age of a Strict-Transport-Security value; None when absent or not a number."""
    for directive in (header or '').split(';'):
        name, _sep, value = directive.partition('=')
        if name.strip().lower() == 'max-age':
            value = value.strip().strip('"')
            return int(value) if value.isdigit() else None
    return None


def _edge(facts, part):
    """(the edge facts, None), or (None, the result to return) when the part was not probed or
    does not apply (an http:// UI URL: no certificate, no HSTS)."""
    edge = facts.get('edge')
    if not edge:
        return None, (SKIP, 'checked from the controller once per run, in the first host\'s report',
                      'run the checklist role (it probes from the controller), or pass edge to coop_checklist')
    if urlsplit(edge.get('ui_url') or '').scheme != 'https':
        return None, (SKIP, 'not applicable: coop_ui_url %s is http:// and coop_tls is %s, so there is no certificate '
                      'or HSTS to check (preflight refuses production over http)' % (edge.get('ui_url'), edge.get('tls_mode')), '')
    if not edge.get(part):
        return None, (SKIP, '%s was not probed' % part, 'run the checklist role')
    return edge, None


def _verdict(problems, passed):
    """The worst of [(status, detail, fix)], each problem once, or PASS with passed."""
    if not problems:
        return PASS, passed, ''
    status = FAIL if any(p[0] == FAIL for p in problems) else WARN
    fixes = []
    for problem in problems:
        if problem[2] not in fixes:
            fixes.append(problem[2])
    return status, '; '.join(p[1] for p in problems), '; '.join(fixes)


@check('tls', 'The UI host serves a valid, complete, not expiring certificate for its name')
def check_tls(facts):
    edge, skipped = _edge(facts, 'tls')
    if skipped:
        return skipped
    tls = edge['tls']
    where = '%s:%s' % (tls['host'], tls['port'])
    if tls.get('error'):
        return FAIL, 'no TLS answer from %s: %s' % (where, tls['error']), \
            'serve https at the UI host (coop_tls: acme or files); if the controller reaches it at another ' \
            'address, set coop_checklist_edge_address'
    problems = []
    if not covers(tls.get('names'), tls['host']):
        problems.append((FAIL, 'the certificate is for %s, not %s' % (_names(tls.get('names') or ['no name']), tls['host']),
                         'serve a certificate for %s (coop_tls: acme obtains one for coop_ui_url\'s host; with '
                         'files, coop_tls_cert_file must cover it)' % tls['host']))
    days = tls['days_left']
    renew = 'renew it: with coop_tls: acme check Debian\'s certbot.timer and journalctl -u certbot ' \
        '(certbot renew --dry-run shows why it fails), with files install a new coop_tls_cert_file and rerun site.yml'
    if days < 0:
        problems.append((FAIL, 'the certificate expired on %s' % tls['not_after'], renew))
    elif days < TLS_FAIL_DAYS:
        problems.append((FAIL, 'the certificate expires in %.1f days (%s)' % (days, tls['not_after']), renew))
    elif days < TLS_WARN_DAYS:
        problems.append((WARN, 'the certificate expires in %.0f days (%s)' % (days, tls['not_after']), renew))
    if tls.get('self_signed'):
        if edge.get('tls_mode') == 'self_signed':
            problems.append((WARN, 'self-signed (coop_tls: self_signed): browsers warn, for staging only',
                             'before go-live set coop_tls: acme (or files with a CA-signed chain)'))
        else:
            problems.append((FAIL, 'the certificate is self-signed: browsers refuse it',
                             'serve a CA-signed certificate (coop_tls: acme or files)'))
    elif not tls.get('verified') and tls.get('verify_code') != X509_EXPIRED:
        problems.append((FAIL, 'the chain does not verify against the system\'s CAs%s: %s' % (
            ' and %s' % tls['ca_bundle'] if tls.get('ca_bundle') else '', tls.get('verify_error')),
            'serve the full chain (the certificate first, then the intermediates; coop_tls_cert_file with files); '
            'for a private CA give its root in coop_checklist_tls_ca_bundle'))
    return _verdict(problems, 'certificate for %s, valid until %s (%.0f days), chain verified (issuer %s)'
                    % (tls['host'], tls['not_after'], days, tls.get('issuer')))


@check('hsts', 'https sends HSTS and port 80 redirects to https')
def check_hsts(facts):
    edge, skipped = _edge(facts, 'hsts')
    if skipped:
        return skipped
    hsts = edge['hsts']
    minimum = edge.get('hsts_min_age') or HSTS_MIN_AGE
    https = 'https://%s' % hsts['host']
    problems = []
    header = hsts.get('header')
    if hsts.get('error'):
        problems.append((WARN, 'no https answer to read Strict-Transport-Security from: %s' % hsts['error'], 'see tls'))
    elif not header:
        problems.append((WARN, '%s sends no Strict-Transport-Security header' % https,
                         'set coop_hsts_max_age (e.g. 31536000); behind your own proxy, have it send the header'))
    else:
        age = hsts_max_age(header)
        if not age or age < minimum:
            problems.append((WARN, 'Strict-Transport-Security is %r: max-age below %d seconds' % (header, minimum),
                             'set coop_hsts_max_age to %d or more (31536000 is a year)' % minimum))
    redirect = hsts.get('redirect') or {}
    location = redirect.get('location') or ''
    if redirect.get('error'):
        problems.append((WARN, 'plain http on port 80 does not answer (%s): people typing the name get no page'
                         % redirect['error'], 'let nginx listen on port 80 (the web role does with coop_tls on)'))
    elif redirect.get('status') not in REDIRECTS or not location.lower().startswith(https.lower()):
        problems.append((WARN, 'http://%s/ answers %s%s instead of redirecting to %s' % (
            hsts['host'], redirect.get('status'), ' to ' + location if location else '', https),
            'redirect port 80 to https (the web role does with coop_tls on)'))
    challenge = hsts.get('challenge') or {}
    if edge.get('tls_mode') == 'acme' and challenge.get('status') in REDIRECTS:
        problems.append((WARN, 'port 80 redirects /.well-known/acme-challenge/ too: HTTP-01 renewals may fail',
                         'answer the challenge path on port 80 itself (the web role does)'))
    return _verdict(problems, '%s sends %s; http://%s/ redirects to https' % (https, header, hsts['host']))


def _port_name(port):
    return '%s:%s (%s)' % (port['host'], port['port'], port['what'])


@check('internal_ports', 'The API, PostgreSQL and Redis ports are closed to all but their peers')
def check_internal_ports(facts):
    edge = facts.get('edge')
    if not edge or edge.get('ports') is None:
        return SKIP, 'checked from the controller once per run, in the first host\'s report', \
            'run the checklist role (it probes from the controller)'
    ports = edge['ports']
    if not ports:
        return SKIP, 'no internal port to probe (no coop_app, coop_db or coop_redis host)', ''
    open_ports = [_port_name(p) for p in ports if p.get('open') and not p.get('local') and not p.get('controller_peer')]
    unresolved = [_port_name(p) for p in ports if p.get('unresolved')]
    inside = [_port_name(p) for p in ports if p.get('open') and (p.get('local') or p.get('controller_peer'))]
    closed = [_port_name(p) for p in ports if not p.get('open') and not p.get('unresolved')]
    if open_ports:
        return FAIL, 'reachable from the controller, which is no allowed peer: %s' % _names(open_ports), \
            'set coop_firewall: true (nftables rules: the API port for the coop_web hosts, PostgreSQL and Redis for ' \
            'the coop_app hosts) and rerun site.yml, or close these ports in your own firewall'
    notes = []
    if inside:
        notes.append('not judged, the controller is the host or an allowed peer: %s' % _names(inside))
    if unresolved:
        notes.append('not probed, the controller cannot resolve: %s' % _names(unresolved))
    if not closed:
        status = SKIP if facts.get('demo') or not unresolved else WARN
        return status, 'nothing probed from outside (%s)' % '; '.join(notes), \
            'run the checklist from a machine outside the deployment; set coop_checklist_probe_address per host ' \
            'to an address the controller reaches'
    if unresolved and not facts.get('demo'):
        return WARN, 'closed to the controller: %s; %s' % (_names(closed), '; '.join(notes)), \
            'set coop_checklist_probe_address for those hosts to an address the controller reaches'
    return PASS, 'closed to the controller: %s%s' % (_names(closed), ''.join('; ' + n for n in notes)), ''
