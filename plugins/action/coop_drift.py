# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for roost.coop.coop_drift, on the controller: O(config_env_files) becomes O(env_files) with the
values the roost.coop.config role writes, and the variable O(orgs_var) names becomes O(orgs); then the
module runs on the host."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gc
import json
import os
from collections.abc import Mapping

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.roost.coop.plugins.module_utils.coop_env_catalog import KINDS

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core before 2.19 templates any string

    def trust_as_template(value):
        return value

# This collection's config role: its defaults and vars give the env values it writes.
CONFIG_ROLE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                           'roles', 'config')
# The module options the config role's variables give (a task's own value wins).
FROM_CONFIG_ROLE = trust_as_template(
    "{{ {'env_args': __coop_env_args, 'env_dir': coop_config_dir, 'validate': coop_config_validate,"
    " 'strict': coop_config_strict | bool, 'allow_insecure_ui_url': coop_allow_insecure_ui_url | bool,"
    " 'env_file': coop_settings_env_file | default(coop_config_dir ~ '/server.env')} }}")


class ActionModule(ActionBase):

    def run(self, tmp=None, task_vars=None):
        # This worker is a fork that holds the whole inventory (200 orgs' declared settings) and ends with
        # this task. Without the garbage collector, building the module no longer walks it (0.05 s); frozen
        # before the collector is back, the collection that would follow does not either (0.04 s).
        gc.disable()
        try:
            return self._run(tmp, task_vars or {})
        finally:
            gc.freeze()
            gc.enable()

    def _run(self, tmp, task_vars):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict(self._task.args)
        kinds = args.pop('config_env_files', None)
        if kinds is not None:
            if args.get('env_files'):
                raise AnsibleActionFail('env_files and config_env_files are both set; give the env values, or the '
                                        'files whose values the config role gives, not both')
            args.update(self._config_role_args(kinds, task_vars))
        name = args.pop('orgs_var', None)
        if name:
            if args.get('orgs'):
                raise AnsibleActionFail('orgs and orgs_var are both set; give the orgs or the name of the variable '
                                        'that holds them, not both')
            # An undefined variable is no orgs, as coop_orgs | default([]) would be.
            # As JSON text: the module then copies and walks one value, not every value of 200 orgs.
            args['orgs'] = json.dumps(self._render(task_vars.get(name, [])), default=str)
        result.update(self._execute_module(module_name='roost.coop.coop_drift', module_args=args, task_vars=task_vars))
        return result

    def _config_role_args(self, kinds, task_vars):
        """env_files (the kinds given) and the options FROM_CONFIG_ROLE names that the task does not give,
        rendered as the config role would on this host. Its defaults rank below the host's variables and
        its vars (internal names only) above, as when the role runs; loading the files is cheaper than
        importing the role (its argument specs, handlers and a role per task: 0.07 s of a run)."""
        if not isinstance(kinds, list) or not set(kinds) <= set(KINDS):
            raise AnsibleActionFail('config_env_files must be a list of %s (got %r)' % (', '.join(KINDS), kinds))
        variables = self._role_file('defaults')
        variables.update(task_vars)
        variables.update(self._role_file('vars'))
        values = self._templar.copy_with_new_env(available_variables=variables).template(FROM_CONFIG_ROLE)
        env_args = values.pop('env_args')
        out = dict((key, value) for key, value in values.items() if key not in self._task.args)
        out['env_files'] = dict((kind, env_args[kind]) for kind in kinds)
        return out

    def _role_file(self, part):
        """The config role's <part>/main.yml as a dict, its strings templates (as the role's own are)."""
        path = os.path.join(CONFIG_ROLE, part, 'main.yml')
        try:
            loaded = self._loader.load_from_file(path, trusted_as_template=True)
        except TypeError:  # ansible-core before 2.19 has no trust marks
            loaded = self._loader.load_from_file(path)
        return dict(loaded or {})

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
