# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for roost.coop.coop_validate: runs on the controller (see the module's documentation)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase


def broken_rules(rules):
    """Messages of the rules whose fail is true, in order, each once. A rule without a boolean
    fail or a msg is itself a problem, named by its position."""
    problems = []
    for number, rule in enumerate(rules, 1):
        if not isinstance(rule, dict) or 'fail' not in rule or not rule.get('msg'):
            problem = 'rule %d needs fail (a boolean) and msg: %r' % (number, rule)
        else:
            try:
                if not boolean(rule['fail'], strict=True):
                    continue
            except TypeError:
                problem = 'rule %d: fail must be a boolean, got %r (%s)' % (number, rule['fail'], rule['msg'])
            else:
                problem = str(rule['msg'])
        if problem not in problems:
            problems.append(problem)
    return problems


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(('rules', 'what'))

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(argument_spec=dict(
            rules=dict(type='list', elements='raw', required=True),
            what=dict(type='str', default='settings'),
        ))
        problems = broken_rules(args['rules'])
        result.update(changed=False, problems=problems)
        if problems:
            result.update(failed=True, msg='%d problem(s) in the %s, each listed once under problems with its fix; '
                                           'nothing was changed' % (len(problems), args['what']))
        return result
