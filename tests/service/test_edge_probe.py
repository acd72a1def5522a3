"""tls, hsts and internal_ports against real servers on loopback: an https server (Python's ssl)
serving certificates made here by a throwaway CA with an intermediate, a plain http server for the
redirect, and TCP listeners. The controller's probe (roost.coop.coop_edge_probe) gathers the facts;
coop_checks judges them, as the checklist does."""

import datetime
import http.server
import json
import socket
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.roost.coop.plugins.action.coop_edge_probe import probe, probe_ports
from ansible_collections.roost.coop.plugins.module_utils import coop_checks
from tests.conftest import run_play

HOST = 'coop.test'  # sent as SNI and Host; connections go to 127.0.0.1
NOW = datetime.datetime.now(datetime.timezone.utc)


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _cert(subject, key, issuer=None, issuer_key=None, days=90, ca=False, host=None):
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).public_key(key.public_key())
               .issuer_name(_name(issuer or subject)).serial_number(x509.random_serial_number())
               .not_valid_before(NOW - datetime.timedelta(days=30)).not_valid_after(NOW + datetime.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), True)
    if host:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


def _pem(*certs):
    return b''.join(cert.public_bytes(serialization.Encoding.PEM) for cert in certs)


class Pki(object):
    """A root, an intermediate, and server chains written to folder."""

    def __init__(self, folder):
        self.folder = folder
        self.root_key, self.mid_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
        self.root = _cert('Test Root', self.root_key, ca=True, days=3650)
        self.mid = _cert('Test Intermediate', self.mid_key, 'Test Root', self.root_key, ca=True, days=3650)
        self.root_file = folder / 'root.pem'
        self.root_file.write_bytes(_pem(self.root))

    def chain(self, name, host=HOST, days=90, intermediate=True, self_signed=False):
        """(chain file, key file) nginx-style: the server certificate first."""
        key = ec.generate_private_key(ec.SECP256R1())
        if self_signed:
            certs = [_cert(host, key, days=days, host=host)]
        else:
            certs = [_cert(host, key, 'Test Intermediate', self.mid_key, days=days, host=host)]
            certs += [self.mid] if intermediate else []
        chain, key_file = self.folder / (name + '.pem'), self.folder / (name + '.key')
        chain.write_bytes(_pem(*certs))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        return chain, key_file


def _handler(headers, status=200, location=None):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            code, where = status, location
            if self.path.startswith('/.well-known/acme-challenge/'):
                code, where = 404, None
            self.send_response(code)
            for name, value in headers.items():
                self.send_header(name, value)
            if where:
                self.send_header('Location', where + self.path)
            self.send_header('Content-Length', '0')
            self.end_headers()

        def log_message(self, *args):
            pass
    return Handler


@pytest.fixture
def serve():
    """serve(chain, key, hsts) -> (https port, http port): an https server and a plain http server that
    redirects to it (the challenge path answers itself); all stopped after the test."""
    servers = []

    def start(chain, key, hsts='max-age=31536000', redirect=True):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(chain), str(key))
        https = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _handler({'Strict-Transport-Security': hsts} if hsts else {}))
        https.socket = context.wrap_socket(https.socket, server_side=True)
        plain = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _handler(
            {}, 301 if redirect else 200, 'https://%s:%d' % (HOST, https.server_port) if redirect else None))
        for server in (https, plain):
            servers.append(server)
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return https.server_port, plain.server_port
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def judge(pki, ports, tls_mode='files', hsts_min_age=31536000, ca_bundle=True):
    https_port, http_port = ports
    edge = probe({'ui_url': 'https://%s:%d' % (HOST, https_port), 'tls_mode': tls_mode, 'address': '127.0.0.1',
                  'ca_bundle': str(pki.root_file) if ca_bundle else None, 'http_port': http_port,
                  'hsts_min_age': hsts_min_age, 'ports': [], 'timeout': 3.0})
    return dict((r['id'], r) for r in coop_checks.run({'edge': edge}, only=['tls', 'hsts'])), edge


@pytest.fixture
def pki(tmp_path):
    return Pki(tmp_path)


def test_valid_chain_passes(pki, serve):
    results, edge = judge(pki, serve(*pki.chain('good')))
    assert results['tls']['status'] == 'pass', results['tls']
    assert 'chain verified (issuer CN=Test Intermediate)' in results['tls']['detail']
    assert edge['tls']['names'] == [HOST] and 89 < edge['tls']['days_left'] <= 90
    assert results['hsts']['status'] == 'pass', results['hsts']


def test_without_the_private_root_the_chain_does_not_verify(pki, serve):
    results, _edge = judge(pki, serve(*pki.chain('good')), ca_bundle=False)
    assert results['tls']['status'] == 'fail'
    assert "chain does not verify against the system's CAs: unable to get local issuer certificate" in results['tls']['detail']


@pytest.mark.parametrize('days,status,words', [
    (-1, 'fail', 'the certificate expired on'), (5, 'fail', 'the certificate expires in 5.0 days'),
    (15, 'warn', 'the certificate expires in 15 days')])
def test_expiry(pki, serve, days, status, words):
    results, _edge = judge(pki, serve(*pki.chain('soon', days=days)))
    assert (results['tls']['status'], results['tls']['detail'][:len(words)]) == (status, words), results['tls']
    assert 'renew it' in results['tls']['remedy']
    assert 'chain' not in results['tls']['detail']  # an expired certificate fails verification too: reported once


def test_certificate_for_another_host(pki, serve):
    results, _edge = judge(pki, serve(*pki.chain('other', host='other.test')))
    assert results['tls']['status'] == 'fail'
    assert results['tls']['detail'] == 'the certificate is for other.test, not coop.test'


@pytest.mark.parametrize('mode,status,words', [
    ('self_signed', 'warn', 'self-signed (coop_tls: self_signed): browsers warn, for staging only'),
    ('acme', 'fail', 'the certificate is self-signed: browsers refuse it')])
def test_self_signed(pki, serve, mode, status, words):
    results, _edge = judge(pki, serve(*pki.chain('self', self_signed=True)), tls_mode=mode)
    assert (results['tls']['status'], results['tls']['detail']) == (status, words), results['tls']


def test_incomplete_chain(pki, serve):
    results, _edge = judge(pki, serve(*pki.chain('leaf-only', intermediate=False)))
    assert results['tls']['status'] == 'fail'
    assert 'chain does not verify' in results['tls']['detail'] and 'full chain' in results['tls']['remedy']


def test_hsts_missing_short_and_no_redirect(pki, serve):
    results, _edge = judge(pki, serve(*pki.chain('good'), hsts=None))
    assert results['hsts']['status'] == 'warn'
    assert 'sends no Strict-Transport-Security header' in results['hsts']['detail']
    assert 'coop_hsts_max_age' in results['hsts']['remedy']
    results, _edge = judge(pki, serve(*pki.chain('good'), hsts='max-age=600', redirect=False))
    assert results['hsts']['status'] == 'warn'
    assert "'max-age=600': max-age below 31536000" in results['hsts']['detail']
    assert 'answers 200 instead of redirecting to https://coop.test:' in results['hsts']['detail']


def test_nothing_listening_fails_tls_once(pki):
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]  # closed once the block ends
    results, _edge = judge(pki, (port, port))
    assert results['tls']['status'] == 'fail' and 'no TLS answer from coop.test:%d' % port in results['tls']['detail']
    assert results['hsts']['status'] == 'warn' and results['hsts']['remedy'].count('see tls') == 1


def test_port_probe_reachable_and_closed():
    listener = socket.create_server(('127.0.0.1', 0))
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        closed = sock.getsockname()[1]
    try:
        facts = probe_ports([
            {'host': 'app1', 'address': '127.0.0.1', 'port': listener.getsockname()[1], 'what': 'Coop API', 'peers': []},
            {'host': 'db1', 'address': 'localhost', 'port': closed, 'what': 'PostgreSQL', 'peers': []},
            {'host': 'redis1', 'address': 'no-such-host.invalid', 'port': 6379, 'what': 'Redis', 'peers': []}], timeout=1.0)
    finally:
        listener.close()
    assert [(f['host'], f['open'], f['local'], f['unresolved']) for f in facts] == [
        ('app1', True, True, False), ('db1', False, True, False), ('redis1', False, False, True)]
    assert 'refused' in facts[1]['error']
    # On the controller itself the open port is not judged (loopback is a peer) ...
    result, = coop_checks.run({'edge': {'ports': facts}}, only=['internal_ports'])
    assert result['status'] == 'warn' and 'the controller is the host or an allowed peer: app1:' in result['detail']
    # ... the same answer from another machine fails, naming host, port and the fix.
    facts[0]['local'] = False
    result, = coop_checks.run({'edge': {'ports': facts}}, only=['internal_ports'])
    assert result['status'] == 'fail'
    assert 'which is no allowed peer: app1:%d (Coop API)' % facts[0]['port'] in result['detail']
    assert 'coop_firewall: true' in result['remedy']


PLAYBOOK = """
- name: The probe task and the checklist module, as the checklist role runs them
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Probe
      roost.coop.coop_edge_probe:
        ui_url: "{{ url }}"
        tls_mode: files
        address: 127.0.0.1
        ca_bundle: "{{ ca }}"
        http_port: "{{ http_port }}"
        ports: [{host: app1, address: 127.0.0.1, port: "{{ http_port }}", what: Coop API, peers: []}]
      register: probed

    - name: Checklist
      roost.coop.coop_checklist:
        edge: "{{ probed.edge }}"
        checks: [tls, hsts, internal_ports]
        fail_on: never
      register: checklist

    - name: Keep the result
      ansible.builtin.copy:
        content: "{{ checklist | to_json }}"
        dest: "{{ out }}"
        mode: "0600"
"""


def test_through_ansible(pki, serve, tmp_path):
    https_port, http_port = serve(*pki.chain('soon', days=15), hsts=None)
    rc, out = run_play(tmp_path, PLAYBOOK, {'url': 'https://%s:%d' % (HOST, https_port), 'ca': str(pki.root_file),
                                            'http_port': http_port, 'out': str(tmp_path / 'result.json')})
    assert rc == 0, out[-3000:]
    result = json.loads((tmp_path / 'result.json').read_text())
    statuses = dict((r['id'], r['status']) for r in result['checks'])
    assert statuses == {'tls': 'warn', 'hsts': 'warn', 'internal_ports': 'skip'}, result['report']
    table = '\n'.join(result['report'])
    assert table.count('fix: renew it') == 1 and table.count('fix: set coop_hsts_max_age') == 1, table
