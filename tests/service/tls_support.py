"""Throwaway certificate authorities and server certificates for loopback TLS tests, made with
the openssl command line."""

import os
import subprocess


def _openssl(*args):
    subprocess.run(('openssl',) + args, check=True, capture_output=True)


def make_ca(folder, name):
    """A self-signed CA in folder: returns (cert path, key path)."""
    cert, key = os.path.join(folder, name + '.crt'), os.path.join(folder, name + '.key')
    _openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
             '-subj', '/CN=%s' % name, '-keyout', key, '-out', cert)
    return cert, key


def make_server_cert(folder, name, ca):
    """A server certificate for 127.0.0.1 and localhost signed by ca: returns (cert path, key path)."""
    cert, key, csr = (os.path.join(folder, name + ext) for ext in ('.crt', '.key', '.csr'))
    ext = os.path.join(folder, name + '.ext')
    with open(ext, 'w') as handle:
        handle.write('subjectAltName=IP:127.0.0.1,DNS:localhost\n')
    _openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost',
             '-keyout', key, '-out', csr)
    _openssl('x509', '-req', '-in', csr, '-CA', ca[0], '-CAkey', ca[1], '-CAcreateserial', '-days', '2',
             '-extfile', ext, '-out', cert)
    return cert, key


class Certs(object):
    """A CA with a loopback server certificate, and a second CA that signed nothing we serve."""

    def __init__(self, folder):
        self.ca, ca_key = make_ca(folder, 'test-ca')
        self.server_cert, self.server_key = make_server_cert(folder, 'server', (self.ca, ca_key))
        self.other_ca = make_ca(folder, 'other-ca')[0]
