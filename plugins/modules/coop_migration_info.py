#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: coop_migration_info
short_description: List the Coop migration scripts that are pending on a database
version_added: 0.1.0
description:
  - Lists the migration scripts of a Coop release (C(db/build/scripts/<db>/) once built,
    C(db/src/scripts/<db>/) in the source) and the names Coop's migrator recorded as applied, and
    returns the difference, per database.
  - Applied names are read from C(public."SequelizeMeta") (PostgreSQL), from
    C(<CLICKHOUSE_DATABASE>.<CLICKHOUSE_MIGRATIONS_TABLE>) over ClickHouse's HTTP interface, and
    from C(<SCYLLA_KEYSPACE>.migrations_metadata) (needs the Python C(cassandra-driver)). Names
    include the file extension, as the migrator records them.
  - Seeds (C(*.seed.<env>.sql)) count only for the given O(env).
  - Read-only; never reports a change.
author: roost.coop developers (@roostorg)
attributes:
  check_mode:
    support: full
    description: Reads only, so it runs in check mode too.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to diff.
options:
  scripts_dir:
    description:
      - Directory of the release's migration scripts, with one sub-directory per database
        (C(api-server-pg), C(clickhouse), C(scylla)), i.e. the built C(db/build/scripts) the migrator
        runs, for example C(/opt/coop/release/db/build/scripts).
    type: path
    required: true
  databases:
    description: Databases to look at, as Coop's migrator C(--db) names them.
    type: list
    elements: str
    choices: [api-server-pg, clickhouse, scylla]
    default: [api-server-pg]
  env:
    description: The migrator's C(--env); only seeds depend on it.
    type: str
    choices: [prod, staging]
    default: prod
  create_env:
    description:
      - The C(--env) of RV(commands)' C(create) commands; defaults to O(env).
      - Coop 1.0.0-1.0.2's migrator refuses C(create --env prod); C(create) runs no seed, so the
        migrations role passes C(staging) for those releases.
    type: str
    choices: [prod, staging]
  release:
    description: Name of the release whose scripts O(scripts_dir) holds, for the upgrade gate's messages.
    type: str
    default: the target release
  releases_dir:
    description:
      - Directory of the releases kept on the host (C(<coop_install_dir>/releases)); each
        C(<id>/db/build/scripts) (or C(db/src/scripts)) tells the gate which release a database
        that is newer than O(release) belongs to.
    type: path
extends_documentation_fragment:
  - roost.coop.coop_db
notes:
  - With O(env_file) pointing at Coop's C(db.env), the C(API_SERVER_DATABASE_*), C(CLICKHOUSE_*)
    and C(SCYLLA_*) keys give every connection.
  - A PostgreSQL database that does not exist yet has every script pending.
seealso:
  - module: roost.coop.coop_checklist
'''

EXAMPLES = r'''
- name: Which migrations would run
  roost.coop.coop_migration_info:
    scripts_dir: /opt/coop/release/db/build/scripts
    databases: [api-server-pg]
    env_file: /etc/coop/db.env
  register: migrations

- name: Show them
  ansible.builtin.debug:
    var: migrations.pending
'''

RETURN = r'''
pending:
  description: Per database, the scripts not recorded yet, in the order the migrator runs them.
  returned: always
  type: dict
  sample: {api-server-pg: [2026.07.13T21.56.32.restrict_routing_rules_queue_fkeys.sql]}
applied:
  description: Per database, how many recorded names there are.
  returned: always
  type: dict
  sample: {api-server-pg: 21}
scripts:
  description: Per database, how many scripts the release has for O(env).
  returned: always
  type: dict
  sample: {api-server-pg: 22}
unknown:
  description: Per database, recorded names with no script in this release (the database is newer than the release).
  returned: always
  type: dict
  sample: {api-server-pg: []}
commands:
  description:
    - The built migrator's node arguments to run, in order, from the release's C(db/) directory with
      the env of C(db.env) - C(create) then C(apply) for each database with pending scripts.
  returned: always
  type: list
  elements: list
  sample: [[build/index.js, create, --db, api-server-pg, --env, prod], [build/index.js, apply, --db, api-server-pg, --env, prod]]
database_exists:
  description: Whether Coop's PostgreSQL database exists yet.
  returned: always
  type: bool
job_state_missing:
  description:
    - Scheduled jobs whose bookkeeping row (see M(roost.coop.coop_job_state)) is missing from
      Coop's PostgreSQL database, or whose table does not exist yet; read only, so a deploy runs
      M(roost.coop.coop_job_state) only when there is something to insert.
  returned: when O(databases) has C(api-server-pg)
  type: list
  elements: str
  sample: [RefreshMRTDecisionsMaterializedViewJob]
gate:
  description:
    - The upgrade gate's verdict over all O(databases) - C(ok), or C(refuse) with the C(reasons) (a
      downgrade, naming the release the database belongs to in C(belongs_to) when one kept in
      O(releases_dir) knows every recorded name; or a jump that needs an intermediate release).
  returned: always
  type: dict
  sample: {verdict: refuse, reasons: ['api-server-pg: downgrade refused: the database belongs to release v2 ...'],
           belongs_to: {api-server-pg: [v2]}}
'''

import base64
import json
import os
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.urls import open_url

from ansible_collections.roost.coop.plugins.module_utils import coop_migrations, coop_upgrade
from ansible_collections.roost.coop.plugins.module_utils.coop_db import (
    connection_settings, coop_db_argument_spec, describe, ensure_psycopg, env_secrets, job_state_missing, psycopg)
from ansible_collections.roost.coop.plugins.module_utils.coop_releases import JOB_STATE
from ansible_collections.roost.coop.plugins.module_utils.coop_dotenv import values as dotenv_values

try:
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import Cluster
    HAS_CASSANDRA = True
    CASSANDRA_IMPORT_ERROR = None
except ImportError:
    HAS_CASSANDRA = False
    CASSANDRA_IMPORT_ERROR = traceback.format_exc()


def pg_applied(module):
    """(exists, names, jobs) from public."SequelizeMeta"; a missing database or table means nothing applied.
    jobs: the scheduled jobs whose bookkeeping row is missing (all of them without a database)."""
    ensure_psycopg(module)
    try:
        settings = connection_settings(module.params, secrets=module.no_log_values)
    except (IOError, OSError, ValueError) as exc:
        module.fail_json(msg='cannot read the connection settings: %s; point env_file at Coop\'s db.env' % exc)
    if settings.get('password'):
        module.no_log_values.add(settings['password'])
    try:
        conn = psycopg.connect(autocommit=True, **settings)
    except psycopg.OperationalError as exc:
        if 'does not exist' in str(exc) and settings.get('dbname', '') in str(exc):
            return False, [], [row['job'] for row in JOB_STATE]
        module.fail_json(msg='cannot connect to PostgreSQL (%s): %s; check API_SERVER_DATABASE_* in the env_file'
                             % (describe(settings), str(exc).strip().splitlines()[0]))
    with conn:
        jobs = [row['job'] for row, _table in job_state_missing(conn.cursor(), JOB_STATE)]
        cur = conn.execute("SELECT to_regclass('public.\"SequelizeMeta\"') IS NOT NULL")
        if not cur.fetchone()[0]:
            return True, [], jobs
        rows = conn.execute('SELECT name FROM public."SequelizeMeta"').fetchall()
    return True, [row[0] for row in rows], jobs


def clickhouse_applied(module, env):
    """Names in the ClickHouse migration log, over its HTTP interface (coop-facts 2a, 6)."""
    database = env.get('CLICKHOUSE_DATABASE') or 'analytics'
    table = env.get('CLICKHOUSE_MIGRATIONS_TABLE') or 'MIGRATIONS_METADATA'
    url = '%s://%s:%s/' % (env.get('CLICKHOUSE_PROTOCOL') or 'http', env.get('CLICKHOUSE_HOST') or 'localhost',
                           env.get('CLICKHOUSE_PORT') or '8123')
    user = env.get('CLICKHOUSE_USERNAME') or 'default'
    password = env.get('CLICKHOUSE_PASSWORD') or ''
    if password:
        module.no_log_values.add(password)
    auth = base64.b64encode(('%s:%s' % (user, password)).encode('utf-8')).decode('ascii')
    headers = {'Authorization': 'Basic %s' % auth}
    exists_query = 'EXISTS TABLE `%s`.`%s` FORMAT JSONEachRow' % (database.replace('`', ''), table.replace('`', ''))
    try:
        exists = json.loads(open_url(url, data=exists_query, headers=headers, method='POST', timeout=30).read())
        if not exists.get('result'):
            return []
        body = open_url(url, data='SELECT name FROM `%s`.`%s` FORMAT TabSeparatedRaw'
                        % (database.replace('`', ''), table.replace('`', '')),
                        headers=headers, method='POST', timeout=30).read()
    except Exception as exc:  # open_url raises several types; all mean the same to the operator
        module.fail_json(msg='cannot read the ClickHouse migration log at %s: %s; check CLICKHOUSE_* in the env_file'
                             % (url, exc))
    return [line for line in body.decode('utf-8').splitlines() if line]


def scylla_applied(module, env):
    """Names in <keyspace>.migrations_metadata (coop-facts 6)."""
    if not HAS_CASSANDRA:
        module.fail_json(msg=missing_required_lib('cassandra-driver (to read the Scylla migration log)'),
                         exception=CASSANDRA_IMPORT_ERROR)
    hosts = [h.strip() for h in (env.get('SCYLLA_HOSTS') or '').split(',') if h.strip()]
    keyspace = env.get('SCYLLA_KEYSPACE') or 'item_investigation_service'
    auth = None
    if env.get('SCYLLA_USERNAME'):
        module.no_log_values.add(env.get('SCYLLA_PASSWORD') or '')
        auth = PlainTextAuthProvider(env['SCYLLA_USERNAME'], env.get('SCYLLA_PASSWORD') or '')
    try:
        cluster = Cluster([h.split(':')[0] for h in hosts], port=int(env.get('SCYLLA_PORT') or 9042), auth_provider=auth)
        session = cluster.connect()
        found = session.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s '
                                'AND table_name = %s', (keyspace, 'migrations_metadata'))
        names = [] if not list(found) else [
            row.name for row in session.execute('SELECT name FROM "%s".migrations_metadata' % keyspace.replace('"', ''))]
        cluster.shutdown()
    except Exception as exc:  # the driver raises many types; the fix is the same
        module.fail_json(msg='cannot read the Scylla migration log on %s: %s; check SCYLLA_* in the env_file'
                             % (','.join(hosts), exc))
    return names


def kept_releases(releases_dir, db, env):
    """{release id: script names} of the releases kept in releases_dir, for the gate."""
    found = {}
    for release_id in sorted(os.listdir(releases_dir)) if releases_dir and os.path.isdir(releases_dir) else []:
        for sub in ('build', 'src'):
            folder = os.path.join(releases_dir, release_id, 'db', sub, 'scripts', db)
            if os.path.isdir(folder):
                found[release_id] = coop_migrations.scripts_for(os.listdir(folder), db, env)
                break
    return found


def main():
    argument_spec = coop_db_argument_spec()
    argument_spec.update(
        scripts_dir=dict(type='path', required=True),
        databases=dict(type='list', elements='str', choices=list(coop_migrations.DATABASES),
                       default=['api-server-pg']),
        env=dict(type='str', choices=list(coop_migrations.ENVS), default='prod'),
        create_env=dict(type='str', choices=list(coop_migrations.ENVS)),
        release=dict(type='str', default='the target release'),
        releases_dir=dict(type='path'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    env = {}
    if params.get('env_file'):
        try:
            with open(params['env_file']) as handle:
                env = dotenv_values(handle.read())
            module.no_log_values.update(env_secrets(env))
        except (IOError, OSError, ValueError) as exc:
            module.fail_json(msg='cannot read env_file %s: %s; run the config role first' % (params['env_file'], exc))
    result = dict(changed=False, pending={}, applied={}, scripts={}, unknown={}, database_exists=True,
                  gate={'verdict': 'ok', 'reasons': [], 'belongs_to': {}})
    for db in params['databases']:
        folder = os.path.join(params['scripts_dir'], db)
        if not os.path.isdir(folder):
            module.fail_json(msg='%s does not exist; point scripts_dir at the built release\'s db/build/scripts '
                                 '(the release role builds db/)' % folder)
        scripts = coop_migrations.scripts_for(os.listdir(folder), db, params['env'])
        if db == 'api-server-pg':
            result['database_exists'], applied, result['job_state_missing'] = pg_applied(module)
        elif db == 'clickhouse':
            applied = clickhouse_applied(module, env)
        else:
            applied = scylla_applied(module, env)
        result['pending'][db] = coop_migrations.pending(scripts, applied)
        result['applied'][db] = len(applied)
        result['scripts'][db] = len(scripts)
        verdict = coop_upgrade.gate(scripts, applied, params['release'],
                                    kept_releases(params['releases_dir'], db, params['env']))
        result['unknown'][db] = verdict['unknown']
        result['gate']['reasons'].extend('%s: %s' % (db, reason) for reason in verdict['reasons'])
        result['gate']['belongs_to'][db] = verdict['belongs_to']
    if result['gate']['reasons']:
        result['gate']['verdict'] = 'refuse'
    result['commands'] = coop_migrations.migrator_commands(
        [db for db in params['databases'] if result['pending'][db]], params['env'], params['create_env'])
    module.exit_json(**result)


if __name__ == '__main__':
    main()
