# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Coop's internal ports: which group serves each and which group may reach it. The firewall role
opens each only to its peers; the checklist's internal_ports check probes the same table."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# (serving group, port variable, what, peer group)
INTERNAL_PORTS = (
    ('coop_app', 'coop_api_port', 'Coop API', 'coop_web'),
    ('coop_db', 'coop_database_port', 'PostgreSQL', 'coop_app'),
    ('coop_redis', 'coop_redis_port', 'Redis', 'coop_app'),
)


def internal_ports(groups):
    """One row per internal port: {group, port_var, what, servers, peers_group, peers} with the hosts
    of the inventory's groups (a missing group has none)."""
    groups = groups or {}
    return [{'group': group, 'port_var': port_var, 'what': what, 'servers': list(groups.get(group) or []),
             'peers_group': peers, 'peers': list(groups.get(peers) or [])}
            for group, port_var, what, peers in INTERNAL_PORTS]
