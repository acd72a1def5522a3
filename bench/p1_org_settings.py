#!/usr/bin/env python
"""P1: all settings of one org. Whole-playbook wall time, same database, same run:
  coop       one roost.coop.coop_org_setting task with every setting
  per-key    one community.postgresql.postgresql_query upsert task per setting (the plain way)
  floor      one trivial postgresql_query task (SELECT 1)
Rows are reset to Coop's defaults before every run so each run really writes every setting.
Usage: bench/p1_org_settings.py [rounds]   (needs hack/services.sh; run with the venv's python)"""

import json
import sys

from org_setting_bench import (catalog, connection_vars, create_db, drop_db, median, reset_rows, run_playbook,
                               stored_values, tempdir, write_playbook)
from tests.fixtures.org_settings import ALL_NEW

ORG = ('p1org000001', 'Bench Org', True)


def per_key_tasks(settings):
    """One upsert per setting, the way a playbook without the collection would do it."""
    tasks = []
    # sso_url and cert first: the saml_enabled upsert must carry them (CHECK on the proposed row).
    order = sorted(settings, key=lambda key: (key == 'saml_enabled', key))
    for key in order:
        setting = catalog.SETTINGS[key]
        schema, table = setting.table
        value = settings[key]
        placeholder = '%(value)s::jsonb' if setting.sql_type == 'jsonb' else '%(value)s'
        columns, values = [key], [placeholder]
        if key == 'saml_enabled':
            columns += ['sso_url', 'cert']
            values += ['%(sso_url)s', '%(cert)s']
        args = {'org': ORG[0], 'value': json.dumps(value) if setting.sql_type == 'jsonb' else value,
                'sso_url': settings['sso_url'], 'cert': settings['cert']}
        query = ('INSERT INTO {s}.{t} (org_id, {cols}) VALUES (%(org)s, {vals}) ON CONFLICT (org_id) '
                 'DO UPDATE SET {k} = EXCLUDED.{k}').format(s=schema, t=table, cols=', '.join(columns),
                                                            vals=', '.join(values), k=key)
        tasks.append({'name': 'Set %s' % key, 'community.postgresql.postgresql_query': {
            'query': query, 'named_args': args}})
    return tasks


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    db = create_db([ORG])
    try:
        login = connection_vars(db)
        pg_defaults = {'community.postgresql.postgresql_query': {
            'login_host': login['login_host'], 'port': login['login_port'], 'login_user': login['login_user'],
            'login_password': login['login_password'], 'login_db': db, 'ssl_mode': 'disable'}}
        work = tempdir()
        books = {
            'floor': write_playbook(work, 'floor', [{'name': 'Trivial query', 'community.postgresql.postgresql_query': {
                'query': 'SELECT 1'}}], pg_defaults),
            'per-key': write_playbook(work, 'per_key', per_key_tasks(ALL_NEW), pg_defaults),
            'coop': write_playbook(work, 'coop', [{'name': 'All settings', 'roost.coop.coop_org_setting': dict(
                login, org=ORG[1], settings=ALL_NEW)}]),
        }
        times = dict((name, []) for name in books)
        names = list(books)
        for round_no in range(rounds + 1):
            for name in names[round_no % 3:] + names[:round_no % 3]:
                reset_rows(db, [ORG])
                elapsed = run_playbook(books[name])
                if name != 'floor' and stored_values(db, ORG[0], ALL_NEW) != ALL_NEW:
                    raise SystemExit('the %s playbook did not store every setting' % name)
                if round_no:  # round 0 warms caches
                    times[name].append(elapsed)
        med = dict((name, median(values)) for name, values in times.items())
        # Ratios within a round, so load from other work on the machine cancels out.
        ratio = dict((name, median([t / f for t, f in zip(times[name], times['floor'])])) for name in times)
        print('P1: %d settings of one org, %d rounds, whole-playbook wall time' % (len(ALL_NEW), rounds))
        for name in ('floor', 'per-key', 'coop'):
            print('  %-8s median %6.2f s   (%s)' % (name, med[name], ', '.join('%.2f' % t for t in times[name])))
        print('  median of per-round ratios:')
        print('  per-key / floor = %.2fx' % ratio['per-key'])
        print('  coop    / floor = %.2fx   (target <= 1.2x)' % ratio['coop'])
        print('  per-key / coop  = %.2fx' % median([p / c for p, c in zip(times['per-key'], times['coop'])]))
    finally:
        drop_db(db)


if __name__ == '__main__':
    main()
