"""coop_tls: files on localhost: preflight reads the operator's chain and key with openssl on the
controller before anything changes; a mismatched key, an expired certificate and one for another
host each stop the run with the fix and install nothing; a good pair is installed with the key 0600
and a rerun changes nothing."""

import datetime
import os

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import play_recap, run_play

HOST = 'coop.example.org'
PLAYBOOK = """
- name: Coop TLS files on localhost
  hosts: localhost
  gather_facts: false
  roles:
    - roost.coop.preflight
  tasks:
    - name: Install the certificate and key
      ansible.builtin.include_role:
        name: roost.coop.app
        tasks_from: tls_files.yml
"""


def write_pair(directory, name, host=HOST, days=(-1, 90), key=None):
    """A self-signed certificate for host, valid from now + days[0] to now + days[1], and its key."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + datetime.timedelta(days=days[0]))
            .not_valid_after(now + datetime.timedelta(days=days[1]))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / (name + '.crt'), directory / (name + '.key')
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture(autouse=True)
def systemctl(tmp_path, monkeypatch):
    """No systemd here: a systemctl on PATH that records what the handler asks of nginx."""
    calls = tmp_path / 'systemctl.log'
    tool = tmp_path / 'bin' / 'systemctl'
    tool.parent.mkdir()
    tool.write_text('#!/bin/sh\necho "$@" >> %s\n'
                    'case "$1" in show) printf "ActiveState=active\\nLoadState=loaded\\n";; esac\n' % calls)
    tool.chmod(0o755)
    monkeypatch.setenv('PATH', '%s:%s' % (tool.parent, os.environ['PATH']))
    return calls


def settings(tmp_path, cert, key):
    tls_dir = tmp_path / 'tls'
    tls_dir.mkdir(exist_ok=True)
    return tls_dir, {
        'coop_tls': 'files', 'coop_tls_cert_file': str(cert), 'coop_tls_key_file': str(key),
        'coop_tls_dir': str(tls_dir), 'coop_ui_url': 'https://%s' % HOST,
        'coop_database_password': 'tls-test-db-password-0123456789', 'coop_version': 'main',
        'coop_noreply_email': 'noreply@%s' % HOST, 'coop_support_email': 'support@%s' % HOST,
        'coop_team_email': 'team@%s' % HOST,
    }


def test_good_pair_installed_key_0600_rerun_unchanged(tmp_path, systemctl):
    cert, key = write_pair(tmp_path, 'good')
    tls_dir, variables = settings(tmp_path, cert, key)
    rc, out = run_play(tmp_path, PLAYBOOK, variables, '--diff')
    assert rc == 0, out[-3000:]
    assert (tls_dir / 'fullchain.pem').read_bytes() == cert.read_bytes()
    assert (tls_dir / 'privkey.pem').read_bytes() == key.read_bytes()
    assert oct(os.stat(str(tls_dir / 'privkey.pem')).st_mode & 0o777) == '0o600'
    assert 'PRIVATE KEY' not in out  # the key's content never shows, --diff included
    assert 'reload nginx' in systemctl.read_text()
    systemctl.unlink()
    rc, out = run_play(tmp_path, PLAYBOOK, variables)
    assert rc == 0 and play_recap(out)['changed'] == 0, out[-3000:]
    assert not systemctl.exists()


@pytest.mark.parametrize('case, fragment', [
    ('mismatched_key', 'is not the private key of the certificate in coop_tls_cert_file'),
    ('expired', 'has expired: renew it'),
    ('other_host', 'is not valid for %s, the host of coop_ui_url' % HOST),
    ('not_a_key', 'is not an unencrypted PEM private key'),
])
def test_bad_pair_refused_before_anything_changes(tmp_path, case, fragment):
    if case == 'mismatched_key':
        cert = write_pair(tmp_path, 'cert')[0]
        key = write_pair(tmp_path, 'other')[1]
    elif case == 'expired':
        cert, key = write_pair(tmp_path, 'old', days=(-90, -1))
    elif case == 'other_host':
        cert, key = write_pair(tmp_path, 'other', host='other.example.org')
    else:
        cert, key = write_pair(tmp_path, 'cert')
        key = cert
    tls_dir, variables = settings(tmp_path, cert, key)
    rc, out = run_play(tmp_path, PLAYBOOK, variables)
    assert rc != 0 and fragment in out, out[-3000:]
    assert out.count(' is not ') + out.count(' has expired') == 1, out[-3000:]  # only that problem
    assert 'Install the certificate' not in out and list(tls_dir.iterdir()) == []
