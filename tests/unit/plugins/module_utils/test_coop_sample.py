"""coop_sample.trigger_effects: what Coop's versioning triggers write while sample orgs are deleted."""

from ansible_collections.roost.coop.plugins.module_utils.coop_sample import ORGS, trigger_effects

RULES, HISTORY, LINKS = ('public', 'rules'), ('public', 'rule_history'), ('public', 'rules_and_actions')


def test_history_rows_are_counted_where_they_go():
    triggers = [{'table': RULES, 'name': 'versioning_trigger', 'history': HISTORY},
                {'table': ('public', 'actions'), 'name': 'versioning_trigger', 'history': ('public', 'actions_history')},
                {'table': ('public', 'actions'), 'name': 'update_action_versions_view', 'history': None},
                {'table': LINKS, 'name': 'versioning_trigger', 'history': ('public', 'rules_and_actions_history')},
                {'table': ORGS, 'name': 'audit', 'history': None}]
    tables = [RULES, HISTORY, ('public', 'actions')]
    counts = {'public.rules': 3, 'public.rule_history': 2, 'public.actions': 0, 'public.orgs': 1}
    deleted, kept, uncounted = trigger_effects(counts, triggers, tables)
    # Rule history has org_id (it is in tables): the 3 copies are deleted with the 2 older rows.
    assert deleted == {'public.rules': 3, 'public.rule_history': 5, 'public.actions': 0, 'public.orgs': 1}
    # actions_history is not an org table, but no action row is deleted.
    assert kept == {}
    # Link tables are emptied by ON DELETE CASCADE: their row counts are not known in advance.
    assert uncounted == ['update_action_versions_view on public.actions', 'versioning_trigger on public.rules_and_actions',
                         'audit on public.orgs']
    assert counts['public.rule_history'] == 2
    kept = trigger_effects({'public.actions': 4}, triggers, tables)[1]
    assert kept == {'public.actions_history': 4}
