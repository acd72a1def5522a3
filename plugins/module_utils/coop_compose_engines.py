# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which compose commands and container engines run Coop's compose runtime, as data, and the pure
verdict on what a host reports (its compose command's `version`, the docker CLI's
`docker version --format '{{json .}}'` and DOCKER_HOST)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

# status: tested (run end to end by the compose scenario), supported (expected to work, not run
# here), refused (known to break a deploy; the role stops with the reason and the fix).
ENGINES = (
    {'compose': 'podman-compose', 'engine': 'podman', 'status': 'tested',
     'versions': 'podman-compose 1.6 or newer with podman 4.3 or newer',
     'reason': 'run end to end in CI (molecule scenario compose)'},
    {'compose': 'docker compose', 'engine': 'docker', 'status': 'supported',
     'versions': 'Docker Compose v2 with a Docker Engine',
     'reason': 'expected to work; no Docker Engine runs in CI, so only the rendered project is validated'},
    {'compose': 'docker compose', 'engine': 'podman', 'status': 'refused',
     'versions': "Docker Compose v2 against podman's Docker API",
     'reason': "podman's Docker API stores the CMD health check split on spaces, so `up` waits for a "
               'healthy server forever; `run --rm` always exits 0, so a failed migration would pass; '
               'and every `up` recreates every container',
     'fix': 'use podman-compose with podman (coop_compose_engine: podman, coop_compose_command: '
            '[podman-compose], `pip install podman-compose>=1.6`), or point docker at a Docker Engine '
            '(unset DOCKER_HOST or the docker context that names the podman socket)'},
    {'compose': 'podman-compose', 'engine': 'podman', 'status': 'refused',
     'versions': "podman-compose 1.0.x (Debian 12's package)",
     'reason': "it ignores compose profiles and would run Coop's one-shot jobs and migrator as services",
     'fix': 'install a newer one (`pip install podman-compose>=1.6`) or use coop_compose_engine: docker'},
)


def _row(compose, engine, status):
    return [r for r in ENGINES if (r['compose'], r['engine'], r['status']) == (compose, engine, status)][0]


def docker_server(version_json):
    """(engine name, version) of the server in `docker version --format '{{json .}}'`, or None when
    the output names no server (the daemon did not answer). A podman service says 'Podman Engine'."""
    try:
        server = json.loads(version_json or '{}').get('Server') or {}
    except ValueError:
        return None
    names = [c.get('Name', '') for c in server.get('Components') or []]
    podman = [c for c in server.get('Components') or [] if c.get('Name', '').lower().startswith('podman')]
    if podman:
        return 'podman', podman[0].get('Version', '')
    if server.get('Version') or names:
        return 'docker', server.get('Version', '')
    return None


def podman_socket(docker_host):
    """Whether DOCKER_HOST names a podman socket (unix:///run/podman/podman.sock, a user's one)."""
    return bool(re.search(r'podman[^/]*\.sock', docker_host or ''))


def is_docker_compose(command):
    """Whether a coop_compose_command runs Docker Compose (docker compose, docker-compose)."""
    first = str((command or [''])[0]).rsplit('/', 1)[-1]
    return first == 'docker-compose' or (first == 'docker' and list(command[1:2]) == ['compose'])


def verdict(command, compose_version='', docker_version='', docker_host=''):
    """The ENGINES row that applies to a host, as a dict with 'problem': '' when it may run, else a
    message naming the pairing, the reason and the fix.
      command          coop_compose_command (a list)
      compose_version  output of `<command> version`
      docker_version   output of `docker version --format '{{json .}}'` (Docker Compose only)
      docker_host      DOCKER_HOST on the host ('' when unset)"""
    if is_docker_compose(command):
        server = docker_server(docker_version)
        if (server and server[0] == 'podman') or podman_socket(docker_host):
            row = _row('docker compose', 'podman', 'refused')
            seen = ('podman %s answers as the docker daemon' % server[1] if server and server[0] == 'podman'
                    else 'DOCKER_HOST=%s is a podman socket' % docker_host)
            return dict(row, problem='%s refused: %s; %s. Fix: %s.' % (row['versions'], seen, row['reason'], row['fix']))
        return dict(_row('docker compose', 'docker', 'supported'), problem='')
    if re.search(r'podman-compose[^ ]* version +1[.]0[.]', compose_version or ''):
        row = _row('podman-compose', 'podman', 'refused')
        return dict(row, problem='%s refused: %s. Fix: %s.' % (row['versions'], row['reason'], row['fix']))
    return dict(_row('podman-compose', 'podman', 'tested'), problem='')
