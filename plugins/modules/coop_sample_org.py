#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: coop_sample_org
short_description: Remove or lock Coop's staging sample orgs and default-password users
version_added: 0.1.0
description:
  - Migrating Coop with C(--env staging) creates four sample orgs (C(Test Org) to C(Test Org 4))
    and admin users whose password is C(testpassword123). This module finds those orgs by their
    seed ids and every user of the target orgs whose bcrypt hash verifies against a known default
    password.
  - C(state=absent) deletes the target orgs and every row of every table with an C(org_id)
    column that belongs to them. The tables are discovered in the live database, deleted
    children first along their foreign keys.
  - Coop copies each deleted row of a versioned table (rules, actions, policies, item types,
    routing rules) into its history table with a trigger. Those history rows are deleted too when
    the history table has an C(org_id) column (versioned tables are deleted before their history
    tables); the others stay and are counted in RV(history_rows). Check mode predicts both from
    the rows it counts. Other triggers that fire on the delete, whose writes are not counted, are
    named in RV(uncounted_triggers).
  - C(state=locked) replaces the default-password users' hashes by the hash of a random secret
    nobody knows, so password login is impossible; orgs and users stay.
  - Either state also ends the sessions those users hold (their rows of C(public.session), where
    Coop's session store keeps the user id at C(sess -> 'passport' ->> 'user')), so nobody stays
    logged in as a deleted or locked user.
  - Only the seed's orgs are touched unless other orgs are named in O(orgs). Users with a
    default password in other orgs are reported in RV(other_default_password_users) with a warning.
  - Runs in one transaction, so any error leaves the database as it was.
author: roost.coop developers (@roostorg)
attributes:
  check_mode:
    support: full
    description: Finds what would be deleted or locked and reports it without writing.
  diff_mode:
    support: full
    description: Orgs, row counts per table, users and their sessions before and after. No password hash is shown.
options:
  state:
    description:
      - C(absent) deletes the target orgs with all their rows.
      - C(locked) makes the default-password users of the target orgs unable to log in by password.
    type: str
    choices: [absent, locked]
    required: true
  orgs:
    description:
      - Further orgs to treat as sample orgs, by id or name. Orgs that are not from the staging
        seed are never touched unless named here.
    type: list
    elements: str
    default: []
  seed_orgs:
    description: Target the staging seed's sample orgs (found by id).
    type: bool
    default: true
  default_passwords:
    description:
      - Passwords that count as known defaults.
      - Default is the staging seed's password C(testpassword123).
    type: list
    elements: str
extends_documentation_fragment:
  - roost.coop.coop_db
requirements:
  - bcrypt
seealso:
  - module: roost.coop.coop_checklist
'''

EXAMPLES = r'''
- name: Delete the staging seed's sample orgs, showing what goes
  roost.coop.coop_sample_org:
    env_file: /etc/coop/server.env
    state: absent
  diff: true

- name: Keep a demo org but lock its default-password users
  roost.coop.coop_sample_org:
    env_file: /etc/coop/server.env
    state: locked
    seed_orgs: false
    orgs: [Acme Demo]
'''

RETURN = r'''
orgs:
  description: The target orgs found (id and name).
  returned: always
  type: list
  elements: dict
  sample: [{id: e7c89ce7729, name: Test Org}]
deleted_rows:
  description:
    - Rows deleted (or that would be, in check mode) per schema-qualified table, including the
      history rows Coop's versioning triggers write for the deleted rows into history tables with C(org_id).
  returned: when state is absent
  type: dict
  sample: {public.users: 2, public.orgs: 4}
history_rows:
  description:
    - Rows Coop's versioning triggers write (or would write, in check mode) into history tables
      without an C(org_id) column while the rows are deleted; they stay.
    - Rows written into history tables with an C(org_id) column are deleted too and counted in RV(deleted_rows).
  returned: when state is absent
  type: dict
  sample: {public.rules_and_actions_history: 3}
uncounted_triggers:
  description:
    - Triggers that also fire on the delete and whose writes are not counted in check mode or in
      the result, such as statement triggers that refresh views, and versioning of the rows that
      C(ON DELETE CASCADE) removes from link tables.
  returned: when state is absent
  type: list
  elements: str
  sample: [update_action_versions_view on public.actions, versioning_trigger on public.rules_and_actions]
locked_users:
  description: Users whose password was (or would be) made unusable.
  returned: when state is locked
  type: list
  elements: dict
  sample: [{id: 7c89ce77297, email: test@example.com, org_id: e7c89ce7729}]
other_default_password_users:
  description: Users with a default password in orgs this task does not target (also named in a warning).
  returned: always
  type: list
  elements: dict
  sample: [{id: acmeadmin01, email: admin@acme.org, org_id: acme0000001}]
ended_sessions:
  description: Sessions of the deleted or locked users that were (or would be) ended.
  returned: always
  type: int
  sample: 2
not_found:
  description: Names or ids in O(orgs) that match no org.
  returned: always
  type: list
  elements: str
  sample: [No Such Org]
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.roost.coop.plugins.module_utils import coop_db, coop_sample


def resolve_targets(module, cur):
    named = module.params['orgs']
    seed_ids = sorted(coop_sample.SAMPLE_ORGS) if module.params['seed_orgs'] else []
    orgs = coop_sample.find_orgs(cur, ids=seed_ids + named, names=named)
    by_id = dict((org['id'], org) for org in orgs)
    by_name = dict((org['name'], org) for org in orgs)
    for ident in named:
        if ident in by_id and ident in by_name and by_id[ident]['id'] != by_name[ident]['id']:
            module.fail_json(msg='%r is the id of one org and the name of another; name the org by its id' % ident)
    # find_orgs matched seed ids by name too; keep only seed ids and what was named.
    targets = [org for org in orgs if org['id'] in seed_ids or org['id'] in named or org['name'] in named]
    not_found = [ident for ident in named if ident not in by_id and ident not in by_name]
    return targets, not_found


def count_rows(cur, tables, org_ids):
    counts = {}
    for schema, table in tables:
        cur.execute(coop_db.sql.SQL('SELECT count(*) FROM {} WHERE org_id = ANY(%s)').format(
            coop_db.table_identifier(schema, table)), (org_ids,))
        number = cur.fetchone()[0]
        if number:
            counts['%s.%s' % (schema, table)] = number
    return counts


def delete_orgs(cur, tables, org_ids):
    deleted = {}
    for schema, table in tables:
        cur.execute(coop_db.sql.SQL('DELETE FROM {} WHERE org_id = ANY(%s)').format(
            coop_db.table_identifier(schema, table)), (org_ids,))
        if cur.rowcount:
            deleted['%s.%s' % (schema, table)] = cur.rowcount
    cur.execute('DELETE FROM public.orgs WHERE id = ANY(%s)', (org_ids,))
    deleted['public.orgs'] = cur.rowcount
    return deleted


def user_sessions(cur, user_ids, end=False):
    """Count (or delete) the users' rows of public.session; 0 when Coop made no session table yet."""
    cur.execute("SELECT to_regclass('public.session') IS NOT NULL")
    if not user_ids or not cur.fetchone()[0]:
        return 0
    cur.execute(("DELETE FROM" if end else "SELECT count(*) FROM")
                + " public.session WHERE sess -> 'passport' ->> 'user' = ANY(%s)", (user_ids,))
    return cur.rowcount if end else cur.fetchone()[0]


def lock_users(cur, users):
    cur.executemany('UPDATE public.users SET password = %s, updated_at = now() WHERE id = %s',
                    [(coop_sample.unusable_hash(), user['id']) for user in users])


def failure_hint(exc):
    """The fix for the errors an operator can meet here, and nothing for the others."""
    if isinstance(exc, coop_db.psycopg.errors.ForeignKeyViolation):
        return '; a foreign key from another org\'s rows blocks the delete: name that org in orgs or remove the reference first'
    if isinstance(exc, coop_db.psycopg.errors.UndefinedTable):
        return '; this database lacks a table every migrated Coop database has: check DATABASE_NAME and run the migrations'
    return ''


def label(org):
    return '%s (%s)' % (org['name'], org['id'])


def main():
    argument_spec = coop_db.coop_db_argument_spec()
    argument_spec.update(
        state=dict(type='str', required=True, choices=['absent', 'locked']),
        orgs=dict(type='list', elements='str', default=[]),
        seed_orgs=dict(type='bool', default=True),
        default_passwords=dict(type='list', elements='str', no_log=True),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    if not coop_sample.HAS_BCRYPT:
        module.fail_json(msg=missing_required_lib('bcrypt'), exception=coop_sample.BCRYPT_IMPORT_ERROR)
    state = module.params['state']
    passwords = module.params['default_passwords'] or list(coop_sample.DEFAULT_PASSWORDS)

    conn = coop_db.connect(module)
    result = {'changed': False}
    with coop_db.failing(module, conn, hint=failure_hint):
        with conn.cursor() as cur:
            targets, not_found = resolve_targets(module, cur)
            target_ids = [org['id'] for org in targets]
            users = coop_sample.default_password_users(coop_sample.password_users(cur), passwords)
            mine = [u for u in users if u['org_id'] in target_ids]
            result.update(orgs=targets, not_found=not_found,
                          other_default_password_users=[u for u in users if u['org_id'] not in target_ids])
            emails = sorted(u['email'] for u in mine)
            if state == 'absent':
                tables, triggers = coop_sample.org_tables(cur) if target_ids else ([], [])
                cur.execute('SELECT id FROM public.users WHERE org_id = ANY(%s)', (target_ids,))
                user_ids = [row[0] for row in cur.fetchall()]
                before_rows = count_rows(cur, tables, target_ids) if target_ids else {}
                if target_ids:
                    before_rows['public.orgs'] = len(target_ids)
                # Check mode counts what the versioning triggers will write as the real run does.
                result['deleted_rows'], result['history_rows'], result['uncounted_triggers'] = \
                    coop_sample.trigger_effects(before_rows, triggers, tables)
                result['changed'] = bool(target_ids)
                result['ended_sessions'] = user_sessions(cur, user_ids)
                result['diff'] = {'before': {'orgs': [label(o) for o in targets], 'rows': before_rows,
                                             'default_password_users': emails,
                                             'sessions': result['ended_sessions'], 'history_rows': {}},
                                  'after': {'orgs': [], 'rows': {}, 'default_password_users': [], 'sessions': 0,
                                            'history_rows': result['history_rows']}}
                if target_ids and not module.check_mode:
                    result['ended_sessions'] = user_sessions(cur, user_ids, end=True)
                    result['deleted_rows'] = delete_orgs(cur, tables, target_ids)
                    result['history_rows'] = coop_sample.trigger_effects(result['deleted_rows'], triggers, tables)[1]
            else:
                result['locked_users'] = mine
                result['changed'] = bool(mine)
                user_ids = [u['id'] for u in mine]
                result['ended_sessions'] = user_sessions(cur, user_ids)
                result['diff'] = {'before': {'default_password_users': emails, 'sessions': result['ended_sessions']},
                                  'after': {'default_password_users': [], 'sessions': 0}}
                if mine and not module.check_mode:
                    lock_users(cur, mine)
                    result['ended_sessions'] = user_sessions(cur, user_ids, end=True)
    coop_db.finish(module, conn)
    for ident in not_found:
        module.warn('no org has the id or name %r' % ident)
    if result['other_default_password_users']:
        module.warn('%d user(s) in other orgs log in with a default password (%s); name their orgs in orgs to lock '
                    'them, or have them change their password'
                    % (len(result['other_default_password_users']),
                       ', '.join(u['email'] for u in result['other_default_password_users'])))
    if not module._diff:
        result.pop('diff')
    module.exit_json(**result)


if __name__ == '__main__':
    main()
