"""P5: the whole go-live checklist on one host, median wall time over N runs (target < 3 s).

Usage: python bench/p5_checklist.py [runs] [users]

A scratch database with the fixture schema, the staging seed's sample orgs, two real orgs and
`users` more password users (default 200, each with its own bcrypt hash, so the default-password
check verifies every one), a private redis-server with persistence, and production-like env files.
Timed, each run in a rotated order:
  module   the coop_checklist module as Ansible runs it (child process, JSON on stdin)
  role     ansible-playbook roost.coop.checklist on localhost (table, JSON report)
  plain    the plain-Ansible way for a subset of the checks: stat of the env files, slurp of
           server.env, community.postgresql.postgresql_query for max_connections, sample orgs,
           the seed record and password users, redis-cli CONFIG GET twice, and asserts
           (no bcrypt verification: stock Ansible has no bcrypt check)
  floor    a playbook with one ansible.builtin.ping task
"""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from org_setting_bench import (PYTHON, ROOT, drop_db, login_args, median, pg_connect,  # noqa: E402
                               run_playbook, tempdir, write_playbook)
from org_setting_bench import create_db as create_scratch_db  # noqa: E402
from tests.conftest import COLLECTIONS  # noqa: E402
from tests.fixtures import coop_schema  # noqa: E402
from tests.service import checklist_support as live  # noqa: E402


def create_db(users):
    name = create_scratch_db([('benchorg001', 'Bench Org', True)])
    with pg_connect(name) as conn:
        coop_schema.record_staging_seed(conn)
        coop_schema.add_staging_seed(conn, live.default_hash())
        rows = [('benchuser%04d' % n, 'user%d@bench.example' % n, live.default_hash('pw-%d' % n)) for n in range(users)]
        coop_schema.add_org_data(conn, 'benchorg001', users=rows)
    live.add_real_orgs(name)
    return name


def time_module(args):
    payload = json.dumps({'ANSIBLE_MODULE_ARGS': dict(args, _ansible_tmpdir=None, _ansible_remote_tmp='/tmp')})
    env = dict(os.environ, PYTHONPATH=COLLECTIONS)
    start = time.perf_counter()
    proc = subprocess.run([PYTHON, '-m', 'ansible_collections.roost.coop.plugins.modules.coop_checklist'],
                          input=payload, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    elapsed = time.perf_counter() - start
    result = json.loads(proc.stdout)
    if result.get('failed'):
        raise SystemExit('module failed: %s' % result.get('msg'))
    return elapsed, result


def plain_tasks(config_dir, dbname, redis_port):
    login = login_args(dbname)
    pg = dict(login_host=login['login_host'], login_port=login['login_port'], login_user=login['login_user'],
              login_password=login['login_password'], login_db=dbname)
    queries = [
        ('max_connections', "SELECT current_setting('max_connections')::int AS n"),
        ('sample', "SELECT id, name FROM public.orgs WHERE id = ANY(ARRAY['e7c89ce7729','34bff959d00',"
                   "'dadbb4c07b0','6cd8223106e'])"),
        ('seed', 'SELECT name FROM public."SequelizeMeta" WHERE name LIKE \'%.seed.staging.%\''),
        ('users', 'SELECT id, email, password FROM public.users WHERE password IS NOT NULL'),
    ]
    tasks = [{'name': 'stat %s' % kind, 'ansible.builtin.stat': {'path': os.path.join(config_dir, kind + '.env')},
              'register': 'stat_' + kind} for kind in ('server', 'db', 'client')]
    tasks.append({'name': 'read server.env', 'ansible.builtin.slurp': {'src': os.path.join(config_dir, 'server.env')},
                  'register': 'server_env', 'no_log': True})
    for name, query in queries:
        tasks.append({'name': 'query %s' % name, 'community.postgresql.postgresql_query': dict(pg, query=query),
                      'register': 'q_' + name, 'no_log': name == 'users'})
    for name in ('appendonly', 'maxmemory-policy'):
        tasks.append({'name': 'redis %s' % name, 'ansible.builtin.command': 'redis-cli -p %d CONFIG GET %s' % (redis_port, name),
                      'register': 'redis_' + name.replace('-', '_'), 'changed_when': False})
    tasks.append({'name': 'checks', 'ansible.builtin.assert': {'that': [
        "stat_server.stat.mode == '0600'", "stat_db.stat.mode == '0600'",
        'q_max_connections.query_result[0].n > 0',
        "'yes' in redis_appendonly.stdout_lines", "'noeviction' in redis_maxmemory_policy.stdout_lines",
        "'NODE_ENV=production' in (server_env.content | b64decode)",
    ]}})
    return tasks


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    users = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    work = tempdir()
    dbname = create_db(users)
    try:
        with live.redis_server(*live.PERSISTENT) as port:
            for kind, values in (('server', live.server_env(dbname, port)), ('db', live.db_env(dbname)),
                                 ('client', {'VITE_UI_URL': 'https://coop.acme.org'})):
                live.write_env(os.path.join(work, kind + '.env'), values)
            release = live.write_release(work)
            args = {'server_env': os.path.join(work, 'server.env'), 'db_env': os.path.join(work, 'db.env'),
                    'client_env': os.path.join(work, 'client.env'), 'release_dir': release, 'fail_on': 'never'}
            role = write_playbook(work, 'role', [{'name': 'checklist', 'ansible.builtin.include_role': {
                'name': 'roost.coop.checklist'}, 'vars': {
                'coop_config_dir': work, 'coop_checklist_release_dir': release, 'coop_checklist_fail_on': 'never',
                'coop_checklist_install_libs': False,
                'coop_checklist_report_path': os.path.join(work, 'report.json')}}])
            plain = write_playbook(work, 'plain', plain_tasks(work, dbname, port))
            floor = write_playbook(work, 'floor', [{'name': 'ping', 'ansible.builtin.ping': {}}])

            _elapsed, result = time_module(args)
            timings = {'module': [], 'role': [], 'plain': [], 'floor': []}
            jobs = [('module', lambda: time_module(args)[0]), ('role', lambda: run_playbook(role)),
                    ('plain', lambda: run_playbook(plain)), ('floor', lambda: run_playbook(floor))]
            for n in range(runs):
                for name, job in jobs[n % 4:] + jobs[:n % 4]:
                    timings[name].append(job())
    finally:
        drop_db(dbname)

    med = dict((name, median(values)) for name, values in timings.items())
    summary = result['summary']
    print('P5 whole checklist: %d checks (%d pass, %d warn, %d fail, %d skip), %d password users, %d runs'
          % (summary['total'], summary['pass'], summary['warn'], summary['fail'], summary['skip'], users + 5, runs))
    for name in ('module', 'role', 'plain', 'floor'):
        print('  %-6s median %.2f s  (runs: %s)' % (name, med[name], ', '.join('%.2f' % v for v in timings[name])))
    print('  role / plain subset = %.2fx   role / floor = %.2fx   role - floor = %.2f s'
          % (med['role'] / med['plain'], med['role'] / med['floor'], med['role'] - med['floor']))
    print('  target: whole checklist < 3 s -> %s' % ('met' if med['role'] < 3 else 'MISSED'))


if __name__ == '__main__':
    main()
