#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: coop_env
short_description: Manage one of Coop's env files (db, server or client)
version_added: 0.1.0
description:
  - Sets and removes keys in one C(.env) file of Coop and keeps everything else as it is -
    comments, blank lines, order and keys it does not manage.
  - Writes values in a form that systemd C(EnvironmentFile=), docker compose C(env_file) and
    Node C(--env-file) all read back exactly (bare, C('single') or C("double") quoted). A value
    none of these forms can carry (a single quote together with one of C(" \\ $ `), a line
    break) is refused with a message.
  - Validates names and values against the collection's catalog of Coop's variables for the
    file O(kind). An unknown key is a warning naming the closest known key, or an error with
    O(strict). Enumerated values (adapters, C(NCMEC_ENV), C(NODE_ENV)), booleans Coop compares
    with the literal C(true), numbers and ranges (C(ITEM_QUEUE_TRAFFIC_PERCENTAGE) 0 to 1) are
    checked; C(WAREHOUSE_ADAPTER=postgresql), which stops Coop at boot, is refused.
  - Generates strong random secrets for keys in O(generate) only when they are absent, so the
    second run is unchanged.
  - Secret values (passwords, C(SESSION_SECRET), API keys) never appear in results, warnings,
    diffs (masked) or verbose output. Keys Coop does not know count as secret when their name
    looks like one (it contains PASS, SECRET, TOKEN, KEY, CREDENTIAL, PRIVATE, AUTH and the like,
    or is close to a known secret's name, as C(DATABASE_PASWORD) is); other lines that mention
    such a name, a commented-out password for example, are masked in the diff too.
  - Reads the file as systemd, docker compose and Node all read it; only C(\\n) ends a line.
    A file they read differently (a quote not closed on its line, a value or comment ending in a
    backslash, a value of blanks only followed by another line) is refused with the line number
    and key, never the value, and nothing is written; fix that line by hand.
  - Writes atomically (a temporary file C(.<name>.<random>.tmp) in the same directory, given its
    mode, owner and group, then renamed over the old one), with mode C(0600) unless told
    otherwise. O(mode), O(owner) and O(group) are checked before anything is written.
  - Runs on one file one after another - each holds a lock on C(.<name>.lock) beside the file
    (C(flock)) while it reads, changes and writes it - so parallel runs setting different keys
    lose none. Under the lock, temporary files of the file left by a killed run are removed
    (with a warning).
  - When O(path) is a symlink it is followed, as M(ansible.builtin.lineinfile) does - the file it
    points to is replaced in its own directory and the link is kept.
author: roost.coop developers (@roostorg)
attributes:
  check_mode:
    support: full
    description: Computes the new file and reports the change without writing.
  diff_mode:
    support: full
    description: The whole file before and after, with secret values shown as C(********).
options:
  path:
    description: The env file. Its directory must exist. A symlink is followed.
    type: path
    required: true
  kind:
    description:
      - Which of Coop's env files this is, for validation. C(db) (the migrator, C(db/.env)),
        C(server) (API server, worker and CLIs, C(server/.env)) or C(client) (build-time
        C(VITE_*) values, C(client/.env)).
    type: str
    required: true
    choices: [db, server, client]
  set:
    description:
      - Keys to set, as a mapping of key to value. Booleans are written as C(true)/C(false),
        numbers as written. Keys not listed are left alone.
      - Values are not logged; the values of secret keys are masked everywhere.
    type: dict
    default: {}
  remove:
    description: Keys to delete (every assignment of each).
    type: list
    elements: str
    default: []
  generate:
    description:
      - Secret keys (for example C(SESSION_SECRET)) that get a random value of 48 letters and
        digits when they are absent or empty. An existing value is kept.
    type: list
    elements: str
    default: []
  strict:
    description: Unknown keys in O(set), O(generate) are errors instead of warnings.
    type: bool
    default: false
  validate:
    description:
      - C(none) checks the keys and values this task sets.
      - C(production) also checks the whole resulting file for a production deployment and fails,
        before writing, listing every missing or unsafe item at once, each with its fix. For
        C(server) that is everything Coop needs to boot (C(UI_URL), C(DATABASE_HOST),
        C(DATABASE_READ_ONLY_HOST), C(DATABASE_PASSWORD), C(REDIS_HOST), C(REDIS_USE_CLUSTER)),
        C(DATABASE_NAME), C(ITEM_QUEUE_TRAFFIC_PERCENTAGE), a C(SESSION_SECRET) of at least 32
        characters, no placeholder secrets from Coop's example files, an https public origin and
        C(NODE_ENV=production), Scylla settings when Scylla is enabled, ClickHouse settings when
        the ClickHouse warehouse is used, working adapter combinations, real email senders and
        no development switches. For C(db) the migrator's connection and C(SCYLLA_HOSTS). For
        C(client) a usable C(VITE_UI_URL).
    type: str
    default: none
    choices: [none, production]
  allow_insecure_ui_url:
    description:
      - With O(validate=production), accept a plain C(http://) C(UI_URL) and a C(NODE_ENV)
        other than C(production) (for a closed test network; over http a production server's
        Secure session cookie is dropped by browsers and logins fail).
    type: bool
    default: false
  create:
    description: Create the file when it does not exist; otherwise fail.
    type: bool
    default: true
  mode:
    description: Permissions of the file. Env files hold secrets; keep them private.
    type: raw
    default: '0600'
  owner:
    description: Owner of the file (name or id); unchanged when not given.
    type: str
  group:
    description: Group of the file (name or id); unchanged when not given.
    type: str
  backup:
    description: Keep a timestamped copy of the old file when it changes.
    type: bool
    default: false
seealso:
  - name: systemd.exec EnvironmentFile=
    description: How systemd reads env files.
    link: https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html#EnvironmentFile=
'''

EXAMPLES = r'''
- name: Coop API server settings
  roost.coop.coop_env:
    path: /etc/coop/server.env
    kind: server
    owner: coop
    group: coop
    set:
      NODE_ENV: production
      UI_URL: https://coop.example.org
      DATABASE_HOST: db1.internal
      DATABASE_READ_ONLY_HOST: db1.internal
      DATABASE_NAME: coop
      DATABASE_PASSWORD: "{{ vault_coop_database_password }}"
      REDIS_HOST: 127.0.0.1
      REDIS_USE_CLUSTER: false
      WAREHOUSE_ADAPTER: noop
      ITEM_INVESTIGATION_AND_STRIKES_ENABLED: false
      ITEM_QUEUE_TRAFFIC_PERCENTAGE: 0
    generate: [SESSION_SECRET]
    validate: production

- name: Drop a dead key and refuse typos
  roost.coop.coop_env:
    path: /etc/coop/server.env
    kind: server
    strict: true
    remove: [GRAPHQL_OPAQUE_SCALAR_SECRET]
'''

RETURN = r'''
path:
  description: The env file.
  returned: always
  type: str
changed_keys:
  description: Keys whose value was (or in check mode would be) written, including generated ones.
  returned: always
  type: list
  elements: str
  sample: [UI_URL, SESSION_SECRET]
removed_keys:
  description: Keys that were deleted.
  returned: always
  type: list
  elements: str
generated_keys:
  description: Keys that got a new random value in this run (the values are not returned).
  returned: always
  type: list
  elements: str
changes:
  description:
    - Per key written or removed, its C(before) (the file's value, C(null) when absent) and
      C(after) (C(null) when removed). Values of secret keys are C(********) on both sides.
  returned: always
  type: dict
  sample: {UI_URL: {before: "https://old.example.org", after: "https://coop.example.org"},
           SESSION_SECRET: {before: "********", after: "********"}}
backup_file:
  description: The copy of the old file, when O(backup) made one.
  returned: changed and backup
  type: str
problems:
  description: Every invalid input and, with O(validate=production), every missing or unsafe item.
  returned: failure
  type: list
  elements: str
'''

import fcntl
import grp
import os
import pwd
import re
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.roost.coop.plugins.module_utils import coop_dotenv as dotenv
from ansible_collections.roost.coop.plugins.module_utils import coop_env_catalog as catalog
from ansible_collections.roost.coop.plugins.module_utils import coop_env_plan as envplan


def check_file_options(module, directory):
    """Fail before anything is written when mode, owner or group cannot be applied."""
    params = module.params
    mode = params['mode']
    try:
        if isinstance(mode, int):
            valid = 0 <= mode <= 0o7777
        elif mode is None or re.match(r'^[0-7]{1,4}$', str(mode)):
            valid = True
        else:
            module._symbolic_mode_to_octal(os.stat(directory), str(mode))  # pylint: disable=protected-access
            valid = True
    except (ValueError, OSError):
        valid = False
    if not valid:
        module.fail_json(msg='mode %r is not a file mode; give an octal mode such as \'0600\' (quoted) or a symbolic '
                             'one such as u=rw,go=. Nothing was written' % (mode,))
    for option, lookup in (('owner', pwd.getpwnam), ('group', grp.getgrnam)):
        name = params[option]
        if name is None or name.isdigit():
            continue
        try:
            lookup(name)
        except KeyError:
            module.fail_json(msg='%s %s does not exist on the host; create it first or give an existing one. Nothing '
                                 'was written' % (option, name))


def temp_pattern(path):
    """Names of this module's temporary files for path: .<name>.<8 random characters>.tmp beside it."""
    return re.compile(re.escape('.%s.' % os.path.basename(path)) + r'[A-Za-z0-9_]{8}\.tmp$')


def lock(module, path):
    """Hold an exclusive lock on .<name>.lock beside path until the module exits, so parallel runs
    on one file read, change and write it one after another instead of losing each other's keys."""
    lock_path = os.path.join(os.path.dirname(path), '.%s.lock' % os.path.basename(path))
    try:
        handle = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(handle, fcntl.LOCK_EX)
    except (IOError, OSError) as exc:
        module.fail_json(msg='cannot lock %s: %s; the directory must be writable' % (lock_path, to_native(exc.strerror)))
    return handle


def remove_stale_temps(module, path):
    """Remove temporary files of path left by a run that was killed. Every run holds the lock while
    its temporary file exists, so under the lock any such file is stale."""
    directory = os.path.dirname(path)
    pattern = temp_pattern(path)
    stale = sorted(name for name in os.listdir(directory) if pattern.match(name))
    for name in stale:
        os.unlink(os.path.join(directory, name))
    if stale:
        module.warn('removed %d temporary file(s) beside %s left by an interrupted run: %s'
                    % (len(stale), path, ', '.join(stale)))


def read_current(module, path, shown):
    """(text, exists) of the file; fails with the fix on anything but a readable UTF-8 file."""
    if not os.path.lexists(path):
        if not module.params['create']:
            module.fail_json(msg='%s does not exist; create it or set create: true' % shown)
        return '', False
    if not os.path.isfile(path):
        module.fail_json(msg='%s exists but is not a regular file; remove it or choose another path' % shown)
    try:
        with open(path, 'rb') as handle:
            return handle.read().decode('utf-8'), True
    except UnicodeDecodeError:
        module.fail_json(msg='%s is not UTF-8 text; systemd refuses such env files. Fix its encoding first' % shown)
    except (IOError, OSError) as exc:
        module.fail_json(msg='cannot read %s: %s' % (shown, to_native(exc.strerror)))


def write_atomically(module, path, text, file_args):
    """Write text to a temporary file beside path, give it the wanted mode, owner and group, then
    rename it over path: a reader sees the old file or the new one, never part of one."""
    directory = os.path.dirname(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix='.%s.' % os.path.basename(path), suffix='.tmp')
        try:
            with os.fdopen(fd, 'wb') as handle:
                handle.write(text.encode('utf-8'))
                handle.flush()
                os.fsync(handle.fileno())
            module.set_fs_attributes_if_different(dict(file_args, path=tmp), False)
            os.rename(tmp, path)
        finally:
            if os.path.lexists(tmp):
                os.unlink(tmp)
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except (IOError, OSError) as exc:
        module.fail_json(msg='writing %s failed, the old file is unchanged: %s' % (path, to_native(exc)))


def hide_values(module, params, current, generated):
    """Only secret values go to no_log_values: set is no_log so nothing leaks into the target's
    log, but masking every value (true, coop, 5432) would garble paths and messages."""
    module.no_log_values = envplan.secret_strings((params['set'] or {}, current, generated))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            kind=dict(type='str', required=True, choices=list(catalog.KINDS)),
            set=dict(type='dict', default={}, no_log=True),
            remove=dict(type='list', elements='str', default=[]),
            generate=dict(type='list', elements='str', default=[], no_log=False),
            strict=dict(type='bool', default=False),
            validate=dict(type='str', default='none', choices=['none', 'production']),
            allow_insecure_ui_url=dict(type='bool', default=False),
            create=dict(type='bool', default=True),
            mode=dict(type='raw', default='0600'),
            owner=dict(type='str'),
            group=dict(type='str'),
            backup=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    path = params['path']
    kind = params['kind']
    # A symlink is followed, as ansible.builtin.lineinfile does: the file it points to is replaced
    # (atomically, in its own directory) and the link stays.
    real = os.path.realpath(path)
    directory = os.path.dirname(real)
    if not os.path.isdir(directory):
        module.fail_json(msg='directory %s does not exist; create it first (ansible.builtin.file state=directory '
                             'mode=0750)' % directory)
    check_file_options(module, directory)
    if not module.check_mode:
        lock(module, real)
        remove_stale_temps(module, real)
    text, exists = read_current(module, real, path)
    try:
        current = dotenv.values(text)
    except dotenv.EnvFileError as exc:
        module.fail_json(msg='%s %s' % (path, exc), path=path)
    generate = list(params['generate'])
    remove = list(params['remove'])
    generated = envplan.generated(current, generate, params['set'])
    hide_values(module, params, current, generated)

    wanted, new_text, changed_keys, removed_keys, problems, warnings = envplan.plan(
        kind, text, current, params['set'], remove, generate, generated, params)
    if problems:
        module.fail_json(msg='%s: %d problem(s), nothing was written: %s' % (path, len(problems), '; '.join(problems)),
                         problems=problems, path=path)
    for message in warnings:
        module.warn(message)
    for lineno, key in dotenv.nonportable(new_text):
        if key is None:
            module.warn('%s line %d: docker compose cannot read this line (a name with a space or a character other '
                        'than letters, digits, _ and .) and refuses the whole file; remove it or make it a # comment'
                        % (path, lineno))
        else:
            module.warn('%s line %d (%s): systemd, docker compose and Node may read this value differently; set the '
                        'key with coop_env to rewrite it in a form they all read alike' % (path, lineno, key))

    content_changed = new_text != text or not exists
    result = dict(changed=content_changed, path=path, changed_keys=changed_keys, removed_keys=removed_keys,
                  generated_keys=sorted(generated), changes=envplan.key_changes(current, wanted, changed_keys, removed_keys))
    secret_changes = [key for key in changed_keys if catalog.is_secret(key)]
    diffs = [dict(before_header=path, after_header=path,
                  before=dotenv.masked(text, catalog.is_secret) if exists else '',
                  after=dotenv.masked(new_text, catalog.is_secret, secret_changes))]
    file_args = dict(module.load_file_common_arguments(params), path=real)
    if content_changed and not module.check_mode:
        if params['backup'] and exists:
            result['backup_file'] = module.backup_local(real)
        write_atomically(module, real, new_text, file_args)
    if exists or not module.check_mode:
        attr_diff = {}
        result['changed'] = module.set_fs_attributes_if_different(file_args, result['changed'], attr_diff)
        if attr_diff.get('before') != attr_diff.get('after'):
            diffs.append(attr_diff)
    if module._diff:
        result['diff'] = diffs
    module.exit_json(**result)


if __name__ == '__main__':
    main()
