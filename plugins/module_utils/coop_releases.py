# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What differs between the Coop releases the collection supports (coop-facts 11), as data, and
the pure checks drawn from it: which env vars a release needs to boot, which flags it has, how its
migrator runs, and the bookkeeping rows its scheduled jobs need."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SCYLLA_FLAG = 'ITEM_INVESTIGATION_AND_STRIKES_ENABLED'
# Coop builds its Scylla client with these at start-up (`Missing env var SCYLLA_HOSTS` without them).
SCYLLA_BOOT = ('SCYLLA_HOSTS', 'SCYLLA_USERNAME', 'SCYLLA_PASSWORD', 'SCYLLA_LOCAL_DATACENTER')
# Every supported release builds db/ (npm ci, npm run build, npm prune --omit=dev) and migrates with
# `node build/index.js create|apply --db X --env Y` from db/; the root db:* scripts install packages.
MIGRATOR = {'dir': 'db', 'argv': ['build/index.js'], 'build': ['ci', 'run build', 'prune --omit=dev']}

_BEFORE_FLAG = {'scylla_at_boot': True, 'flags': (), 'migrator': MIGRATOR}
RELEASES = {
    '1.0.0': _BEFORE_FLAG,
    '1.0.1': _BEFORE_FLAG,
    '1.0.2': _BEFORE_FLAG,
    # The flag arrived after 1.0.2 (commit e4238cd3, #918): false/0/no swaps in a no-op Scylla.
    'main': {'scylla_at_boot': False, 'flags': (SCYLLA_FLAG,), 'migrator': MIGRATOR},
}
NEWEST = 'main'

# Rows Coop's scheduled jobs read and only the staging seed inserts: state, not sample data.
JOB_STATE = (
    {'job': 'RefreshMRTDecisionsMaterializedViewJob', 'schema': 'public', 'table': 'view_maintenance_metadata',
     'key': ('table_name', 'manual_review_tool.dim_mrt_decisions_materialized'),
     'values': (('last_insert', '-infinity'),)},
)


def release(version):
    """(name of the rules applied, rules, known) for a coop_version: unknown ones get the newest rules."""
    name = str(version).strip()
    if name.startswith('v') and name[1:] in RELEASES:
        name = name[1:]
    if name in RELEASES:
        return name, RELEASES[name], True
    return NEWEST, RELEASES[NEWEST], False


def scylla_in_use(rules, server_env):
    """Whether the server builds its Scylla client: always before the flag, else unless it is false."""
    if rules['scylla_at_boot']:
        return True
    value = str(server_env.get(SCYLLA_FLAG, '')).strip().lower()
    return value not in ('false', '0', 'no')


def boot_problems(version, server_env):
    """Why Coop `version` would not boot with `server_env` ({key: value}; '' or missing = unset),
    each naming the fix; [] when it boots."""
    name, rules, _known = release(version)
    problems = []
    if scylla_in_use(rules, server_env):
        missing = [key for key in SCYLLA_BOOT if str(server_env.get(key, '')) == '']
        if missing:
            if rules['scylla_at_boot']:
                fix = ('Coop %s always builds its Scylla client at start-up and exits with "Missing env var %s": '
                       'set coop_scylla_hosts, coop_scylla_username, coop_scylla_password and '
                       'coop_scylla_local_datacenter (a Scylla cluster; strikes and investigation history use it), '
                       'or deploy a newer coop_version (main), where coop_scylla_hosts: [] turns Scylla off'
                       % (name, missing[0]))
            else:
                fix = ('Coop %s uses Scylla unless %s=false and exits with "Missing env var %s": set '
                       'coop_scylla_username, coop_scylla_password and coop_scylla_local_datacenter with '
                       'coop_scylla_hosts, or leave coop_scylla_hosts empty to run without Scylla'
                       % (name, SCYLLA_FLAG, missing[0]))
            problems.append('%s missing. %s' % (', '.join(missing), fix))
    return problems


def summary(version, server_env=None):
    """Everything the roles need about `version`, for the coop_release filter."""
    name, rules, known = release(version)
    out = {'version': str(version), 'rules': name, 'known': known, 'flags': list(rules['flags']),
           'scylla_at_boot': rules['scylla_at_boot'], 'migrator': dict(rules['migrator']),
           'problems': boot_problems(version, server_env or {}), 'warning': ''}
    if not known:
        out['warning'] = ('coop_version %s is not a release this collection knows (%s): applied the rules of %s '
                          '(Scylla optional with %s, migrator node build/index.js in db/); check its boot '
                          'requirements yourself' % (version, ', '.join(sorted(RELEASES)), name, SCYLLA_FLAG))
    return out
