"""No value read from an env file reaches a module's output: a server.env with an unclosed quote
followed by secrets (the file once made coop_dotenv join every later line into DATABASE_NAME,
which the modules printed and sent to PostgreSQL as a database name), and a valid one whose
database refuses the login, run through every module that reads env files, at -vvvv with diff."""

import json
import os

import pytest

from tests.conftest import PG, run_module

SECRETS = {'DATABASE_PASSWORD': 'Pw-leak-9f2kLmQ', 'REDIS_PASSWORD': 'Rd-leak-77aa31',
           'SESSION_SECRET': 'Ss-leak-0c0ffee5c0ffee5c0ffee5c0ffee5', 'SENDGRID_API_KEY': 'SG.leak-f00d',
           'DATABASE_PASWORD': 'Typo-leak-4411'}
BROKEN = ("NODE_ENV=production\nDATABASE_HOST=%(host)s\nDATABASE_PORT=%(port)s\nDATABASE_USER=%(user)s\n"
          "DATABASE_NAME='c8clean\n" % PG
          + ''.join('%s=%s\n' % item for item in SECRETS.items()) + "REDIS_HOST=127.0.0.1\n")
# A file every reader reads alike, whose password PostgreSQL refuses; and one with another secret
# pasted as the user name.
WRONG_LOGIN = BROKEN.replace("DATABASE_NAME='c8clean\n", 'DATABASE_NAME=c8clean\n')
SWAPPED = WRONG_LOGIN.replace('DATABASE_USER=%s\n' % PG['user'], 'DATABASE_USER=%s\n' % SECRETS['REDIS_PASSWORD'])


def calls(env_file):
    common = {'env_file': env_file, '_ansible_verbosity': 4}
    return [
        ('coop_org_setting', dict(common, org='sample', settings={'allow_multiple_policies_per_action': True})),
        ('coop_sample_org', dict(common, state='absent')),
        ('coop_checklist', dict(common, server_env=env_file, fail_on='never')),
        ('coop_migration_info', dict(common, scripts_dir=os.path.dirname(env_file))),
        ('coop_env', {'path': env_file, 'kind': 'server', 'set': {'UI_URL': 'https://coop.example.org'},
                      '_ansible_verbosity': 4}),
    ]


def assert_no_secret(name, result):
    blob = json.dumps(result)
    for secret in list(SECRETS.values()) + ['c8clean\\n', 'c8clean\n']:
        assert secret not in blob, (name, secret, blob[:3000])


@pytest.mark.parametrize('check', [False, True])
def test_unclosed_quote_leaks_nothing_and_names_the_line(tmp_path, check):
    env_file = tmp_path / 'server.env'
    env_file.write_text(BROKEN)
    os.chmod(str(env_file), 0o600)
    for name, args in calls(str(env_file)):
        result = run_module(name, args, check=check, diff=True)
        assert_no_secret(name, result)
        text = json.dumps(result)
        assert 'line 5 (DATABASE_NAME)' in text, (name, text[:3000])
        if name != 'coop_checklist':
            assert result.get('failed'), (name, result)
    assert env_file.read_text() == BROKEN


@pytest.mark.parametrize('text', [WRONG_LOGIN, SWAPPED], ids=['wrong password', 'password as user'])
def test_refused_login_leaks_nothing(tmp_path, text):
    """PostgreSQL's error names the user (and the modules name database, host and user): a secret
    pasted into DATABASE_USER must still not appear, as every secret value of the file is hidden."""
    env_file = tmp_path / 'server.env'
    env_file.write_text(text)
    os.chmod(str(env_file), 0o600)
    for name, args in calls(str(env_file))[:4]:
        result = run_module(name, args, diff=True)
        assert_no_secret(name, result)
        assert 'password authentication failed' in json.dumps(result) or result.get('failed'), (name, result)
