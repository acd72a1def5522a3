"""Migrations and jobs on the fixture release (tests/fixture-release, not Coop), which reproduces
what broke with real Coop (coop-facts 11): the root db:* scripts install into db/ at migration
time; the built migrator stops at the first failure with its own error line; the decisions job
fails after --env prod migrations until its bookkeeping row exists. Each test runs the roles or
modules the way a deploy does, as root, with the release code run as unprivileged users."""

import json
import shutil

import pytest

from tests.conftest import ansible_playbook, login_args, pg_connect, play_recap, run_module
from tests.service import fixture_release as fx

PLAYBOOK = """
- name: Migrate Coop
  hosts: localhost
  gather_facts: false
  roles:
    - roost.coop.migrations
"""
JOB = 'RefreshMRTDecisionsMaterializedViewJob'
MAIN_PROD_SCRIPTS = ['2025.01.01T00.00.00.fixture-initial-schema.sql', '2025.01.02T00.00.00.fixture-session.cjs',
                     '2025.01.04T00.00.00.fixture-settings-default.sql', '2025.01.05T00.00.00.fixture-org-tables.sql',
                     '2025.02.01T00.00.00.fixture-v2-appeal-callback.sql']


@pytest.fixture(scope='module')
def users():
    build_user, runtime_user = fx.make_user('cbuild'), fx.make_user('crun')
    yield build_user, runtime_user
    fx.drop_user(build_user)
    fx.drop_user(runtime_user)


@pytest.fixture(scope='module')
def release(users):
    parent = fx.open_dir()
    yield fx.variant('main', parent, users[0])
    shutil.rmtree(str(parent))


@pytest.fixture
def deploy(tmp_path, users, scratch_db):
    """(config dir with db.env owned by the runtime user, database name, playbook runner)."""
    config = fx.open_dir()
    dbname = scratch_db(schema=False)
    fx.write_env(config / 'db.env', fx.db_env(dbname), users[1])

    def run(release_path, *args, **extra_vars):
        variables = {'coop_release_path': str(release_path), 'coop_config_dir': str(config),
                     'coop_user': users[1], 'coop_node_dir': str(fx.NODE_DIR),
                     'coop_migrations_install_libs': False, 'coop_version': 'main'}
        variables.update(extra_vars)
        vars_file = tmp_path / 'vars.json'
        vars_file.write_text(json.dumps(variables))
        playbook = tmp_path / 'play.yml'
        playbook.write_text(PLAYBOOK)
        proc = ansible_playbook(playbook, '-e', '@%s' % vars_file, *args)
        return proc.returncode, proc.stdout + proc.stderr

    yield config, dbname, run
    shutil.rmtree(str(config))


def recorded(dbname):
    with pg_connect(dbname) as conn:
        if conn.execute("SELECT to_regclass('public.\"SequelizeMeta\"')").fetchone()[0] is None:
            return None
        return [r[0] for r in conn.execute('SELECT name FROM public."SequelizeMeta" ORDER BY name')]


def run_job(release, user, dbname, name=JOB):
    return fx.as_user(user, [fx.NODE, 'bin/run-worker-or-job.js', name], release / 'server' / 'transpiled',
                      env=fx.server_env(dbname))


def test_root_db_scripts_fail_for_the_runtime_user(release, users, deploy):
    """The trap the role must avoid: Coop's root db:* scripts run `npm i` in db/ at migration time."""
    config, dbname, _run = deploy
    run = fx.as_user(users[1], [fx.NODE, '--env-file=%s' % (config / 'db.env'), fx.NPM_CLI, 'run', 'db:update',
                                '--', '--db', 'api-server-pg', '--env', 'prod'], release)
    assert run.returncode != 0 and 'EACCES' in run.stdout + run.stderr, run.stdout + run.stderr
    assert recorded(dbname) is None


def test_role_migrates_from_the_built_migrator_writing_nothing_into_the_release(release, users, deploy):
    _config, dbname, run = deploy
    before = fx.tree_state(release)
    rc, out = run(release)
    assert rc == 0, out[-4000:]
    assert play_recap(out)['changed'] > 0
    assert recorded(dbname) == MAIN_PROD_SCRIPTS
    assert fx.tree_state(release) == before
    rc, out = run(release)
    assert rc == 0 and play_recap(out)['changed'] == 0, out[-4000:]
    with pg_connect(dbname) as conn:
        assert conn.execute('SELECT count(*) FROM public.fixture_migrator_runs').fetchone()[0] == 1


def test_the_decisions_job_succeeds_after_the_role(release, users, deploy):
    _config, dbname, run = deploy
    rc, out = run(release)
    assert rc == 0, out[-4000:]
    job = run_job(release, users[1], dbname)
    assert job.returncode == 0, job.stdout + job.stderr
    with pg_connect(dbname) as conn:
        rows = conn.execute('SELECT table_name, last_insert::text FROM public.view_maintenance_metadata').fetchall()
    assert rows == [('manual_review_tool.dim_mrt_decisions_materialized', '-infinity')]


def test_failing_script_stops_with_the_migrators_own_error_line(tmp_path, users, deploy):
    _config, dbname, run = deploy
    parent = fx.open_dir()
    try:
        broken = parent / 'release-broken'
        fx.subprocess.run([str(fx.FIXTURE / 'variant.sh'), 'main', str(broken)], check=True)
        (broken / 'db/src/scripts/api-server-pg/2025.01.03T12.00.00.broken.sql').write_text(
            'SELECT * FROM public.no_such_table;\n')
        fx.subprocess.run(['chown', '-R', 'root:root', str(broken)], check=True)
        fx.build(broken, users[0])
        rc, out = run(broken)
    finally:
        shutil.rmtree(str(parent))
    assert rc != 0
    assert ('Migration 2025.01.03T12.00.00.broken.sql (up) failed: Original error: relation '
            '"public.no_such_table" does not exist') in out, out[-4000:]
    assert 'node build/index.js apply --db api-server-pg --env prod' in out
    assert recorded(dbname) == MAIN_PROD_SCRIPTS[:2]


def test_a_failing_create_stops_before_apply(release, users, deploy):
    config, dbname, run = deploy
    fx.write_env(config / 'db.env', fx.db_env(dbname, API_SERVER_DATABASE_MAINTENANCE_NAME='coop_no_such_db'),
                 users[1])
    rc, out = run(release)
    assert rc != 0 and 'create --db api-server-pg' in out and 'coop_no_such_db' in out, out[-4000:]
    assert recorded(dbname) is None  # apply never ran


def test_an_unbuilt_release_is_refused_with_the_fix(users, deploy):
    _config, _dbname, run = deploy
    parent = fx.open_dir()
    try:
        bare = parent / 'release-bare'
        fx.subprocess.run([str(fx.FIXTURE / 'variant.sh'), 'main', str(bare)], check=True)
        rc, out = run(bare)
    finally:
        shutil.rmtree(str(parent))
    assert rc != 0 and 'db/build/index.js is missing' in out and 'npm prune --omit=dev' in out, out[-4000:]


def test_decisions_job_fails_without_its_row_and_coop_job_state_fixes_it(release, users, deploy):
    config, dbname, _run = deploy
    for command in ('create', 'apply'):
        run = fx.as_user(users[1], [fx.NODE, '--env-file=%s' % (config / 'db.env'), 'build/index.js', command,
                                    '--db', 'api-server-pg', '--env', 'prod'], release / 'db')
        assert run.returncode == 0, run.stdout + run.stderr
    job = run_job(release, users[1], dbname)
    assert job.returncode != 0 and 'No last_insert timestamp found for the table' in job.stderr
    other = run_job(release, users[1], dbname, 'DetectRulePassRateAnomaliesJob')
    assert other.returncode == 0, other.stderr

    args = {'env_file': str(config / 'db.env')}
    preview = run_module('coop_job_state', args, check=True, diff=True)
    assert preview['changed'] is True and preview['inserted'] == [JOB], preview
    assert run_job(release, users[1], dbname).returncode != 0  # check mode wrote nothing
    done = run_module('coop_job_state', args)
    assert done['changed'] is True and done['inserted'] == [JOB], done
    assert run_job(release, users[1], dbname).returncode == 0
    again = run_module('coop_job_state', args)
    assert again['changed'] is False and again['inserted'] == []
    with pg_connect(dbname) as conn:
        conn.execute("UPDATE public.view_maintenance_metadata SET last_insert = '2026-01-01'")
        conn.commit()
    assert run_module('coop_job_state', args)['changed'] is False  # the job owns the row afterwards
    with pg_connect(dbname) as conn:
        assert conn.execute('SELECT last_insert::text FROM public.view_maintenance_metadata').fetchone()[0] \
            == '2026-01-01 00:00:00'


def test_coop_job_state_before_the_migrations(deploy):
    config, _dbname, _run = deploy
    args = {'env_file': str(config / 'db.env')}
    assert run_module('coop_job_state', args, check=True)['inserted'] == [JOB]
    failed = run_module('coop_job_state', args)
    assert failed['failed'] and 'run the migrations first' in failed['msg']


def test_a_crash_shows_the_error_not_nodes_footer(release, users, deploy):
    config, dbname, run = deploy
    env = fx.db_env(dbname)
    del env['SCYLLA_HOSTS']  # every migrator command splits it at start-up (coop-facts 9)
    fx.write_env(config / 'db.env', env, users[1])
    rc, out = run(release)
    assert rc != 0, out[-4000:]
    assert ("create --db api-server-pg --env prod in %s/db: TypeError: Cannot read properties of undefined "
            "(reading 'split')" % release) in ' '.join(out.split()), out[-4000:]


def test_one_zero_two_creates_with_staging_and_migrates(tmp_path, users, deploy):
    """Coop 1.0.x's migrator refuses `create --env prod`: the role creates with staging (no seed)."""
    _config, dbname, run = deploy
    parent = fx.open_dir()
    try:
        old = fx.variant('1.0.2', parent, users[0])
        refused = fx.as_user(users[1], [fx.NODE, 'build/index.js', 'create', '--db', 'api-server-pg',
                                        '--env', 'prod'], old / 'db', env=fx.db_env(dbname))
        assert refused.returncode != 0 and 'Argument check failed' in refused.stderr, refused.stderr
        rc, out = run(old, coop_version='1.0.2')
        assert rc == 0, out[-4000:]
        assert recorded(dbname) == MAIN_PROD_SCRIPTS[:-1]  # 1.0.x lacks the v2 script; no seed
    finally:
        shutil.rmtree(str(parent))


def test_a_deployed_fixture_takes_coop_org_its_settings_and_the_login(release, deploy):
    """The fixture release's own migrations (run by the migrations role) carry what coop_org and
    coop_org_setting write, so a fixture deploy can create an org: the module, not a test schema."""
    _config, dbname, run = deploy
    rc, out = run(release)
    assert rc == 0, out[-4000:]
    args = dict(login_args(dbname), name='Fixture T&S', email='ts@fixture.example', website='fixture.example',
                admin=dict(email='lead@fixture.example', password='fixture-Pass-9a1'))
    made = run_module('coop_org', args)
    assert made['changed'] and made['org']['defaults_added'] == [
        'User', 'Enqueue Item to Manual Review', 'Enqueue Author for Manual Review', 'Enqueue for NCMEC Review'], made
    settings = dict(user_strike_ttl_days=30, requires_policy_for_decisions=True, moderator_safety_blur_level=1)
    applied = run_module('coop_org_setting', dict(login_args(dbname), org='Fixture T&S', settings=settings))
    assert applied['changed'] and not applied.get('failed'), applied
    assert not run_module('coop_org', args)['changed']
    assert not run_module('coop_org_setting', dict(login_args(dbname), org='Fixture T&S', settings=settings))['changed']
    with fx.served(dbname) as port:
        assert fx.graphql_login(port, 'lead@fixture.example', 'fixture-Pass-9a1') == 'LoginSuccessResponse'
