#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: coop_checklist
short_description: Coop's go-live checklist, checked against the running deployment
version_added: 0.1.0
description:
  - Reads Coop's env files, connects to its PostgreSQL and Redis, and, when the configuration
    uses them, probes Scylla (TCP) and ClickHouse (HTTP C(/ping)) with short timeouts. Then it
    evaluates the checklist's checks and returns each as C(id), C(title), C(status)
    (C(pass), C(warn), C(fail) or C(skip)), C(detail) and C(remedy).
  - "Checks: env files present and private; required settings and secrets set; secrets not
    placeholders and long enough; UI origin https and not localhost under production; NODE_ENV;
    client C(VITE_UI_URL) agrees with C(UI_URL); email senders set, not examples, same domain as
    the UI; staging seed sample orgs, default-password users and the seed's record in
    C(SequelizeMeta); C(NCMEC_ENV=production) without approval; orgs with NCMEC reporting on while
    C(NCMEC_ENV) is not C(production) (warn: reports go to the test endpoint), or under
    C(production) without credentials (fail); warehouse/analytics adapters;
    PostgreSQL, Redis, Scylla and ClickHouse reachable; the database is a migrated Coop database
    (C(public.orgs), C(public.users) and C(SequelizeMeta) with recorded migrations, else
    the checks that read it fail too); pending migrations of a release; Redis
    C(appendonly yes) and C(maxmemory-policy noeviction); C(max_connections) against Coop's pool
    sizes; error details and localhost URIs off; server and migrator on the same database; no failed
    C(coop-*) systemd unit (with its last journal line); with O(edge) from roost.coop.coop_edge_probe,
    the UI host's certificate (C(tls)), HSTS and the http redirect (C(hsts)), and the internal ports
    closed to the controller (C(internal_ports))."
  - "The verdict is RV(headline): C(READY FOR GO-LIVE) only when no check failed, all checks ran,
    C(NODE_ENV) is exactly C(production) (Coop compares C(=== 'production')) and O(demo) is off.
    A development install (C(NODE_ENV) not C(production)) fails C(node_env), and a C(localhost)
    or plain C(http) C(UI_URL) fails C(ui_url), unless O(demo) declares a demo install."
  - Read-only, it never changes anything and always reports C(changed=false).
  - Secret values are never part of the result; details name the variables only.
author: roost.coop developers (@roostorg)
attributes:
  check_mode:
    support: full
    description: Runs the same read-only checks in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to diff.
options:
  backup_dir:
    description:
      - Directory of the dumps roost.coop.coop_backup takes on this host; the C(backup_recent)
        check warns when the newest dump of Coop's database there is older than O(backup_max_age_hours).
      - Unset, C(backup_recent) is skipped.
    type: path
  backup_max_age_hours:
    description: Age in hours above which the newest dump is too old for C(backup_recent).
    type: int
    default: 24
  server_env:
    description:
      - Path of Coop's C(server.env). The database and Redis connections come from it.
    type: path
  db_env:
    description: Path of the migrator's C(db.env).
    type: path
  client_env:
    description: Path of the client's build-time C(client.env).
    type: path
  release_dir:
    description:
      - Directory of the Coop release on the host. When given, the PostgreSQL scripts under
        C(db/src/scripts/api-server-pg/) (or C(build/scripts/api-server-pg/)) are compared
        with the names recorded in C(public."SequelizeMeta").
    type: path
  fail_on:
    description:
      - C(fail) fails the task when a check fails, C(warn) also when one warns, C(never) only reports.
    type: str
    choices: [fail, warn, never]
    default: fail
  ncmec_live_reporting_approved:
    description:
      - NCMEC approved live CyberTipline reporting for this deployment. Without it
        C(NCMEC_ENV=production) fails the C(ncmec_env) check.
    type: bool
    default: false
  demo:
    description:
      - The install is a demo or test install that never goes live (the local deploy, CI).
      - Then a development C(NODE_ENV) and a C(localhost) or C(http) C(UI_URL) pass, and
        RV(headline) says C(DEMO INSTALL, NOT FOR GO-LIVE) instead of a go-live verdict.
      - Production mode over plain C(http) on a non-local host still fails C(ui_url) (logins cannot work).
    type: bool
    default: false
  app_processes:
    description: Number of Coop API server processes that share the database (all app hosts).
    type: int
    default: 1
  worker_processes:
    description:
      - Number of C(ItemProcessingWorker) processes. Default is O(app_processes) when
        C(ITEM_QUEUE_TRAFFIC_PERCENTAGE) is above 0, else none.
      - The C(pg_connections) check counts O(app_processes) + O(worker_processes) + O(job_processes),
        each with C(DATABASE_POOL_MAX) connections plus C(DATABASE_READ_POOL_MAX) when the read host is
        the primary (the same name, or both loopback).
    type: int
  job_processes:
    description:
      - Number of one-shot jobs that can run at the same time, for the C(pg_connections) check.
      - Timers that share a minute start together, so the safe count is the number of job timers.
    type: int
    default: 1
  default_passwords:
    description:
      - Passwords whose bcrypt hash marks a user as having a known default password.
      - Default is the staging seed's password C(testpassword123).
    type: list
    elements: str
  edge:
    description:
      - The facts roost.coop.coop_edge_probe gathered on the controller (its RV(roost.coop.coop_edge_probe#module:edge)).
      - "The C(tls) check fails on a certificate that does not cover the UI host, expires in less
        than 7 days or whose chain does not verify, and warns when it expires in less than 21 days
        or is self-signed under C(coop_tls: self_signed) (staging). C(hsts) warns when the header is
        missing or its C(max-age) is below the minimum, or plain http does not redirect to https.
        C(internal_ports) fails when a port answers the controller, which is no allowed peer. With an
        C(http://) UI URL C(tls) and C(hsts) do not apply."
      - Unset, the three checks are skipped (the checklist role gives it to the first host only, so
        each problem is reported once).
    type: dict
  probe_timeout:
    description: Seconds to wait for each Redis, Scylla and ClickHouse probe.
    type: float
    default: 2.0
  checks:
    description:
      - Run only the checks with these ids. Default is all.
      - "Ids, in the checklist's order: C(env_files), C(required_settings), C(secrets_present),
        C(secrets_not_placeholders), C(secrets_length), C(ui_url), C(node_env), C(client_ui_url),
        C(email_senders), C(email_domains), C(sample_orgs), C(default_passwords), C(staging_seed),
        C(ncmec_env), C(ncmec_org_settings), C(warehouse_adapter), C(postgres_reachable), C(coop_schema), C(redis_reachable),
        C(scylla_reachable), C(clickhouse_reachable), C(pending_migrations), C(redis_persistence),
        C(redis_eviction), C(pg_connections), C(unsafe_flags), C(db_env_agrees), C(coop_units), C(backup_recent), C(tls), C(hsts), C(internal_ports)."
    type: list
    elements: str
extends_documentation_fragment:
  - roost.coop.coop_db
requirements:
  - redis (redis-py) for the Redis checks
  - bcrypt for the default-password check
notes:
  - O(env_file) defaults to O(server_env), so the database is checked with the server's own
    credentials; the other connection options override it.
  - Only PostgreSQL migrations are compared; ClickHouse and Scylla logs need their own clients.
  - When the connection works but a read is refused (for example no SELECT on C(public.users)), the
    checks that needed that read warn rather than pass.
seealso:
  - module: roost.coop.coop_sample_org
'''

EXAMPLES = r'''
- name: Go-live checklist
  roost.coop.coop_checklist:
    server_env: /etc/coop/server.env
    db_env: /etc/coop/db.env
    client_env: /etc/coop/client.env
    release_dir: /opt/coop/release
    fail_on: fail
  register: checklist

- name: Only report, never fail
  roost.coop.coop_checklist:
    server_env: /etc/coop/server.env
    fail_on: never
    checks: [sample_orgs, default_passwords, redis_persistence]
'''

RETURN = r'''
checks:
  description: Every check evaluated, in the checklist's order.
  returned: always
  type: list
  elements: dict
  contains:
    id: {description: Stable check id., type: str, sample: sample_orgs}
    title: {description: What the check asserts., type: str}
    status: {description: "C(pass), C(warn), C(fail) or C(skip).", type: str}
    detail: {description: What was found (never a secret value)., type: str}
    remedy: {description: How to fix it; empty when the check passed., type: str}
headline:
  description:
    - The verdict in one line, also the first line of RV(report).
    - "C(READY FOR GO-LIVE), C(NOT READY FOR GO-LIVE: ...), C(DEMO INSTALL, NOT FOR GO-LIVE ...) with
      O(demo), or C(PARTIAL CHECK, NOT A GO-LIVE VERDICT ...) when O(checks) selects some checks."
  returned: always
  type: str
  sample: "NOT READY FOR GO-LIVE: 1 failed (sample_orgs)"
summary:
  description: Counts per status, plus the ids that failed and warned.
  returned: always
  type: dict
  sample: {pass: 21, warn: 1, fail: 1, skip: 3, total: 26, failed: [sample_orgs], warned: [email_domains]}
report:
  description: RV(headline), then the checks as lines of a table for people, failures first.
  returned: always
  type: list
  elements: str
'''

import os
import socket
import stat
from datetime import datetime

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.roost.coop.plugins.module_utils import coop_backup, coop_checks, coop_db, coop_sample
from ansible_collections.roost.coop.plugins.module_utils.coop_dotenv import values as dotenv_values
from ansible_collections.roost.coop.plugins.module_utils.coop_env_catalog import is_secret

# Optional: without it the Redis checks report the missing library.
redis = coop_db.optional_import('redis')[0]
HAS_REDIS = redis is not None

KINDS = (('server', 'server_env'), ('db', 'db_env'), ('client', 'client_env'))
SCRIPT_DIRS = ('db/src/scripts/api-server-pg', 'build/scripts/api-server-pg', 'db/build/scripts/api-server-pg')


def read_env_files(module):
    env, files = {}, []
    for kind, option in KINDS:
        path = module.params[option]
        env[kind] = None
        if not path:
            continue
        item = {'kind': kind, 'path': path, 'exists': os.path.exists(path), 'mode': None, 'error': None}
        files.append(item)
        if not item['exists']:
            continue
        try:
            item['mode'] = stat.S_IMODE(os.stat(path).st_mode)
            with open(path, 'r') as handle:
                env[kind] = dotenv_values(handle.read())
        except (IOError, OSError, ValueError) as exc:  # ValueError: undecodable, or lines the env readers disagree on
            item['error'] = to_native(getattr(exc, 'strerror', None) or exc)
            continue
        for name, value in env[kind].items():
            if value and is_secret(name):
                module.no_log_values.add(value)
    return env, files


def gather_postgres(module, server):
    params = dict(module.params)
    params['env_file'] = params.get('env_file') or (module.params['server_env'] if server is not None else None)
    if not params['env_file'] and not params.get('login_host') and not params.get('login_db'):
        return None
    try:
        settings = coop_db.connection_settings(params, secrets=module.no_log_values)
    except (IOError, OSError, ValueError) as exc:
        return {'reachable': False, 'target': 'PostgreSQL', 'error': to_native(exc)}
    if settings.get('password'):
        module.no_log_values.add(settings['password'])
    fact = {'reachable': False, 'target': coop_db.describe(settings)}
    if not coop_db.HAS_PSYCOPG:
        fact['error'] = 'the psycopg Python library is not installed where the checklist runs'
        return fact
    try:
        conn = coop_db.psycopg.connect(**settings)
    except coop_db.psycopg.Error as exc:
        fact['error'] = coop_db.error_text(exc)
        return fact
    fact['reachable'] = True
    try:
        conn.read_only = True
        with conn.cursor() as cur:
            read_database(cur, fact, module.params['default_passwords'] or coop_sample.DEFAULT_PASSWORDS)
    except coop_db.psycopg.Error as exc:
        fact['query_error'] = coop_db.error_text(exc)
    finally:
        coop_db.abort(conn)
    return fact


def read_database(cur, fact, passwords):
    cur.execute("SELECT current_setting('max_connections')::int, current_setting('superuser_reserved_connections')::int")
    fact['max_connections'], fact['reserved_connections'] = cur.fetchone()
    cur.execute('SELECT name FROM unnest(%s::text[]) WITH ORDINALITY AS t(name, n) WHERE to_regclass(name) IS NULL ORDER BY n',
                (list(coop_checks.COOP_TABLES),))
    fact['missing_tables'] = [row[0] for row in cur.fetchall()]
    has_orgs, has_users, has_meta = [name not in fact['missing_tables'] for name in coop_checks.COOP_TABLES]
    migrations = None
    if has_meta:
        cur.execute('SELECT name FROM public."SequelizeMeta" ORDER BY name')
        migrations = [row[0] for row in cur.fetchall()]
    # Each fact is set only once read: after a query error the checks see what is missing.
    fact['migrations'] = migrations
    fact['sample_orgs'] = coop_sample.find_orgs(cur, ids=sorted(coop_sample.SAMPLE_ORGS)) if has_orgs else []
    fact['ncmec_orgs'] = ncmec_orgs(cur) if has_orgs else []
    if not coop_sample.HAS_BCRYPT:
        fact['default_password_users'] = None
    elif has_users:
        fact['default_password_users'] = coop_sample.default_password_users(coop_sample.password_users(cur), passwords)
    else:
        fact['default_password_users'] = []


def ncmec_orgs(cur):
    """Orgs with NCMEC reporting on and whether both credentials are set (never the credentials)."""
    cur.execute("SELECT to_regclass('ncmec_reporting.ncmec_org_settings') IS NOT NULL")
    if not cur.fetchone()[0]:
        return []
    cur.execute("SELECT n.org_id, coalesce(o.name, n.org_id), btrim(n.username) <> '' AND btrim(n.password) <> '' "
                'FROM ncmec_reporting.ncmec_org_settings n LEFT JOIN public.orgs o ON o.id = n.org_id ORDER BY 2')
    return [{'id': org_id, 'name': name, 'credentials': credentials} for org_id, name, credentials in cur.fetchall()]


def gather_redis(module, server):
    if server is None:
        return None
    host = server.get('REDIS_HOST') or 'localhost'
    port = server.get('REDIS_PORT') or '6379'
    fact = {'reachable': False, 'target': 'Redis at %s:%s' % (host, port), 'config': None}
    if not HAS_REDIS:
        fact['error'] = 'the redis Python library is not installed where the checklist runs'
        return fact
    password = server.get('REDIS_PASSWORD') or None
    # Coop sends credentials only with a password, and REDIS_USE_CLUSTER=true forces TLS (coop-facts 2b).
    tls = (server.get('REDIS_TLS', '').strip().lower() in coop_checks.TRUE_WORDS
           or server.get('REDIS_USE_CLUSTER', '').strip() == 'true')
    fact['target'] += ' over TLS' if tls else ' without TLS'
    timeout = module.params['probe_timeout']
    try:
        client = redis.Redis(host=host, port=int(port), password=password,
                             username=(server.get('REDIS_USER') or None) if password else None,
                             ssl=tls, socket_timeout=timeout, socket_connect_timeout=timeout,
                             retry=None)  # one attempt: newer redis-py retries 3 times with backoff
        client.ping()
        if server.get('REDIS_USE_CLUSTER', '').strip() == 'true' and not client.info('cluster').get('cluster_enabled'):
            raise ValueError('REDIS_USE_CLUSTER=true, but this Redis has cluster support disabled, so Coop\'s cluster '
                             'client cannot start; set REDIS_USE_CLUSTER=false or point REDIS_HOST at a Redis cluster')
    except (redis.RedisError, ValueError, OSError) as exc:
        fact['error'] = coop_db.error_text(exc)
        return fact
    fact['reachable'] = True
    try:
        config = {}
        for name in ('appendonly', 'maxmemory-policy'):
            config.update(client.config_get(name))
        fact['config'] = dict((to_native(k), to_native(v)) for k, v in config.items())
    except redis.RedisError as exc:
        fact['config_error'] = coop_db.error_text(exc)
    finally:
        client.close()
    return fact


def split_host(entry, default_port):
    entry = entry.strip()
    if entry.startswith('['):
        host, _sep, rest = entry[1:].partition(']')
        port = rest.lstrip(':') or default_port
    elif entry.count(':') == 1:
        host, port = entry.split(':')
    else:
        host, port = entry, default_port
    return host, int(port)


def gather_scylla(module, server):
    if server is None or not coop_checks.investigation_enabled(server):
        return None
    hosts = [h.strip() for h in server.get('SCYLLA_HOSTS', '').split(',') if h.strip()]
    fact = {'hosts': hosts, 'unreachable': []}
    for entry in hosts:
        try:
            sock = socket.create_connection(split_host(entry, server.get('SCYLLA_PORT') or '9042'),
                                            timeout=module.params['probe_timeout'])
            sock.close()
        except (OSError, ValueError) as exc:
            fact['unreachable'].append({'host': entry, 'error': coop_db.error_text(exc)})
    return fact


def gather_clickhouse(module, server):
    if server is None or not coop_checks.clickhouse_selected(server):
        return None
    url = '%s://%s:%s/ping' % (server.get('CLICKHOUSE_PROTOCOL') or 'http', server.get('CLICKHOUSE_HOST') or 'localhost',
                               server.get('CLICKHOUSE_PORT') or '8123')
    fact = {'url': url, 'reachable': False}
    from ansible.module_utils.urls import open_url  # only when ClickHouse is used: a slow import
    try:
        response = open_url(url, timeout=module.params['probe_timeout'])
        fact['reachable'] = response.getcode() == 200
        if not fact['reachable']:
            fact['error'] = 'HTTP %s' % response.getcode()
    except Exception as exc:  # open_url raises many types; any of them means unreachable
        fact['error'] = coop_db.error_text(exc)
    return fact


def gather_release(release_dir):
    if not release_dir:
        return None
    for sub in SCRIPT_DIRS:
        path = os.path.join(release_dir, sub)
        if os.path.isdir(path):
            return {'dir': path, 'scripts': sorted(os.listdir(path))}
    return {'dir': release_dir, 'error': 'no %s under %s' % (' or '.join(SCRIPT_DIRS), release_dir)}


def gather_units(module):
    """Failed coop-* systemd units with their last journal lines; None without systemctl."""
    systemctl = module.get_bin_path('systemctl')
    if not systemctl:
        return None
    rc, out, err = module.run_command([systemctl, 'list-units', '--all', '--failed', '--plain', '--no-legend',
                                       '--no-pager', 'coop-*'])
    if rc != 0:
        return {'error': 'systemctl: %s' % (err or out).strip()}
    failed = []
    for unit in [line.split()[0] for line in out.splitlines() if line.strip()]:
        _rc, journal, _err = module.run_command([module.get_bin_path('journalctl') or 'journalctl', '--no-pager',
                                                 '-o', 'cat', '-n', '20', '_SYSTEMD_UNIT=%s' % unit])
        failed.append({'unit': unit, 'journal': journal.splitlines()})
    return {'failed': failed}


def gather_backups(folder, max_age_hours, dbname):
    """The newest coop_backup dump of dbname in folder and its age."""
    if not folder:
        return None
    fact = {'dir': folder, 'newest': None, 'age_hours': None, 'max_age_hours': max_age_hours}
    try:
        names = coop_backup.own_dumps(os.listdir(folder), dbname)
    except OSError as exc:
        fact['error'] = 'cannot list %s: %s' % (folder, exc.strerror)
        return fact
    if names:
        taken = coop_backup.parse_name(names[0])['time']
        fact['newest'] = names[0]
        fact['age_hours'] = (datetime.utcnow() - taken).total_seconds() / 3600
    return fact


def gather(module):
    env, files = read_env_files(module)
    server = env['server']
    return {
        'env': env,
        'files': files,
        'ncmec_approved': module.params['ncmec_live_reporting_approved'],
        'demo': module.params['demo'],
        'processes': {'api': module.params['app_processes'], 'worker': module.params['worker_processes'],
                      'jobs': module.params['job_processes']},
        'postgres': gather_postgres(module, server),
        'redis': gather_redis(module, server),
        'scylla': gather_scylla(module, server),
        'clickhouse': gather_clickhouse(module, server),
        'release': gather_release(module.params['release_dir']),
        'units': gather_units(module),
        'backups': gather_backups(module.params['backup_dir'], module.params['backup_max_age_hours'],
                                  (coop_db.settings_from_env(env['db'] or {}) or coop_db.settings_from_env(server or {})
                                   ).get('dbname', 'coop')),
        'edge': module.params['edge'],
    }


def main():
    argument_spec = coop_db.coop_db_argument_spec()
    argument_spec.update(
        server_env=dict(type='path'),
        db_env=dict(type='path'),
        client_env=dict(type='path'),
        release_dir=dict(type='path'),
        fail_on=dict(type='str', default='fail', choices=['fail', 'warn', 'never']),
        ncmec_live_reporting_approved=dict(type='bool', default=False),
        demo=dict(type='bool', default=False),
        app_processes=dict(type='int', default=1),
        worker_processes=dict(type='int'),
        job_processes=dict(type='int', default=1),
        default_passwords=dict(type='list', elements='str', no_log=True),
        probe_timeout=dict(type='float', default=2.0),
        checks=dict(type='list', elements='str'),
        backup_dir=dict(type='path'),
        backup_max_age_hours=dict(type='int', default=24),
        edge=dict(type='dict'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    unknown = sorted(set(module.params['checks'] or []) - set(coop_checks.ids()))
    if unknown:
        module.fail_json(msg='unknown check id(s) %s; known: %s' % (', '.join(unknown), ', '.join(coop_checks.ids())))
    if module.params['app_processes'] < 1:
        module.fail_json(msg='app_processes must be 1 or more (the number of API server processes)')
    if (module.params['worker_processes'] or 0) < 0:
        module.fail_json(msg='worker_processes must be 0 or more (the number of ItemProcessingWorker processes)')
    if module.params['job_processes'] < 0:
        module.fail_json(msg='job_processes must be 0 or more (the number of one-shot jobs that can run at once)')

    only = module.params['checks']
    results = coop_checks.run(gather(module), only=only)
    summary = coop_checks.summary(results)
    headline = coop_checks.headline(results, demo=module.params['demo'],
                                    partial=bool(only) and set(only) != set(coop_checks.ids()))
    output = dict(changed=False, checks=results, summary=summary, headline=headline,
                  report=coop_checks.table(results, title=headline))
    blocking = coop_checks.blocking(results, module.params['fail_on'])
    if blocking:
        module.fail_json(msg='%s; blocking under fail_on=%s: %s; see each check\'s remedy'
                         % (headline, module.params['fail_on'], ', '.join('%s %s' % (r['id'], r['status']) for r in blocking)),
                         **output)
    module.exit_json(**output)


if __name__ == '__main__':
    main()
