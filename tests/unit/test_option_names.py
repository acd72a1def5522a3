"""Every task of our roles, playbooks, molecule scenarios and integration targets that calls a module
of another collection writes each option by its own name, never by an alias: aliases are what
collections deprecate (community.postgresql's db and port), and each use warns on every run."""

import glob
import json
import os
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FILES = ['roles/*/tasks/*.yml', 'roles/*/handlers/*.yml', 'playbooks/*.yml', 'extensions/molecule/*/*.yml',
         'tests/integration/targets/*/tasks/*.yml']
TASK_KEYS = ('block', 'rescue', 'always', 'tasks', 'pre_tasks', 'post_tasks', 'handlers')


def tasks(node):
    if isinstance(node, list):
        for item in node:
            yield from tasks(item)
    elif isinstance(node, dict):
        yield node
        for key in TASK_KEYS:
            yield from tasks(node.get(key))


def module_calls():
    """{(module, option): [file, ...]} for modules outside ansible.builtin and roost.coop."""
    calls = {}
    for pattern in FILES:
        for path in glob.glob(os.path.join(ROOT, pattern)):
            with open(path) as handle:
                document = yaml.safe_load(handle)
            for task in tasks(document):
                defaults = task.get('module_defaults') if isinstance(task.get('module_defaults'), dict) else {}
                for key, args in list(task.items()) + list(defaults.items()):
                    if key.count('.') == 2 and '/' not in key and not key.startswith(('ansible.builtin.', 'roost.coop.')):
                        for option in (args if isinstance(args, dict) else {}):
                            calls.setdefault((key, option), []).append(os.path.relpath(path, ROOT))
    return calls


def test_other_collections_options_by_their_own_names():
    calls = module_calls()
    modules = sorted(set(module for module, _option in calls))
    assert 'community.postgresql.postgresql_pg_hba' in modules
    docs = json.loads(subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'ansible-doc'), '--json'] + modules,
        capture_output=True, text=True, check=True,
        env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.collections'))).stdout)
    aliased = sorted('%s: %s (%s)' % (module, option, ', '.join(where))
                     for (module, option), where in calls.items()
                     if option not in docs[module]['doc']['options'])
    assert aliased == []
