import pytest

from ansible_collections.roost.coop.plugins.module_utils import coop_db


def test_server_env_defaults_follow_coop():
    got = coop_db.settings_from_env({'DATABASE_HOST': 'db.internal', 'DATABASE_PASSWORD': 's3cret'})
    assert got == {'host': 'db.internal', 'password': 's3cret', 'dbname': 'development', 'user': 'postgres'}


def test_migrator_env_and_ssl():
    got = coop_db.settings_from_env({'API_SERVER_DATABASE_HOST': 'h', 'API_SERVER_DATABASE_PORT': '6543',
                                     'API_SERVER_DATABASE_NAME': 'coop', 'API_SERVER_DATABASE_SSL': 'true'})
    assert got == {'host': 'h', 'port': 6543, 'dbname': 'coop', 'user': 'postgres', 'sslmode': 'require'}


@pytest.mark.parametrize('prefix, value, tls', [
    ('DATABASE_', 'yes', True), ('DATABASE_', '1', True), ('DATABASE_', 'false', False),
    ('API_SERVER_DATABASE_', 'true', True), ('API_SERVER_DATABASE_', 'yes', False),
    ('API_SERVER_DATABASE_', '1', False)])
def test_ssl_words_as_each_coop_process_reads_them(prefix, value, tls):
    got = coop_db.settings_from_env({prefix + 'HOST': 'h', prefix + 'SSL': value})
    assert ('sslmode' in got) is tls and got.get('sslmode', 'require') == 'require'


def test_bad_port_names_the_fix():
    with pytest.raises(ValueError, match='DATABASE_PORT.*5432'):
        coop_db.settings_from_env({'DATABASE_PORT': 'five'})


def test_explicit_options_override_env_file():
    params = {'env_file': '/x/server.env', 'login_host': 'override', 'login_port': None, 'login_db': None,
              'login_user': None, 'login_password': None, 'ssl_mode': None, 'ca_cert': None, 'connect_timeout': 3}
    got = coop_db.connection_settings(params, read_file=lambda path: 'DATABASE_HOST=a\nDATABASE_NAME=coop\n')
    assert got == {'host': 'override', 'dbname': 'coop', 'user': 'postgres', 'connect_timeout': 3}
