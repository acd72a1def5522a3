# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Catalog of Coop's per-org settings (coop-facts section 3) and pure functions over it:
validate user input, map keys to the live columns of either schema shape, and compute the
per-org delta. No database access here, so unit tests reach everything."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import json
import math
import re
from collections import namedtuple

try:
    from urllib.parse import urlparse
except ImportError:  # pragma: no cover - Python 2 is not supported by the collection
    from urlparse import urlparse

ORG_SETTINGS = ('public', 'org_settings')
MRT_SETTINGS = ('manual_review_tool', 'manual_review_tool_settings')
UI_SETTINGS = ('user_management_service', 'org_default_user_interface_settings')
TABLES = (ORG_SETTINGS, MRT_SETTINGS, UI_SETTINGS)

SPLIT_MIGRATION = '2026.06.15T12.00.00.split_mrt_requires_decision_reason.sql'
SEPIA_MIGRATION = '2026.07.07T14.27.13.add_sepia.sql'

# Keys users write. sql_type names the PostgreSQL type used when values travel as a JSON record.
# nullable: the column accepts NULL and null means "not configured" (URLs, headers, cert).
# since: migration that added the column; until: migration that removed (renamed) it.
Setting = namedtuple('Setting', 'key table column type sql_type default nullable minimum maximum '
                                'max_length secret since until doc')

BLUR_MIN, BLUR_MAX = 0, 6
STRIKE_TTL_MIN, STRIKE_TTL_MAX = 1, 3650


def _s(key, table, kind, default, doc, nullable=False, minimum=None, maximum=None, max_length=None,
       secret=False, since=None, until=None):
    sql_type = {'bool': 'boolean', 'int': 'integer', 'url': 'text', 'text': 'text',
                'json_object': 'jsonb', 'headers': 'jsonb'}[kind]
    return Setting(key, table, key, kind, sql_type, default, nullable, minimum, maximum, max_length,
                   secret, since, until, doc)


_ALL = (
    # Organization tab: appeals, SSO, partial items, others (public.org_settings).
    _s('has_appeals_enabled', ORG_SETTINGS, 'bool', False, 'Users may appeal decisions (Appeals tab).'),
    _s('appeal_callback_url', ORG_SETTINGS, 'url', None, 'Where Coop POSTs appeal decisions.', nullable=True),
    _s('appeal_callback_headers', ORG_SETTINGS, 'headers', None,
       'HTTP headers for the appeal callback (a mapping of strings; values are secret).', nullable=True, secret=True),
    _s('appeal_callback_body', ORG_SETTINGS, 'json_object', None, 'Extra JSON object sent with the appeal callback.',
       nullable=True),
    _s('has_reporting_rules_enabled', ORG_SETTINGS, 'bool', False, 'Enable reporting rules.'),
    _s('allow_multiple_policies_per_action', ORG_SETTINGS, 'bool', False,
       'Review Console: allow several policies per action.'),
    _s('user_strike_ttl_days', ORG_SETTINGS, 'int', 90, 'Days a user strike counts.',
       minimum=STRIKE_TTL_MIN, maximum=STRIKE_TTL_MAX),
    _s('saml_enabled', ORG_SETTINGS, 'bool', False, 'SSO with SAML; needs sso_url and cert.'),
    _s('sso_url', ORG_SETTINGS, 'url', None, 'IdP single sign-on URL.', nullable=True, max_length=255),
    _s('cert', ORG_SETTINGS, 'text', None, 'IdP signing certificate (PEM).', nullable=True),
    _s('partial_items_endpoint', ORG_SETTINGS, 'url', None, 'Partial items endpoint (Partial Items tab).',
       nullable=True, max_length=255),
    _s('partial_items_request_headers', ORG_SETTINGS, 'headers', None,
       'HTTP headers for partial items requests (a mapping of strings; values are secret).',
       nullable=True, secret=True),
    _s('is_demo_org', ORG_SETTINGS, 'bool', False, 'Marks a demo org.'),
    _s('show_usage_statistics', ORG_SETTINGS, 'bool', False, 'Show usage statistics.'),
    # Review Console tab (manual_review_tool.manual_review_tool_settings).
    _s('requires_policy_for_decisions', MRT_SETTINGS, 'bool', False, 'Moderators must pick a policy.'),
    _s('mrt_requires_decision_reason', MRT_SETTINGS, 'bool', False,
       'Moderators must give a reason; on 2026.06+ schemas sets both _on_action and _on_ignore.',
       until=SPLIT_MIGRATION),
    _s('mrt_requires_decision_reason_on_action', MRT_SETTINGS, 'bool', False,
       'Moderators must give a reason when they act.', since=SPLIT_MIGRATION),
    _s('mrt_requires_decision_reason_on_ignore', MRT_SETTINGS, 'bool', False,
       'Moderators must give a reason when they ignore.', since=SPLIT_MIGRATION),
    _s('hide_skip_button_for_non_admins', MRT_SETTINGS, 'bool', False, 'Hide the skip button from non-admins.'),
    _s('ignore_callback_url', MRT_SETTINGS, 'url', None, 'Where Coop POSTs ignore decisions.',
       nullable=True, max_length=255),
    _s('preview_jobs_view_enabled', MRT_SETTINGS, 'bool', False, 'Show the jobs preview view.'),
    # Wellness tab (user_management_service.org_default_user_interface_settings).
    _s('moderator_safety_mute_video', UI_SETTINGS, 'bool', True, 'Mute videos by default.'),
    _s('moderator_safety_grayscale', UI_SETTINGS, 'bool', True, 'Show media in grayscale by default.'),
    _s('moderator_safety_blur_level', UI_SETTINGS, 'int', 2, 'Default blur level, 0 (none) to 6.',
       minimum=BLUR_MIN, maximum=BLUR_MAX),
    _s('moderator_safety_sepia', UI_SETTINGS, 'bool', False, 'Show media in sepia by default.',
       since=SEPIA_MIGRATION),
)

SETTINGS = dict((setting.key, setting) for setting in _ALL)
KEYS = tuple(setting.key for setting in _ALL)
# The 2026.06 split: the old key maps to both new columns on a new schema.
SPLIT = {'mrt_requires_decision_reason': ('mrt_requires_decision_reason_on_action',
                                          'mrt_requires_decision_reason_on_ignore')}
SAML_KEYS = ('saml_enabled', 'sso_url', 'cert')

TRUE_STRINGS = ('true', 'yes', 'on', '1')
FALSE_STRINGS = ('false', 'no', 'off', '0')


class SettingsError(ValueError):
    """Bad settings; .errors lists every problem, each naming the fix."""

    def __init__(self, errors):
        self.errors = list(errors)
        super(SettingsError, self).__init__('; '.join(self.errors))


def closest(key):
    """Nearest known key, for "did you mean"."""
    found = difflib.get_close_matches(str(key).lower(), KEYS, n=1, cutoff=0.6)
    return found[0] if found else None


def _bounds(setting):
    return '%s to %s' % (setting.minimum, setting.maximum)


def _bool(setting, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_STRINGS + FALSE_STRINGS:
        return value.strip().lower() in TRUE_STRINGS
    raise ValueError('%s must be true or false, got %r' % (setting.key, value))


def _int(setting, value):
    number = value
    if isinstance(value, str) and INTEGER.match(value):
        number = int(value)
    if isinstance(value, float) and value.is_integer():
        number = int(value)
    if isinstance(number, bool) or not isinstance(number, int):
        raise ValueError('%s must be an integer from %s, got %r' % (setting.key, _bounds(setting), value))
    if not setting.minimum <= number <= setting.maximum:
        raise ValueError('%s must be from %s, got %s' % (setting.key, _bounds(setting), number))
    return number


def _text(setting, value):
    if not isinstance(value, str) or not value.strip():
        raise ValueError('%s must be a non-empty string (or null to clear it)' % setting.key)
    return value


def _url(setting, value):
    key = setting.key
    if not isinstance(value, str):
        raise ValueError('%s must be an http(s) URL string, got %r' % (key, value))
    parsed = urlparse(value)
    if parsed.scheme not in ('http', 'https') or not parsed.hostname or any(ch.isspace() for ch in value):
        raise ValueError('%s must be an absolute http:// or https:// URL such as https://hooks.example.org/coop, '
                         'got %r' % (key, value))
    if setting.max_length and len(value) > setting.max_length:
        raise ValueError('%s is %d characters; the column holds at most %d, use a shorter URL'
                         % (key, len(value), setting.max_length))
    return value


def _json_object(setting, value):
    key = setting.key
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueError('%s must be a JSON object (a mapping such as {"X-Token": "..."}); '
                             'the string given is not valid JSON' % key)
    if not isinstance(value, dict):
        raise ValueError('%s must be a JSON object (a mapping such as {"X-Token": "..."}), got %s'
                         % (key, type(value).__name__))
    if setting.type == 'headers':
        bad = sorted(name for name, item in value.items() if not isinstance(item, str))
        if bad:
            raise ValueError('%s: header values must be strings; quote the value of %s'
                             % (key, ', '.join(bad)))
    return value


# One validator per catalog type; each returns the normalised value or raises ValueError naming the key.
COERCE = {'bool': _bool, 'int': _int, 'url': _url, 'text': _text, 'json_object': _json_object, 'headers': _json_object}
INTEGER = re.compile(r'\s*[-+]?[0-9]+\s*\Z')


def _unstorable(where, value):
    """Raise ValueError naming where a value holds what PostgreSQL text or jsonb cannot store.

    Only the place is named, never the value: header values are secrets."""
    if isinstance(value, str):
        if '\x00' in value:
            raise ValueError('%s contains a NUL character (\\0), which PostgreSQL cannot store; remove it' % where)
        try:
            value.encode('utf-8')
        except UnicodeEncodeError:
            raise ValueError('%s is not valid Unicode text (it holds a lone surrogate); write it as UTF-8' % where)
    elif isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        raise ValueError('%s is %s, which JSON cannot hold; use a finite number or a string' % (where, value))
    elif isinstance(value, dict):
        for name, item in value.items():
            _unstorable('%s key %s' % (where, json.dumps(str(name))[:40]), name)
            _unstorable('%s[%s]' % (where, json.dumps(str(name))[:40]), item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _unstorable('%s[%d]' % (where, index), item)


def _coerce(setting, value):
    """Normalised value, or raise ValueError with a message naming the key and the fix."""
    key = setting.key
    if value is None:
        if setting.nullable:
            return None
        raise ValueError('%s cannot be null; set %s' % (
            key, 'true or false' if setting.type == 'bool' else 'an integer from %s' % _bounds(setting)))
    value = COERCE[setting.type](setting, value)
    _unstorable(key, value)
    return value


def validate(settings):
    """Validate a settings mapping (types, bounds, URLs, JSON objects, static SAML rule).

    Returns {key: normalised value}; raises SettingsError listing every problem."""
    if not isinstance(settings, dict):
        raise SettingsError(['settings must be a mapping of setting name to value, got %s'
                             % type(settings).__name__])
    errors = []
    out = {}
    for key in sorted(settings, key=str):
        setting = SETTINGS.get(key)
        if setting is None:
            hint = closest(key)
            errors.append('unknown setting %r%s; known settings: %s' % (
                key, ' (did you mean %r?)' % hint if hint else '', ', '.join(sorted(KEYS))))
            continue
        try:
            out[key] = _coerce(setting, settings[key])
        except ValueError as exc:
            errors.append(str(exc))
    split_values = [out[k] for k in SPLIT['mrt_requires_decision_reason'] if k in out]
    if 'mrt_requires_decision_reason' in out and any(v != out['mrt_requires_decision_reason'] for v in split_values):
        errors.append('mrt_requires_decision_reason sets both mrt_requires_decision_reason_on_action and '
                      '_on_ignore; give either the old key or the new keys, not conflicting values')
    if out.get('saml_enabled') is True and any(k in out and out[k] is None for k in ('sso_url', 'cert')):
        errors.append('saml_enabled: true needs sso_url and cert; do not set them to null')
    if errors:
        raise SettingsError(errors)
    return out


def columns_for(settings, live):
    """Map validated settings to {table: {column: value}} for the live schema.

    live: {table: set(columns)} as read from information_schema. Raises SettingsError when a key
    does not exist on this schema (e.g. a 2026.06 key on an older database)."""
    errors = []
    out = {}
    for key in sorted(settings):
        setting = SETTINGS[key]
        columns = live.get(setting.table)
        if not columns:
            errors.append('table %s.%s does not exist in this database; point the connection at Coop\'s '
                          'database and run its migrations (db:update --db api-server-pg)' % setting.table)
            continue
        if setting.column in columns:
            targets = (setting.column,)
        elif key in SPLIT and all(c in columns for c in SPLIT[key]):
            targets = SPLIT[key]
        elif setting.since and setting.since == SPLIT_MIGRATION and 'mrt_requires_decision_reason' in columns:
            errors.append('%s exists only from Coop schema 2026.06 (%s); this database is older: use '
                          'mrt_requires_decision_reason (it covers action and ignore) or run Coop\'s '
                          'migrations first' % (key, SPLIT_MIGRATION))
            continue
        elif setting.since:
            errors.append('%s exists only from Coop schema %s (%s); this database is older: remove the '
                          'key or run Coop\'s migrations first' % (key, setting.since[:7], setting.since))
            continue
        else:
            errors.append('%s: column %s.%s.%s is missing; this database does not look like a migrated Coop '
                          'database' % ((key,) + setting.table + (setting.column,)))
            continue
        for column in targets:
            out.setdefault(setting.table, {})[column] = settings[key]
    if errors:
        raise SettingsError(errors)
    return out


def column_setting(column):
    """Catalog entry for a live column (the new split columns are keys themselves)."""
    return SETTINGS[column]


def defaults(table, live_columns):
    """The values Coop falls back to when an org has no row in table (column defaults)."""
    return dict((s.column, s.default) for s in _ALL if s.table == table and s.column in live_columns)


def saml_problem(row):
    """Message when a final org_settings row would break saml_settings_constraint, else None."""
    if row.get('saml_enabled') and (row.get('sso_url') is None or row.get('cert') is None):
        missing = [k for k in ('sso_url', 'cert') if row.get(k) is None]
        return ('saml_enabled: true needs sso_url and cert; set %s in the same task (or saml_enabled: false)'
                % ' and '.join(missing))
    return None


def delta(current, wanted):
    """{column: (before, after)} for the columns whose value differs; current is the row as a dict."""
    return dict((column, (current.get(column), value)) for column, value in wanted.items()
                if current.get(column) != value)


def masked(column, value):
    """A value fit for results and diffs: secret header values are replaced."""
    setting = SETTINGS.get(column)
    if setting is not None and setting.secret and isinstance(value, dict):
        return dict((name, '********') for name in value)
    return value


def secret_strings(settings):
    """Strings inside secret settings, for the module's no_log_values; takes raw input too (a JSON
    string or non-string header values), so values are hidden before validation can fail."""
    found = []
    for key, value in (settings.items() if isinstance(settings, dict) else ()):
        setting = SETTINGS.get(key)
        if setting is None or not setting.secret:
            continue
        if isinstance(value, str):
            found.append(value)
            try:
                value = json.loads(value)
            except ValueError:
                continue
        if isinstance(value, dict):
            found.extend(str(item) for item in value.values() if item not in (None, ''))
    return [item for item in found if item]
