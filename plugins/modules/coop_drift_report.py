#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: coop_drift_report
short_description: The drift report of the roost.coop.drift playbook, written on the controller
version_added: 0.2.0
description:
  - Builds the report from the M(roost.coop.coop_drift) results of every host - per org and key,
    and per host, env file and key, the declared and the live value - and writes it as JSON to
    O(path) on the controller (mode C(0600), atomically). Runs on the controller only; no module
    runs on a host.
  - Secret values arrive masked (C(********)) and stay masked.
author: roost.coop developers (@roostorg)
attributes:
  check_mode:
    support: full
    description: The JSON report is written in check mode too (it is on the controller).
  diff_mode:
    support: none
    description: Returns no diff; the report names each key with its declared and live value.
options:
  results:
    description: Per host, its M(roost.coop.coop_drift) result.
    type: dict
    required: true
  path:
    description: The JSON report on the controller; empty writes none.
    type: str
    default: ''
  show:
    description: Print the table (C(NO DRIFT) when nothing differs).
    type: bool
    default: false
  fail_on_drift:
    description: Fail, naming how many values differ and what to do, when anything differs (after writing O(path)).
    type: bool
    default: false
seealso:
  - module: roost.coop.coop_drift
'''

EXAMPLES = r'''
- name: Build and write the drift report
  roost.coop.coop_drift_report:
    results: "{{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars, 'drift_check'))) }}"
    path: ./coop-drift.json
    show: true
    fail_on_drift: true
  run_once: true
'''

RETURN = r'''
drift:
  description: Whether anything differs.
  returned: always
  type: bool
orgs:
  description: Per org, per key, C(declared) and C(live).
  returned: always
  type: dict
env:
  description: Per host, per env file, per key, C(declared) and C(live).
  returned: always
  type: dict
table:
  description: The report as aligned text lines.
  returned: always
  type: list
  elements: str
'''
