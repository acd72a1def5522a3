# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for roost.coop.coop_drift: reads the variable O(orgs_var) names on the controller and runs the
module with its value as O(orgs). ansible-core templates a task's arguments, keeps them on the task and
sends them back with the result; by name, 200 declared orgs stay out of that round trip."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gc
from collections.abc import Mapping

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):

    def run(self, tmp=None, task_vars=None):
        # This worker is a fork that holds the whole inventory (200 orgs' declared settings) and ends with
        # this task. Without the garbage collector, building the module no longer walks it (0.05 s); frozen
        # before the collector is back, the collection that would follow does not either (0.04 s).
        gc.disable()
        try:
            return self._run(tmp, task_vars)
        finally:
            gc.freeze()
            gc.enable()

    def _run(self, tmp, task_vars):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict(self._task.args)
        name = args.pop('orgs_var', None)
        if name:
            if args.get('orgs'):
                raise AnsibleActionFail('orgs and orgs_var are both set; give the orgs or the name of the variable '
                                        'that holds them, not both')
            # An undefined variable is no orgs, as coop_orgs | default([]) would be.
            args['orgs'] = self._render((task_vars or {}).get(name, []))
        result.update(self._execute_module(module_name='roost.coop.coop_drift', module_args=args, task_vars=task_vars))
        return result

    def _render(self, value):
        """value with its templates rendered. Plain scalars and strings without template syntax are kept
        as they are: rendering all of 200 orgs' 4,800 values costs ansible-core about 60 ms, this walk about 13."""
        if isinstance(value, Mapping):
            return dict((self._render(key), self._render(item)) for key, item in value.items())
        if isinstance(value, list):
            return [self._render(item) for item in value]
        if value is None or isinstance(value, (bool, int, float)) or (
                isinstance(value, str) and not self._templar.is_possibly_template(value)):
            return value
        return self._templar.template(value)
