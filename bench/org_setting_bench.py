"""Helpers for the coop_org_setting benchmarks: scratch databases with the fixture schema,
playbook timing, and a TCP proxy that counts SQL round trips on the wire."""

import os
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, '.collections'))

from tests.conftest import PG, ansible_playbook, login_args, pg_connect  # noqa: E402
from tests.fixtures import coop_schema  # noqa: E402
from tests.fixtures.org_settings import stored_settings  # noqa: E402
from ansible_collections.roost.coop.plugins.module_utils import coop_catalog as catalog  # noqa: E402

PYTHON = sys.executable


def create_db(orgs, shape=coop_schema.SHAPE_NEW):
    """Scratch database with orgs [(id, name, with_rows)]; returns its name."""
    name = 'coop_bench_%s' % uuid.uuid4().hex[:10]
    with pg_connect(autocommit=True) as admin:
        admin.execute('CREATE DATABASE "%s"' % name)
    with pg_connect(name) as conn:
        coop_schema.create(conn, shape=shape)
        for org_id, org_name, with_rows in orgs:
            coop_schema.add_org(conn, org_id, org_name, with_settings_rows=with_rows)
    return name


def drop_db(name):
    with pg_connect(autocommit=True) as admin:
        admin.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)


def reset_rows(dbname, orgs):
    """Put the orgs' settings rows back to Coop's defaults (missing rows stay missing)."""
    with pg_connect(dbname) as conn:
        for schema, table in catalog.TABLES:
            conn.execute('DELETE FROM %s.%s' % (schema, table))
            conn.cursor().executemany('INSERT INTO %s.%s (org_id) VALUES (%%s)' % (schema, table),
                                      [(org_id,) for org_id, _name, with_rows in orgs if with_rows])


def stored_values(dbname, org_id, keys):
    """{key: value} of the org's settings as stored, for checking that a benchmarked run did its work."""
    with pg_connect(dbname) as conn:
        return dict((key, value) for key, value in stored_settings(conn, org_id).items() if key in keys)


def connection_vars(dbname, port=None):
    login = login_args(dbname)
    if port is not None:
        login['login_port'] = port
    login['ssl_mode'] = 'disable'
    return login


def write_playbook(directory, name, tasks, module_defaults=None):
    import yaml
    play = {'name': name, 'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
            'vars': {'ansible_python_interpreter': PYTHON}, 'tasks': tasks}
    if module_defaults:
        play['module_defaults'] = module_defaults
    path = os.path.join(directory, name + '.yml')
    with open(path, 'w') as handle:
        yaml.safe_dump([play], handle, sort_keys=False)
    return path


def run_playbook(path):
    """Wall seconds of one ansible-playbook run (fails loudly if the play fails)."""
    start = time.perf_counter()
    proc = ansible_playbook(path)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit('playbook %s failed:\n%s%s' % (path, proc.stdout[-3000:], proc.stderr[-2000:]))
    return elapsed


def median(values):
    return statistics.median(values)


def tempdir():
    return tempfile.mkdtemp(prefix='coop-bench-')


class RoundTripProxy(object):
    """Forwards 127.0.0.1:<port> to PostgreSQL and counts frontend messages.

    A round trip is a simple Query ('Q') or an extended-protocol Sync ('S'): after each the client
    waits for ReadyForQuery. Needs ssl_mode=disable so the stream stays readable."""

    SPECIAL_REQUESTS = (80877103, 80877104)  # SSLRequest, GSSENCRequest

    def __init__(self, host=PG['host'], port=PG['port']):
        self.upstream = (host, port)
        self.counts = Counter()
        self._lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self):
        with self._lock:
            self.counts.clear()

    @property
    def round_trips(self):
        return self.counts['Q'] + self.counts['S']

    def _accept(self):
        while True:
            client, _addr = self.listener.accept()
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        server = socket.create_connection(self.upstream)
        threading.Thread(target=self._pipe, args=(server, client), daemon=True).start()
        try:
            self._frontend(client, server)
        finally:
            for sock in (client, server):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    @staticmethod
    def _pipe(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass

    @staticmethod
    def _read(sock, size):
        data = b''
        while len(data) < size:
            chunk = sock.recv(size - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def _frontend(self, client, server):
        while True:  # untyped start-up packets
            head = self._read(client, 4)
            if head is None:
                return
            body = self._read(client, int.from_bytes(head, 'big') - 4)
            server.sendall(head + body)
            if int.from_bytes(body[:4], 'big') not in self.SPECIAL_REQUESTS:
                with self._lock:
                    self.counts['connections'] += 1
                break
        while True:
            kind = self._read(client, 1)
            head = kind and self._read(client, 4)
            if not head:
                return
            body = self._read(client, int.from_bytes(head, 'big') - 4)
            server.sendall(kind + head + body)
            with self._lock:
                self.counts[kind.decode('latin-1')] += 1
