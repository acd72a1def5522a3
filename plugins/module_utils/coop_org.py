# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure logic of roost.coop.coop_org: input checks, Coop's password and API key schemes, and the
plan (what to create or change) from the rows found. No database access here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import re
import secrets

# Coop hashes with bcryptjs at cost 5 ("$2a$05$..."; coop-facts 4); bcrypt reads 72 bytes at most.
BCRYPT_COST = 5
BCRYPT_PREFIX = b'2a'
BCRYPT_MAX_BYTES = 72
VARCHAR = 255
EMAIL = re.compile(r'^[^@\s]+@[^@\s]+\.[^@\s.]+$')
URL = re.compile(r'^https?://[^/\s:]+(:\d+)?(/\S*)?$', re.IGNORECASE)
# The settings tables Coop's create-org tool gives a default row (coop-facts 1); their column defaults
# are Coop's defaults, so an insert of org_id alone is the same row.
DEFAULT_ROWS = (
    ('public', 'org_settings'),
    ('manual_review_tool', 'manual_review_tool_settings'),
    ('user_management_service', 'org_default_user_interface_settings'),
)
API_KEY_NAME = 'Main API Key'
# What Coop's create-org tool gives every new org besides those rows (the same in Coop 1.0.0 to 1.0.2 and
# main): the default user item type, which Coop looks up wherever it needs an org's users, and the
# built-in actions, one per action_type (penalty NONE, no user strikes, no callback).
USER_TYPE = dict(name='User', description='This is the default user for the org.', kind='USER',
                 fields=[dict(name='name', type='STRING', required=False, container=None)])
BUILT_IN_ACTIONS = (
    # (action_type, name, description, item kinds it applies to)
    ('ENQUEUE_TO_MRT', 'Enqueue Item to Manual Review',
     'Sends the matched item directly to a manual review queue, routed by the org\u2019s MRT routing rules.',
     ['CONTENT', 'USER', 'THREAD']),
    ('ENQUEUE_AUTHOR_TO_MRT', 'Enqueue Author for Manual Review',
     'Sends the author of the matched content to a manual review queue, with the matched item attached as context.',
     ['CONTENT']),
    ('ENQUEUE_TO_NCMEC', 'Enqueue for NCMEC Review',
     'Sends the user associated with the matched item to the NCMEC review flow, gathering their media for '
     'reporting.',
     ['CONTENT', 'USER']),
)


class OrgError(Exception):
    """Bad input or a state the module refuses; the message names the key and the fix."""


def website_url(value):
    """The website as Coop's tool stores it: https:// added when no scheme is given."""
    value = (value or '').strip()
    if value and not re.match(r'^https?://', value, re.IGNORECASE):
        value = 'https://' + value
    return value


def check(params):
    """Every problem of the inputs at once (before any connection), as one OrgError."""
    errors = []
    name = params.get('name') or ''
    if not name.strip():
        errors.append('name must be the org name, not empty')
    elif name != name.strip():
        errors.append('name %r has leading or trailing spaces; remove them' % name)
    for key, value in (('email', params.get('email')), ('admin.email', admin_email(params))):
        if not value or not EMAIL.match(value):
            errors.append('%s must be an email address such as admin@example.org, got %r' % (key, value))
    site = website_url(params.get('website'))
    if not URL.match(site):
        errors.append('website must be an http(s) URL or a host name such as example.org, got %r'
                      % params.get('website'))
    admin = params.get('admin') or {}
    for key in ('first_name', 'last_name'):
        if not (admin.get(key) or '').strip():
            errors.append('admin.%s must not be empty' % key)
    password = admin.get('password')
    if not password:
        errors.append('admin.password is required: give the admin\'s password (from a vault)')
    elif len(password.encode('utf-8')) > BCRYPT_MAX_BYTES:
        errors.append('admin.password is %d bytes long; Coop\'s bcrypt hashing uses only the first %d, so use a '
                      'password of at most %d bytes' % (len(password.encode('utf-8')), BCRYPT_MAX_BYTES,
                                                        BCRYPT_MAX_BYTES))
    for key, value in (('name', name), ('email', params.get('email')), ('website', site),
                       ('admin.email', admin_email(params)), ('admin.first_name', admin.get('first_name')),
                       ('admin.last_name', admin.get('last_name'))):
        if value and len(value) > VARCHAR:
            errors.append('%s is %d characters long; Coop stores at most %d' % (key, len(value), VARCHAR))
    if errors:
        raise OrgError('; '.join(errors))


def admin_email(params):
    admin = params.get('admin') or {}
    return admin.get('email') or params.get('email')


def new_id():
    """An 11-character hex id like those of Coop's uid()."""
    return secrets.token_hex(6)[:11]


def hash_password(bcrypt, password):
    """Coop's scheme: bcrypt, cost 5, $2a$ prefix (what bcryptjs writes and reads)."""
    salt = bcrypt.gensalt(rounds=BCRYPT_COST, prefix=BCRYPT_PREFIX)
    return bcrypt.hashpw(password.encode('utf-8'), salt).decode('ascii')


def password_matches(bcrypt, password, stored):
    if not stored:
        return False
    try:
        return bcrypt.checkpw(password.encode('utf-8'), stored.encode('ascii'))
    except ValueError:  # not a bcrypt hash (say a placeholder): it cannot match
        return False


def new_api_key():
    """(key, key_hash) as Coop's ApiKeyService makes them: 32 random bytes as hex, stored as sha256 hex."""
    key = secrets.token_bytes(32).hex()
    return key, hashlib.sha256(key.encode('ascii')).hexdigest()


def org_conflicts(params, found):
    """Refusals for an org to create or an existing one, from found: {'same_name': row or None,
    'like_name': [names equal ignoring case], 'email_org': name or None, 'website_org': name or None,
    'admin_org': (org id, org name) of the admin email's user or None}."""
    name = params['name']
    errors = []
    org = found.get('same_name')
    if org is None:
        for other in found.get('like_name') or []:
            errors.append('an org named %r already exists; Coop would show two orgs of the same name, so use that '
                          'exact name (coop_org finds an org by name) or choose another name' % other)
        if found.get('email_org'):
            errors.append('email %s is already the email of org %r; each org needs its own email'
                          % (params['email'], found['email_org']))
        if found.get('website_org'):
            errors.append('website %s is already the website of org %r; each org needs its own website'
                          % (website_url(params['website']), found['website_org']))
    else:
        if org['email'] != params['email'] or org['website_url'] != website_url(params['website']):
            errors.append('an org named %r already exists with email %s and website %s, not %s and %s: it is another '
                          'org of the same name; coop_org never changes an existing org, so give its email and website '
                          'or choose another name' % (name, org['email'], org['website_url'], params['email'],
                                                      website_url(params['website'])))
    admin_org = found.get('admin_org')
    if admin_org is not None and (org is None or admin_org[0] != org['id']):
        errors.append('admin.email %s is the login of a user of org %r; a Coop login belongs to one org, so give '
                      'this org\'s admin another email' % (admin_email(params), admin_org[1]))
    if errors:
        raise OrgError('; '.join(errors))


def missing_defaults(has_user_type, item_type_names, action_types, action_names):
    """(user type to add or None, built-in actions to add, warnings) for an org whose default user
    type exists or not, whose item types and actions have the given names, and whose actions have the
    given action types. A default whose name another row of the org already holds is left out
    (Coop's names are unique per org) with a warning naming the row to rename."""
    warnings = []
    user_type = None
    if not has_user_type:
        if USER_TYPE['name'] in item_type_names:
            warnings.append('the org has an item type named %r that is not its default user type; Coop needs '
                            'one, so rename that item type and rerun' % USER_TYPE['name'])
        else:
            user_type = USER_TYPE
    actions = []
    for action in BUILT_IN_ACTIONS:
        if action[0] in action_types:
            continue
        if action[1] in action_names:
            warnings.append('the org has an action named %r that is not the built-in %s action; rename it and '
                            'rerun to have the built-in one' % (action[1], action[0]))
        else:
            actions.append(action)
    return user_type, actions, warnings
