# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for roost.coop.coop_edge_probe: probes from the controller (see the module's documentation).
The verdicts are coop_checks' tls, hsts and internal_ports."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import socket
import ssl
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPException, HTTPResponse
from urllib.parse import urlsplit

from ansible.plugins.action import ActionBase

try:
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - ansible-core requires it
    HAS_CRYPTOGRAPHY = False

CHALLENGE = '/.well-known/acme-challenge/coop-checklist-probe'


def _error(exc):
    return getattr(exc, 'strerror', None) or str(exc) or type(exc).__name__


def cert_facts(der, now=None):
    """Names, expiry, issuer and self-signedness of a DER certificate."""
    cert = x509.load_der_x509_certificate(der)
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = names.get_values_for_type(x509.DNSName) + [str(a) for a in names.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        names = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    not_after = getattr(cert, 'not_valid_after_utc', None) or cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return {'names': names, 'not_after': not_after.strftime('%Y-%m-%d %H:%M UTC'),
            'days_left': round((not_after - now).total_seconds() / 86400, 2),
            'issuer': cert.issuer.rfc4514_string(), 'self_signed': cert.issuer == cert.subject}


def _tls_socket(address, port, host, context, timeout):
    sock = socket.create_connection((address, port), timeout=timeout)
    try:
        return context.wrap_socket(sock, server_hostname=host)
    except Exception:
        sock.close()
        raise


def _unverified():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def probe_tls(host, port, address=None, ca_bundle=None, timeout=3.0):
    """The certificate served at address:port for host (SNI), and whether its chain verifies against
    the system's CAs plus ca_bundle. Hostname and expiry are judged by coop_checks, not here."""
    fact = {'host': host, 'port': port, 'address': address or host, 'ca_bundle': ca_bundle or None}
    if not HAS_CRYPTOGRAPHY:
        fact['error'] = 'the cryptography Python library is missing on the controller'
        return fact
    try:
        with _tls_socket(fact['address'], port, host, _unverified(), timeout) as sock:
            fact.update(cert_facts(sock.getpeercert(binary_form=True)))
    except (OSError, ValueError) as exc:
        fact['error'] = _error(exc)
        return fact
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_flags &= ~getattr(ssl, 'VERIFY_X509_STRICT', 0)  # on by default from Python 3.13; browsers are laxer
    fact['verified'], fact['verify_code'], fact['verify_error'] = True, None, None
    try:
        if ca_bundle:
            context.load_verify_locations(cafile=ca_bundle)
        _tls_socket(fact['address'], port, host, context, timeout).close()
    except ssl.SSLCertVerificationError as exc:
        fact.update(verified=False, verify_code=exc.verify_code, verify_error=exc.verify_message)
    except (OSError, ValueError) as exc:
        fact.update(verified=False, verify_error=_error(exc))
    return fact


def http_get(address, port, host, path, context=None, timeout=3.0):
    """(status, headers) of GET path, over TLS with context; redirects are not followed."""
    sock = socket.create_connection((address, port), timeout=timeout)
    if context is not None:
        sock = context.wrap_socket(sock, server_hostname=host)
    with sock:
        sock.sendall(('GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: roost.coop-checklist\r\nConnection: close\r\n\r\n'
                      % (path, host)).encode('ascii'))
        response = HTTPResponse(sock)
        response.begin()
        return response.status, dict((k.lower(), v) for k, v in response.getheaders())


def probe_hsts(host, tls_port=443, http_port=80, address=None, timeout=3.0):
    """The Strict-Transport-Security header of the https answer, and where plain http sends / and
    the ACME challenge path."""
    address = address or host
    fact = {'host': host if tls_port == 443 else '%s:%s' % (host, tls_port)}
    try:
        _status, headers = http_get(address, tls_port, host, '/', _unverified(), timeout)
        fact['header'] = headers.get('strict-transport-security')
    except (OSError, ValueError, HTTPException) as exc:
        fact['error'] = _error(exc)
    plain = host if http_port == 80 else '%s:%s' % (host, http_port)
    for key, path in (('redirect', '/'), ('challenge', CHALLENGE)):
        try:
            status, headers = http_get(address, http_port, plain, path, timeout=timeout)
            fact[key] = {'status': status, 'location': headers.get('location')}
        except (OSError, ValueError, HTTPException) as exc:
            fact[key] = {'error': _error(exc)}
    return fact


def _resolve(address, port):
    try:
        return socket.getaddrinfo(address, port, 0, socket.SOCK_STREAM)[0][4][0]
    except (OSError, UnicodeError):
        return None


def is_local(ip):
    """Whether ip is an address of this machine (binding to it works)."""
    family = socket.AF_INET6 if ':' in ip else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.bind((ip, 0))
        return True
    except OSError:
        return False


def probe_port(target, timeout=2.0):
    """{host, address, port, what, open, error, local, controller_peer, unresolved} of one TCP connect."""
    fact = dict((k, target.get(k)) for k in ('host', 'address', 'port', 'what'))
    ip = _resolve(target['address'], target['port'])
    fact.update(open=False, unresolved=ip is None, local=False, controller_peer=False)
    if ip is None:
        return fact
    fact['local'] = is_local(ip)
    peers = [_resolve(peer, target['port']) for peer in target.get('peers') or []]
    fact['controller_peer'] = any(peer and is_local(peer) for peer in peers)
    try:
        socket.create_connection((ip, target['port']), timeout=timeout).close()
        fact['open'] = True
    except OSError as exc:
        fact['error'] = _error(exc)
    return fact


def probe_ports(targets, timeout=2.0):
    """All targets at once: the slowest (a dropped packet) bounds the time, about timeout."""
    if not targets:
        return []
    with ThreadPoolExecutor(max_workers=min(16, len(targets))) as pool:
        return list(pool.map(lambda target: probe_port(target, timeout), targets))


def probe(args):
    """The edge facts coop_checklist's edge option takes."""
    url = urlsplit(args['ui_url'])
    edge = {'ui_url': args['ui_url'], 'tls_mode': args['tls_mode'], 'hsts_min_age': args['hsts_min_age'],
            'tls': None, 'hsts': None}
    with ThreadPoolExecutor(max_workers=3) as pool:
        ports = pool.submit(probe_ports, args['ports'], args['timeout'])
        if url.scheme == 'https' and url.hostname:
            port = url.port or 443
            tls = pool.submit(probe_tls, url.hostname, port, args['address'], args['ca_bundle'], args['timeout'])
            hsts = pool.submit(probe_hsts, url.hostname, port, args['http_port'], args['address'], args['timeout'])
            edge['tls'], edge['hsts'] = tls.result(), hsts.result()
        edge['ports'] = ports.result()
    return edge


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(('ui_url', 'tls_mode', 'address', 'ca_bundle', 'http_port', 'hsts_min_age', 'ports',
                             'timeout'))

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(argument_spec=dict(
            ui_url=dict(type='str', required=True),
            tls_mode=dict(type='str', default='off', choices=['acme', 'files', 'self_signed', 'off']),
            address=dict(type='str'),
            ca_bundle=dict(type='path'),
            http_port=dict(type='int', default=80),
            hsts_min_age=dict(type='int', default=0),
            ports=dict(type='list', elements='dict', default=[], options=dict(
                host=dict(type='str', required=True),
                address=dict(type='str', required=True),
                port=dict(type='int', required=True),
                what=dict(type='str', required=True),
                peers=dict(type='list', elements='str', default=[]),
            )),
            timeout=dict(type='float', default=2.0),
        ))
        result.update(changed=False, edge=probe(args))
        return result
