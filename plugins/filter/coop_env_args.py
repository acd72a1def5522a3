# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: coop_env_args
short_description: What the config role writes to each env file (set, remove, generate)
version_added: 0.2.0
author: roost.coop developers (@roostorg)
description:
  - Per env file kind, the M(roost.coop.coop_env) options C(set), C(remove) and C(generate) the
    config role writes with, and the C(roost.coop.drift) playbook compares with. One place for both.
  - A managed key whose value is empty is removed unless the extra keys give it; the extra keys
    are set over the managed ones; C(SESSION_SECRET) is generated in server.env when neither the
    managed nor the extra keys give it.
options:
  _input:
    description: Per kind (db, server, client), the managed keys and their values.
    type: dict
    required: true
  extra:
    description: Per kind, the extra keys (C(coop_*_env_extra)).
    type: dict
    default: {}
'''

EXAMPLES = r'''
- name: Write server.env as the config role does
  roost.coop.coop_env:
    path: /etc/coop/server.env
    kind: server
    set: "{{ (managed | roost.coop.coop_env_args(extra=extra)).server.set }}"
'''

RETURN = r'''
_value:
  description: "{kind: {set: {key: value}, remove: [key], generate: [key]}}."
  type: dict
'''


def coop_env_args(managed, extra=None):
    extra = extra or {}
    out = {}
    for kind, values in managed.items():
        added = extra.get(kind) or {}
        wanted = dict((key, value) for key, value in values.items() if value != '')
        wanted.update(added)
        remove = [key for key, value in values.items() if value == '' and key not in added]
        generate = ['SESSION_SECRET'] if kind == 'server' and 'SESSION_SECRET' not in wanted else []
        out[kind] = {'set': wanted, 'remove': remove, 'generate': generate}
    return out


class FilterModule(object):
    def filters(self):
        return {'coop_env_args': coop_env_args}
