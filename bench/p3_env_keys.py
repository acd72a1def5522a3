#!/usr/bin/env python
"""P3: 100 keys of one env file. Whole-playbook wall time on localhost, same file, same run:
  coop        one roost.coop.coop_env task setting all 100 keys
  lineinfile  one ansible.builtin.lineinfile task per key (the plain way)
  floor       one trivial ansible.builtin.stat task on the file
The file is reset to the same 100 old values before every run, so every run rewrites every key;
the results are read back and compared. Prints the medians and the ratios lineinfile / coop, whole
and with the floor (ansible-playbook start-up) subtracted.
Usage: bench/p3_env_keys.py [rounds]   (run with the venv's python from the repository root)"""

import json
import os
import statistics
import sys
import tempfile

from org_setting_bench import run_playbook
from ansible_collections.roost.coop.plugins.module_utils import coop_dotenv as dotenv

KEYS = ['OTEL_BENCH_KEY_%03d' % n for n in range(100)]  # OTEL_* is known to the server catalog
OLD = dict((key, 'old-%d' % n) for n, key in enumerate(KEYS))
NEW = dict((key, 'new value %d #x' % n) for n, key in enumerate(KEYS))


def playbooks(path):
    coop = [{'name': 'All keys', 'roost.coop.coop_env': {'path': path, 'kind': 'server', 'set': NEW}}]
    lineinfile = [{'name': 'Set %s' % key, 'ansible.builtin.lineinfile': {
        'path': path, 'regexp': '^%s=' % key, 'line': '%s=%s' % (key, dotenv.quote(value)), 'mode': '0600'}}
        for key, value in NEW.items()]
    floor = [{'name': 'Trivial', 'ansible.builtin.stat': {'path': path}}]
    return {'coop': coop, 'lineinfile': lineinfile, 'floor': floor}


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    work = tempfile.mkdtemp(prefix='p3-')
    env_path = os.path.join(work, 'server.env')
    files = {}
    for name, tasks in playbooks(env_path).items():
        files[name] = os.path.join(work, name + '.yml')
        with open(files[name], 'w') as handle:
            json.dump([{'name': 'P3 ' + name, 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}], handle)
    times = dict((name, []) for name in files)
    order = ['coop', 'lineinfile', 'floor']
    for n in range(rounds):
        for name in order[n % 3:] + order[:n % 3]:
            with open(env_path, 'w') as handle:
                handle.write('# bench\n' + dotenv.update('', OLD)[0])
            os.chmod(env_path, 0o600)
            times[name].append(run_playbook(files[name]))
            with open(env_path) as handle:
                got = dotenv.values(handle.read())
            if name != 'floor' and got != NEW:
                raise SystemExit('%s did not write the expected values' % name)
    med = dict((name, statistics.median(values)) for name, values in times.items())
    print('P3: 100 keys in one env file, whole ansible-playbook wall time, median of %d rounds' % rounds)
    for name in order:
        print('  %-10s %6.2f s' % (name, med[name]))
    print('  lineinfile / coop_env, whole playbook:      %.1fx' % (med['lineinfile'] / med['coop']))
    net_coop = max(med['coop'] - med['floor'], 0.01)
    print('  lineinfile / coop_env, minus start-up floor: %.1fx  (target >= 20x)'
          % ((med['lineinfile'] - med['floor']) / net_coop))


if __name__ == '__main__':
    main()
