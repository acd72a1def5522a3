# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: coop_compose_engine
short_description: Whether a host's compose command and container engine may run Coop
version_added: 0.1.0
author: roost.coop developers (@roostorg)
description:
  - Looks the host's compose command and the engine behind it up in the collection's table of
    compose engines (tested, supported, refused).
  - Docker Compose against podman's Docker API (the docker CLI's server is a Podman Engine, or
    DOCKER_HOST names a podman socket) and podman-compose 1.0.x are refused, with the reason and the fix.
options:
  _input:
    description: The compose command (C(coop_compose_command)).
    type: list
    elements: str
    required: true
  compose_version:
    description: Output of the compose command's C(version).
    type: str
    default: ''
  docker_version:
    description: Output of C(docker version --format '{{json .}}') on the host (Docker Compose only).
    type: str
    default: ''
  docker_host:
    description: C(DOCKER_HOST) on the host, empty when unset.
    type: str
    default: ''
'''

EXAMPLES = r'''
- name: Stop on a refused pairing
  ansible.builtin.fail:
    msg: "{{ __verdict.problem }}"
  when: __verdict.problem
  vars:
    __verdict: "{{ coop_compose_command | roost.coop.coop_compose_engine(docker_version=__probe.stdout) }}"
'''

RETURN = r'''
_value:
  description: >-
    compose, engine, status (tested, supported or refused), versions, reason, and problem (empty
    unless refused: the pairing, why it breaks a deploy, and the fix).
  type: dict
'''

from ansible_collections.roost.coop.plugins.module_utils.coop_compose_engines import verdict


def coop_compose_engine(command, compose_version='', docker_version='', docker_host=''):
    return verdict(list(command), compose_version, docker_version, docker_host)


class FilterModule(object):
    def filters(self):
        return {'coop_compose_engine': coop_compose_engine}
