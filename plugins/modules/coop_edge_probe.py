#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: coop_edge_probe
short_description: Probe Coop's public edge and internal ports from the controller
version_added: 0.1.0
description:
  - Runs on the controller (the machine running ansible-playbook), as people and attackers outside
    the deployment see it. Reads facts only; the verdicts are the go-live checklist's C(tls),
    C(hsts) and C(internal_ports) checks, which roost.coop.coop_checklist evaluates from RV(edge)
    (its O(roost.coop.coop_checklist#module:edge) option).
  - "With an https O(ui_url): the certificate served for the URL's host (SNI) at its port: names,
    expiry, issuer, self-signed, and whether the chain verifies against the system's CAs plus
    O(ca_bundle); the C(Strict-Transport-Security) header of the https answer; where plain http on
    O(http_port) sends C(/) and the ACME challenge path."
  - "O(ports): one TCP connect to each, all at once, each bounded by O(timeout). A target whose
    address is one of the controller's own, or whose allowed peers include the controller, is
    reported as such (loopback and peers are allowed)."
author: roost.coop developers (@roostorg)
attributes:
  check_mode:
    support: full
    description: Changes nothing, so it runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to diff.
options:
  ui_url:
    description: Coop's public origin (C(coop_ui_url)). With C(http://) no TLS or HSTS is probed.
    type: str
    required: true
  tls_mode:
    description: How the web tier serves https (C(coop_tls)); C(self_signed) makes a self-signed certificate a warning.
    type: str
    choices: [acme, files, self_signed, 'off']
    default: 'off'
  address:
    description: Address to connect to for the UI host, when the controller cannot resolve it (like curl C(--resolve)). Default is the host.
    type: str
  ca_bundle:
    description: PEM file on the controller with CA certificates to trust besides the system's (a private or test CA).
    type: path
  http_port:
    description: Port of plain http that should redirect to https.
    type: int
    default: 80
  hsts_min_age:
    description: Smallest C(max-age) the C(hsts) check accepts; 0 means 180 days.
    type: int
    default: 0
  ports:
    description: Internal ports that must be closed to the controller.
    type: list
    elements: dict
    default: []
    suboptions:
      host: {description: Inventory name of the host., type: str, required: true}
      address: {description: Name or address the controller connects to., type: str, required: true}
      port: {description: TCP port., type: int, required: true}
      what: {description: "What listens there, for the report.", type: str, required: true}
      peers: {description: Names or addresses of the hosts allowed to connect., type: list, elements: str, default: []}
  timeout:
    description: Seconds for each connection.
    type: float
    default: 2.0
requirements:
  - cryptography on the controller (ansible-core requires it)
seealso:
  - module: roost.coop.coop_checklist
'''

EXAMPLES = r'''
- name: Probe from the controller
  roost.coop.coop_edge_probe:
    ui_url: https://coop.example.org
    tls_mode: acme
    ports:
      - {host: app1, address: app1.internal, port: 8080, what: Coop API, peers: [web1.internal]}
  register: edge

- name: Judge it with the checklist
  roost.coop.coop_checklist:
    server_env: /etc/coop/server.env
    edge: "{{ edge.edge }}"
    checks: [tls, hsts, internal_ports]
'''

RETURN = r'''
edge:
  description: The facts, for roost.coop.coop_checklist's O(roost.coop.coop_checklist#module:edge).
  returned: always
  type: dict
  contains:
    ui_url: {description: O(ui_url)., type: str}
    tls_mode: {description: O(tls_mode)., type: str}
    hsts_min_age: {description: O(hsts_min_age)., type: int}
    tls:
      description: "C(host), C(port), C(address), C(names), C(not_after), C(days_left), C(issuer), C(self_signed),
        C(verified), C(verify_code), C(verify_error), C(ca_bundle), or C(error); null with an http URL."
      type: dict
    hsts:
      description: "C(host), C(header) or C(error), C(redirect) and C(challenge) (C(status) and C(location), or C(error))."
      type: dict
    ports:
      description: "Per target: C(host), C(address), C(port), C(what), C(open), C(error), C(local), C(controller_peer), C(unresolved)."
      type: list
      elements: dict
'''
