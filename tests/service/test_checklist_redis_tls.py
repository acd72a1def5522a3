"""The checklist's Redis checks over TLS, against real redis-servers on loopback that listen both
plain and TLS (a throwaway CA, trusted through SSL_CERT_FILE as a system CA would be): REDIS_TLS
and REDIS_USE_CLUSTER=true (a one-node cluster) connect over TLS and verify the certificate, and a
TLS setting that does not match the server fails redis_reachable."""

import socket
import threading
import time

import pytest
import redis

from tests.conftest import run_module
from tests.service import checklist_support as live
from tests.service.tls_support import Certs

REDIS_CHECKS = ['redis_reachable', 'redis_persistence', 'redis_eviction']


@pytest.fixture(scope='module')
def certs(tmp_path_factory):
    return Certs(str(tmp_path_factory.mktemp('redis-tls')))


def tls_lines(certs, tls_port):
    return ('tls-port %d' % tls_port, 'tls-cert-file %s' % certs.server_cert, 'tls-key-file %s' % certs.server_key,
            'tls-ca-cert-file %s' % certs.ca, 'tls-auth-clients no')


@pytest.fixture(scope='module')
def single(certs):
    """(plain port, TLS port) of one non-cluster redis-server."""
    tls_port = live.free_port()
    with live.redis_server(*(live.PERSISTENT + tls_lines(certs, tls_port))) as port:
        yield port, tls_port


@pytest.fixture(scope='module')
def cluster(certs):
    """(plain port, TLS port) of a one-node Redis cluster owning every slot."""
    tls_port = live.free_port()
    lines = live.PERSISTENT + tls_lines(certs, tls_port) + (
        'cluster-enabled yes', 'cluster-port %d' % live.free_port(), 'tls-cluster yes')
    with live.redis_server(*lines) as port:
        client = redis.Redis(host='127.0.0.1', port=port)
        client.execute_command('CLUSTER', 'ADDSLOTSRANGE', 0, 16383)
        deadline = time.time() + 20
        while b'cluster_state:ok' not in client.execute_command('CLUSTER', 'INFO'):
            assert time.time() < deadline, 'the one-node cluster did not become ready'
            time.sleep(0.1)
        client.close()
        yield port, tls_port


def redis_checks(tmp_path, scratch_db, port, trust, **server):
    """The checklist's Redis checks for a server.env pointing at port: {id: (status, detail, remedy)}."""
    env_path = live.write_env(tmp_path / 'server.env', live.server_env(scratch_db(), port, **server))
    result = run_module('coop_checklist', {'server_env': env_path, 'checks': REDIS_CHECKS, 'fail_on': 'never',
                                           'probe_timeout': 1}, env={'SSL_CERT_FILE': trust})
    assert not result.get('failed'), result
    return dict((c['id'], (c['status'], c['detail'], c['remedy'])) for c in result['checks'])


@pytest.mark.parametrize('setting', [{'REDIS_TLS': 'true'}, {'REDIS_TLS': 'yes'}])
def test_redis_tls_connects_verifies_and_reads_config(tmp_path, scratch_db, certs, single, setting):
    port = single[1]
    found = redis_checks(tmp_path, scratch_db, port, certs.ca, **setting)
    assert [check[0] for check in found.values()] == ['pass'] * 3, found
    assert found['redis_reachable'][1] == 'PING answered by Redis at 127.0.0.1:%d over TLS' % port, found


def test_redis_tls_refuses_an_untrusted_certificate(tmp_path, scratch_db, certs, single):
    found = redis_checks(tmp_path, scratch_db, single[1], certs.other_ca, REDIS_TLS='true')
    assert found['redis_reachable'][0] == 'fail' and 'certificate verify failed' in found['redis_reachable'][1], found
    assert found['redis_persistence'][0] == found['redis_eviction'][0] == 'skip'


@pytest.mark.parametrize('server, tls_port', [
    ({'REDIS_TLS': 'true'}, False),                          # TLS expected, the server speaks plain
    ({'REDIS_TLS': 'false'}, True),                          # plain expected, the server speaks TLS
    ({}, True),
], ids=['tls-to-plain', 'plain-to-tls', 'unset-to-tls'])
def test_tls_setting_not_matching_the_server_fails(tmp_path, scratch_db, certs, single, server, tls_port):
    found = redis_checks(tmp_path, scratch_db, single[1] if tls_port else single[0], certs.ca, **server)
    assert found['redis_reachable'][0] == 'fail', found
    assert ('without TLS' if tls_port else 'over TLS') in found['redis_reachable'][1]
    assert 'REDIS_TLS or REDIS_USE_CLUSTER=true' in found['redis_reachable'][2]
    assert found['redis_persistence'][0] == found['redis_eviction'][0] == 'skip'


def test_cluster_mode_forces_tls(tmp_path, scratch_db, certs, cluster):
    port = cluster[1]
    found = redis_checks(tmp_path, scratch_db, port, certs.ca, REDIS_USE_CLUSTER='true')
    assert [check[0] for check in found.values()] == ['pass'] * 3, found
    assert found['redis_reachable'][1] == 'PING answered by Redis at 127.0.0.1:%d over TLS' % port, found
    # TLS is forced even when REDIS_TLS says otherwise, so the plain port of the same node fails.
    found = redis_checks(tmp_path, scratch_db, cluster[0], certs.ca, REDIS_USE_CLUSTER='true', REDIS_TLS='false')
    assert found['redis_reachable'][0] == 'fail', found


def test_only_the_literal_true_means_cluster(tmp_path, scratch_db, certs, cluster):
    """Coop compares REDIS_USE_CLUSTER with the string 'true': 'True' is a plain single node."""
    found = redis_checks(tmp_path, scratch_db, cluster[1], certs.ca, REDIS_USE_CLUSTER='True')
    assert found['redis_reachable'][0] == 'fail', found
    found = redis_checks(tmp_path, scratch_db, cluster[0], certs.ca, REDIS_USE_CLUSTER='True')
    assert found['redis_reachable'][0] == 'pass', found


def test_cluster_mode_needs_a_cluster(tmp_path, scratch_db, certs, single):
    """Coop's cluster client cannot start on a Redis without cluster support: not a pass."""
    found = redis_checks(tmp_path, scratch_db, single[1], certs.ca, REDIS_USE_CLUSTER='true')
    assert found['redis_reachable'][0] == 'fail', found
    assert 'cluster support disabled' in found['redis_reachable'][1], found
    assert 'REDIS_USE_CLUSTER' in found['redis_reachable'][1], found


def test_a_silent_redis_is_probed_once(tmp_path, scratch_db, certs):
    """A server that accepts and never answers costs one probe_timeout, not a retry loop."""
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(8)
    listener.settimeout(0.1)
    accepted, done = [], threading.Event()

    def accept():
        while not done.is_set():
            try:
                accepted.append(listener.accept()[0])
            except socket.timeout:
                continue

    thread = threading.Thread(target=accept)
    thread.start()
    try:
        found = redis_checks(tmp_path, scratch_db, listener.getsockname()[1], certs.ca)
    finally:
        done.set()
        thread.join(10)
        for conn in accepted + [listener]:
            conn.close()
    assert found['redis_reachable'][0] == 'fail' and 'Timeout' in found['redis_reachable'][1], found
    assert len(accepted) == 1, '%d connections' % len(accepted)
