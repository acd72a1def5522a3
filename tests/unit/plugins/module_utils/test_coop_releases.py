"""The table of Coop releases: boot requirements, flags, unknown versions (coop-facts 11)."""

import pytest

from ansible_collections.roost.coop.plugins.module_utils import coop_releases as cr

SCYLLA = {'SCYLLA_HOSTS': 'scylla1:9042', 'SCYLLA_USERNAME': 'coop', 'SCYLLA_PASSWORD': 'pw',
          'SCYLLA_LOCAL_DATACENTER': 'datacenter1'}


@pytest.mark.parametrize('version', ['1.0.0', '1.0.1', '1.0.2', 'v1.0.2'])
def test_one_zero_x_needs_scylla_whatever_the_flag(version):
    for env in ({}, {cr.SCYLLA_FLAG: 'false'}, {'SCYLLA_HOSTS': 'unused'}):
        problems = cr.boot_problems(version, env)
        assert len(problems) == 1
        assert 'Missing env var SCYLLA_' in problems[0] and 'coop_scylla_hosts' in problems[0]
        assert 'coop_version (main)' in problems[0]
    assert cr.boot_problems(version, SCYLLA) == []
    assert cr.summary(version)['flags'] == []


def test_names_every_missing_scylla_key():
    problems = cr.boot_problems('1.0.2', {'SCYLLA_HOSTS': 'h', 'SCYLLA_LOCAL_DATACENTER': 'dc'})
    assert problems[0].startswith('SCYLLA_USERNAME, SCYLLA_PASSWORD missing.')
    assert '"Missing env var SCYLLA_USERNAME"' in problems[0]


def test_main_runs_without_scylla_when_the_flag_is_false():
    for value in ('false', 'FALSE', '0', 'no', ' no '):
        assert cr.boot_problems('main', {cr.SCYLLA_FLAG: value}) == []
    for env in ({}, {cr.SCYLLA_FLAG: 'true'}, {cr.SCYLLA_FLAG: ''}):
        problems = cr.boot_problems('main', env)
        assert len(problems) == 1 and 'leave coop_scylla_hosts empty' in problems[0]
    assert cr.boot_problems('main', dict(SCYLLA, **{cr.SCYLLA_FLAG: 'true'})) == []
    assert cr.summary('main')['flags'] == [cr.SCYLLA_FLAG]


def test_unknown_version_gets_the_newest_rules_and_says_so():
    out = cr.summary('1.1.0', {cr.SCYLLA_FLAG: 'false'})
    assert out['known'] is False and out['rules'] == 'main' and out['problems'] == []
    assert 'coop_version 1.1.0 is not a release this collection knows' in out['warning']
    assert 'applied the rules of main' in out['warning']
    assert cr.summary('1.0.2')['warning'] == '' and cr.summary('1.0.2')['known'] is True


def test_every_release_migrates_with_the_built_migrator():
    for name in cr.RELEASES:
        assert cr.summary(name)['migrator'] == {'dir': 'db', 'argv': ['build/index.js'],
                                                'build': ['ci', 'run build', 'prune --omit=dev']}


def test_job_state_rows_are_the_decisions_jobs_bookkeeping():
    (row,) = cr.JOB_STATE
    assert row['job'] == 'RefreshMRTDecisionsMaterializedViewJob'
    assert (row['schema'], row['table']) == ('public', 'view_maintenance_metadata')
    assert row['key'] == ('table_name', 'manual_review_tool.dim_mrt_decisions_materialized')
    assert row['values'] == (('last_insert', '-infinity'),)
