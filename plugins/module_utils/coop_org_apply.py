# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic of coop_org_setting: option parsing, org matching, planning, diffs and the database
reads and writes (also run in check mode by coop_drift)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib

from ansible_collections.roost.coop.plugins.module_utils import coop_catalog as catalog
from ansible_collections.roost.coop.plugins.module_utils import coop_ncmec as ncmec
from ansible_collections.roost.coop.plugins.module_utils.coop_db import (
    abort, all_orgs, connect, existing_columns, failing, find_orgs, finish, json_param, sql)

ROW_MISSING = 'absent'
ITEM_KEYS = ('org', 'settings', 'ncmec')

# These options can hold NCMEC credentials and header values. no_log keeps them out of the invocation
# line AnsibleModule logs on the host (syslog, the journal); hide_only_secrets() then lets the other
# values show in results and diffs.
ORG_OPTIONS = dict(
    org=dict(type='str'),
    orgs=dict(type='list', elements='raw', no_log=True),
    settings=dict(type='dict', no_log=True),
    ncmec=dict(type='dict', no_log=True),
)


def hide_only_secrets(module):
    """Narrow module.no_log_values (every value of a no_log option) to the login password; run() adds
    the secrets inside settings and ncmec, connect() those of the env file."""
    module.no_log_values = set(value for value in [module.params.get('login_password')] if value)


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


def run(module, params):
    """Validate params (org or orgs, settings, ncmec), apply them in one transaction (read only in
    check mode) and return the per-org results; fails the module with the fix on bad input."""
    # Before validation, so a failure's module_args hide the header values too.
    for settings in raw_mappings(params, 'settings'):
        module.no_log_values.update(catalog.secret_strings(settings))
    for given in raw_mappings(params, 'ncmec'):
        module.no_log_values.update(ncmec.secret_strings(given))
    errors = []
    targets = ncmec_wanted = None
    try:
        targets = targets_from_params(params)
    except catalog.SettingsError as exc:
        errors.extend(exc.errors)
    try:
        ncmec_wanted = ncmec_from_params(params)
    except catalog.SettingsError as exc:
        errors.extend(exc.errors)
    if errors:
        module.fail_json(msg='; '.join(errors), errors=errors)

    conn = connect(module)
    try:
        with failing(module, conn, catalog.SettingsError):
            results = apply(module, conn, targets, ncmec_wanted)
    except RuntimeError as exc:
        abort(conn)
        module.fail_json(msg='database error, nothing was changed: %s' % exc)
    finish(module, conn)

    return results
