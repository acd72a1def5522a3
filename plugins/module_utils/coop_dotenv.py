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
(a value with ' and one of " \\ $ `, or a line break or control character) is refused.

Reading: only \\n (or \\r\\n) ends a line, as for all three. Where a value ends also differs
between them: Node closes a quote at the next same quote anywhere later in the file and reads an
unclosed one literally, compose refuses an unclosed quote, systemd joins every following line into
it; a trailing backslash continues a systemd value or comment. parse() models the three (as far as
where each statement starts and ends), reads a value over several lines only when all three do,
and otherwise raises EnvFileError naming the line and key, never a value, so that no secret of a
later line is ever read as part of another value. A file docker compose refuses outright (a name
it cannot read, such as a ; comment) is read as Node and systemd agree; nonportable() reports it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import bisect
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


def _strip_eol(text):
    return text.rstrip('\r\n')


def _portable(raw, value):
    try:
        return raw == quote(value)
    except EnvFileError:
        return False


# What the three readers do with the text, modelled only as far as where each statement (one
# assignment, or a systemd comment) begins and ends. tests/service/test_coop_env_readers.py holds
# these models to the real Node, docker compose and systemd. Each model returns
# [(key, first offset, last offset, starts mid-line)] and, for compose, the offset it stops at.

_NODE_BLANK = ' \t\n'


def _skip(text, pos, chars):
    while pos < len(text) and text[pos] in chars:
        pos += 1
    return pos


def _node_statements(text):
    """Node's --env-file loader (node 24): quotes close at the next same quote anywhere later in
    the file, an unclosed quote is read literally to the end of its line, a value of only blanks
    takes the next line, and the line after a comment is not trimmed."""
    out = []
    size = len(text)
    pos = _skip(text, 0, _NODE_BLANK)
    while pos < size:
        if text[pos] in '\n#':
            end = text.find('\n', pos)
            pos = size if end < 0 else end + 1
            continue
        found = re.compile('[=\n]').search(text, pos)
        if not found:
            break
        if found.group() == '\n':
            pos = _skip(text, found.end(), _NODE_BLANK)
            continue
        start, key = pos, text[pos:found.start()].strip(_NODE_BLANK)
        pos = found.end()
        if pos >= size or text[pos] == '\n':
            out.append((key, start, pos - 1, False))
            continue
        pos = _skip(text, pos, _NODE_BLANK)
        if not key:
            continue
        if pos >= size:
            out.append((key, start, found.start(), False))
            break
        close = text.find(text[pos], pos + 1) if text[pos] in '\'"`' else -1
        if close >= 0:
            out.append((key, start, close, False))
            end = text.find('\n', close + 1)
            pos = size if end < 0 else end + 1
            continue
        end = text.find('\n', pos)
        end = size if end < 0 else end
        out.append((key, start, end - 1, False))
        pos = _skip(text, end + 1, _NODE_BLANK)
    return out


_SD_SPACE = ' \t\n\r'
_SD_SPECIAL = {'value': re.compile('[\n\r\\\\]'), "'": re.compile("'"), '"': re.compile('["\\\\]'),
               'comment': re.compile('[\n\r\\\\]'), 'key': re.compile('[=\n\r]')}


def _systemd_statements(text):
    """systemd's env file reader (EnvironmentFile=): \\n and \\r end a line, quotes may appear
    anywhere in a value and span lines, a backslash before a line break continues the value, and a
    comment (# or ;) ending in a backslash swallows the next line."""
    out = []
    size = len(text)
    pos = 0
    while True:
        pos = _skip(text, pos, _SD_SPACE)
        if pos >= size:
            return out
        start = pos
        if text[pos] in '#;':
            pos = _sd_run(text, pos + 1, 'comment')
            out.append((None, start, pos - 1, False))
            continue
        found = _SD_SPECIAL['key'].search(text, pos)
        if not found or found.group() != '=':
            pos = size if not found else found.end()
            continue
        key = text[start:found.start()].rstrip(_SD_SPACE)
        pos = _sd_run(text, found.end(), 'pre')
        out.append((key, start, pos - 1, False))


def _sd_run(text, pos, state):
    """Offset just past the line break ending a systemd value or comment (len(text) at the end)."""
    size = len(text)
    while pos < size:
        if state == 'pre':
            char = text[pos]
            if char in '\n\r':
                return pos + 1
            if char in '\'"':
                state, pos = char, pos + 1
            elif char in ' \t':
                pos += 1
            else:
                state = 'value'
            continue
        found = _SD_SPECIAL[state].search(text, pos)
        if not found:
            return size
        char = found.group()
        if char == '\\':
            pos = found.end() + 1
        elif state in ("'", '"'):
            state, pos = 'pre', found.end()
        else:
            return found.end()
    return size


_GO_BLANK = ' \t\x0b\x0c\r\x85\xa0'


def _go_space(char):
    return char in _GO_BLANK or char == '\n' or (char.isspace() and char not in '\x1c\x1d\x1e\x1f')


def _compose_statements(text):
    """docker compose's env_file reader (compose-go): a quote closes at the next same quote not
    escaped by an odd number of backslashes, on any later line; text after the closing quote is
    read as further statements; any error stops it. Returns (statements, (offset, 'quote' or 'name')
    of the error, or None)."""
    out = []
    size = len(text)
    pos = 0
    while True:
        while pos < size and _go_space(text[pos]):
            pos += 1
        if pos >= size:
            return out, None
        if text[pos] == '#':
            end = text.find('\n', pos)
            if end < 0:
                return out, None
            pos = end
            continue
        start = pos
        midline = text[text.rfind('\n', 0, start) + 1:start].strip() != ''
        if text.startswith('export', pos):
            pos += 6
        pos = _skip(text, pos, _GO_BLANK)
        named = pos
        while pos < size and text[pos] not in '=:\n':
            char = text[pos]
            if not (char in _GO_BLANK or char in '_.' or char.isalnum()):
                return out, (pos, 'name')
            pos += 1
        key = text[named:pos].strip(_GO_BLANK)
        if ' ' in key:
            return out, (start, 'name')
        if pos >= size or text[pos] == '\n':
            out.append((key, start, max(start, pos - 1), midline))
            pos += 1
            continue
        pos = _skip(text, pos + 1, _GO_BLANK)
        if pos < size and text[pos] in '\'"':
            close = pos + 1
            while True:
                close = text.find(text[pos], close)
                if close < 0:
                    return out, (start, 'quote')
                slash = close
                while text[slash - 1] == '\\':
                    slash -= 1
                if (close - slash) % 2 == 0:
                    break
                close += 1
            out.append((key, start, close, midline))
            pos = close + 1
            continue
        end = text.find('\n', pos)
        end = size if end < 0 else end
        out.append((key, start, max(start, end - 1), midline))
        pos = end


class _Lines(object):
    """Line numbers (1-based) of offsets in text."""

    def __init__(self, text):
        self.starts = [0] + [m.end() for m in re.finditer('\n', text)]

    def __call__(self, offset):
        return bisect.bisect_right(self.starts, offset)


def _readers(text):
    """({reader: [(key, first line, last line, starts mid-line)]}, (line compose stopped at, why))."""
    lines = _Lines(text)
    node_text = text.replace('\r', '')
    node_lines = _Lines(node_text)
    compose, error = _compose_statements(text)
    found = {
        'Node --env-file': [(k, node_lines(a), node_lines(b), m) for k, a, b, m in _node_statements(node_text)],
        'systemd': [(k, lines(a), lines(b), m) for k, a, b, m in _systemd_statements(text)],
        'docker compose': [(k, lines(a), lines(b), m) for k, a, b, m in compose],
    }
    return found, (lines(error[0]), error[1]) if error else (None, None)


def _shared_span(lines, index):
    """Last line index of a value quoted from lines[index] onto a later line when every reader
    reads it alike: ' or " quoting with no backslash, CR (and for " no $ or `) inside, nothing
    but blanks after the closing quote. None otherwise."""
    match = _ASSIGN.match(_strip_eol(lines[index]))
    raw = match.group(4).lstrip(' \t')
    mark = raw[:1]
    if mark not in ('"', "'") or mark in raw[1:]:
        return None
    forbidden = '\\\r' + ('$`' if mark == '"' else '')
    body = raw[1:] + '\n'
    for end in range(index + 1, len(lines)):
        text = lines[end]
        if mark in text:
            inner, rest = text.split(mark, 1)
            body += inner
            if rest.strip(' \t\n') or any(c in body for c in forbidden):
                return None
            return end
        body += text
    return None


def _key_at(line):
    match = _ASSIGN.match(_strip_eol(line))
    return match.group(3) if match else None


def _describe(key):
    return ' (%s)' % key if key and re.match(r'^[A-Za-z_][A-Za-z0-9_.]*$', key) else ''


def _inert(line):
    """A line no reader reads a value from: no =, or a comment from its first column."""
    return '=' not in line or line.startswith('#')


def _check_structure(text, lines, spans):
    """Refuse text when the readers disagree on which lines form a statement (EnvFileError naming
    the line and key, never a value)."""
    for index, line in enumerate(lines):
        if re.search('\r(?!\n)', line):
            raise EnvFileError('line %d: a carriage return that does not end the line; systemd reads it as a line '
                               'break, Node drops it and docker compose keeps it. Remove it (end lines with \\n or '
                               '\\r\\n only)' % (index + 1))
    found, (stop, why) = _readers(text)
    if why == 'quote':
        raise EnvFileError(_disagree(stop, _key_at(lines[stop - 1]), found, stop, 'the quote opening this value is '
                                     'not closed where the env file readers agree'))
    for reader, statements in found.items():
        for key, first, last, midline in statements:
            if midline:
                raise EnvFileError('line %d%s: text after the closing quote, which docker compose reads as one more '
                                   'variable and the other readers ignore or append; remove it' % (first, _describe(key)))
            if last != first and spans.get(first) != last:
                if reader == 'systemd' and key is None:
                    if all(_inert(line) for line in lines[first:last]):
                        continue  # it skips only lines the others read nothing from
                    raise EnvFileError('line %d: a comment that ends with a backslash, which makes systemd skip line %d '
                                       'too while Node and docker compose read it; remove the backslash'
                                       % (first, first + 1))
                raise EnvFileError(_disagree(first, key, found, stop))
            if any(a < first <= b for a, b in spans.items()):
                raise EnvFileError(_disagree(first, key, found, stop))
    for first, last in spans.items():
        for reader, statements in found.items():
            if reader == 'docker compose' and stop is not None and stop <= last:
                continue  # compose refuses the whole file (a name it cannot read): it reads nothing wrong
            if not any(a == first and b == last for k, a, b, m in statements):
                raise EnvFileError(_disagree(first, None, found, stop))


def _disagree(line, key, found, stop, what='the env file readers disagree on where this value ends'):
    reads = []
    for reader in sorted(found):
        spans = [(a, b) for k, a, b, m in found[reader] if a <= line <= b]
        if reader == 'docker compose' and stop is not None and stop <= (spans[0][1] if spans else line):
            reads.append('%s refuses the file' % reader)
        elif spans:
            first, last = spans[0]
            reads.append('%s reads %s' % (reader, 'line %d' % first if first == last else 'lines %d-%d' % (first, last)))
    return ('line %d%s: %s (%s); put the value on one line in a form they share (\'single\' or "double" quotes '
            'closed on the same line, no trailing backslash) or set it with coop_env, which does. Nothing was read '
            'from this file' % (line, _describe(key), what, ', '.join(reads)))


def _split(text):
    """Physical lines: only \\n ends a line, as for every reader (str.splitlines also splits on
    VT, FF, \\x1c-\\x1e, \\x85, \\u2028 and \\u2029, which the readers keep inside a value)."""
    parts = text.split('\n')
    return [part + '\n' for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


_PARSED = []


def parse(text):
    """List of Entry for text: one per line, or one per value quoted over several lines when Node,
    docker compose and systemd all read it so. Raises EnvFileError (line and key, never a value)
    when they read the lines differently. The entries are shared: do not change them."""
    for known, entries in _PARSED:
        if known is text:
            return entries
    entries = _parse(text)
    _PARSED[:] = [(text, entries)] + _PARSED[:1]
    return entries


def _parse(text):
    lines = _split(text)
    spans = {}
    index = 0
    while index < len(lines):
        match = _ASSIGN.match(_strip_eol(lines[index]))
        if match and not lines[index].strip().startswith(('#', ';')):
            end = _shared_span(lines, index)
            if end is not None:
                spans[index + 1] = end + 1
                index = end
        index += 1
    _check_structure(text, lines, spans)
    entries = []
    index = 0
    while index < len(lines):
        lineno = index + 1
        line = ''.join(lines[index:spans.get(lineno, lineno)])
        index = spans.get(lineno, lineno)
        match = _ASSIGN.match(_strip_eol(line))
        if not match or line.strip().startswith(('#', ';')):
            entries.append(Entry(None, line, lineno=lineno))
            continue
        raw = match.group(4).lstrip(' \t')
        if raw[:1] in ('"', "'") and _closing(raw, raw[0]) < 0:
            found, (stop, dummy) = _readers(text)
            raise EnvFileError(_disagree(lineno, match.group(3), found, stop, 'the quote opening this value is not '
                                         'closed on its line, which the env file readers read differently'))
        if match.group(2) and raw == '':
            raise EnvFileError('line %d%s: export before an empty value, whose name Node --env-file reads as '
                               '"export %s" while docker compose reads %s; remove the export (Coop\'s env files '
                               'need none) or give a value. Nothing was read from this file'
                               % (lineno, _describe(match.group(3)), match.group(3), match.group(3)))
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
    """[(lineno, key)] of assignments that the loaders may read differently, and (lineno, None) for
    a line docker compose refuses the file at (a name it cannot read, such as a ; comment)."""
    found = [(e.lineno, e.key) for e in parse(text) if e.key is not None and not e.portable]
    stop, why = _readers(text)[1]
    if why == 'name':
        found.append((stop, None))
    return sorted(found)


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
    "(changed)" for keys in changed so a secret change still shows as a differing line. Other
    lines that mention a secret (a commented-out password, a key no reader accepts) are masked
    after their first '=', or whole."""
    out = []
    for entry in parse(text):
        newline = '\n' if entry.text.endswith('\n') else ''
        if entry.key is not None and is_secret(entry.key):
            note = ' (changed)' if entry.key in changed else ''
            out.append('%s=%s%s%s' % (entry.key, MASK if entry.value else '', note, newline))
        elif entry.key is None and is_secret(entry.text):
            head = entry.text.split('=', 1)[0] + '=' if '=' in entry.text else ''
            out.append(head + MASK + newline)
        else:
            out.append(entry.text)
    return ''.join(out)
