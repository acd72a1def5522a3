# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Format-preserving parse and render of Coop's .env files (pure functions)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def _unquote(raw):
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in ('"', "'"):
        inner = raw[1:-1]
        if raw[0] == '"':
            inner = inner.replace('\\"', '"').replace('\\\\', '\\')
        return inner
    if ' #' in raw:
        raw = raw.split(' #', 1)[0].rstrip()
    return raw


def values(text):
    """{KEY: value} of a .env text; the last assignment of a key wins."""
    out = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith('#') or '=' not in stripped:
            continue
        if stripped.startswith('export '):
            stripped = stripped[len('export '):].lstrip()
        key, raw = stripped.split('=', 1)
        out[key.strip()] = _unquote(raw)
    return out
