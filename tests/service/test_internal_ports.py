"""The firewall role and the checklist read one table of internal ports (module_utils/coop_ports.py):
rendered for a four-host inventory, the ports the checklist probes are exactly the ports the firewall
opens only to peers, with the same peers and each host's own port."""

import json

import yaml

from tests.conftest import ROOT, ansible_playbook

PLAY = """
- hosts: all
  gather_facts: false
  vars_files:
    - {root}/roles/firewall/vars/main.yml
    - {root}/roles/checklist/vars/main.yml
  tasks:
    - name: Write what each role would use
      ansible.builtin.copy:
        content: "{{{{ {{'firewall': __coop_firewall_ports, 'checklist': __coop_checklist_ports}} | to_json }}}}"
        dest: "{out}/{{{{ inventory_hostname }}}}.json"
        mode: '0600'
      delegate_to: localhost  # no host is contacted
"""


def test_checklist_probes_what_the_firewall_closes(tmp_path):
    # The roles' default ports as group vars (vars_files would outrank app2's own port).
    inventory = {'all': {'vars': {'coop_api_port': 8080, 'coop_database_port': 5432, 'coop_redis_port': 6379},
                         'children': {
        'coop_db': {'hosts': {'db1': {'ansible_host': '10.0.0.5'}}},
        'coop_redis': {'hosts': {'db1': None}},
        'coop_app': {'hosts': {'app1': {'ansible_host': '10.0.0.11'},
                               'app2': {'ansible_host': '10.0.0.12', 'coop_api_port': 9090}}},
        'coop_web': {'hosts': {'web1': {'ansible_host': '10.0.0.21'}}}}}}
    (tmp_path / 'inventory.yml').write_text(yaml.safe_dump(inventory))
    (tmp_path / 'play.yml').write_text(PLAY.format(root=ROOT, out=tmp_path))
    proc = ansible_playbook(tmp_path / 'play.yml', inventory=tmp_path / 'inventory.yml')
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    rendered = dict((host, json.loads((tmp_path / ('%s.json' % host)).read_text()))
                    for host in ('db1', 'app1', 'app2', 'web1'))

    closed = sorted((host, rule['port'], rule['what'], sorted(rule['hosts']))
                    for host, both in rendered.items() for rule in both['firewall'])
    assert closed == [('app1', 8080, 'Coop API', ['web1']), ('app2', 9090, 'Coop API', ['web1']),
                      ('db1', 5432, 'PostgreSQL', ['app1', 'app2']), ('db1', 6379, 'Redis', ['app1', 'app2'])]
    addresses = {'db1': '10.0.0.5', 'app1': '10.0.0.11', 'app2': '10.0.0.12', 'web1': '10.0.0.21'}
    probed = sorted((row['host'], row['port'], row['what'], sorted(row['peers'])) for row in rendered['web1']['checklist'])
    assert probed == sorted((host, port, what, sorted(addresses[peer] for peer in peers))
                            for host, port, what, peers in closed)
    assert all(row['address'] == addresses[row['host']] for row in rendered['web1']['checklist'])
