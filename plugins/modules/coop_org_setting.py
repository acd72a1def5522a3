#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: coop_org_setting
short_description: Manage the per-org settings Coop keeps in its database
version_added: 0.1.0
description:
  - Sets the per-org settings of Coop that live only in database tables, for one org or many
    in one task, across C(public.org_settings), C(manual_review_tool.manual_review_tool_settings)
    and C(user_management_service.org_default_user_interface_settings).
  - Keys are the settings of Coop's Organization (appeals, SSO, partial items), Review Console and
    Wellness tabs, named like their columns. Each is validated against the collection's catalog
    (type, bounds, URL, JSON object, the SAML rule) before anything is written.
  - Works on both schema shapes. On databases migrated with Coop 2026.06 or later,
    C(mrt_requires_decision_reason) sets both C(mrt_requires_decision_reason_on_action) and
    C(mrt_requires_decision_reason_on_ignore); on older ones the two new keys are refused.
    C(moderator_safety_sepia) exists from 2026.07.
  - Uses one connection and one transaction. The settings rows are locked while compared
    (missing rows are created first, as Coop does, so concurrent runs never lose an update), and
    only columns whose value differs are written. Any error leaves the database as it was.
  - NCMEC reporting (C(ncmec_reporting.ncmec_org_settings)) is set with O(ncmec). A row there
    means reporting is on for the org, so a row is created only with credentials, and
    C(enabled=false) deletes it (check mode and diff say so). The credentials are never shown.
  - Coop caches some settings in-process (partial items endpoint 5 minutes, strike TTL and ignore
    callback 10 minutes), so changes can take that long to show.
author: roost.coop developers (@roostorg)
attributes:
  check_mode:
    support: full
    description: Reads the current values and reports what would change without writing.
  diff_mode:
    support: full
    description: Before and after per org, per changed key. Header values and NCMEC credentials are masked.
options:
  org:
    description:
      - Id or unique name of one org. Mutually exclusive with O(orgs).
      - An identifier that is the id of one org and the name of another is refused.
    type: str
  orgs:
    description:
      - Several orgs in one task. Each item is an org id or name (it gets O(settings)), or a
        mapping with C(org), C(settings) and C(ncmec); item settings are merged over O(settings).
      - The C(coop_orgs) list M(roost.coop.coop_org_setting_info) returns is taken as it is.
      - The number of SQL round trips does not grow with the number of orgs.
    type: list
    elements: raw
  settings:
    description:
      - Settings to apply, as a mapping of key to value. Keys not given are left alone.
      - "Organization: C(has_appeals_enabled), C(appeal_callback_url), C(appeal_callback_headers)
        (mapping of strings, values never shown), C(appeal_callback_body) (mapping),
        C(has_reporting_rules_enabled), C(allow_multiple_policies_per_action),
        C(user_strike_ttl_days) (1 to 3650), C(saml_enabled) (needs C(sso_url) and C(cert)),
        C(sso_url), C(cert), C(partial_items_endpoint), C(partial_items_request_headers),
        C(is_demo_org), C(show_usage_statistics)."
      - "Review Console: C(requires_policy_for_decisions), C(mrt_requires_decision_reason) (before
        2026.06; on newer schemas sets both of the next two), C(mrt_requires_decision_reason_on_action),
        C(mrt_requires_decision_reason_on_ignore), C(hide_skip_button_for_non_admins),
        C(ignore_callback_url), C(preview_jobs_view_enabled)."
      - "Wellness: C(moderator_safety_mute_video), C(moderator_safety_grayscale),
        C(moderator_safety_blur_level) (0 to 6), C(moderator_safety_sepia) (2026.07 and later)."
      - URLs must be absolute C(http://) or C(https://) URLs. Nullable keys (URLs, headers, body,
        C(cert), C(sso_url)) accept C(null) to clear them.
    type: dict
  ncmec:
    description:
      - NCMEC CyberTipline reporting for the org(s), as a mapping of key to value; an O(orgs) item's
        C(ncmec) is merged over it. Keys not given are left alone. Keys are the columns of
        C(ncmec_reporting.ncmec_org_settings).
      - C(enabled) (default C(true)); C(false) turns reporting off by deleting the org's row, and
        then no other key may be given.
      - "Credentials, never shown and compared only: C(username), C(password). Both are needed
        to turn reporting on for an org that has no row."
      - "Report details: C(company_template), C(legal_url), C(contact_email), C(more_info_url),
        C(ncmec_preservation_endpoint), C(ncmec_additional_info_endpoint), C(terms_of_service)
        (at most 3000 characters), C(contact_person_email), C(contact_person_first_name),
        C(contact_person_last_name), C(contact_person_phone)."
      - "C(policies_applied_to_actions_run_on_report_creation) and
        C(actions_to_run_upon_report_creation): non-empty lists of ids, both or neither."
      - "C(default_ncmec_queue_id): one of the org's review queues (C(null) for its default queue);
        C(default_internet_detail_type): C(WEB_PAGE), C(EMAIL), C(NEWSGROUP), C(CHAT_IM),
        C(ONLINE_GAMING), C(CELL_PHONE), C(NON_INTERNET) or C(PEER_TO_PEER)."
      - "C(media_review_requirement): C(ALL) or C(MINIMUM) (Coop 1.0.1 and later);
        C(min_media_to_review): 1 or more, only with C(MINIMUM) (C(null) means 1)."
    type: dict
    version_added: 0.2.0
extends_documentation_fragment:
  - roost.coop.coop_db
seealso:
  - module: community.postgresql.postgresql_query
notes:
  - Coop's C(server.env) from the config role is a convenient O(env_file).
'''

EXAMPLES = r'''
- name: Wellness defaults and appeals for one org
  roost.coop.coop_org_setting:
    env_file: /etc/coop/server.env
    org: Acme Trust & Safety
    settings:
      has_appeals_enabled: true
      appeal_callback_url: https://hooks.acme.example/coop/appeals
      appeal_callback_headers:
        Authorization: "Bearer {{ acme_appeal_token }}"
      user_strike_ttl_days: 30
      moderator_safety_blur_level: 3

- name: NCMEC reporting on for one org, off for another
  roost.coop.coop_org_setting:
    env_file: /etc/coop/server.env
    orgs:
      - org: Acme Trust & Safety
        ncmec:
          username: "{{ vault_acme_ncmec_username }}"
          password: "{{ vault_acme_ncmec_password }}"
          company_template: Acme
          legal_url: https://acme.example/terms
          contact_email: safety@acme.example
          default_internet_detail_type: WEB_PAGE
      - org: Globex Safety
        ncmec:
          enabled: false

- name: SSO for an org, all three keys in one task
  roost.coop.coop_org_setting:
    login_host: db.internal
    login_db: coop
    login_user: coop
    login_password: "{{ coop_database_password }}"
    org: e7c89ce7729
    settings:
      saml_enabled: true
      sso_url: https://idp.example.com/app/coop/sso/saml
      cert: "{{ lookup('ansible.builtin.file', 'idp.pem') }}"

- name: Many orgs in one task, shared settings plus per-org overrides
  roost.coop.coop_org_setting:
    env_file: /etc/coop/server.env
    settings:
      requires_policy_for_decisions: true
      mrt_requires_decision_reason: true
    orgs:
      - Acme Trust & Safety
      - org: Globex Safety
        settings:
          moderator_safety_blur_level: 4
'''

RETURN = r'''
orgs:
  description: One entry per org, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The org's id.
      type: str
    name:
      description: The org's name.
      type: str
    changed:
      description: Whether anything changed (or would change, in check mode) for this org.
      type: bool
    created:
      description: Settings tables in which the org had no row and one was (or would be) created.
      type: list
      elements: str
    removed:
      description: Tables whose row of the org was (or would be) deleted (NCMEC reporting turned off).
      type: list
      elements: str
    changes:
      description:
        - Changed columns with C(before) and C(after) values; header values masked.
        - NCMEC keys are prefixed C(ncmec.); the credentials show as C(********).
      type: dict
  sample:
    - id: e7c89ce7729
      name: Test Org
      changed: true
      created: []
      removed: []
      changes:
        moderator_safety_blur_level: {before: 2, after: 3}
'''

import difflib

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.roost.coop.plugins.module_utils import coop_catalog as catalog
from ansible_collections.roost.coop.plugins.module_utils import coop_ncmec as ncmec
from ansible_collections.roost.coop.plugins.module_utils.coop_db import (
    abort, all_orgs, connect, coop_db_argument_spec, existing_columns, failure, find_orgs, finish, json_param,
    psycopg, sql)

ROW_MISSING = 'absent'
ITEM_KEYS = ('org', 'settings', 'ncmec')


def targets_from_params(params):
    """[(identifier, validated settings)] from org/orgs/settings, or raise catalog.SettingsError."""
    base = params.get('settings') or {}
    if not isinstance(base, dict):
        raise catalog.SettingsError(['settings must be a mapping of setting name to value'])
    raw = [params['org']] if params.get('org') is not None else params.get('orgs') or []
    if not raw:
        raise catalog.SettingsError(['give org (one org) or orgs (a non-empty list)'])
    errors = []
    targets = []
    for index, item in enumerate(raw):
        where = 'orgs[%d]' % index
        if isinstance(item, dict):
            unknown = sorted(set(item) - set(ITEM_KEYS))
            if unknown or item.get('org') in (None, ''):
                errors.append('%s must be an org id or name, or a mapping with org and settings '
                              '(got keys %s)' % (where, ', '.join(sorted(item))))
                continue
            merged = dict(base)
            extra = item.get('settings') or {}
            if not isinstance(extra, dict):
                errors.append('%s.settings must be a mapping of setting name to value' % where)
                continue
            merged.update(extra)
            identifier = item['org']
        elif isinstance(item, (str, int)) and not isinstance(item, bool) and str(item) != '':
            identifier, merged = item, dict(base)
        else:
            errors.append('%s must be an org id or name, or a mapping with org and settings' % where)
            continue
        valid = validated(errors, identifier if len(raw) > 1 else None, catalog.validate, merged)
        if valid is not None:
            targets.append((str(identifier), valid))
    if errors:
        raise catalog.SettingsError(errors)
    return targets


def validated(errors, org, validate, given):
    """validate(given), or None with its errors (prefixed with the org when named) added to errors."""
    try:
        return validate(given)
    except catalog.SettingsError as exc:
        errors.extend(('org %s: ' % org if org is not None else '') + error for error in exc.errors)
    return None


def raw_mappings(params, name):
    """Every mapping of option name (settings or ncmec) in the task as given (before validation)."""
    found = [params.get(name)]
    found.extend(item.get(name) for item in params.get('orgs') or [] if isinstance(item, dict))
    return [mapping for mapping in found if isinstance(mapping, dict)]


def ncmec_from_params(params):
    """{identifier: validated ncmec mapping} for the orgs that declare NCMEC settings (item over task)."""
    base = params.get('ncmec')
    raw = [params['org']] if params.get('org') is not None else params.get('orgs') or []
    errors = []
    wanted = {}
    for item in raw:
        ident, given = (item.get('org'), item.get('ncmec')) if isinstance(item, dict) else (item, None)
        merged = given if given is not None else base
        if isinstance(base, dict) and isinstance(given, dict):
            merged = dict(base)
            merged.update(given)
        if merged is None or ident in (None, ''):
            continue
        wanted[str(ident)] = validated(errors, ident if len(raw) > 1 else None, ncmec.validate, merged)
    if errors:
        raise catalog.SettingsError(errors)
    return wanted


def resolve_orgs(cursor, identifiers):
    """{identifier: (id, name)} or raise SettingsError for unknown or ambiguous identifiers."""
    by_id, by_name = find_orgs(cursor, identifiers)
    errors = []
    unknown = []
    found = {}
    for ident in identifiers:
        as_id, as_name = by_id.get(ident), by_name.get(ident)
        if as_id and as_name and as_id != as_name:
            errors.append('%r is the id of org %r and the name of org %s; refer to the first by its name %r '
                          'and to the second by its id %r' % (ident, as_id[1], as_name[0], as_id[1], as_name[0]))
        elif as_id or as_name:
            found[ident] = as_id or as_name
        else:
            unknown.append(ident)
    if unknown:
        everyone = all_orgs(cursor)
        for ident in unknown:
            near = near_orgs(ident, everyone)
            hint = 'near matches: %s' % ', '.join(near) if near else 'no org has a similar name or id (check the database)'
            errors.append('unknown org %r; %s' % (ident, hint))
    seen = {}
    for ident in identifiers:
        org = found.get(ident)
        if org is None:
            continue
        if org[0] in seen and seen[org[0]] != ident:
            errors.append('org %r (id %s) is listed twice, as %r and %r; merge the two entries into one'
                          % (org[1], org[0], seen[org[0]], ident))
        seen.setdefault(org[0], ident)
    if errors:
        raise catalog.SettingsError(errors)
    return found


def near_orgs(ident, orgs, limit=5):
    """'name (id)' of the orgs whose name or id resembles ident."""
    labels = {}
    for org_id, name in orgs:
        labels[name.lower()] = labels[org_id.lower()] = '%s (id %s)' % (name, org_id)
    wanted = ident.lower()
    hits = [labels[key] for key in difflib.get_close_matches(wanted, list(labels), n=limit, cutoff=0.5)]
    hits += sorted(label for key, label in labels.items() if wanted in key or (key in wanted and len(key) > 3))
    out = []
    for label in hits:
        if label not in out:
            out.append(label)
    return out[:limit]


def read_rows(cursor, table, columns, org_ids, lock):
    query = sql.SQL('SELECT {cols} FROM {table} WHERE org_id = ANY(%s) ORDER BY org_id{lock}').format(
        cols=sql.SQL(', ').join(sql.Identifier(c) for c in ['org_id'] + columns),
        table=sql.Identifier(*table), lock=sql.SQL(' FOR UPDATE' if lock else ''))
    cursor.execute(query, (org_ids,))
    return dict((row[0], dict(zip(columns, row[1:]))) for row in cursor.fetchall())


def create_missing_rows(cursor, table, org_ids):
    """Insert default rows for orgs lacking one (like Coop's ON CONFLICT DO NOTHING); returns the ids inserted.

    Inserting first means a concurrent run waits on our row instead of both inserting."""
    cursor.execute(sql.SQL('INSERT INTO {table} (org_id) SELECT unnest(%s::text[]) AS org_id ORDER BY 1 '
                           'ON CONFLICT (org_id) DO NOTHING RETURNING org_id').format(table=sql.Identifier(*table)),
                   (sorted(org_ids),))
    return set(row[0] for row in cursor.fetchall())


def write_changes(cursor, table, changes, types=None, touched=None):
    """One UPDATE for all orgs of a table; columns an org does not change keep their locked value.

    types: {column: SQL type} (default: the settings catalog's); touched: a column set to now()."""
    columns = sorted(set(c for cols in changes.values() for c in cols))
    uniform = set(c for c in columns if all(c in cols for cols in changes.values()))
    records = []
    for org_id, cols in sorted(changes.items()):
        record = {'org_id': org_id}
        for column in columns:
            record[column] = cols.get(column)
            if column not in uniform:
                record['set__' + column] = column in cols
        records.append(record)
    fields = [sql.SQL('org_id text')]
    assignments = []
    for column in columns:
        col = sql.Identifier(column)
        sql_type = types[column] if types else catalog.column_setting(column).sql_type
        fields.append(sql.SQL('{} {}').format(col, sql.SQL(sql_type)))
        if column in uniform:
            assignments.append(sql.SQL('{col} = v.{col}').format(col=col))
        else:
            flag = sql.Identifier('set__' + column)
            fields.append(sql.SQL('{} boolean').format(flag))
            assignments.append(sql.SQL('{col} = CASE WHEN v.{flag} THEN v.{col} ELSE t.{col} END').format(
                col=col, flag=flag))
    if touched:
        assignments.append(sql.SQL('{} = now()').format(sql.Identifier(touched)))
    query = sql.SQL('UPDATE {table} AS t SET {assign} FROM jsonb_to_recordset(%s::jsonb) AS v({fields}) '
                    'WHERE t.org_id = v.org_id').format(
        table=sql.Identifier(*table), assign=sql.SQL(', ').join(assignments), fields=sql.SQL(', ').join(fields))
    cursor.execute(query, (json_param(records),))
    if cursor.rowcount != len(records):
        raise RuntimeError('updated %s rows of %s.%s, expected %s' % ((cursor.rowcount,) + table + (len(records),)))


def plan(targets, orgs, wanted_by_target, rows, created):
    """Per-org results and the writes per table; raise SettingsError on a final SAML violation."""
    results = []
    writes = {}
    errors = []
    for (ident, _settings), wanted in zip(targets, wanted_by_target):
        org_id, name = orgs[ident]
        entry = {'id': org_id, 'name': name, 'changed': False, 'created': [], 'changes': {}}
        for table, columns in sorted(wanted.items()):
            label = '%s.%s' % table
            current = rows[table].get(org_id)
            if current is None or org_id in created[table]:
                entry['created'].append(label)
                current = current if current is not None else rows['defaults'][table]
            change = catalog.delta(current, columns)
            if table == catalog.ORG_SETTINGS:
                final = dict(current)
                final.update(columns)
                problem = catalog.saml_problem(final)
                if problem:
                    errors.append('org %r: %s' % (name, problem))
            for column, (before, after) in change.items():
                entry['changes'][column] = {'before': catalog.masked(column, before),
                                            'after': catalog.masked(column, after)}
                writes.setdefault(table, {}).setdefault(org_id, {})[column] = after
        entry['changed'] = bool(entry['changes'] or entry['created'])
        results.append(entry)
    if errors:
        raise catalog.SettingsError(errors)
    return results, writes


def diffs(results):
    out = []
    for entry in results:
        if not entry['changed']:
            continue
        before = dict((k, v['before']) for k, v in entry['changes'].items())
        after = dict((k, v['after']) for k, v in entry['changes'].items())
        for label in entry['created']:
            before['row in ' + label] = ROW_MISSING
            after['row in ' + label] = 'created'
        for label in entry.get('removed', ()):
            before['row in ' + label] = 'present (NCMEC reporting on)'
            after['row in ' + label] = 'deleted (NCMEC reporting off)'
        header = 'org %s (id %s)' % (entry['name'], entry['id'])
        out.append({'before_header': header, 'after_header': header, 'before': before, 'after': after})
    return out


def apply(module, conn, targets, ncmec_wanted=None):
    check = module.check_mode
    with conn.cursor() as cursor:
        live = existing_columns(cursor, catalog.TABLES + ((ncmec.TABLE,) if ncmec_wanted else ()))
        wanted_by_target = [catalog.columns_for(settings, live) for _ident, settings in targets]
        ncmec_columns = dict((ident, ncmec.columns_for(wanted, live.get(ncmec.TABLE)))
                             for ident, wanted in (ncmec_wanted or {}).items())
        orgs = resolve_orgs(cursor, [ident for ident, _settings in targets])
        touched = {}
        for (ident, _settings), wanted in zip(targets, wanted_by_target):
            for table in wanted:
                touched.setdefault(table, set()).add(orgs[ident][0])
        rows = {'defaults': {}}
        created = {}
        for table in catalog.TABLES:
            if table not in touched:
                continue
            columns = sorted(c for c in live[table] if c in catalog.SETTINGS)
            created[table] = set() if check else create_missing_rows(cursor, table, touched[table])
            rows[table] = read_rows(cursor, table, columns, sorted(touched[table]), lock=not check)
            rows['defaults'][table] = catalog.defaults(table, live[table])
        results, writes = plan(targets, orgs, wanted_by_target, rows, created)
        ncmec_writes = plan_ncmec(cursor, orgs, ncmec_wanted or {}, ncmec_columns, live, results, check)
        if not check:
            for table in catalog.TABLES:
                if writes.get(table):
                    write_changes(cursor, table, writes[table])
            write_ncmec(cursor, ncmec_writes)
    return results


def plan_ncmec(cursor, orgs, enabled, wanted, live, results, check):
    """Add NCMEC changes to the per-org results; returns {'insert', 'update', 'delete'} for write_ncmec.

    enabled: {identifier: validated mapping}; wanted: {identifier: {column: value}}."""
    writes = {'insert': {}, 'update': {}, 'delete': []}
    for entry in results:
        entry.setdefault('removed', [])
    if not enabled:
        return writes
    columns = sorted(c for c in live[ncmec.TABLE] if c in ncmec.FIELDS)
    rows = read_rows(cursor, ncmec.TABLE, columns, sorted(set(orgs[i][0] for i in enabled)), lock=not check)
    queues = org_queues(cursor, orgs, wanted)
    by_id = dict((entry['id'], entry) for entry in results)
    label = '%s.%s' % ncmec.TABLE
    errors = []
    for ident in sorted(enabled):
        org_id, name = orgs[ident]
        entry, current, columns = by_id[org_id], rows.get(org_id), wanted[ident]
        if not enabled[ident][ncmec.ENABLED]:
            if current is not None:
                entry['removed'].append(label)
                writes['delete'].append(org_id)
                entry['changed'] = True
            continue
        problems = ncmec.row_problems(name, current, columns)
        problems.append(ncmec.queue_problems(name, org_id, columns.get('default_ncmec_queue_id'), queues))
        errors.extend(problem for problem in problems if problem)
        change = catalog.delta(current or {}, columns)
        for column, (before, after) in change.items():
            entry['changes']['ncmec.' + column] = {'before': ncmec.masked(column, before),
                                                   'after': ncmec.masked(column, after)}
        if current is None:
            entry['created'].append(label)
            writes['insert'][org_id] = columns
        elif change:
            writes['update'][org_id] = dict((column, after) for column, (_before, after) in change.items())
        entry['changed'] = entry['changed'] or bool(change) or current is None
    if errors:
        raise catalog.SettingsError(errors)
    return writes


def org_queues(cursor, orgs, wanted):
    """{queue id: org id} of the queues named in wanted and of the orgs naming one, in one query."""
    named = dict((ident, cols['default_ncmec_queue_id']) for ident, cols in wanted.items()
                 if cols.get('default_ncmec_queue_id') is not None)
    if not named:
        return {}
    cursor.execute(sql.SQL('SELECT id, org_id FROM {} WHERE id = ANY(%s) OR org_id = ANY(%s)').format(
        sql.Identifier(*ncmec.QUEUES)), (sorted(named.values()), sorted(orgs[ident][0] for ident in named)))
    return dict(cursor.fetchall())


def write_ncmec(cursor, writes):
    """At most one INSERT, one UPDATE and one DELETE for every org's NCMEC row."""
    types = dict((key, field.sql_type) for key, field in ncmec.FIELDS.items())
    if writes['delete']:
        cursor.execute(sql.SQL('DELETE FROM {} WHERE org_id = ANY(%s)').format(sql.Identifier(*ncmec.TABLE)),
                       (sorted(writes['delete']),))
    if writes['update']:
        write_changes(cursor, ncmec.TABLE, writes['update'], types, touched='updated_at')
    if writes['insert']:
        columns = sorted(set(c for cols in writes['insert'].values() for c in cols))
        records = [dict([(c, cols.get(c, ncmec.INSERT_DEFAULTS.get(c))) for c in columns], org_id=org_id)
                   for org_id, cols in sorted(writes['insert'].items())]
        names = sql.SQL(', ').join(sql.Identifier(c) for c in ['org_id'] + columns)
        fields = sql.SQL(', ').join([sql.SQL('org_id text')] + [
            sql.SQL('{} {}').format(sql.Identifier(c), sql.SQL(types[c])) for c in columns])
        cursor.execute(sql.SQL('INSERT INTO {table} ({names}) SELECT {names} FROM jsonb_to_recordset(%s::jsonb) '
                               'AS v({fields}) ON CONFLICT (org_id) DO NOTHING').format(
            table=sql.Identifier(*ncmec.TABLE), names=names, fields=fields), (json_param(records),))
        if cursor.rowcount != len(records):
            raise RuntimeError('another run turned NCMEC reporting on for the same org meanwhile; rerun the task')


def main():
    argument_spec = coop_db_argument_spec()
    argument_spec.update(
        org=dict(type='str'),
        orgs=dict(type='list', elements='raw'),
        settings=dict(type='dict'),
        ncmec=dict(type='dict'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           mutually_exclusive=[('org', 'orgs')], required_one_of=[('org', 'orgs')])
    # Before validation, so a failure's module_args hide the header values too.
    for settings in raw_mappings(module.params, 'settings'):
        module.no_log_values.update(catalog.secret_strings(settings))
    for given in raw_mappings(module.params, 'ncmec'):
        module.no_log_values.update(ncmec.secret_strings(given))
    errors = []
    targets = ncmec_wanted = None
    try:
        targets = targets_from_params(module.params)
    except catalog.SettingsError as exc:
        errors.extend(exc.errors)
    try:
        ncmec_wanted = ncmec_from_params(module.params)
    except catalog.SettingsError as exc:
        errors.extend(exc.errors)
    if errors:
        module.fail_json(msg='; '.join(errors), errors=errors)

    conn = connect(module)
    try:
        results = apply(module, conn, targets, ncmec_wanted)
    except catalog.SettingsError as exc:
        abort(conn)
        module.fail_json(msg=str(exc), errors=exc.errors)
    except psycopg.Error as exc:
        message = failure(conn, exc)
        abort(conn)
        module.fail_json(msg=message)
    except RuntimeError as exc:
        abort(conn)
        module.fail_json(msg='database error, nothing was changed: %s' % exc)
    finish(module, conn)

    changed = any(entry['changed'] for entry in results)
    result = dict(changed=changed, orgs=results)
    if module._diff:
        result['diff'] = diffs(results)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
