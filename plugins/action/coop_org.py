# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for roost.coop.coop_org: runs the module on the host, then keeps the new org's API key
off the screen: written to api_key_file on the controller (0600, atomic), or the result is no_log."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile

from ansible.module_utils.common.text.converters import to_bytes
from ansible.plugins.action import ActionBase


def write_secret(path, text):
    """Write text to path with mode 0600, atomically (a temporary file in the same directory, renamed)."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, tmp = tempfile.mkstemp(dir=directory, prefix='.coop-api-key-')
    try:
        os.fchmod(handle, 0o600)
        os.write(handle, to_bytes(text + '\n'))
        os.fsync(handle)
        os.close(handle)
        handle = None
        os.rename(tmp, path)
    except Exception:
        if handle is not None:
            os.close(handle)
        os.unlink(tmp)
        raise


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        path = self._task.args.get('api_key_file')
        if path:
            path = os.path.expanduser(str(path))
            if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
                result.update(failed=True, msg='api_key_file %s: its directory does not exist on the controller; '
                                               'create it or choose another path' % path)
                return result
        result.update(self._execute_module(module_name='roost.coop.coop_org', module_args=self._task.args,
                                           task_vars=task_vars))
        key = result.pop('api_key', None)
        if key is None:
            return result
        if path:
            try:
                write_secret(path, key)
            except (IOError, OSError) as exc:
                result['_ansible_no_log'] = True
                result['api_key'] = key
                result.update(failed=True, msg='the org was created but its API key could not be written to '
                                               'api_key_file %s (%s); the key is in the registered result only'
                                               % (path, exc.strerror))
                return result
            result['api_key_file'] = path
        else:
            result['api_key'] = key
            result['_ansible_no_log'] = True
        return result
