#!/usr/bin/env python
"""P2: many orgs x every setting in ONE coop_org_setting task.
Prints module seconds (child process, as Ansible runs it) and SQL round trips counted on the wire
by a proxy (simple queries + extended-protocol Syncs), for several org counts, then the whole
playbook wall time for the largest count against a one-trivial-task playbook. A quarter of the
orgs start without settings rows. Rows are reset before every run so every run writes everything.
Usage: bench/p2_many_orgs.py [orgs ...]   default: 20 200   (needs hack/services.sh; venv python)"""

import sys
import time

from org_setting_bench import (RoundTripProxy, connection_vars, create_db, drop_db, median, pg_connect, reset_rows,
                               run_playbook, tempdir, write_playbook)
from tests.conftest import run_module
from tests.fixtures.org_settings import ALL_NEW


def orgs_of(count):
    return [('p2org%06d' % n, 'Bench Org %d' % n, n % 4 != 0) for n in range(count)]


def module_args(db, orgs, port=None):
    return dict(connection_vars(db, port), orgs=[name for _id, name, _rows in orgs], settings=ALL_NEW)


def check_written(db, orgs):
    with pg_connect(db) as conn:
        blur = conn.execute('SELECT count(*) FROM user_management_service.org_default_user_interface_settings '
                            'WHERE moderator_safety_blur_level = %s', (ALL_NEW['moderator_safety_blur_level'],))
        if blur.fetchone()[0] != len(orgs):
            raise SystemExit('not every org got its settings')


def main():
    counts = [int(arg) for arg in sys.argv[1:]] or [20, 200]
    proxy = RoundTripProxy()
    print('P2: every setting (%d keys) for N orgs in one coop_org_setting task' % len(ALL_NEW))
    largest = None
    for count in counts:
        orgs = orgs_of(count)
        db = create_db(orgs)
        try:
            reset_rows(db, orgs)
            proxy.reset()
            counted = run_module('coop_org_setting', module_args(db, orgs, proxy.port))
            if counted.get('failed') or not counted['changed']:
                raise SystemExit('module failed: %s' % counted.get('msg'))
            check_written(db, orgs)
            trips, statements = proxy.round_trips, proxy.counts['Q'] + proxy.counts['E']
            seconds = []
            for _round in range(3):
                reset_rows(db, orgs)
                start = time.perf_counter()
                result = run_module('coop_org_setting', module_args(db, orgs))
                seconds.append(time.perf_counter() - start)
                if not result['changed']:
                    raise SystemExit('expected a change')
            rerun = run_module('coop_org_setting', module_args(db, orgs))
            print('  N=%-4d module %.2f s (median of 3), %d SQL round trips (%d statements, %d connection), '
                  'rerun changed=%s' % (count, median(seconds), trips, statements, proxy.counts['connections'],
                                        rerun['changed']))
            if count == max(counts):
                largest = (db, orgs)
                db = None
        finally:
            if db:
                drop_db(db)
    db, orgs = largest
    try:
        work = tempdir()
        coop_book = write_playbook(work, 'many', [{'name': 'Settings for every org', 'roost.coop.coop_org_setting':
                                                   module_args(db, orgs)}])
        floor_book = write_playbook(work, 'floor', [{'name': 'Trivial query',
                                                     'community.postgresql.postgresql_query': dict(
                                                         connection_vars(db), query='SELECT 1')}])
        times = {'floor': [], 'coop': []}
        for _round in range(3):
            reset_rows(db, orgs)
            times['coop'].append(run_playbook(coop_book))
            times['floor'].append(run_playbook(floor_book))
        check_written(db, orgs)
        ratio = median([c / f for c, f in zip(times['coop'], times['floor'])])
        print('  N=%d whole playbook: coop %.2f s, one-trivial-task floor %.2f s (medians of 3), '
              'median per-round ratio %.2fx' % (len(orgs), median(times['coop']), median(times['floor']), ratio))
    finally:
        drop_db(db)


if __name__ == '__main__':
    main()
