# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: coop_env_placeholder
short_description: Is a value one of the placeholders from Coop's example env files
version_added: 0.1.0
author: roost.coop developers (@roostorg)
description:
  - True for example and placeholder values that must never be a real secret, such as
    C(some_long_secret_string), C(postgres123), C(SG.REAL_API_KEY_HERE) or the staging seed's
    password (case-insensitive). The list is the collection's env catalog.
options:
  _input:
    description: The value to test.
    type: raw
    required: true
'''

EXAMPLES = r'''
- name: Refuse a placeholder password
  ansible.builtin.assert:
    that: coop_database_password is not roost.coop.coop_env_placeholder
'''

RETURN = r'''
_value:
  description: Whether the value is a placeholder.
  type: bool
'''

from ansible_collections.roost.coop.plugins.module_utils.coop_env_catalog import is_placeholder


def coop_env_placeholder(value):
    return is_placeholder(value)


class TestModule(object):
    def tests(self):
        return {'coop_env_placeholder': coop_env_placeholder}
