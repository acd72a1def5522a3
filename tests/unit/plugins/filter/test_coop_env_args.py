"""coop_env_args: what the config role writes to each env file and the drift playbook compares."""

from ansible_collections.roost.coop.plugins.filter.coop_env_args import coop_env_args


def test_empty_values_removed_unless_extra_gives_them():
    managed = {'db': {'API_SERVER_DATABASE_HOST': 'db1', 'SCYLLA_KEYSPACE': '', 'CLICKHOUSE_HOST': ''}}
    extra = {'db': {'CLICKHOUSE_HOST': 'ch1', 'EXTRA_KEY': 'x'}}
    assert coop_env_args(managed, extra=extra) == {'db': {
        'set': {'API_SERVER_DATABASE_HOST': 'db1', 'CLICKHOUSE_HOST': 'ch1', 'EXTRA_KEY': 'x'},
        'remove': ['SCYLLA_KEYSPACE'], 'generate': []}}


def test_session_secret_generated_only_when_not_given():
    assert coop_env_args({'server': {'PORT': '8080'}})['server']['generate'] == ['SESSION_SECRET']
    assert coop_env_args({'server': {'SESSION_SECRET': 's'}})['server']['generate'] == []
    assert coop_env_args({'server': {}}, extra={'server': {'SESSION_SECRET': 's'}})['server']['generate'] == []
    assert coop_env_args({'client': {'VITE_UI_URL': 'u'}})['client']['generate'] == []


def test_extra_overrides_managed_value():
    out = coop_env_args({'client': {'VITE_UI_URL': 'a'}}, extra={'client': {'VITE_UI_URL': 'b'}})
    assert out['client'] == {'set': {'VITE_UI_URL': 'b'}, 'remove': [], 'generate': []}
