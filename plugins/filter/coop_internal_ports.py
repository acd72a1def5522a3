# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: coop_internal_ports
short_description: Coop's internal ports, the hosts that serve each and the hosts that may reach it
version_added: 0.2.0
author: roost.coop developers (@roostorg)
description:
  - The collection's one table of internal ports - the API (C(coop_api_port)) served by C(coop_app)
    to C(coop_web), PostgreSQL (C(coop_database_port)) by C(coop_db) and Redis (C(coop_redis_port))
    by C(coop_redis) to C(coop_app) - with the inventory's hosts filled in.
  - The firewall role opens each port only to its peers; the checklist's C(internal_ports) check probes the same ports.
options:
  _input:
    description: The inventory's C(groups).
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: The ports this host serves
  ansible.builtin.debug:
    msg: "{{ groups | roost.coop.coop_internal_ports | selectattr('servers', 'contains', inventory_hostname) }}"
'''

RETURN = r'''
_value:
  description: One item per port - group, port_var (the variable holding the port), what, servers, peers_group, peers.
  type: list
  elements: dict
'''

from ansible_collections.roost.coop.plugins.module_utils.coop_ports import internal_ports


def coop_internal_ports(groups):
    return internal_ports(groups)


class FilterModule(object):
    def filters(self):
        return {'coop_internal_ports': coop_internal_ports}
