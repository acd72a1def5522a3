"""The checklist role through `ansible-playbook roost.coop.checklist` and
`roost.coop.secure_sample_org` on localhost, against a scratch database and a private redis-server."""

import json
import sys

import pytest

from tests.conftest import ansible_playbook, pg_connect, play_recap
from tests.fixtures import coop_schema
from tests.service import checklist_support as live


def playbook(name, inventory, *extra):
    return ansible_playbook(name, *extra, inventory=inventory)


@pytest.fixture
def host(tmp_path, scratch_db):
    """An inventory with localhost as the only coop_app host, and its config dir in tmp_path."""
    dbname = scratch_db(staging_seed=True)
    with pg_connect(dbname) as conn:
        coop_schema.add_staging_seed(conn, live.default_hash())
    live.add_real_orgs(dbname)
    with live.redis_server(*live.PERSISTENT) as port:
        live.write_env(tmp_path / 'server.env', live.server_env(dbname, port))
        live.write_env(tmp_path / 'db.env', live.db_env(dbname))
        live.write_env(tmp_path / 'client.env', {'VITE_UI_URL': 'https://coop.acme.org'})
        inventory = tmp_path / 'inventory.yml'
        inventory.write_text(json.dumps({'coop_app': {'hosts': {'localhost': {
            'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
            'coop_config_dir': str(tmp_path), 'coop_checklist_install_libs': False,
            'coop_checklist_report_path': str(tmp_path / 'report.json'),
            'coop_checklist_release_dir': ''}}}}))
        yield inventory, tmp_path / 'report.json', dbname


def test_checklist_playbook_reports_then_blocks_until_the_sample_orgs_are_gone(host):
    inventory, report, dbname = host
    run = playbook('roost.coop.checklist', inventory)
    assert run.returncode != 0 and play_recap(run.stdout)['failed'] == 1
    assert 'FAIL  sample_orgs' in run.stdout and 'fix: run roost.coop.secure_sample_org' in run.stdout
    assert 'Go-live checklist: sample_orgs, default_passwords, staging_seed' in run.stdout
    written = json.loads(report.read_text())['localhost']
    assert written['summary']['failed'] == ['sample_orgs', 'default_passwords', 'staging_seed']
    assert len(written['checks']) == written['summary']['total']

    assert playbook('roost.coop.checklist', inventory, '-e', 'coop_checklist_fail_on=never').returncode == 0

    preview = playbook('roost.coop.secure_sample_org', inventory, '--check', '--diff')
    assert preview.returncode == 0, preview.stdout + preview.stderr
    assert 'Test Org 4 (6cd8223106e)' in preview.stdout and play_recap(preview.stdout)['changed'] == 1
    with pg_connect(dbname) as conn:
        assert conn.execute('SELECT count(*) FROM public.orgs').fetchone()[0] == 6

    secured = playbook('roost.coop.secure_sample_org', inventory)
    assert secured.returncode == 0, secured.stdout + secured.stderr
    assert play_recap(secured.stdout)['changed'] == 1
    with pg_connect(dbname) as conn:
        assert conn.execute('SELECT count(*) FROM public.orgs').fetchone()[0] == 2

    run = playbook('roost.coop.checklist', inventory)
    assert run.returncode == 0, run.stdout + run.stderr
    recap = play_recap(run.stdout)
    assert recap['changed'] == 0 and recap['failed'] == 0
    assert json.loads(report.read_text())['localhost']['summary']['fail'] == 0


def test_fail_on_warn_blocks_on_a_warning(host):
    inventory, report, _dbname = host
    run = playbook('roost.coop.checklist', inventory, '-e', 'coop_checklist_fail_on=warn',
                   '-e', '{"coop_checklist_checks": ["node_env", "pg_connections"], "coop_checklist_app_processes": 50}')
    assert run.returncode != 0 and 'pg_connections' in run.stdout
    assert json.loads(report.read_text())['localhost']['summary']['warned'] == ['pg_connections']
