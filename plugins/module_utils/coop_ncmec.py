# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Catalog of an org's NCMEC reporting settings (coop-facts section 3,
ncmec_reporting.ncmec_org_settings) and pure functions over it. A row existing means reporting is
on for the org, so unlike the other settings tables a row is created only with credentials and is
deleted when reporting is turned off. Shares the settings catalog's validators and error type."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import re
from collections import namedtuple

from ansible_collections.roost.coop.plugins.module_utils import coop_catalog as catalog

TABLE = ('ncmec_reporting', 'ncmec_org_settings')
QUEUES = ('manual_review_tool', 'manual_review_queues')
ENABLED = 'enabled'
MASK = '********'

QUEUE_MIGRATION = '2026.02.10T00.00.00.add_default_ncmec_queue_to_ncmec_org_settings.sql'
DETAILS_MIGRATION = '2026.02.16T00.00.00.add_default_internet_detail_type_to_ncmec_org_settings.sql'
MEDIA_MIGRATION = '2026.06.03T04.19.05.add_media_review_requirement_to_ncmec_org_settings.sql'

# Coop's allow-lists (server/graphql/modules/ncmecOrgSettingsValidation.ts, coop-facts 3).
INTERNET_DETAIL_TYPES = ('WEB_PAGE', 'EMAIL', 'NEWSGROUP', 'CHAT_IM', 'ONLINE_GAMING', 'CELL_PHONE', 'NON_INTERNET',
                         'PEER_TO_PEER')
MEDIA_REVIEW = ('ALL', 'MINIMUM')
ARRAYS = ('policies_applied_to_actions_run_on_report_creation', 'actions_to_run_upon_report_creation')
CREDENTIALS = ('username', 'password')
# Values a new row gets for keys not given (the column's NOT NULL default).
INSERT_DEFAULTS = {'media_review_requirement': 'ALL'}
EMAIL = re.compile(r'[^\s@]+@[^\s@]+\.[^\s@]+\Z')

Field = namedtuple('Field', 'key type sql_type max_length nullable since doc')


def _f(key, kind, max_length=255, nullable=True, since=None, doc=''):
    sql_type = {'int': 'integer', 'list': 'text[]'}.get(kind, 'text')
    return Field(key, kind, sql_type, max_length, nullable, since, doc)


_ALL = (
    _f('username', 'secret', nullable=False, doc='CyberTipline API username (never shown).'),
    _f('password', 'secret', nullable=False, doc='CyberTipline API password (never shown).'),
    _f('company_template', 'text', doc='Company report name.'),
    _f('legal_url', 'url', doc='URL of your terms or legal policies.'),
    _f('contact_email', 'email', doc='Reporting person\'s email.'),
    _f('more_info_url', 'url', doc='URL about your reporting process.'),
    _f('ncmec_preservation_endpoint', 'url', doc='Webhook called after a report is submitted.'),
    _f('ncmec_additional_info_endpoint', 'url', doc='Webhook called for more data before a report is submitted.'),
    _f('policies_applied_to_actions_run_on_report_creation', 'list',
       doc='Policy ids applied to the actions run when a report is made (with the next key, or neither).'),
    _f('actions_to_run_upon_report_creation', 'list', doc='Action ids run when a report is made.'),
    _f('default_ncmec_queue_id', 'queue', since=QUEUE_MIGRATION, doc='Id of one of the org\'s review queues.'),
    _f('default_internet_detail_type', 'choice', max_length=50, since=DETAILS_MIGRATION,
       doc='Incident context: %s.' % ', '.join(INTERNET_DETAIL_TYPES)),
    _f('terms_of_service', 'text', max_length=3000, since=DETAILS_MIGRATION, doc='Terms of service text or URL.'),
    _f('contact_person_email', 'email', since=DETAILS_MIGRATION, doc='Law enforcement contact\'s email.'),
    _f('contact_person_first_name', 'text', since=DETAILS_MIGRATION, doc='Law enforcement contact\'s first name.'),
    _f('contact_person_last_name', 'text', since=DETAILS_MIGRATION, doc='Law enforcement contact\'s last name.'),
    _f('contact_person_phone', 'text', max_length=50, since=DETAILS_MIGRATION, doc='Law enforcement contact\'s phone.'),
    _f('media_review_requirement', 'choice', max_length=16, nullable=False, since=MEDIA_MIGRATION,
       doc='ALL (every media item reviewed before a report) or MINIMUM.'),
    _f('min_media_to_review', 'int', since=MEDIA_MIGRATION,
       doc='With MINIMUM: items to review first (1 or more; unset means 1).'),
)
FIELDS = dict((field.key, field) for field in _ALL)
KEYS = tuple(field.key for field in _ALL)
CHOICES = {'default_internet_detail_type': INTERNET_DETAIL_TYPES, 'media_review_requirement': MEDIA_REVIEW}


def named(key, **fields):
    """A settings-catalog entry named key, to reuse the catalog's validators."""
    entry = dict((name, None) for name in catalog.Setting._fields)
    entry.update(fields, key=key)
    return catalog.Setting(**entry)


def _string(field, value):
    if not isinstance(value, str):
        raise ValueError('ncmec.%s must be a string, got %s' % (field.key, type(value).__name__))
    if len(value) > field.max_length:
        raise ValueError('ncmec.%s is %d characters; Coop keeps at most %d, shorten it'
                         % (field.key, len(value), field.max_length))
    return value


def _secret(field, value):
    if not isinstance(value, str) or not value.strip():
        raise ValueError('ncmec.%s must be a non-empty string (the CyberTipline API %s NCMEC gave you)'
                         % (field.key, field.key))
    if len(value) > field.max_length:
        raise ValueError('ncmec.%s is longer than %d characters, which Coop cannot store' % (field.key, field.max_length))
    return value


def _email(field, value):
    value = _string(field, value)
    if value and not EMAIL.match(value):
        raise ValueError('ncmec.%s must be an email address such as safety@example.org' % field.key)
    return value


def _url(field, value):
    value = _string(field, value)
    if value:
        catalog.COERCE['url'](named('ncmec.' + field.key, max_length=field.max_length), value)
    return value


def _choice(field, value):
    value = _string(field, value)
    if value not in CHOICES[field.key]:
        raise ValueError('ncmec.%s must be one of %s, got %r' % (field.key, ', '.join(CHOICES[field.key]), value))
    return value


def _queue(field, value):
    value = _string(field, value)
    if not value.strip():
        raise ValueError('ncmec.%s must be a queue id; use null for the org\'s default queue' % field.key)
    return value


def _list(field, value):
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item.strip() for item in value):
        raise ValueError('ncmec.%s must be a non-empty list of ids (or null together with ncmec.%s)'
                         % (field.key, [k for k in ARRAYS if k != field.key][0]))
    too_long = [item for item in value if len(item) > field.max_length]
    if too_long:
        raise ValueError('ncmec.%s holds an id longer than %d characters' % (field.key, field.max_length))
    return list(value)


def _int(field, value):
    if isinstance(value, str) and catalog.INTEGER.match(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError('ncmec.%s must be a whole number of 1 or more (or null, which Coop reads as 1), got %r'
                         % (field.key, value))
    return value


COERCE = {'secret': _secret, 'text': _string, 'email': _email, 'url': _url, 'choice': _choice, 'queue': _queue,
          'list': _list, 'int': _int}


def _coerce(field, value):
    if value is None:
        if field.nullable:
            return None
        raise ValueError('ncmec.%s cannot be null%s' % (field.key, '; give a value or set ncmec.enabled: false'
                                                        if field.key in CREDENTIALS else '; use ALL or MINIMUM'))
    value = COERCE[field.type](field, value)
    catalog._unstorable('ncmec.' + field.key, value)  # pylint: disable=protected-access
    return value


def validate(ncmec):
    """Validate one org's ncmec mapping; returns {enabled: bool, <key>: value} or raises SettingsError."""
    if not isinstance(ncmec, dict):
        raise catalog.SettingsError(['ncmec must be a mapping of NCMEC setting to value, got %s'
                                     % type(ncmec).__name__])
    errors = []
    out = {}
    try:
        out[ENABLED] = catalog.COERCE['bool'](named('ncmec.enabled'), ncmec.get(ENABLED, True))
    except ValueError as exc:
        errors.append(str(exc))
    for key in sorted((k for k in ncmec if k != ENABLED), key=str):
        field = FIELDS.get(key)
        if field is None:
            found = difflib.get_close_matches(str(key).lower(), KEYS + (ENABLED,), n=1, cutoff=0.6)
            errors.append('unknown NCMEC setting ncmec.%s%s; known: %s' % (
                key, ' (did you mean ncmec.%s?)' % found[0] if found else '', ', '.join((ENABLED,) + KEYS)))
            continue
        try:
            out[key] = _coerce(field, ncmec[key])
        except ValueError as exc:
            errors.append(str(exc))
    if out.get(ENABLED) is False and len(out) > 1:
        errors.append('ncmec.enabled: false turns NCMEC reporting off by deleting the org\'s NCMEC row; '
                      'remove the other ncmec keys (%s)' % ', '.join(sorted(k for k in out if k != ENABLED)))
    if out.get('media_review_requirement') == 'ALL' and out.get('min_media_to_review') is not None:
        errors.append('ncmec.min_media_to_review only counts with ncmec.media_review_requirement: MINIMUM; '
                      'remove it or set MINIMUM')
    if errors:
        raise catalog.SettingsError(errors)
    return out


def columns_for(ncmec, live_columns):
    """The validated keys this database has; raises SettingsError for keys of a newer schema."""
    if not live_columns:
        raise catalog.SettingsError(['table %s.%s does not exist in this database; point the connection at Coop\'s '
                                     'database and run its migrations' % TABLE])
    errors = ['ncmec.%s exists only from Coop schema %s (%s); this database is older: remove the key or run '
              'Coop\'s migrations first' % (key, FIELDS[key].since[:7], FIELDS[key].since)
              for key in sorted(ncmec) if key != ENABLED and key not in live_columns]
    if errors:
        raise catalog.SettingsError(errors)
    return dict((k, v) for k, v in ncmec.items() if k != ENABLED)


def row_problems(org, current, wanted):
    """Messages for an org's final row: credentials to create it, both arrays or neither."""
    final = dict(current or {})
    final.update(wanted)
    problems = []
    if current is None:
        missing = [key for key in CREDENTIALS if not final.get(key)]
        if missing:
            problems.append('org %r has no NCMEC settings yet; turning reporting on needs ncmec.%s (or set '
                            'ncmec.enabled: false)' % (org, ' and ncmec.'.join(missing)))
    has = [key for key in ARRAYS if final.get(key) is not None]
    if len(has) == 1:
        other = [key for key in ARRAYS if key not in has][0]
        problems.append('org %r: ncmec.%s and ncmec.%s go together (both lists or both null); set ncmec.%s'
                        % (org, has[0], other, other))
    return problems


def queue_problems(org, org_id, queue_id, queues):
    """Message when queue_id is not one of the org's review queues; queues: {id: org_id}."""
    if queue_id is None or queues.get(queue_id) == org_id:
        return None
    own = sorted(qid for qid, owner in queues.items() if owner == org_id)
    where = 'belongs to another org' if queue_id in queues else 'does not exist'
    return ('org %r: ncmec.default_ncmec_queue_id %r %s; use one of the org\'s review queues (%s) or null'
            % (org, queue_id, where, ', '.join(own) or 'the org has none'))


def masked(key, value):
    """A value fit for results and diffs: credentials are replaced."""
    return MASK if key in CREDENTIALS and value is not None else value


def secret_strings(ncmec):
    """Credential strings in a raw ncmec mapping, for no_log_values before validation."""
    if not isinstance(ncmec, dict):
        return []
    return [str(ncmec[key]) for key in CREDENTIALS if ncmec.get(key) not in (None, '')]


def export(row, live_columns):
    """An ncmec mapping from a live row (None: no row), without credentials."""
    if row is None:
        return {ENABLED: False}
    out = {ENABLED: True}
    for key in KEYS:
        if key in live_columns and key not in CREDENTIALS:
            out[key] = row.get(key)
    return out
