# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: coop_release
short_description: What a Coop release needs to boot, which flags it has, how it migrates
version_added: 0.1.0
author: roost.coop developers (@roostorg)
description:
  - Looks a C(coop_version) up in the collection's table of Coop releases (1.0.0, 1.0.1, 1.0.2,
    main). An unknown version gets the rules of the newest known release and a warning naming them.
  - With a server env (the keys the config role would write), also lists why that release would
    not boot with it, each problem naming the fix.
  - An unknown version also prints its warning (once per run).
options:
  _input:
    description: The Coop version (tag, branch or commit).
    type: str
    required: true
  server_env:
    description: The server env as the config role would write it; an empty value means unset.
    type: dict
    default: {}
'''

EXAMPLES = r'''
- name: Write the Scylla flag only for releases that have it
  ansible.builtin.debug:
    msg: "{{ 'ITEM_INVESTIGATION_AND_STRIKES_ENABLED' in (coop_version | roost.coop.coop_release).flags }}"
'''

RETURN = r'''
_value:
  description: >-
    version, rules (the release whose rules apply), known, flags, scylla_at_boot, migrator
    (dir, argv, build), problems (list of messages) and warning (empty for a known release).
  type: dict
'''

from ansible.utils.display import Display

from ansible_collections.roost.coop.plugins.module_utils.coop_releases import summary


def coop_release(version, server_env=None):
    out = summary(version, dict(server_env or {}))
    if out['warning']:
        Display().warning(out['warning'])  # shown once per run, however often the roles ask
    return out


class FilterModule(object):
    def filters(self):
        return {'coop_release': coop_release}
