# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Format-preserving parse and render of Coop's .env files (pure functions).

Three loaders read these files in a deployment and they disagree on quoting:
- systemd EnvironmentFile= (src/basic/env-file.c): no inline comments, '...' literal,
  "..." unescapes only \\ \" \\` \\$, unquoted values unescape every backslash.
- docker compose env_file (compose-go dotenv/parser.go): '#' anywhere ends an unquoted value,
  $VAR is expanded in unquoted and "..." values, '...' is literal but a \\ before the closing
  quote escapes it.
- Node --env-file (src/node_dotenv.cc): '#' starts a comment outside quotes, '...' literal,
  "..." expands \\n.
So we write only forms the three read identically: bare values from a safe alphabet, else
'single quoted' (no ' and no trailing \\), else "double quoted" (no " \\ $ `); anything else
(a value with ' and one of " \\ $ `, or a line break or control character) is refused."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

KEY_RE = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
SAFE_BARE = re.compile(r'^[A-Za-z0-9_./:@,+=%-]+$')
_ASSIGN = re.compile(r'^([ \t]*)(export[ \t]+)?([A-Za-z_][A-Za-z0-9_.]*)[ \t]*=(.*)$', re.DOTALL)
_CONTROL = re.compile(u'[\x00-\x08\x0a-\x1f\x7f]')
MASK = '********'


class EnvFileError(ValueError):
    """A value or key that cannot be written portably; the message names the fix."""


class Entry(object):
    """One logical line: a comment/blank/other line (key None) or an assignment."""

    __slots__ = ('key', 'text', 'value', 'portable', 'lineno')

    def __init__(self, key, text, value=None, portable=True, lineno=0):
        self.key = key
        self.text = text
        self.value = value
        self.portable = portable
        self.lineno = lineno


def check_key(key):
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise EnvFileError('env key %r is not a valid name: use letters, digits and _ and do not start with a '
                           'digit (systemd, docker compose and Node all accept that form)' % (key,))


def quote(value, key='value'):
    """The text after KEY= that systemd, docker compose and Node all read back as value."""
    if value == '':
        return ''
    if _CONTROL.search(value):
        raise EnvFileError('%s contains a line break or control character, which the env file loaders do not read '
                           'back the same way; use a single-line value' % key)
    if SAFE_BARE.match(value):
        return value
    if "'" not in value and not value.endswith('\\'):
        return "'%s'" % value
    if not any(ch in value for ch in '"\\$`'):
        return '"%s"' % value
    raise EnvFileError('%s contains a single quote together with one of " \\ $ ` (or ends with \\); systemd '
                       'EnvironmentFile=, docker compose env_file and Node --env-file cannot all read such a value '
                       'back exactly; change the value (generated secrets use letters and digits only)' % key)


def _closing(raw, mark):
    """Index of the quote closing raw[0] (a quote), or -1; double quotes honour backslashes."""
    i = 1
    while i < len(raw):
        if mark == '"' and raw[i] == '\\':
            i += 2
            continue
        if raw[i] == mark:
            return i
        i += 1
    return -1


def _decode(raw):
    """Value of the text after '=' (systemd's reading for quoted values, dotenv's for bare ones)."""
    raw = raw.lstrip(' \t')
    if raw[:1] == "'":
        end = _closing(raw, "'")
        return raw[1:end] if end >= 0 else raw[1:]
    if raw[:1] == '"':
        end = _closing(raw, '"')
        inner = raw[1:end] if end >= 0 else raw[1:]
        return re.sub(r'\\(\n|["\\`$])', lambda m: '' if m.group(1) == '\n' else m.group(1), inner)
    comment = re.search(r'(^|[ \t])#', raw)
    if comment:
        raw = raw[:comment.start()]
    return raw.rstrip(' \t')


def _portable(raw, value):
    try:
        return raw == quote(value)
    except EnvFileError:
        return False


def _strip_eol(text):
    return text.rstrip('\r\n')


def parse(text):
    """List of Entry for text; quoted values may span lines (all three loaders allow that)."""
    entries = []
    lines = text.splitlines(True)
    i = 0
    while i < len(lines):
        line = lines[i]
        lineno = i + 1
        i += 1
        match = _ASSIGN.match(_strip_eol(line))
        stripped = line.strip()
        if not match or stripped.startswith(('#', ';')):
            entries.append(Entry(None, line, lineno=lineno))
            continue
        raw = match.group(4).lstrip(' \t')
        if raw[:1] in ('"', "'"):
            while _closing(raw, raw[0]) < 0 and i < len(lines):
                line += lines[i]
                raw = _ASSIGN.match(_strip_eol(line)).group(4).lstrip(' \t')
                i += 1
        value = _decode(raw)
        portable = (_portable(raw, value) and not match.group(1) and not match.group(2)
                    and KEY_RE.match(match.group(3)) is not None and '=' + raw == _strip_eol(line)[len(match.group(3)):])
        entries.append(Entry(match.group(3), line, value, portable, lineno))
    return entries


def values(text):
    """{KEY: value} of a .env text; the last assignment of a key wins (as in every loader)."""
    out = {}
    for entry in parse(text):
        if entry.key is not None:
            out[entry.key] = entry.value
    return out


def nonportable(text):
    """[(lineno, key)] of assignments that the loaders may read differently."""
    return [(e.lineno, e.key) for e in parse(text) if e.key is not None and not e.portable]


def line(key, value):
    check_key(key)
    return '%s=%s\n' % (key, quote(value, key))


def update(text, set_values=None, remove=()):
    """New text with set_values applied and keys in remove deleted, everything else kept.

    A key whose current value already equals the wanted one keeps its line untouched. A key
    assigned more than once keeps only its last assignment when it is set. New keys are
    appended in the order given. Returns (text, changed_keys, removed_keys)."""
    set_values = set_values or {}
    for key, value in set_values.items():
        check_key(key)
        if not isinstance(value, str):
            raise EnvFileError('%s: values must be strings' % key)
        quote(value, key)
    entries = parse(text)
    last = dict((e.key, n) for n, e in enumerate(entries) if e.key is not None)
    out = []
    changed, removed = [], []
    for n, entry in enumerate(entries):
        key = entry.key
        if key is not None and key in remove:
            if key not in removed:
                removed.append(key)
            continue
        if key is not None and key in set_values:
            if last[key] != n:
                if key not in changed:
                    changed.append(key)
                continue
            if entry.value != set_values[key] or not entry.portable:
                newline = '\r\n' if entry.text.endswith('\r\n') else '\n'
                out.append(line(key, set_values[key])[:-1] + newline)
                if key not in changed:
                    changed.append(key)
                continue
        out.append(entry.text)
    new_keys = [k for k in set_values if k not in last]
    if new_keys and out and not out[-1].endswith('\n'):
        out[-1] += '\n'
    for key in new_keys:
        out.append(line(key, set_values[key]))
        changed.append(key)
    return ''.join(out), changed, removed


def masked(text, is_secret, changed=()):
    """text for a diff: values of keys for which is_secret(key) is true become ********, with
    "(changed)" for keys in changed so a secret change still shows as a differing line."""
    out = []
    for entry in parse(text):
        if entry.key is not None and is_secret(entry.key):
            newline = '\n' if entry.text.endswith('\n') else ''
            note = ' (changed)' if entry.key in changed else ''
            out.append('%s=%s%s%s' % (entry.key, MASK if entry.value else '', note, newline))
        else:
            out.append(entry.text)
    return ''.join(out)
