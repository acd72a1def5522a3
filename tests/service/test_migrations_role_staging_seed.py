"""The migrations role refuses coop_migrations_env=staging (the seed's sample orgs with a known
admin password) unless coop_allow_staging_seed is true, before it touches anything."""

import pytest

from tests.conftest import ansible_playbook, play_recap as recap

PLAYBOOK = """
- name: Migrations role
  hosts: localhost
  gather_facts: false
  roles:
    - roost.coop.migrations
"""
CHECK = 'TASK [roost.coop.migrations : Check the migration settings]'
NEXT = 'TASK [roost.coop.migrations : Migrate with the runtime systemd]'


def run_role(tmp_path, *extra):
    playbook = tmp_path / 'play.yml'
    playbook.write_text(PLAYBOOK)
    # Check mode: when the settings pass, the role goes on without changing this machine.
    proc = ansible_playbook(playbook, '--check', '-e', 'coop_config_dir=%s' % tmp_path, *extra)
    return proc.stdout + proc.stderr


@pytest.mark.parametrize('allow', [None, 'no'])
def test_staging_seed_is_refused_without_the_allowance(tmp_path, allow):
    extra = ['-e', 'coop_migrations_env=staging'] + (['-e', 'coop_allow_staging_seed=%s' % allow] if allow else [])
    out = run_role(tmp_path, *extra)
    assert recap(out) == {'ok': 1, 'changed': 0, 'unreachable': 0, 'failed': 1}, out
    assert CHECK in out and NEXT not in out, out
    flat = ' '.join(out.split())  # coop_validate lists the problems wrapped as YAML
    assert '- coop_migrations_env=staging installs' in flat, out
    assert 'set coop_allow_staging_seed=true' in flat, out


def test_staging_seed_passes_the_check_when_allowed(tmp_path):
    out = run_role(tmp_path, '-e', 'coop_migrations_env=staging', '-e', 'coop_allow_staging_seed=true')
    assert CHECK in out and NEXT in out, out
    assert 'coop_migrations_env=staging installs' not in ' '.join(out.split()), out
