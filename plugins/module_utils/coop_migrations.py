# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which of Coop's migration scripts are pending: pure functions over file names and the names the
migrator recorded (coop-facts 6). No I/O here, so unit tests reach all of it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# --db values of Coop's migrator and the script extensions it globs for each (coop-facts 6).
EXTENSIONS = {
    'api-server-pg': ('.sql', '.cjs'),
    'clickhouse': ('.sql',),
    'scylla': ('.cjs',),
}
DATABASES = ('api-server-pg', 'clickhouse', 'scylla')
ENVS = ('prod', 'staging')

_SEED = re.compile(r'\.seed\.([^.]+)\.(sql|cjs)$')


def seed_env(name):
    """The env a seed script is for ('staging' for `x.seed.staging.sql`), or None for a migration."""
    match = _SEED.search(name)
    return match.group(1) if match else None


def scripts_for(file_names, db, env):
    """The script names the migrator would run for `db` with `--env env`, in the order it runs them.

    Keeps files with the db's extensions, drops seeds of other envs, sorts lexically (names are
    timestamp-prefixed; the migrator relies on that)."""
    if db not in EXTENSIONS:
        raise ValueError('unknown Coop database %r; use one of %s' % (db, ', '.join(DATABASES)))
    if env not in ENVS:
        raise ValueError('unknown migrator env %r; use prod (or staging for test installs)' % (env,))
    out = []
    for name in file_names:
        if not name.endswith(EXTENSIONS[db]):
            continue
        seed = seed_env(name)
        if seed is not None and seed != env:
            continue
        out.append(name)
    return sorted(set(out))


def pending(scripts, applied):
    """Scripts not yet recorded, in run order. Recorded names carry their extension (coop-facts 6)."""
    done = set(applied)
    return [name for name in scripts if name not in done]


def unknown_applied(scripts, applied):
    """Recorded names with no script in this release: a release older than the database."""
    known = set(scripts)
    return sorted(name for name in set(applied) if name not in known and seed_env(name) is None)


# Coop's built migrator, run with node from the release's db/ (the image's WORKDIR): every release
# the collection supports builds db/ to build/index.js (coop-facts 11, db/Dockerfile).
MIGRATOR = 'build/index.js'


def migrator_commands(databases, env):
    """node argument lists, in order: create then apply, per database (coop-facts 1, 9, 11)."""
    commands = []
    for db in databases:
        for command in ('create', 'apply'):
            commands.append([MIGRATOR, command, '--db', db, '--env', env])
    return commands
