#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: coop_drift
short_description: Compare Coop's env files and org settings on one host with the declared values
version_added: 0.2.0
description:
  - One module run per host for the C(roost.coop.drift) playbook. Compares each env file in
    O(env_files) as M(roost.coop.coop_env) would (the same checks and the same new text, from
    the same code), and, when O(orgs) is given, the org settings as M(roost.coop.coop_org_setting)
    would in check mode (one read-only transaction, the same code).
  - Never writes. The env files are only read and the database transaction is rolled back,
    whether or not the task runs in check mode.
  - Secret values are compared, never returned; they show as C(********).
author: roost.coop developers (@roostorg)
extends_documentation_fragment:
  - roost.coop.coop_db
attributes:
  check_mode:
    support: full
    description: Always read only.
  diff_mode:
    support: none
    description: Returns no diff; the report names each key with its declared and live value.
options:
  env_dir:
    description: The directory of the env files (C(<kind>.env)).
    type: path
    default: /etc/coop
  env_files:
    description:
      - Per env file kind, the M(roost.coop.coop_env) options O(roost.coop.coop_env#module:set),
        O(roost.coop.coop_env#module:remove) and O(roost.coop.coop_env#module:generate) it is written with.
        A kind not given is not compared. A missing file counts every declared key as drifted.
    type: dict
    default: {}
    suboptions:
      db: &file
        description: The file C(<kind>.env) in O(env_dir) (here C(db.env), C(server.env) or C(client.env)).
        type: dict
        suboptions:
          set:
            description: The declared keys and values.
            type: dict
            default: {}
          remove:
            description: Keys declared absent.
            type: list
            elements: str
            default: []
          generate:
            description: Keys the config role generates when absent (a missing one counts as drift).
            type: list
            elements: str
            default: []
      server: *file
      client: *file
  strict:
    description: As M(roost.coop.coop_env) O(roost.coop.coop_env#module:strict).
    type: bool
    default: false
  validate:
    description: As M(roost.coop.coop_env) O(roost.coop.coop_env#module:validate).
    type: str
    default: none
    choices: [none, production]
  allow_insecure_ui_url:
    description: As M(roost.coop.coop_env) O(roost.coop.coop_env#module:allow_insecure_ui_url).
    type: bool
    default: false
  orgs:
    description:
      - The declared C(coop_orgs), as M(roost.coop.coop_org_setting) O(roost.coop.coop_org_setting#module:orgs)
        takes them. Empty or not given, no database is read.
      - A list, or the list as JSON text, which is how the action passes the value of O(orgs_var) - ansible-core
        copies and walks a list option value by value, a text once.
    type: raw
    default: []
  config_env_files:
    description:
      - Compare these env files with what the M(roost.coop.config) role writes on this host, instead of
        O(env_files). On the controller, the action renders the role's values from its defaults and vars
        and the host's variables, the same values the role's tasks write.
      - Also gives O(env_dir), O(validate), O(strict), O(allow_insecure_ui_url) and O(env_file) from the
        role's variables (C(coop_config_dir) and so on), unless the task gives them.
    type: list
    elements: str
    choices: [db, server, client]
  orgs_var:
    description:
      - The name of a variable that holds the declared C(coop_orgs), read on the controller; instead of O(orgs).
      - Faster than O(orgs) for many orgs - ansible-core keeps a task's arguments on the task and sends
        them back with its result, a variable's value stays out of that. An undefined variable is no orgs.
    type: str
seealso:
  - module: roost.coop.coop_env
  - module: roost.coop.coop_org_setting
'''

EXAMPLES = r'''
- name: Compare server.env and the org settings with the inventory
  roost.coop.coop_drift:
    env_file: /etc/coop/server.env
    env_dir: /etc/coop
    env_files:
      server:
        set: {UI_URL: https://coop.example.org}
    orgs: "{{ coop_orgs }}"
  check_mode: true

- name: The env files the config role writes, and 200 orgs declared, by the variable's name
  roost.coop.coop_drift:
    config_env_files: [db, server, client]
    orgs_var: coop_orgs
  check_mode: true
'''

RETURN = r'''
env:
  description: Per env file, the keys that differ (C(before) = live, C(after) = declared; secrets masked).
  returned: always
  type: list
  elements: dict
  sample: [{path: /etc/coop/server.env, changes: {UI_URL: {before: 'https://old.example.org', after: 'https://coop.example.org'}}}]
orgs:
  description: The per-org results of M(roost.coop.coop_org_setting) in check mode, of the orgs that differ.
  returned: always
  type: list
  elements: dict
orgs_compared:
  description: How many declared orgs were compared.
  returned: always
  type: int
'''

import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.roost.coop.plugins.module_utils import coop_dotenv as dotenv
from ansible_collections.roost.coop.plugins.module_utils import coop_env_plan as envplan
from ansible_collections.roost.coop.plugins.module_utils.coop_db import coop_db_argument_spec
from ansible_collections.roost.coop.plugins.module_utils.coop_env_catalog import KINDS
from ansible_collections.roost.coop.plugins.module_utils.coop_org_apply import hide_only_secrets, run


def live_text(module, path):
    """The file's text; '' when it does not exist."""
    if not os.path.lexists(path):
        return ''
    try:
        with open(path, 'rb') as handle:
            return handle.read().decode('utf-8')
    except (IOError, OSError) as exc:
        module.fail_json(msg='cannot read %s: %s' % (path, to_native(exc.strerror)))
    except UnicodeDecodeError:
        module.fail_json(msg='%s is not UTF-8 text; fix its encoding first' % path)


def compare(module, kind, spec):
    """{path, changes} of one env file: what coop_env would change, secrets masked."""
    path = os.path.join(module.params['env_dir'], '%s.env' % kind)
    text = live_text(module, path)
    try:
        current = dotenv.values(text)
    except dotenv.EnvFileError as exc:
        module.fail_json(msg='%s %s' % (path, exc))
    new_secrets = envplan.generated(current, spec['generate'], spec['set'])
    module.no_log_values.update(envplan.secret_strings((spec['set'], current, new_secrets)))
    wanted, _text, changed, removed, problems, _warnings = envplan.plan(
        kind, text, current, spec['set'], list(spec['remove']), list(spec['generate']), new_secrets, module.params)
    if problems:
        module.fail_json(msg='%s: %d problem(s) in the declared values: %s' % (path, len(problems), '; '.join(problems)))
    return dict(path=path, changes=envplan.key_changes(current, wanted, changed, removed))


def without_orgs(module):
    """The result's invocation without the declared orgs. 200 of them would travel back through the
    controller's worker and main process into the registered variable; and before they are parsed, the
    secrets inside them are not yet known to be masked. orgs_compared counts them."""
    return dict(module_args=dict((key, value) for key, value in module.params.items() if key != 'orgs'))


def declared_orgs(module, value):
    """The orgs option as a list (given as a list, or as JSON text of one)."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except ValueError as exc:
            module.fail_json(msg='orgs is text but not JSON (%s); give the list of orgs, as coop_orgs declares it' % exc,
                             invocation=without_orgs(module))
    if not isinstance(value, list):
        module.fail_json(msg='orgs must be a list of orgs, as coop_orgs declares it (got %s)' % type(value).__name__,
                         invocation=without_orgs(module))
    return value


def main():
    argument_spec = coop_db_argument_spec()
    argument_spec.update(
        env_dir=dict(type='path', default='/etc/coop'),
        env_files=dict(type='dict', default={}, options=dict((kind, dict(type='dict', options=dict(
            set=dict(type='dict', default={}, no_log=True),
            remove=dict(type='list', elements='str', default=[]),
            generate=dict(type='list', elements='str', default=[], no_log=False),
        ))) for kind in KINDS)),
        strict=dict(type='bool', default=False),
        validate=dict(type='str', default='none', choices=['none', 'production']),
        allow_insecure_ui_url=dict(type='bool', default=False),
        orgs=dict(type='raw', default=[], no_log=True),
        orgs_var=dict(type='str'),
        config_env_files=dict(type='list', elements='str', choices=list(KINDS)),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    # A comparison: the org settings' transaction is rolled back and no file is written, in any mode.
    module.check_mode = True
    # As in coop_env: only secret values are hidden (set and orgs are no_log, which would hide every value).
    hide_only_secrets(module)
    env = [compare(module, kind, module.params['env_files'][kind]) for kind in KINDS if module.params['env_files'][kind]]
    declared = declared_orgs(module, module.params['orgs'])
    orgs = run(module, dict(org=None, orgs=declared, settings=None, ncmec=None)) if declared else []
    module.exit_json(changed=False, env=env, orgs=[org for org in orgs if org['changed']], orgs_compared=len(orgs),
                     invocation=without_orgs(module))


if __name__ == '__main__':
    main()
