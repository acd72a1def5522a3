"""Pure parts of coop_org_setting (module_utils/coop_org_apply): option parsing, org matching, planning and diffs (no database)."""

import pytest

from ansible_collections.roost.coop.plugins.module_utils import coop_catalog as catalog
from ansible_collections.roost.coop.plugins.module_utils import coop_org_apply as mod


def params(**kwargs):
    base = {'org': None, 'orgs': None, 'settings': None}
    base.update(kwargs)
    return base


def test_one_org():
    assert mod.targets_from_params(params(org='Acme', settings={'is_demo_org': 'no'})) == [
        ('Acme', {'is_demo_org': False})]


def test_many_orgs_merge_item_settings_over_shared():
    got = mod.targets_from_params(params(settings={'moderator_safety_blur_level': 1, 'is_demo_org': True}, orgs=[
        'a', 7, {'org': 'b', 'settings': {'moderator_safety_blur_level': 5}}]))
    assert got == [('a', {'moderator_safety_blur_level': 1, 'is_demo_org': True}),
                   ('7', {'moderator_safety_blur_level': 1, 'is_demo_org': True}),
                   ('b', {'moderator_safety_blur_level': 5, 'is_demo_org': True})]


@pytest.mark.parametrize('item, message', [
    ({'name': 'x'}, 'orgs[0] must be an org id or name, or a mapping with org and settings'),
    ({'org': 'x', 'settings': [1]}, 'orgs[0].settings must be a mapping'),
    ([1], 'orgs[0] must be an org id or name'),
    (True, 'orgs[0] must be an org id or name'),
])
def test_bad_org_items(item, message):
    with pytest.raises(catalog.SettingsError, match=message.replace('[', r'\[').replace(']', r'\]')):
        mod.targets_from_params(params(orgs=[item], settings={}))


def test_errors_of_several_orgs_are_labelled():
    with pytest.raises(catalog.SettingsError) as info:
        mod.targets_from_params(params(orgs=[{'org': 'a', 'settings': {'user_strike_ttl_days': 0}},
                                             {'org': 'b', 'settings': {'sso_url': 'nope'}}]))
    assert info.value.errors[0].startswith('org a: user_strike_ttl_days')
    assert info.value.errors[1].startswith('org b: sso_url')


def test_near_orgs_by_name_and_id():
    orgs = [('e7c89ce7729', 'Test Org'), ('34bff959d00', 'Test Org 2'), ('x1', 'Acme Trust & Safety')]
    assert mod.near_orgs('Test Orgg', orgs)[:2] == ['Test Org (id e7c89ce7729)', 'Test Org 2 (id 34bff959d00)']
    assert mod.near_orgs('acme', orgs) == ['Acme Trust & Safety (id x1)']
    assert mod.near_orgs('zzzz', orgs) == []


def _plan(current_row, wanted, created=False):
    table = catalog.ORG_SETTINGS
    rows = {table: {'o1': current_row} if current_row is not None else {},
            'defaults': {table: {'saml_enabled': False, 'sso_url': None, 'cert': None, 'has_appeals_enabled': False}}}
    return mod.plan([('Acme', {})], {'Acme': ('o1', 'Acme')}, [{table: wanted}], rows,
                    {table: {'o1'} if created else set()})


def test_plan_writes_only_the_delta():
    current = {'saml_enabled': False, 'sso_url': None, 'cert': None, 'has_appeals_enabled': True}
    results, writes = _plan(current, {'has_appeals_enabled': True, 'sso_url': 'https://idp.example'})
    assert writes == {catalog.ORG_SETTINGS: {'o1': {'sso_url': 'https://idp.example'}}}
    assert results[0]['changes'] == {'sso_url': {'before': None, 'after': 'https://idp.example'}}
    assert results[0]['changed'] is True


def test_plan_missing_row_uses_coop_defaults_and_reports_creation():
    results, writes = _plan(None, {'has_appeals_enabled': False})
    assert writes == {}
    assert results[0]['created'] == ['public.org_settings'] and results[0]['changed'] is True
    diff = mod.diffs(results)[0]
    assert diff['before'] == {'row in public.org_settings': 'absent'}
    assert diff['after'] == {'row in public.org_settings': 'created'}


def test_plan_refuses_half_configured_saml_against_current_row():
    current = {'saml_enabled': False, 'sso_url': 'https://idp.example', 'cert': None, 'has_appeals_enabled': False}
    with pytest.raises(catalog.SettingsError, match="org 'Acme': saml_enabled: true needs sso_url and cert; set cert"):
        _plan(current, {'saml_enabled': True})


def test_plan_unchanged():
    current = {'saml_enabled': False, 'sso_url': None, 'cert': None, 'has_appeals_enabled': True}
    results, writes = _plan(current, {'has_appeals_enabled': True})
    assert writes == {} and results[0]['changed'] is False and mod.diffs(results) == []


def test_documentation_names_every_catalog_key():
    import yaml
    from ansible_collections.roost.coop.plugins.modules import coop_org_setting
    doc = yaml.safe_load(coop_org_setting.DOCUMENTATION)['options']['settings']['description']
    text = ' '.join(doc)
    missing = [key for key in catalog.KEYS if 'C(%s)' % key not in text]
    assert missing == []
