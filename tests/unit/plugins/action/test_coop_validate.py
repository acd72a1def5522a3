"""coop_validate's rule table: broken rules in order, each message once, malformed rows named."""

from ansible_collections.roost.coop.plugins.action.coop_validate import broken_rules


def test_nothing_broken_gives_nothing():
    assert broken_rules([{'fail': False, 'msg': 'a'}, {'fail': 'false', 'msg': 'b'}]) == []


def test_broken_rules_in_order_each_once():
    rules = [{'fail': True, 'msg': 'b is wrong'}, {'fail': False, 'msg': 'fine'},
             {'fail': 'yes', 'msg': 'a is wrong'}, {'fail': True, 'msg': 'b is wrong'}]
    assert broken_rules(rules) == ['b is wrong', 'a is wrong']


def test_malformed_rules_are_problems():
    problems = broken_rules([{'msg': 'no fail'}, {'fail': True}, {'fail': 'maybe', 'msg': 'x'}, 'text'])
    assert [p.split(':')[0].split(' needs')[0] for p in problems] == ['rule 1', 'rule 2', 'rule 3', 'rule 4']
    assert 'fail must be a boolean' in problems[2]
