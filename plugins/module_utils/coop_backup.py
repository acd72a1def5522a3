# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backups of Coop's PostgreSQL database: dump file names, retention, the disk-space verdict and
what a restore would lose, as pure functions (no I/O) for coop_backup and the checklist."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from datetime import datetime

# <db>__<UTC time>__<release>__<last recorded migration>.dump; '__' never occurs inside a part.
SEP = '__'
SUFFIX = '.dump'
TIME_FORMAT = '%Y%m%dT%H%M%S'
_UNSAFE = re.compile(r'[^A-Za-z0-9._-]+')
_NAME = re.compile(r'^(?P<db>[A-Za-z0-9._-]+?)__(?P<time>\d{8}T\d{6})\.(?P<ms>\d{3})Z__'
                   r'(?P<release>[A-Za-z0-9._-]+?)__(?P<migration>[A-Za-z0-9._-]+?)\.dump$')


def safe(text, limit=80):
    """A name part for a file name: letters, digits, . _ - only, no '__', no leading dot, at most limit chars."""
    out = _UNSAFE.sub('_', str(text or ''))
    while SEP in out:
        out = out.replace(SEP, '_')
    out = out.strip('._-')[:limit].strip('._-')
    return out or 'none'


def dump_name(dbname, when, release, last_migration):
    """The file name of a dump of dbname taken at `when` (a UTC datetime)."""
    stamp = '%s.%03dZ' % (when.strftime(TIME_FORMAT), when.microsecond // 1000)
    return SEP.join((safe(dbname, 40), stamp, safe(release or 'unknown', 64), safe(last_migration, 100))) + SUFFIX


def parse_name(name):
    """{db, time (naive UTC datetime), release, last_migration} of a dump file name, or None for other files."""
    match = _NAME.match(name)
    if not match:
        return None
    when = datetime.strptime(match.group('time'), TIME_FORMAT).replace(microsecond=int(match.group('ms')) * 1000)
    return {'db': match.group('db'), 'time': when, 'release': match.group('release'),
            'last_migration': match.group('migration')}


def own_dumps(file_names, dbname):
    """The dumps of dbname among file_names, newest first."""
    mine = []
    for name in file_names:
        info = parse_name(name)
        if info and info['db'] == safe(dbname, 40):
            mine.append((info['time'], name))
    return [name for _time, name in sorted(mine, reverse=True)]


def to_remove(file_names, dbname, keep):
    """The dumps of dbname beyond the `keep` newest, oldest last."""
    if keep < 1:
        raise ValueError('keep is %r; keep at least 1 dump' % (keep,))
    return own_dumps(file_names, dbname)[keep:]


def space_verdict(database_size, factor, min_free_bytes, free_bytes):
    """(fits, needed bytes, message naming the figures) for a dump estimated at database_size * factor."""
    estimate = int(database_size * factor)
    needed = estimate + int(min_free_bytes)
    message = ('the dump needs about %s (database %s x space_factor %s) plus min_free_bytes %s = %s, and %s is free'
               % (human(estimate), human(database_size), factor, human(min_free_bytes), human(needed), human(free_bytes)))
    return free_bytes >= needed, needed, message


def human(count):
    """Bytes for messages: '12.3 MiB (12897484 bytes)'."""
    value = float(count)
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB'):
        if value < 1024 or unit == 'TiB':
            break
        value /= 1024
    return '%.1f %s (%d bytes)' % (value, unit, int(count)) if unit != 'B' else '%d bytes' % int(count)


_COPY = re.compile(r'^COPY (?P<table>\S+) \((?P<columns>.*)\) FROM stdin;$')


def copy_counts(lines):
    """({table: rows}, {table: [first column values]} for public."SequelizeMeta") from pg_restore's
    plain-text data output: COPY text escapes newlines, so one line is one row."""
    counts, meta = {}, []
    table = None
    for line in lines:
        if table is None:
            match = _COPY.match(line)
            if match:
                table = match.group('table')
                counts[table] = 0
            continue
        if line == '\\.':
            table = None
            continue
        counts[table] += 1
        if table == 'public."SequelizeMeta"':
            meta.append(line.split('\t', 1)[0])
    return counts, meta


def losses(dump_counts, dump_meta, live_counts, live_meta, newer):
    """What replacing the live database by the dump loses: recorded migrations only the live database
    has, tables whose row counts differ, and tables with rows stamped after the dump."""
    changed = {}
    for table in sorted(set(dump_counts) | set(live_counts)):
        before, now = dump_counts.get(table, 0), live_counts.get(table, 0)
        if before != now:
            changed[table] = {'live': now, 'dump': before}
    return {'migrations': sorted(set(live_meta) - set(dump_meta)), 'tables': changed, 'written_after_dump': newer}


def start(argv, env, stdout=None):
    """Start argv (stderr kept in a temporary file for finish()); the caller works while it runs."""
    import subprocess
    import tempfile
    errors = tempfile.TemporaryFile()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE if stdout else subprocess.DEVNULL, stderr=errors, env=env)
    proc.errors = errors
    return proc


def finish(proc):
    """(exit status, last non-blank stderr line) of a process from start()."""
    rc = proc.wait()
    proc.errors.seek(0)
    text = [line for line in proc.errors.read().decode('utf-8', 'replace').splitlines() if line.strip()]
    proc.errors.close()
    return rc, (text[-1] if text else '')


def dump_counts(argv, env):
    """copy_counts of the data pg_restore argv prints, read line by line (it is as large as the
    database, so never held whole); returns (counts, meta, rc, last stderr line)."""
    proc = start(argv, env, stdout=True)
    counts, meta = copy_counts(raw.decode('utf-8', 'replace').rstrip('\n') for raw in proc.stdout)
    proc.stdout.close()
    rc, error = finish(proc)
    return counts, meta, rc, error
