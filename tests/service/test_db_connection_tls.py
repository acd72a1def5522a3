"""The modules' explicit ssl_mode and ca_cert options against a PostgreSQL 15 that accepts only
TLS: a second server of our own (initdb into a temporary directory, another loopback port,
ssl=on with a throwaway CA), stopped after the tests."""

import os
import pwd
import shutil
import subprocess
import tempfile

import psycopg
import pytest

from tests.conftest import run_module
from tests.fixtures import coop_schema
from tests.service import checklist_support as live
from tests.service.tls_support import Certs

PG_BIN = '/usr/lib/postgresql/15/bin'
USER, PASSWORD, DB = 'coop_tls', 'coop-tls-pw', 'coop_tls'


def as_postgres(args):
    """Run a PostgreSQL program as the postgres user when we are root (the server refuses root)."""
    if os.geteuid() == 0:
        args = ['runuser', '-u', 'postgres', '--'] + args
    return subprocess.run(args, capture_output=True, text=True, check=False)


class TlsServer(object):
    def __init__(self, folder, certs):
        self.folder, self.port, self.certs = folder, live.free_port(), certs
        self.data = os.path.join(folder, 'data')
        os.chmod(certs.server_key, 0o600)
        with open(os.path.join(folder, 'pw'), 'w') as handle:
            handle.write(PASSWORD + '\n')
        if os.geteuid() == 0:
            owner = pwd.getpwnam('postgres')
            os.chmod(folder, 0o755)
            for name in os.listdir(folder):
                os.chown(os.path.join(folder, name), owner.pw_uid, owner.pw_gid)
            os.chown(folder, owner.pw_uid, owner.pw_gid)

    def start(self):
        init = as_postgres([os.path.join(PG_BIN, 'initdb'), '-D', self.data, '-U', USER, '--pwfile',
                            os.path.join(self.folder, 'pw'), '--auth', 'scram-sha-256', '--no-sync'])
        assert init.returncode == 0, init.stderr
        with open(os.path.join(self.data, 'pg_hba.conf'), 'w') as handle:
            handle.write('hostssl all all 127.0.0.1/32 scram-sha-256\n')  # TLS only: plain connections are refused
        with open(os.path.join(self.data, 'postgresql.conf'), 'a') as handle:
            handle.write("port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n"
                         "ssl = on\nssl_cert_file = '%s'\nssl_key_file = '%s'\nfsync = off\n"
                         % (self.port, self.folder, self.certs.server_cert, self.certs.server_key))
        started = as_postgres([os.path.join(PG_BIN, 'pg_ctl'), '-D', self.data, '-l',
                               os.path.join(self.folder, 'log'), '-w', '-t', '60', 'start'])
        assert started.returncode == 0, started.stdout + started.stderr + self.log()

    def stop(self):
        as_postgres([os.path.join(PG_BIN, 'pg_ctl'), '-D', self.data, '-m', 'immediate', '-w', 'stop'])

    def log(self):
        path = os.path.join(self.folder, 'log')
        return open(path).read() if os.path.exists(path) else ''

    def connect(self, dbname='postgres', autocommit=False):
        return psycopg.connect(host='127.0.0.1', port=self.port, user=USER, password=PASSWORD, dbname=dbname,
                               sslmode='verify-full', sslrootcert=self.certs.ca, autocommit=autocommit)


@pytest.fixture(scope='module')
def tls_pg():
    folder = tempfile.mkdtemp(prefix='coop-pg-tls-')
    certs = Certs(folder)
    server = TlsServer(folder, certs)
    try:
        server.start()
        with server.connect(autocommit=True) as admin:
            admin.execute('CREATE DATABASE %s' % DB)
        with server.connect(DB) as conn:
            coop_schema.create(conn)
            coop_schema.add_org(conn, 'acme0000001', 'Acme Trust & Safety')
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def org_setting(server, **connection):
    args = dict(login_host='127.0.0.1', login_port=server.port, login_user=USER, login_password=PASSWORD,
                login_db=DB, org='acme0000001', settings={'moderator_safety_blur_level': 4}, connect_timeout=5)
    args.update(connection)
    return run_module('coop_org_setting', args)


@pytest.mark.parametrize('host', ['127.0.0.1', 'localhost'])
def test_verify_full_with_ca_cert_connects(tls_pg, host):
    result = org_setting(tls_pg, login_host=host, ssl_mode='verify-full', ca_cert=tls_pg.certs.ca)
    assert not result.get('failed'), result
    with tls_pg.connect(DB) as conn:
        assert conn.execute('SELECT moderator_safety_blur_level FROM '
                            'user_management_service.org_default_user_interface_settings').fetchone()[0] == 4
        # The module's own session was encrypted: the server refuses any other (pg_hba is hostssl only).
        assert conn.execute('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()').fetchone()[0] is True


def test_wrong_ca_fails_clearly(tls_pg):
    result = org_setting(tls_pg, ssl_mode='verify-full', ca_cert=tls_pg.certs.other_ca)
    assert result.get('failed') is True, result
    assert result['msg'].startswith('cannot connect to PostgreSQL (database %s on 127.0.0.1:%d' % (DB, tls_pg.port))
    assert 'certificate verify failed' in result['msg'] and 'ssl_mode and ca_cert' in result['msg'], result['msg']
    assert PASSWORD not in repr(result)


def test_ssl_mode_is_honoured(tls_pg):
    """ssl_mode=disable really connects without TLS (and so is refused here)."""
    result = org_setting(tls_pg, ssl_mode='disable')
    assert result.get('failed') is True and 'no encryption' in result['msg'], result
