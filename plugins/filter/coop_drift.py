# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: coop_drift
short_description: The drift report of Coop's declared settings and env files against the live ones
version_added: 0.2.0
author: roost.coop developers (@roostorg)
description:
  - Builds the report of the C(roost.coop.drift) playbook from check-mode results, the C(orgs) of
    M(roost.coop.coop_org_setting) and the results of M(roost.coop.coop_env) per host.
  - The declared and the live value per org and key, and per host, env file and key.
    Secret values arrive masked (C(********)) from the modules and stay masked.
options:
  _input:
    description: The C(orgs) list of a check-mode M(roost.coop.coop_org_setting) run.
    type: list
    elements: dict
    required: true
  env:
    description: Per host, the C(results) of the check-mode M(roost.coop.coop_env) loop.
    type: dict
    default: {}
'''

EXAMPLES = r'''
- name: Print the drift table
  ansible.builtin.debug:
    msg: "{{ (settings_check.orgs | roost.coop.coop_drift(env={inventory_hostname: env_check.results})).table }}"
'''

RETURN = r'''
_value:
  description: >-
    drift (bool), orgs ({org: {key: {declared, live}}}), env ({host: {file: {key: {declared, live}}}})
    and table (the report as text lines).
  type: dict
'''

from ansible_collections.roost.coop.plugins.module_utils.coop_export import drift, table


def coop_drift(orgs, env=None):
    report = drift(orgs, env or {})
    report['table'] = table(report)
    return report


class FilterModule(object):
    def filters(self):
        return {'coop_drift': coop_drift}
