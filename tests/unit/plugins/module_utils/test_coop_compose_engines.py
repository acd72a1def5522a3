"""The table of compose engines and the verdict on what a host reports. The podman output is
`docker version --format '{{json .}}'` of Debian 12's docker CLI against podman 4.3.1's service
(kernel and build date replaced); the Docker Engine one has the shape Docker's docs show."""

import json
import pathlib

import pytest

from ansible_collections.roost.coop.plugins.module_utils import coop_compose_engines as ce

PODMAN_4_3 = (pathlib.Path(__file__).parent / 'data' / 'docker-version-podman-4.3.1.json').read_text()
DOCKER_ENGINE = json.dumps({
    'Client': {'Platform': {'Name': 'Docker Engine - Community'}, 'Version': '27.3.1', 'ApiVersion': '1.47'},
    'Server': {'Platform': {'Name': 'Docker Engine - Community'},
               'Components': [{'Name': 'Engine', 'Version': '27.3.1', 'Details': {'ApiVersion': '1.47'}},
                              {'Name': 'containerd', 'Version': '1.7.22'},
                              {'Name': 'runc', 'Version': '1.1.14'},
                              {'Name': 'docker-init', 'Version': '0.19.0'}],
               'Version': '27.3.1', 'ApiVersion': '1.47'}})
NO_DAEMON = ('{"Client":{"Platform":{"Name":""},"Version":"20.10.24+dfsg1","ApiVersion":"1.41",'
             '"Context":"default","Experimental":true},"Server":null}')
DOCKER = ['docker', 'compose']


def test_docker_compose_against_podman_is_refused_with_reason_and_fix():
    out = ce.verdict(DOCKER, 'Docker Compose version v2.29.7', PODMAN_4_3)
    assert out['status'] == 'refused' and out['engine'] == 'podman'
    assert 'podman 4.3.1 answers as the docker daemon' in out['problem']
    assert 'split on spaces' in out['problem'] and '`run --rm` always exits 0' in out['problem']
    assert 'recreates every container' in out['problem']
    assert 'Fix: use podman-compose with podman' in out['problem'] and 'Docker Engine' in out['problem']


@pytest.mark.parametrize('host', ['unix:///run/podman/podman.sock', 'unix:///run/user/1000/podman/podman.sock'])
def test_a_podman_socket_in_docker_host_is_refused_even_when_it_does_not_answer(host):
    out = ce.verdict(['docker-compose'], '', NO_DAEMON, host)
    assert out['status'] == 'refused' and 'DOCKER_HOST=%s is a podman socket' % host in out['problem']


def test_docker_compose_with_a_docker_engine_is_supported():
    for host in ('', 'unix:///var/run/docker.sock', 'tcp://docker1:2376'):
        out = ce.verdict(DOCKER, 'Docker Compose version v2.29.7', DOCKER_ENGINE, host)
        assert (out['status'], out['engine'], out['problem']) == ('supported', 'docker', '')
    assert ce.docker_server(DOCKER_ENGINE) == ('docker', '27.3.1')


def test_no_daemon_and_garbage_name_no_engine():
    assert ce.docker_server(NO_DAEMON) is None
    assert ce.docker_server('Cannot connect to the Docker daemon') is None
    assert ce.docker_server('') is None
    assert ce.verdict(DOCKER, '', NO_DAEMON)['problem'] == ''  # the role says the daemon is down


def test_podman_compose_is_tested_and_1_0_is_refused():
    out = ce.verdict(['podman-compose'], 'podman-compose version 1.6.0\npodman version 4.3.1\n')
    assert (out['status'], out['problem']) == ('tested', '')
    old = ('using podman version: 4.3.1\npodman-composer version  1.0.3\npodman --version \n'
           'podman version 4.3.1\nexit code: 0\n')
    out = ce.verdict(['/usr/bin/podman-compose'], old)
    assert out['status'] == 'refused' and 'ignores compose profiles' in out['problem']
    assert 'pip install podman-compose>=1.6' in out['problem']


def test_which_commands_are_docker_compose():
    assert ce.is_docker_compose(['docker', 'compose'])
    assert ce.is_docker_compose(['/usr/local/bin/docker-compose'])
    assert not ce.is_docker_compose(['podman-compose'])
    assert not ce.is_docker_compose(['docker', 'ps'])


def test_the_table_names_every_status_once_per_pairing():
    pairs = [(r['compose'], r['engine'], r['status']) for r in ce.ENGINES]
    assert len(set(pairs)) == len(pairs)
    assert {r['status'] for r in ce.ENGINES} == {'tested', 'supported', 'refused'}
    assert all(r.get('fix') for r in ce.ENGINES if r['status'] == 'refused')


def test_the_readme_lists_every_row_with_its_status():
    readme = (pathlib.Path(__file__).parents[4] / 'README.md').read_text().splitlines()
    for row in ce.ENGINES:
        line = [x for x in readme if x.startswith('| ' + row['versions'])]
        assert len(line) == 1 and '| %s' % row['status'] in line[0], row['versions']
