#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: coop_validate
short_description: Check a table of rules at once and report every broken one, once
version_added: 0.1.0
description:
  - Takes a table of rules, each a condition that is true when something is wrong and the message
    that says what and how to fix it. Passes silently when no rule is broken; otherwise fails once,
    listing the message of every broken rule in RV(problems), each once.
  - The roles check their variables with it before they change anything, so a valid run prints one
    C(ok) line and an invalid one prints every problem together instead of stopping at the first.
  - Runs on the controller; reads nothing from the host.
author: roost.coop developers (@roostorg)
attributes:
  check_mode:
    support: full
    description: Changes nothing, so it runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to diff.
options:
  rules:
    description:
      - The rules, each a dict with C(fail) (a boolean, true when the rule is broken) and C(msg)
        (what is wrong and the fix).
    type: list
    elements: dict
    required: true
  what:
    description: What the rules check, for the failure message (for example C(Coop variables)).
    type: str
    default: settings
'''

EXAMPLES = r'''
- name: Check the settings
  roost.coop.coop_validate:
    what: release settings
    rules:
      - fail: "{{ coop_release_src | length == 0 }}"
        msg: coop_release_src is empty; set it to Coop's git URL or a release directory
      - fail: "{{ coop_node_version is not match('^24[.]') }}"
        msg: coop_node_version {{ coop_node_version }} is not a 24.x release; Coop requires Node 24
'''

RETURN = r'''
problems:
  description: The message of every broken rule, in table order, each once.
  returned: always
  type: list
  elements: str
  sample: ["coop_ui_url is empty: set the public origin users open, e.g. https://coop.example.org"]
'''
