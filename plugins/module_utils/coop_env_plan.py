# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What coop_env does to one env file's text: the checks, the new text and the changed keys.
No file access; coop_env writes the result, coop_drift only compares it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import secrets
import string

from ansible_collections.roost.coop.plugins.module_utils import coop_dotenv as dotenv
from ansible_collections.roost.coop.plugins.module_utils import coop_env_catalog as catalog

ALPHABET = string.ascii_letters + string.digits
GENERATED_LENGTH = 48


def random_secret():
    return ''.join(secrets.choice(ALPHABET) for dummy in range(GENERATED_LENGTH))


def generated(current, generate, given):
    """{key: new random value} of the keys to generate that the file lacks and set does not give."""
    return dict((key, random_secret()) for key in generate
                if not current.get(key) and dotenv.KEY_RE.match(key) and key not in given)


def plan(kind, text, current, given, remove, generate, new_secrets, params):
    """(wanted, new text, changed keys, removed keys, problems, warnings) of setting given (plus
    new_secrets, the generated values) and removing remove in text (whose values are current).
    params: strict, validate and allow_insecure_ui_url as coop_env takes them."""
    wanted, problems, warnings = catalog.check_input(kind, given, generate, params['strict'])
    for label, keys in (('set and remove', set(wanted) & set(remove)), ('set and generate', set(wanted) & set(generate)),
                        ('generate and remove', set(generate) & set(remove))):
        if keys:
            problems.append('%s are both in %s; list each key in one of them' % (', '.join(sorted(keys)), label))
    for key in generate + remove:
        try:
            dotenv.check_key(key)
        except dotenv.EnvFileError as exc:
            problems.append(str(exc))
    wanted.update(new_secrets)
    new_text = text
    changed_keys, removed_keys = [], []
    try:
        new_text, changed_keys, removed_keys = dotenv.update(text, wanted, remove)
    except dotenv.EnvFileError as exc:
        problems.append(str(exc))
    if params['validate'] == 'production':
        final = dict(current)
        final.update(wanted)
        for key in remove:
            final.pop(key, None)
        for problem in catalog.production_problems(kind, final, params['allow_insecure_ui_url']):
            if problem not in problems:
                problems.append(problem)
    return wanted, new_text, changed_keys, removed_keys, problems, warnings


def key_changes(current, wanted, changed_keys, removed_keys):
    """{key: {before, after}} of the keys written or removed (None: not in the file); secret values masked."""
    def shown(key, value):
        return dotenv.MASK if value is not None and catalog.is_secret(key) else value
    return dict((key, {'before': shown(key, current.get(key)), 'after': shown(key, wanted.get(key))})
                for key in list(changed_keys) + list(removed_keys))


def secret_strings(sources):
    """The values of secret keys in the mappings sources, as the env file holds them."""
    hidden = set()
    for source in sources:
        for key, value in source.items():
            text = catalog.as_env_string(value)
            if text and catalog.is_secret(str(key)):
                hidden.add(text)
    return hidden
