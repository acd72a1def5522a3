# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The upgrade gate: whether a release's migration scripts may run on a database, from the names
the migrator recorded. Pure functions; coop_migration_info returns the verdict, the migrations role
and the rollback playbook act on it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.roost.coop.plugins.module_utils.coop_migrations import pending, unknown_applied

# Upgrades that must stop at an intermediate release (from Coop's release notes): a database that has
# not recorded `needs` must not run `pending` in the same upgrade; deploy `release` first.
# Rows: {'needs': script name, 'pending': script name, 'release': coop_version, 'why': one line}.
# No Coop release so far needs one.
INTERMEDIATE = ()


def belongs_to(applied, releases):
    """Ids of the known releases ({id: script names}) that have a script for every recorded name,
    those with the fewest scripts left to run first: the release the database was migrated by."""
    fits = []
    for release_id, scripts in releases.items():
        if not unknown_applied(scripts, applied):
            fits.append((len(pending(sorted(scripts), applied)), release_id))
    return [release_id for _left, release_id in sorted(fits)]


def gate(scripts, applied, target='the target release', releases=None, table=INTERMEDIATE):
    """{verdict: ok|refuse, reasons, pending, unknown, belongs_to} for running `scripts` (the target
    release's, in run order) on a database that recorded `applied`."""
    todo = pending(scripts, applied)
    unknown = unknown_applied(scripts, applied)
    owners = belongs_to(applied, releases or {}) if unknown else []
    reasons = []
    if unknown:
        owner = ('release %s' % ' or '.join(owners[:3])) if owners else 'a newer release than any kept here'
        reasons.append('downgrade refused: the database belongs to %s; it recorded %d migration(s) %s does not have '
                       '(%s). Deploy that release again, or restore the dump taken before the upgrade '
                       '(roost.coop.restore)' % (owner, len(unknown), target, ', '.join(unknown[:5])))
    done = set(applied)
    for row in table:
        if row['pending'] in todo and row['needs'] not in done:
            reasons.append('upgrade refused: %s cannot be reached directly from this database (%s); deploy '
                           'coop_version %s first, then %s' % (target, row['why'], row['release'], target))
    return {'verdict': 'refuse' if reasons else 'ok', 'reasons': reasons, 'pending': todo, 'unknown': unknown,
            'belongs_to': owners}
