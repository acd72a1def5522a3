#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: coop_org
short_description: Create a Coop org and its first admin user
version_added: 0.2.0
description:
  - Creates an org (name, email, website), its first admin user (role C(ADMIN), approved, password
    login) and its API key in Coop's PostgreSQL database, as Coop's C(server/bin/create-org-and-user)
    tool does, so that the admin can log in at once.
  - Idempotent. The org is found by its name; a rerun changes nothing. The admin's password is
    written when the admin is created, and afterwards only with O(update_password=always) and a
    password that differs from the stored one.
  - "Why SQL and not Coop's tool: the tool takes the password on its command line (visible in the
    host's process list), is not idempotent (a rerun fails on duplicate keys), not transactional
    (a failure half-way leaves a partial org), needs the whole server environment (Redis, warehouse),
    and cannot say what it would do (check mode). This module writes the rows a login and the API need, in one
    transaction, with Coop's schemes: the password hashed with bcrypt at cost 5 (C($2a$05$), what
    Coop's bcryptjs writes and checks), the API key 32 random bytes as hex stored as its SHA-256
    (Coop's C(public.api_keys.key_hash)), ids of 11 hex characters, and the default rows of
    C(org_settings), C(manual_review_tool_settings) and C(org_default_user_interface_settings) with
    Coop's column defaults."
  - "Also written in the same transaction, as Coop's tool does: the org's default user item type
    (C(public.item_types): C(User), kind C(USER), one optional C(STRING) field C(name),
    C(is_default_user)), which Coop looks up wherever it handles an org's users, and the three
    built-in actions (C(public.actions), penalty C(NONE), no user strikes, no callback):
    C(ENQUEUE_TO_MRT) I(Enqueue Item to Manual Review) for content, users and threads,
    C(ENQUEUE_AUTHOR_TO_MRT) I(Enqueue Author for Manual Review) for content, C(ENQUEUE_TO_NCMEC)
    I(Enqueue for NCMEC Review) for content and users. These are the same in Coop 1.0.0 to 1.0.2 and main."
  - An existing org that lacks any of these (made by an older version of this module, say) gets the
    missing ones (a change, shown in the diff as C(defaults_added)); an org that has them is untouched.
    A built-in action is found by its action type, the user type by C(is_default_user); when another row
    of the org already holds the name, it is left out with a warning naming the row to rename.
  - "Not written, unlike Coop's tool: the webhook signing key pair (Coop creates one when the key is
    first shown in Settings) and the warehouse's org-creation log line."
  - The API key of a new org is returned once. Give O(api_key_file) to have it written to a file
    on the controller (mode C(0600)) instead of into the result; otherwise the result carrying it is
    marked C(no_log) (it is in the registered variable, never on screen).
  - The password is never in a result, a diff or a message; with C(-vvvv) its value is masked.
author: roost.coop developers (@roostorg)
attributes:
  check_mode:
    support: full
    description: Reads the org, its default rows and the user, reports what would be created or changed, writes nothing.
  diff_mode:
    support: full
    description: The org and admin before and after (no password, no key).
options:
  name:
    description: The org's name. Coop shows it and keeps it unique; the module finds the org by it.
    type: str
    required: true
  email:
    description: The org's email (Coop's tool uses the admin's email here).
    type: str
    required: true
  website:
    description: The org's website; C(https://) is added when no scheme is given, as Coop's tool does.
    type: str
    required: true
  admin:
    description: The first admin user.
    type: dict
    required: true
    suboptions:
      email:
        description: The admin's login; defaults to O(email). Unique across all orgs.
        type: str
      password:
        description: The admin's password (from a vault), at most 72 bytes (bcrypt's limit).
        type: str
        required: true
      first_name:
        description: First name.
        type: str
        default: Coop
      last_name:
        description: Last name.
        type: str
        default: Admin
  update_password:
    description:
      - C(on_create) sets the password only when the admin user is created.
      - C(always) also sets it on an existing admin whose stored password differs.
    type: str
    choices: [on_create, always]
    default: on_create
  state:
    description: Only C(present); an org is never deleted by this module.
    type: str
    choices: [present]
    default: present
  api_key_file:
    description:
      - File on the controller to write the new org's API key to (mode C(0600), atomically). Written only when
        the org is created; an existing file is then replaced.
    type: path
extends_documentation_fragment:
  - roost.coop.coop_db
notes:
  - Needs psycopg 3 and bcrypt on the host that runs it (Debian's C(python3-psycopg), C(python3-bcrypt)).
  - A user with the admin's email in another org, or an org with the same name in another case, or
    with the same name but another email or website, is refused.
seealso:
  - module: roost.coop.coop_org_setting
'''

EXAMPLES = r'''
- name: The first org and its admin
  roost.coop.coop_org:
    env_file: /etc/coop/server.env
    name: Acme Trust & Safety
    email: trust@acme.example
    website: acme.example
    admin:
      email: lead@acme.example
      password: "{{ vault_acme_admin_password }}"
      first_name: Ada
      last_name: Lead
    api_key_file: "{{ playbook_dir }}/secrets/acme-api-key"
'''

RETURN = r'''
org:
  description:
    - The org (id, name, email, website_url), whether it was created, and the names of Coop's default
      rows added (the C(User) item type, built-in actions) in C(defaults_added).
  returned: always
  type: dict
  sample: {id: 3f9a0c1b2d4, name: Acme Trust & Safety, email: trust@acme.example,
           website_url: https://acme.example, created: true,
           defaults_added: [User, Enqueue Item to Manual Review, Enqueue Author for Manual Review,
                            Enqueue for NCMEC Review]}
admin:
  description: The admin user (id, email), whether it was created, and whether its password was set.
  returned: always
  type: dict
  sample: {id: 0a1b2c3d4e5, email: lead@acme.example, created: true, password_changed: true}
api_key:
  description: The new org's API key; only when the org was created and O(api_key_file) is not given.
  returned: when the org was created
  type: str
api_key_file:
  description: Where the new org's API key was written.
  returned: when the org was created and O(api_key_file) is given
  type: str
'''

import json
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.roost.coop.plugins.module_utils import coop_org
from ansible_collections.roost.coop.plugins.module_utils.coop_db import (
    connect, coop_db_argument_spec, failing, finish, sql)

try:
    import bcrypt
    BCRYPT_ERROR = None
except ImportError:  # pragma: no cover - exercised by sanity's import test
    bcrypt = None
    BCRYPT_ERROR = traceback.format_exc()


def argument_spec():
    spec = coop_db_argument_spec()
    spec.update(
        name=dict(type='str', required=True),
        email=dict(type='str', required=True),
        website=dict(type='str', required=True),
        admin=dict(type='dict', required=True, options=dict(
            email=dict(type='str'),
            password=dict(type='str', required=True, no_log=True),
            first_name=dict(type='str', default='Coop'),
            last_name=dict(type='str', default='Admin'),
        )),
        update_password=dict(type='str', choices=['on_create', 'always'], default='on_create', no_log=False),
        state=dict(type='str', choices=['present'], default='present'),
        api_key_file=dict(type='path'),
    )
    return spec


def find(cur, params):
    """The rows that decide the plan, in one round trip."""
    cur.execute(
        'SELECT (SELECT row_to_json(o) FROM (SELECT id, name, email, website_url FROM public.orgs WHERE name = %(name)s '
        '        FOR UPDATE) o), '
        '  ARRAY(SELECT name FROM public.orgs WHERE lower(name) = lower(%(name)s) AND name <> %(name)s), '
        '  (SELECT name FROM public.orgs WHERE email = %(email)s), '
        '  (SELECT name FROM public.orgs WHERE website_url = %(website)s), '
        '  (SELECT row_to_json(u) FROM (SELECT u.id, u.org_id, o.name AS org_name, u.password FROM public.users u '
        '        JOIN public.orgs o ON o.id = u.org_id WHERE u.email = %(admin)s FOR UPDATE OF u) u)',
        dict(name=params['name'], email=params['email'], website=coop_org.website_url(params['website']),
             admin=coop_org.admin_email(params)))
    org, like, email_org, website_org, user = cur.fetchone()
    return dict(same_name=org, like_name=like, email_org=email_org, website_org=website_org,
                admin_org=(user['org_id'], user['org_name']) if user else None), user


def create_org(cur, params, org_id):
    cur.execute('INSERT INTO public.orgs (id, email, name, website_url, created_at, updated_at) '
                'VALUES (%s, %s, %s, %s, now(), now())',
                (org_id, params['email'], params['name'], coop_org.website_url(params['website'])))
    for schema, table in coop_org.DEFAULT_ROWS:
        cur.execute(sql.SQL('INSERT INTO {} (org_id) VALUES (%s) ON CONFLICT (org_id) DO NOTHING').format(
            sql.Identifier(schema, table)), (org_id,))
    key, key_hash = coop_org.new_api_key()
    cur.execute('UPDATE public.api_keys SET is_active = false WHERE org_id = %s', (org_id,))
    cur.execute('INSERT INTO public.api_keys (org_id, key_hash, name, description, is_active, created_by) '
                'VALUES (%s, %s, %s, NULL, true, NULL)', (org_id, key_hash, coop_org.API_KEY_NAME))
    return key


def org_defaults(cur, org_id):
    """What the org lacks of Coop's defaults: (user type or None, built-in actions, warnings)."""
    cur.execute('SELECT EXISTS (SELECT 1 FROM public.item_types WHERE org_id = %(id)s AND is_default_user), '
                '  ARRAY(SELECT name FROM public.item_types WHERE org_id = %(id)s), '
                '  ARRAY(SELECT action_type::text FROM public.actions WHERE org_id = %(id)s), '
                '  ARRAY(SELECT name FROM public.actions WHERE org_id = %(id)s)', dict(id=org_id))
    return coop_org.missing_defaults(*cur.fetchone())


def add_defaults(cur, org_id, user_type, actions):
    if user_type:
        cur.execute('INSERT INTO public.item_types (id, org_id, name, description, kind, fields, is_default_user) '
                    'VALUES (%s, %s, %s, %s, %s::public.item_type_kind, ARRAY(SELECT jsonb_array_elements(%s::jsonb)), '
                    'true)', (coop_org.new_id(), org_id, user_type['name'], user_type['description'],
                              user_type['kind'], json.dumps(user_type['fields'])))
    for action_type, name, description, kinds in actions:
        cur.execute("INSERT INTO public.actions (id, org_id, name, description, action_type, callback_url, penalty, "
                    "apply_user_strikes, applies_to_all_items_of_kind, updated_at) VALUES (%s, %s, %s, %s, "
                    "%s::public.action_type, NULL, 'NONE', false, %s::public.item_type_kind[], now())",
                    (coop_org.new_id(), org_id, name, description, action_type, kinds))


def create_admin(cur, params, org_id, user_id):
    admin = params['admin']
    cur.execute(
        'INSERT INTO public.users (id, email, password, first_name, last_name, role, approved_by_admin, '
        "rejected_by_admin, created_at, updated_at, org_id, login_methods) VALUES (%s, %s, %s, %s, %s, 'ADMIN', true, "
        "false, now(), now(), %s, ARRAY['password']::public.login_method_enum[])",
        (user_id, coop_org.admin_email(params), coop_org.hash_password(bcrypt, admin['password']),
         admin['first_name'], admin['last_name'], org_id))


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    if bcrypt is None:
        module.fail_json(msg=missing_required_lib('bcrypt'), exception=BCRYPT_ERROR)
    try:
        coop_org.check(params)
    except coop_org.OrgError as exc:
        module.fail_json(msg=str(exc))

    conn = connect(module)
    key = None
    with failing(module, conn, coop_org.OrgError, hint=lambda exc: '; check that the database is a migrated Coop database'):
        with conn.cursor() as cur:
            found, user = find(cur, params)
            coop_org.org_conflicts(params, found)
            org = found['same_name']
            org_created = org is None
            if org_created:
                org = dict(id=coop_org.new_id(), name=params['name'], email=params['email'],
                           website_url=coop_org.website_url(params['website']))
                user_type, actions, warnings = coop_org.missing_defaults(False, [], [], [])
                if not module.check_mode:
                    key = create_org(cur, params, org['id'])
            else:
                user_type, actions, warnings = org_defaults(cur, org['id'])
            if not module.check_mode:
                add_defaults(cur, org['id'], user_type, actions)
            user_created = user is None
            password_changed = user_created
            if user_created:
                user = dict(id=coop_org.new_id())
                if not module.check_mode:
                    create_admin(cur, params, org['id'], user['id'])
            elif params['update_password'] == 'always' and not coop_org.password_matches(
                    bcrypt, params['admin']['password'], user['password']):
                password_changed = True
                if not module.check_mode:
                    cur.execute('UPDATE public.users SET password = %s, updated_at = now() WHERE id = %s',
                                (coop_org.hash_password(bcrypt, params['admin']['password']), user['id']))
    finish(module, conn)
    for warning in warnings:
        module.warn(warning)

    added = ([user_type['name']] if user_type else []) + [action[1] for action in actions]
    org_out = dict(org, created=org_created, defaults_added=added)
    admin_out = dict(id=user['id'], email=coop_org.admin_email(params), created=user_created,
                     password_changed=password_changed)
    before = {} if org_created else {'org': org['name']}
    after = {'org': org['name']}
    if not user_created:
        before['admin'] = admin_out['email']
    after['admin'] = admin_out['email']
    if password_changed and not user_created:
        before['admin_password'] = 'old'
        after['admin_password'] = 'new (not shown)'
    if added and not org_created:
        before['defaults_added'] = []
    if added:
        after['defaults_added'] = added
    result = dict(changed=org_created or password_changed or bool(added), org=org_out, admin=admin_out,
                  diff=dict(before=before, after=after))
    if key is not None:
        result['api_key'] = key
    module.exit_json(**result)


if __name__ == '__main__':
    main()
