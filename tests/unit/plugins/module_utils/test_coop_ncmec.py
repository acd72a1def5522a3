"""The NCMEC catalog's validation and row rules, and the export/drift functions, without services."""

import pytest

from ansible_collections.roost.coop.plugins.module_utils import coop_catalog as catalog
from ansible_collections.roost.coop.plugins.module_utils import coop_export
from ansible_collections.roost.coop.plugins.module_utils import coop_ncmec as ncmec


def errors(given):
    with pytest.raises(catalog.SettingsError) as caught:
        ncmec.validate(given)
    return caught.value.errors


def test_valid_input_is_normalised():
    out = ncmec.validate({'username': 'u', 'password': 'p', 'min_media_to_review': '2',
                          'media_review_requirement': 'MINIMUM', 'contact_email': '', 'legal_url': None})
    assert out == {'enabled': True, 'username': 'u', 'password': 'p', 'min_media_to_review': 2,
                   'media_review_requirement': 'MINIMUM', 'contact_email': '', 'legal_url': None}
    assert ncmec.validate({'enabled': 'no'}) == {'enabled': False}


def test_every_problem_is_reported_at_once():
    found = errors({'username': None, 'media_review_requirement': 'ALL', 'min_media_to_review': 2,
                    'default_internet_detail_type': 'web_page', 'passwrd': 'x'})
    assert len(found) == 4, found
    assert any('did you mean ncmec.password' in e for e in found)
    assert any('ncmec.username cannot be null' in e for e in found)
    assert any('only counts with ncmec.media_review_requirement: MINIMUM' in e for e in found)
    assert any("got 'web_page'" in e for e in found)


def test_row_rules():
    assert ncmec.row_problems('Acme', None, {'username': 'u'}) == [
        "org 'Acme' has no NCMEC settings yet; turning reporting on needs ncmec.password (or set "
        "ncmec.enabled: false)"]
    stored = {'username': 'u', 'password': 'p', 'actions_to_run_upon_report_creation': ['a'],
              'policies_applied_to_actions_run_on_report_creation': ['p']}
    assert ncmec.row_problems('Acme', stored, {'password': 'q'}) == []
    (problem,) = ncmec.row_problems('Acme', stored, {'actions_to_run_upon_report_creation': None})
    assert 'set ncmec.actions_to_run_upon_report_creation' in problem
    assert ncmec.queue_problems('Acme', 'o1', 'q1', {'q1': 'o1'}) is None
    assert ncmec.queue_problems('Acme', 'o1', None, {}) is None
    assert 'belongs to another org' in ncmec.queue_problems('Acme', 'o1', 'q2', {'q1': 'o1', 'q2': 'o2'})


def test_columns_of_an_older_schema_are_refused():
    with pytest.raises(catalog.SettingsError) as caught:
        ncmec.columns_for({'enabled': True, 'min_media_to_review': 2, 'username': 'u'}, {'org_id', 'username'})
    assert caught.value.errors == ['ncmec.min_media_to_review exists only from Coop schema 2026.06 '
                                   '(%s); this database is older: remove the key or run Coop\'s migrations first'
                                   % ncmec.MEDIA_MIGRATION]


def test_export_and_drift():
    live = {table: set(s.column for s in catalog.SETTINGS.values() if s.table == table) for table in catalog.TABLES}
    live[ncmec.TABLE] = set(ncmec.KEYS)
    rows = {table: {} for table in live}
    rows[catalog.ORG_SETTINGS]['o1'] = {'user_strike_ttl_days': 30, 'has_reporting_rules_enabled': None,
                                        'appeal_callback_headers': {'A': 'secret'}, 'cert': None}
    rows[ncmec.TABLE]['o1'] = dict((k, None) for k in ncmec.KEYS if k not in ncmec.CREDENTIALS)
    out, withheld = coop_export.coop_orgs([('o1', 'Acme'), ('o2', 'o1')], rows, live)
    assert out[0]['settings']['user_strike_ttl_days'] == 30 and out[0]['settings']['cert'] is None
    assert 'has_reporting_rules_enabled' not in out[0]['settings']
    assert 'appeal_callback_headers' not in out[0]['settings'] and 'secret' not in str(out)
    assert withheld == {'Acme': ['appeal_callback_headers', 'ncmec.username', 'ncmec.password']}
    assert out[1] == {'org': 'o2', 'settings': {}, 'ncmec': {'enabled': False}}  # its name is o1's id

    report = coop_export.drift([{'name': 'Acme', 'changes': {'x': {'before': 1, 'after': 2}}, 'created': [],
                                 'removed': ['t.n']}, {'name': 'Same', 'changes': {}, 'created': []}],
                               {'h1': [{'path': '/e/server.env', 'changes': {'K': {'before': None, 'after': 'v'}}}]})
    assert report == {'drift': True, 'orgs': {'Acme': {'x': {'declared': 2, 'live': 1},
                                                       'row in t.n': {'declared': 'absent', 'live': 'present'}}},
                      'env': {'h1': {'/e/server.env': {'K': {'declared': 'v', 'live': None}}}}}
    lines = coop_export.table(report)
    assert lines[0] == 'DRIFT: 3 value(s) differ from what is declared' and '(unset)' in lines[-1]
    assert coop_export.table(coop_export.drift([], {})) == [
        'NO DRIFT: the live settings and env files are as declared']
