# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for roost.coop.coop_drift_report: runs on the controller only (no module run)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.roost.coop.plugins.module_utils.coop_export import drift, table


def report(results):
    """The drift report from {host: coop_drift result}."""
    orgs = []
    env = {}
    for host, result in sorted((results or {}).items()):
        result = result or {}
        orgs.extend(result.get('orgs') or [])
        env[host] = result.get('env') or []
    return drift(orgs, env)


def write_json(path, data):
    """Write data as JSON to path, mode 0600, atomically (a temporary file beside it, renamed over it)."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.%s.' % os.path.basename(path), suffix='.tmp')
    try:
        with os.fdopen(fd, 'w') as handle:
            handle.write(json.dumps(data, indent=4, sort_keys=True) + '\n')
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.rename(tmp, path)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(('results', 'path', 'show', 'fail_on_drift'))

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        results = self._task.args.get('results') or {}
        if not isinstance(results, dict):
            raise AnsibleActionFail('results must be a mapping of host to its coop_drift result')
        data = report(results)
        path = self._task.args.get('path') or ''
        if path:
            try:
                write_json(path, data)
            except (IOError, OSError) as exc:
                raise AnsibleActionFail('cannot write the drift report %s: %s; set coop_drift_report_path to a '
                                        'writable file, or to \'\' for none' % (path, to_native(exc)))
        lines = table(data)
        result.update(data, table=lines, changed=False)
        if boolean(self._task.args.get('show', False), strict=True):
            Display().display('\n'.join(lines))
        if data['drift'] and boolean(self._task.args.get('fail_on_drift', False), strict=True):
            result.update(failed=True, msg=(
                'Drift: %d value(s) differ from the inventory (the table above and %s name each); run site.yml to put '
                'back what is declared, or declare what is live (roost.coop.coop_org_setting_info exports the org '
                'settings)' % (len(lines) - 2, path or 'the report')))
        return result
