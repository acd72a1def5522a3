"""site.yml runs the on-demand backup only with --tags backup."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tasks(*args):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.collections'),
               ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'))
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i',
                          os.path.join(ROOT, 'inventory', 'local.yml'), os.path.join(ROOT, 'site.yml'),
                          '--list-tasks'] + list(args), capture_output=True, text=True, check=True, cwd=ROOT, env=env)
    return run.stdout


def test_backup_runs_only_with_its_tag():
    assert "Dump Coop's database" in tasks('--tags', 'backup')
    assert "Dump Coop's database" not in tasks()
