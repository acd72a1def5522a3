"""The coop_units check: any failed Coop unit fails, with the line that says why."""

from ansible_collections.roost.coop.plugins.module_utils import coop_checks as cc

NODE_CRASH = [
    '/opt/coop/release/server/transpiled/bin/run-worker-or-job.js:23',
    "  if (rows.length === 0) throw new Error('No last_insert timestamp found for the table');",
    '                         ^', '',
    'Error: No last_insert timestamp found for the table',
    '    at Object.<anonymous> (/opt/coop/release/server/transpiled/bin/run-worker-or-job.js:23:32)',
    '    at Module._compile (node:internal/modules/cjs/loader:1730:14)', '',
    'Node.js v24.20.0',
]


def result(facts):
    (out,) = cc.run(facts, only=['coop_units'])
    return out


def test_failed_job_fails_with_its_error_line():
    out = result({'units': {'failed': [
        {'unit': 'coop-job@RefreshMRTDecisionsMaterializedViewJob.service', 'journal': NODE_CRASH},
        {'unit': 'coop-api.service', 'journal': ['Error: Missing env var SCYLLA_HOSTS']}]}})
    assert out['status'] == 'fail'
    assert out['detail'] == ('coop-job@RefreshMRTDecisionsMaterializedViewJob.service: Error: No last_insert '
                             'timestamp found for the table; coop-api.service: Error: Missing env var SCYLLA_HOSTS')
    assert 'roost.coop.migrations' in out['remedy'] and 'reset-failed' in out['remedy']


def test_no_failed_unit_passes_and_no_systemd_skips():
    assert result({'units': {'failed': []}})['status'] == 'pass'
    assert result({'units': None})['status'] == 'skip'
    skipped = result({'units': {'error': 'systemctl: System has not been booted with systemd'}})
    assert skipped['status'] == 'skip' and 'booted with systemd' in skipped['detail']


def test_last_line_skips_frames_footer_and_blanks():
    assert cc.last_line(NODE_CRASH) == 'Error: No last_insert timestamp found for the table'
    assert cc.last_line(['fixture API main listening on port 8080']) == 'fixture API main listening on port 8080'
    assert cc.last_line([]) == '(no journal lines)'
