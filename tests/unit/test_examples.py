"""examples/: the inventories load with their group_vars, and all-options.yml names every public
variable of every role (so a new option cannot be left out of the reference)."""

import glob
import json
import os
import re
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, 'examples')


def role_defaults():
    names = set()
    for path in glob.glob(os.path.join(ROOT, 'roles', '*', 'defaults', 'main.yml')):
        with open(path) as handle:
            names.update(k for k in (yaml.safe_load(handle) or {}) if k.startswith('coop_'))
    return names


def test_all_options_lists_every_role_default():
    with open(os.path.join(EXAMPLES, 'all-options.yml')) as handle:
        listed = set(re.findall(r'^# (coop_\w+):', handle.read(), re.M))
    defaults = role_defaults()
    assert len(defaults) > 50
    assert sorted(defaults - listed) == []
    # No stale names either (site.yml reads coop_app_serial itself, roost.coop.drift coop_drift_report_path).
    assert sorted(listed - defaults - {'coop_app_serial', 'coop_drift_report_path'}) == []


def inventory(layout):
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-inventory'), '-i',
                          os.path.join(EXAMPLES, layout, 'inventory.yml'), '--list'],
                         capture_output=True, text=True, check=True)
    return json.loads(run.stdout)


@pytest.mark.parametrize('layout', ['one-host', 'three-host'])
def test_inventory_has_every_tier(layout):
    inv = inventory(layout)
    for group in ('coop_db', 'coop_redis', 'coop_app', 'coop_web'):
        assert inv[group]['hosts'], group
    hostvars = inv['_meta']['hostvars']
    for host, hvars in hostvars.items():
        assert hvars['coop_ui_url'].startswith('https://'), host
        assert hvars['coop_database_password'] == '{{ vault_coop_database_password }}', host


def test_three_host_tiers_reach_each_other():
    inv = inventory('three-host')
    hostvars = inv['_meta']['hostvars']
    db = inv['coop_db']['hosts'][0]
    apps = inv['coop_app']['hosts']
    assert len(apps) == 2 and db not in apps
    assert db not in inv['coop_web']['hosts'] and not set(apps) & set(inv['coop_web']['hosts'])
    # App hosts point at the db host; the db host listens beyond loopback and admits them.
    for app in apps:
        assert hostvars[app]['coop_database_host'] == db == hostvars[app]['coop_redis_host']
        assert hostvars[app]['coop_app_serial'] == 1
        assert hostvars[app]['coop_session_secret'] == '{{ vault_coop_session_secret }}'  # shared by both
    assert hostvars[db]['coop_postgresql_listen_addresses'] != 'localhost'
    assert hostvars[db]['coop_postgresql_allowed_cidrs']
    assert hostvars[db]['coop_redis_bind'] != '127.0.0.1 -::1'


@pytest.mark.parametrize('layout', ['one-host', 'three-host'])
def test_inventory_boots_the_default_release(layout):
    """The example inventories give the release they deploy what it needs at boot (Scylla on 1.0.x)."""
    from ansible_collections.roost.coop.plugins.module_utils import coop_releases
    for host, hvars in inventory(layout)['_meta']['hostvars'].items():
        version = hvars.get('coop_version', '1.0.2')
        env = {'SCYLLA_HOSTS': ','.join(hvars.get('coop_scylla_hosts', [])),
               'SCYLLA_USERNAME': hvars.get('coop_scylla_username', ''),
               'SCYLLA_PASSWORD': hvars.get('coop_scylla_password', ''),
               'SCYLLA_LOCAL_DATACENTER': hvars.get('coop_scylla_local_datacenter', '')}
        assert coop_releases.boot_problems(version, env) == [], (host, version)
