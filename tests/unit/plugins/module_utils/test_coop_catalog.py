"""The settings catalog and its pure validation/mapping/delta functions (no database)."""

import re

import pytest
from hypothesis import given, strategies as st

from ansible_collections.roost.coop.plugins.module_utils import coop_catalog as catalog

OLD = {
    catalog.ORG_SETTINGS: {'org_id', 'has_appeals_enabled', 'saml_enabled', 'sso_url', 'cert'},
    catalog.MRT_SETTINGS: {'org_id', 'requires_policy_for_decisions', 'mrt_requires_decision_reason'},
    catalog.UI_SETTINGS: {'org_id', 'moderator_safety_blur_level'},
}
NEW = {
    catalog.ORG_SETTINGS: OLD[catalog.ORG_SETTINGS],
    catalog.MRT_SETTINGS: {'org_id', 'requires_policy_for_decisions', 'mrt_requires_decision_reason_on_action',
                           'mrt_requires_decision_reason_on_ignore'},
    catalog.UI_SETTINGS: {'org_id', 'moderator_safety_blur_level', 'moderator_safety_sepia'},
}


def error_of(settings):
    with pytest.raises(catalog.SettingsError) as info:
        catalog.validate(settings)
    return str(info.value)


def test_catalog_covers_every_column_of_the_three_tables():
    # coop-facts section 3: 14 + 6 (+ the pre-2026.06 column) + 4 settings columns.
    by_table = {}
    for setting in catalog.SETTINGS.values():
        by_table.setdefault(setting.table, set()).add(setting.column)
    assert len(by_table[catalog.ORG_SETTINGS]) == 14
    assert by_table[catalog.MRT_SETTINGS] == {
        'requires_policy_for_decisions', 'mrt_requires_decision_reason', 'mrt_requires_decision_reason_on_action',
        'mrt_requires_decision_reason_on_ignore', 'hide_skip_button_for_non_admins', 'ignore_callback_url',
        'preview_jobs_view_enabled'}
    assert by_table[catalog.UI_SETTINGS] == {'moderator_safety_mute_video', 'moderator_safety_grayscale',
                                             'moderator_safety_blur_level', 'moderator_safety_sepia'}


def ddl_columns(ddl, columns=None):
    """{(schema, table): set(columns)} defined by CREATE TABLE, ADD COLUMN and RENAME COLUMN in ddl."""
    columns = dict((k, set(v)) for k, v in (columns or {}).items())
    for schema, table, body in re.findall(r'CREATE TABLE (\w+)\.(\w+) \((.*?)\n\);', ddl, re.S):
        columns[(schema, table)] = set(re.findall(r'^    (?!CONSTRAINT )(\w+) \w', body, re.M))
    for schema, table, action in re.findall(r'ALTER TABLE (\w+)\.(\w+)\s+(.*?);', ddl, re.S):
        table_columns = columns.setdefault((schema, table), set())
        renamed = re.match(r'RENAME COLUMN (\w+) TO (\w+)$', action)
        if renamed:
            table_columns.discard(renamed.group(1))
            table_columns.add(renamed.group(2))
        else:
            table_columns.update(re.findall(r'ADD COLUMN (\w+)', action))
    return columns


def test_fixture_schema_columns_all_known():
    """Every catalog column is a column of its own table in one of the fixture's two shapes
    (whole names, so a column contained in a longer one's name does not count)."""
    from tests.fixtures import coop_schema
    old = ddl_columns(coop_schema.COMMON + coop_schema.MRT_OLD)
    new = ddl_columns(coop_schema.MRT_NEW, old)
    assert 'mrt_requires_decision_reason' not in new[catalog.MRT_SETTINGS]
    for setting in catalog.SETTINGS.values():
        assert setting.column in old.get(setting.table, set()) | new.get(setting.table, set()), setting.column


@pytest.mark.parametrize('given_value, expected', [
    (True, True), ('yes', True), ('False', False), ('0', False)])
def test_booleans_accept_yaml_words(given_value, expected):
    assert catalog.validate({'has_appeals_enabled': given_value}) == {'has_appeals_enabled': expected}


def test_unknown_key_suggests_the_closest():
    message = error_of({'moderator_safety_blur': 3})
    assert "unknown setting 'moderator_safety_blur'" in message
    assert "did you mean 'moderator_safety_blur_level'" in message


@given(st.integers(min_value=catalog.BLUR_MIN, max_value=catalog.BLUR_MAX))
def test_blur_in_range_accepted(level):
    assert catalog.validate({'moderator_safety_blur_level': level})['moderator_safety_blur_level'] == level


@given(st.integers().filter(lambda n: n < catalog.BLUR_MIN or n > catalog.BLUR_MAX))
def test_blur_out_of_range_rejected(level):
    assert 'moderator_safety_blur_level must be from 0 to 6' in error_of({'moderator_safety_blur_level': level})


@pytest.mark.parametrize('ttl', [0, -5, 3651, '100000'])
def test_strike_ttl_bounds(ttl):
    assert 'user_strike_ttl_days must be from 1 to 3650' in error_of({'user_strike_ttl_days': ttl})


@pytest.mark.parametrize('value', ['high', 2.5, True, [3]])
def test_wrong_type_for_integer(value):
    assert 'must be an integer from 0 to 6' in error_of({'moderator_safety_blur_level': value})


def test_integer_strings_from_templates_are_converted():
    assert catalog.validate({'user_strike_ttl_days': '30'}) == {'user_strike_ttl_days': 30}


@pytest.mark.parametrize('url', ['ftp://x.example/a', 'hooks.example.org/coop', 'https://', 'https://a b.example/',
                                 42])
def test_bad_urls(url):
    assert 'appeal_callback_url must be' in error_of({'appeal_callback_url': url})


def test_url_length_limited_by_varchar_255():
    assert 'at most 255' in error_of({'ignore_callback_url': 'https://x.example/' + 'a' * 250})
    # appeal_callback_url is text: no limit.
    assert catalog.validate({'appeal_callback_url': 'https://x.example/' + 'a' * 250})


@pytest.mark.parametrize('value', [[1, 2], 'not json', '[1]', 7])
def test_headers_must_be_json_object(value):
    assert 'appeal_callback_headers must be a JSON object' in error_of({'appeal_callback_headers': value})


def test_header_values_must_be_strings():
    assert 'quote the value of X-Version' in error_of({'partial_items_request_headers': {'X-Version': 2}})


def test_json_string_is_parsed():
    assert catalog.validate({'appeal_callback_body': '{"a": [1]}'}) == {'appeal_callback_body': {'a': [1]}}


def test_null_clears_nullable_but_not_booleans():
    assert catalog.validate({'sso_url': None}) == {'sso_url': None}
    assert 'cannot be null; set true or false' in error_of({'has_appeals_enabled': None})


def test_saml_static_rule():
    assert 'saml_enabled: true needs sso_url and cert' in error_of({'saml_enabled': True, 'cert': None})


def test_all_errors_reported_at_once():
    with pytest.raises(catalog.SettingsError) as info:
        catalog.validate({'moderator_safety_blur_level': 9, 'nope': 1, 'sso_url': 'x'})
    assert len(info.value.errors) == 3


def test_conflicting_old_and_new_reason_keys():
    message = error_of({'mrt_requires_decision_reason': True, 'mrt_requires_decision_reason_on_ignore': False})
    assert 'not conflicting values' in message


def test_old_key_sets_both_new_columns_on_new_schema():
    got = catalog.columns_for({'mrt_requires_decision_reason': True}, NEW)
    assert got == {catalog.MRT_SETTINGS: {'mrt_requires_decision_reason_on_action': True,
                                          'mrt_requires_decision_reason_on_ignore': True}}


def test_old_key_on_old_schema():
    got = catalog.columns_for({'mrt_requires_decision_reason': False}, OLD)
    assert got == {catalog.MRT_SETTINGS: {'mrt_requires_decision_reason': False}}


@pytest.mark.parametrize('key', ['mrt_requires_decision_reason_on_action', 'mrt_requires_decision_reason_on_ignore'])
def test_new_keys_rejected_on_old_schema(key):
    with pytest.raises(catalog.SettingsError, match='exists only from Coop schema 2026.06.*use mrt_requires_decision_reason'):
        catalog.columns_for({key: True}, OLD)


def test_sepia_only_from_2026_07():
    with pytest.raises(catalog.SettingsError, match='moderator_safety_sepia exists only from Coop schema 2026.07'):
        catalog.columns_for({'moderator_safety_sepia': True}, OLD)
    assert catalog.columns_for({'moderator_safety_sepia': True}, NEW) == {
        catalog.UI_SETTINGS: {'moderator_safety_sepia': True}}


def test_missing_table_names_the_fix():
    live = dict(NEW)
    del live[catalog.UI_SETTINGS]
    with pytest.raises(catalog.SettingsError, match='does not exist.*run its migrations'):
        catalog.columns_for({'moderator_safety_blur_level': 1}, live)


def test_defaults_follow_live_columns():
    assert catalog.defaults(catalog.UI_SETTINGS, OLD[catalog.UI_SETTINGS]) == {'moderator_safety_blur_level': 2}
    assert catalog.defaults(catalog.UI_SETTINGS, NEW[catalog.UI_SETTINGS])['moderator_safety_sepia'] is False


def test_saml_problem_on_final_row():
    assert catalog.saml_problem({'saml_enabled': True, 'sso_url': 'https://i.example', 'cert': None}) \
        .startswith('saml_enabled: true needs sso_url and cert; set cert')
    assert catalog.saml_problem({'saml_enabled': False, 'sso_url': None, 'cert': None}) is None


def test_delta_lists_only_differences():
    current = {'a': 1, 'b': {'x': '1'}, 'c': None}
    assert catalog.delta(current, {'a': 1, 'b': {'x': '1'}, 'c': 'z'}) == {'c': (None, 'z')}


def test_secret_headers_masked_and_collected():
    assert catalog.masked('appeal_callback_headers', {'Authorization': 'Bearer t'}) == {'Authorization': '********'}
    assert catalog.masked('appeal_callback_body', {'a': 'b'}) == {'a': 'b'}
    assert catalog.secret_strings({'appeal_callback_headers': {'A': 'tok'}, 'cert': 'pem'}) == ['tok']


def test_secret_strings_of_raw_input():
    # Collected before validation: JSON strings, non-string values, even invalid input.
    assert catalog.secret_strings({'appeal_callback_headers': '{"A": "tok"}'}) == ['{"A": "tok"}', 'tok']
    assert catalog.secret_strings({'partial_items_request_headers': {'A': 5, 'B': None}}) == ['5']
    assert catalog.secret_strings({'appeal_callback_headers': 'not json'}) == ['not json']
    assert catalog.secret_strings(['not', 'a mapping']) == []


# Input PostgreSQL or int() cannot take: each is refused before the database is touched, naming
# the key, the place inside it and the problem (never the value of a header).
UNSTORABLE = [
    ({'moderator_safety_blur_level': '--3'}, "moderator_safety_blur_level must be an integer from 0 to 6, got '--3'"),
    ({'moderator_safety_blur_level': '\u00b2'}, 'moderator_safety_blur_level must be an integer from 0 to 6'),
    ({'moderator_safety_blur_level': '\u0663'}, 'moderator_safety_blur_level must be an integer from 0 to 6'),
    ({'user_strike_ttl_days': '1_0'}, 'user_strike_ttl_days must be an integer from 1 to 3650'),
    ({'appeal_callback_url': 'https://hooks.acme.org/a\x00b'}, 'appeal_callback_url contains a NUL character'),
    ({'cert': '-----BEGIN CERTIFICATE-----\x00'}, 'cert contains a NUL character'),
    ({'cert': 'pem \ud800'}, 'cert is not valid Unicode text'),
    ({'appeal_callback_body': {'a': ['ok', 'x\x00']}}, 'appeal_callback_body["a"][1] contains a NUL character'),
    ({'appeal_callback_body': '{"a": "\\u0000"}'}, 'appeal_callback_body["a"] contains a NUL character'),
    ({'appeal_callback_body': {'n': float('nan')}}, 'appeal_callback_body["n"] is nan, which JSON cannot hold'),
    ({'appeal_callback_headers': {'X-Token': 'secret\x00value'}}, 'appeal_callback_headers["X-Token"] contains a NUL'),
    ({'partial_items_request_headers': {'X-A\x00': 'v'}}, 'partial_items_request_headers key "X-A\\u0000" contains'),
]


@pytest.mark.parametrize('settings,words', UNSTORABLE, ids=[str(n) for n in range(len(UNSTORABLE))])
def test_unstorable_input_names_the_key_and_the_problem(settings, words):
    message = error_of(settings)
    assert words in message
    assert 'invalid literal' not in message and 'secret' not in message.replace('secrets', '')


def test_integer_strings_with_sign_and_spaces():
    assert catalog.validate({'moderator_safety_blur_level': ' +3 '}) == {'moderator_safety_blur_level': 3}
    assert 'must be from 0 to 6, got -3' in error_of({'moderator_safety_blur_level': '-3'})
