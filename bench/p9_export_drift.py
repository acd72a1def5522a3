#!/usr/bin/env python
"""P9: export of N orgs (coop_org_setting_info) and the drift report over N orgs (roost.coop.drift).
Every org has every setting, a quarter NCMEC reporting on. Prints the SQL round trips of the export
and of the drift report's comparison module (coop_drift, the export as coop_orgs; counted on the wire
by the proxy) for each N, which
must be equal, then for the largest N the whole-playbook wall time of each against a playbook of
one trivial postgresql_query task (the floor), and of the drift report against that task run with the
drift report's inventory (the inventory floor: the N orgs' declared settings loaded), run order
rotated, medians of the rounds. The orgs are declared in group_vars/coop_app.yml beside the
inventory (Ansible's usual layout), and again in the inventory file's own group vars, which
ansible-core loads at several times the cost.
Usage: bench/p9_export_drift.py [rounds] [N ...]   default: 3 rounds, 20 200   (needs hack/services.sh)"""

import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

from org_setting_bench import (RoundTripProxy, connection_vars, create_db, drop_db, median, pg_connect, run_playbook,
                               tempdir, write_playbook)
from tests.conftest import ansible_playbook, run_module
from tests.fixtures import coop_schema
from tests.fixtures.org_settings import ALL_NEW
from tests.service.test_drift import CONVERGE, inventory


def make_db(count):
    orgs = [('p9org%06d' % n, 'Bench Org %d' % n, True) for n in range(count)]
    db = create_db(orgs)
    applied = run_module('coop_org_setting', dict(connection_vars(db), orgs=[name for _id, name, _r in orgs],
                                                  settings=ALL_NEW))
    if applied.get('failed'):
        raise SystemExit('settings failed: %s' % applied['msg'])
    with pg_connect(db) as conn:
        for org_id, _name, _rows in orgs[::4]:
            coop_schema.add_ncmec(conn, org_id, 'esp-' + org_id, 'pass-' + org_id, legal_url='https://x.example/t')
    return db


def round_trips(proxy, name, args, check=False):
    proxy.reset()
    result = run_module(name, args, check=check)
    if result.get('failed') or result['changed']:
        raise SystemExit('%s: %s' % (name, result.get('msg') or 'changed'))
    return proxy.round_trips, result


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    counts = [int(arg) for arg in sys.argv[2:]] or [20, 200]
    proxy = RoundTripProxy()
    print('P9: export and drift report over N orgs (%d settings each, a quarter with NCMEC)' % len(ALL_NEW))
    trips = {}
    for count in counts:
        db = make_db(count)
        try:
            export_trips, exported = round_trips(proxy, 'coop_org_setting_info', connection_vars(db, proxy.port))
            drift_trips, _result = round_trips(proxy, 'coop_drift', dict(
                connection_vars(db, proxy.port), orgs=exported['coop_orgs']), check=True)
            trips[count] = (export_trips, drift_trips)
            print('  N=%-4d SQL round trips: export %d, drift comparison (coop_drift) %d (%d orgs exported)'
                  % (count, export_trips, drift_trips, len(exported['coop_orgs'])))
        finally:
            if count != max(counts):
                drop_db(db)
    if len(set(trips.values())) != 1:
        raise SystemExit('round trips depend on the org count: %s' % trips)
    try:
        timings(db, exported['coop_orgs'], rounds)
    finally:
        drop_db(db)


def timings(db, coop_orgs, rounds):
    work = tempdir()
    export_book = write_playbook(work, 'export', [{'name': 'Export', 'roost.coop.coop_org_setting_info':
                                                   connection_vars(db)}])
    floor_book = write_playbook(work, 'floor', [{'name': 'Trivial query', 'community.postgresql.postgresql_query':
                                                 dict(connection_vars(db), query='SELECT 1')}])
    inline, grouped = (Path(tempfile.mkdtemp(prefix='coop-bench-drift-', dir=work)) for _n in range(2))
    # The same declared orgs two ways: in the inventory file's group vars, and in group_vars/coop_app.yml
    # beside it (Ansible's usual layout; ansible-core loads it at a fraction of the cost).
    inventories = {}
    for folder in (inline, grouped):
        inv, _config_dir = inventory(folder, db)
        if folder == inline:
            data = yaml.safe_load(inv.read_text())
            data['all']['children']['coop_app']['vars']['coop_orgs'] = coop_orgs
            inv.write_text(yaml.safe_dump(data))
        else:
            (folder / 'group_vars').mkdir()
            (folder / 'group_vars' / 'coop_app.yml').write_text(yaml.safe_dump({'coop_orgs': coop_orgs}))
        converge = folder / 'converge.yml'
        converge.write_text(CONVERGE)
        if ansible_playbook(converge, inventory=inv).returncode != 0:
            raise SystemExit('converge failed')
        inventories[folder] = inv

    def drift(folder):
        proc = ansible_playbook(os.path.join('playbooks', 'drift.yml'), inventory=inventories[folder])
        if proc.returncode != 0:
            raise SystemExit('drift found drift or failed:\n%s' % proc.stdout[-3000:])

    def floor_with_inventory(folder):
        if ansible_playbook(floor_book, inventory=inventories[folder]).returncode != 0:
            raise SystemExit('the trivial task failed with the drift inventory')

    def timed(run):
        start = time.perf_counter()
        run()
        return time.perf_counter() - start

    # 'inventory floor': the same trivial task, but ansible-playbook also loads the drift report's
    # inventory (N orgs' declared settings), which the drift report cannot do without.
    ways = [('floor', lambda: run_playbook(floor_book)), ('export', lambda: run_playbook(export_book)),
            ('drift', lambda: timed(lambda: drift(grouped))),
            ('inventory floor', lambda: timed(lambda: floor_with_inventory(grouped))),
            ('drift, orgs in the inventory file', lambda: timed(lambda: drift(inline))),
            ('inventory floor, orgs in the inventory file', lambda: timed(lambda: floor_with_inventory(inline)))]
    times = dict((name, []) for name, _run in ways)
    for n in range(rounds):
        for name, run in ways[n % len(ways):] + ways[:n % len(ways)]:
            times[name].append(run())
    print('  orgs declared in group_vars/coop_app.yml unless said otherwise')
    for name, floor in (('export', 'floor'), ('drift', 'floor'), ('inventory floor', 'floor'),
                        ('drift', 'inventory floor'), ('drift, orgs in the inventory file', 'floor'),
                        ('inventory floor, orgs in the inventory file', 'floor')):
        ratio = median([t / f for t, f in zip(times[name], times[floor])])
        print('  N=%d %s playbook %.2f s vs %s %.2f s (medians of %d), median per-round ratio %.2fx%s'
              % (len(coop_orgs), name, median(times[name]), floor, median(times[floor]), rounds, ratio,
                 ' (target <= 1.3x)' if floor == 'floor' and name in ('export', 'drift') else ''))


if __name__ == '__main__':
    main()
