# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""coop_org's pure logic: input checks, Coop's hash and key schemes, refusals."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib

import bcrypt
import pytest

from ansible_collections.roost.coop.plugins.module_utils import coop_org

GOOD = dict(name='Acme', email='a@acme.example', website='acme.example',
            admin=dict(email=None, password='pw-1234567', first_name='Coop', last_name='Admin'))


def test_website_gets_https_like_coops_tool():
    assert coop_org.website_url('acme.example') == 'https://acme.example'
    assert coop_org.website_url('HTTP://acme.example/x') == 'HTTP://acme.example/x'


def test_every_bad_input_is_reported_at_once():
    bad = dict(GOOD, name='', email='nope', admin=dict(GOOD['admin'], password='', last_name=''))
    with pytest.raises(coop_org.OrgError) as err:
        coop_org.check(bad)
    for words in ('name must be', 'email must be', 'admin.password is required', 'admin.last_name must not'):
        assert words in str(err.value)
    coop_org.check(GOOD)  # and a good one passes
    assert coop_org.admin_email(GOOD) == 'a@acme.example'


def test_hash_is_coops_scheme_and_checks():
    stored = coop_org.hash_password(bcrypt, 'pw-1234567')
    assert stored.startswith('$2a$05$') and len(stored) == 60
    assert coop_org.password_matches(bcrypt, 'pw-1234567', stored)
    assert not coop_org.password_matches(bcrypt, 'pw-1234568', stored)
    assert not coop_org.password_matches(bcrypt, 'pw', 'MIGRATION_PLACEHOLDER_x')


def test_api_key_is_stored_as_its_sha256():
    key, key_hash = coop_org.new_api_key()
    assert len(key) == 64 and int(key, 16) >= 0
    assert key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert len(coop_org.new_id()) == 11


def test_an_existing_org_with_another_email_is_another_org_of_the_same_name():
    org = dict(id='o1', name='Acme', email='other@x.example', website_url='https://acme.example')
    with pytest.raises(coop_org.OrgError, match="an org named 'Acme' already exists"):
        coop_org.org_conflicts(GOOD, dict(same_name=org))
    coop_org.org_conflicts(GOOD, dict(same_name=dict(org, email='a@acme.example'), admin_org=('o1', 'Acme')))


def test_missing_defaults_by_type_and_flag_names_kept_for_other_rows():
    user_type, actions, warnings = coop_org.missing_defaults(False, [], [], [])
    assert user_type['kind'] == 'USER' and [a[0] for a in actions] == [
        'ENQUEUE_TO_MRT', 'ENQUEUE_AUTHOR_TO_MRT', 'ENQUEUE_TO_NCMEC'] and not warnings
    types = ['CUSTOM_ACTION', 'ENQUEUE_TO_MRT', 'ENQUEUE_AUTHOR_TO_MRT', 'ENQUEUE_TO_NCMEC']
    assert coop_org.missing_defaults(True, ['User'], types, [a[1] for a in actions]) == (None, [], [])
    user_type, actions, warnings = coop_org.missing_defaults(False, ['User'], types[:3], ['Enqueue for NCMEC Review'])
    assert user_type is None and actions == [] and len(warnings) == 2
    assert "rename that item type" in warnings[0] and 'not the built-in ENQUEUE_TO_NCMEC' in warnings[1]
