"""The web tier's nginx config (roles/app/templates/nginx-coop.conf.j2) in a real nginx (Debian's
nginx-light, started on loopback for this test) in front of two API hosts: /api/v1/ready passes over
an API host that answers Unhealthy (Coop's ready check fails above 75 % CPU, e.g. while it restarts)
to the other one, other API paths do not retry, and the proxy headers reach the API."""

import http.server
import os
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import play_recap, run_play
from tests.service import checklist_support as live

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPLATE = os.path.join(ROOT, 'roles', 'app', 'templates', 'nginx-coop.conf.j2')
RENDER = """
- name: Render the web tier's nginx config
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Render it
      ansible.builtin.template:
        src: {template}
        dest: "{{{{ out }}}}"
        mode: "0644"
"""
# Two API hosts: this one (the upstream's 127.0.0.1) and api-b.
INVENTORY = """
coop_app:
  hosts:
    localhost:
      coop_api_port: {port_a}
    api-b:
      coop_api_address: 127.0.0.1
      coop_api_port: {port_b}
"""
NGINX = """daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log;
worker_processes 1;
events {{}}
http {{
    access_log off;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    include {d}/coop.conf;
}}
"""


def api_host(name, ready_status):
    """An API host on loopback: /api/v1/ready answers ready_status, /api/v1/fail 500 on 'a', every
    answer names the host; it records the headers of each request."""
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(dict(self.headers))
            if self.path == '/api/v1/ready':
                status, body = ready_status, 'Healthy' if ready_status == 200 else 'Unhealthy'
            elif self.path == '/api/v1/fail' and name == 'a':
                status, body = 500, 'error'
            else:
                status, body = 200, name
            self.send_response(status)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


@pytest.fixture
def web(tmp_path):
    binary = shutil.which('nginx') or '/usr/sbin/nginx'
    assert os.path.exists(binary), 'nginx is not installed: hack/setup.sh installs Debian\'s nginx-light'
    unhealthy, _seen_a = api_host('a', 500)
    healthy, seen_b = api_host('b', 200)
    port = live.free_port()
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(INVENTORY.format(port_a=unhealthy.server_address[1], port_b=healthy.server_address[1]))
    rc, out = run_play(tmp_path, RENDER.format(template=TEMPLATE), {
        'out': str(tmp_path / 'coop.conf'), 'coop_tls': 'off', 'coop_web_port': port,
        'coop_web_server_name': '_', 'coop_install_dir': str(tmp_path), 'coop_client_build_subdir': 'client',
        'coop_hsts_max_age': 0, '__coop_ui_origin': 'https://coop.example.org'}, '-i', str(inventory),
        '--limit', 'localhost')
    assert rc == 0 and play_recap(out)['failed'] == 0, out[-3000:]
    assert (tmp_path / 'coop.conf').read_text().count('    server 127.0.0.1:') == 4  # two upstreams
    (tmp_path / 'nginx.conf').write_text(NGINX.format(d=tmp_path))
    test = subprocess.run([binary, '-t', '-c', str(tmp_path / 'nginx.conf')], capture_output=True, text=True, check=False)
    assert test.returncode == 0, test.stderr
    proc = subprocess.Popen([binary, '-c', str(tmp_path / 'nginx.conf')], stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while get(port, '/api/v1/other')[0] != 200:
            assert proc.poll() is None and time.time() < deadline, (tmp_path / 'error.log').read_text()
            time.sleep(0.1)
        yield port, seen_b
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        unhealthy.shutdown()
        healthy.shutdown()


def get(port, path):
    try:
        with urllib.request.urlopen('http://127.0.0.1:%d%s' % (port, path), timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError as exc:
        return None, str(exc)


def test_ready_passes_over_an_unhealthy_api_host_other_paths_do_not_retry(web):
    port, seen_b = web
    assert [get(port, '/api/v1/ready') for _n in range(12)] == [(200, 'Healthy')] * 12
    others = [get(port, '/api/v1/other') for _n in range(12)]
    assert set(others) == {(200, 'a'), (200, 'b')}, others  # both API hosts serve
    fails = [get(port, '/api/v1/fail')[0] for _n in range(12)]
    assert 500 in fails and 200 in fails, fails  # a 500 elsewhere is the answer, not retried
    headers = seen_b[-1]
    assert headers['X-Forwarded-Proto'] == 'https' and headers['Host'] == '127.0.0.1'
    assert headers['X-Forwarded-For'] == '127.0.0.1' and 'Connection' not in headers  # keepalive upstream
