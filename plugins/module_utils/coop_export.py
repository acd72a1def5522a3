# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Live settings as a coop_orgs list (coop_org_setting_info), and the drift report of declared
against live (the roost.coop.drift playbook). Pure functions: no database access."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.roost.coop.plugins.module_utils import coop_catalog as catalog
from ansible_collections.roost.coop.plugins.module_utils import coop_ncmec as ncmec


def label(org_id, name, ids, names):
    """How an export refers to an org: its name, unless that is another org's id (then its id)."""
    if name in ids and name != org_id and org_id not in names:
        return org_id
    return name


def org_settings(rows, live):
    """(settings, withheld keys) of one org from its rows {table: row or None}.

    Keys of tables without a row are left out (applying them would create the row); so are
    secret keys (their values never leave the database) and NULLs of keys that cannot be null."""
    settings = {}
    withheld = []
    for key in catalog.KEYS:
        setting = catalog.SETTINGS[key]
        row = rows.get(setting.table)
        if row is None or setting.column not in live.get(setting.table, ()):
            continue
        value = row.get(setting.column)
        if setting.secret and value is not None:
            withheld.append(key)
        elif value is not None or setting.nullable:
            settings[key] = value
    return settings, withheld


def coop_orgs(orgs, rows, live):
    """(coop_orgs list, {org: withheld keys}) for orgs [(id, name)]; rows {table: {org_id: row}}."""
    ids = set(org_id for org_id, _name in orgs)
    names = set(name for _org_id, name in orgs)
    out = []
    withheld = {}
    for org_id, name in orgs:
        item = {'org': label(org_id, name, ids, names)}
        item['settings'], secret = org_settings(dict((table, rows[table].get(org_id)) for table in catalog.TABLES), live)
        if ncmec.TABLE in live:
            row = rows[ncmec.TABLE].get(org_id)
            item['ncmec'] = ncmec.export(row, live[ncmec.TABLE])
            if row is not None:
                secret += ['ncmec.%s' % key for key in ncmec.CREDENTIALS]
        if secret:
            withheld[item['org']] = secret
        out.append(item)
    return out, withheld


def drift(settings_results, env_results):
    """The drift report from coop_org_setting's per-org results (check mode) and coop_env's per-file
    results (check mode): {'drift': bool, 'orgs': {org: {key: {declared, live}}},
    'env': {host: {file: {key: {declared, live}}}}}. Secret values arrive masked and stay so."""
    orgs = {}
    for entry in settings_results or []:
        keys = dict((key, {'declared': change['after'], 'live': change['before']})
                    for key, change in entry.get('changes', {}).items())
        for table in entry.get('created', []):
            keys['row in %s' % table] = {'declared': 'present', 'live': 'absent'}
        for table in entry.get('removed', []):
            keys['row in %s' % table] = {'declared': 'absent', 'live': 'present'}
        if keys:
            orgs[entry['name']] = keys
    env = {}
    for host, files in sorted((env_results or {}).items()):
        for result in files:
            keys = dict((key, {'declared': change['after'], 'live': change['before']})
                        for key, change in (result.get('changes') or {}).items())
            if keys:
                env.setdefault(host, {})[result['path']] = keys
    return {'drift': bool(orgs or env), 'orgs': orgs, 'env': env}


def table(report):
    """The report as aligned text lines: where, key, declared, live."""
    rows = [('where', 'key', 'declared', 'live')]
    for org, keys in sorted(report['orgs'].items()):
        for key, values in sorted(keys.items()):
            rows.append(('org ' + org, key, _text(values['declared']), _text(values['live'])))
    for host, files in sorted(report['env'].items()):
        for path, keys in sorted(files.items()):
            for key, values in sorted(keys.items()):
                rows.append(('%s:%s' % (host, path), key, _text(values['declared']), _text(values['live'])))
    if len(rows) == 1:
        return ['NO DRIFT: the live settings and env files are as declared']
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ['DRIFT: %d value(s) differ from what is declared' % (len(rows) - 1)]
    lines += ['  '.join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + '  ' + row[3] for row in rows]
    return lines


def _text(value):
    if value is None:
        return '(unset)'
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)
