"""The release role with the controller as build host (coop_build_host: localhost), on the fixture
release (tests/fixture-release, not Coop): the one build, the artifact and its marker, the install
into releases/<id>; the move of the single-directory layout older collection versions left; the
pruning of the controller's artifacts. Everything lives under one temporary directory; the target
host and the controller are both this machine, told apart by their Python interpreters, which log
the modules each one runs."""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile
import time
import uuid

import pytest

from tests.conftest import ansible_playbook, play_recap
from tests.service import fixture_release as fx

PLAYBOOK = """
- name: Release
  hosts: coop_app
  gather_facts: false
  roles:
    - roost.coop.release
"""
# The release role, then the app role's pruning as a deploy runs it after the switch.
PRUNE = PLAYBOOK + """  tasks:
    - name: Keep coop_releases_keep releases
      ansible.builtin.include_role:
        name: roost.coop.app
        tasks_from: prune.yml
"""
HOST = 'coop-app'


class Site:
    """One temporary controller + host: build user, Node, artifacts, sources, and a playbook runner."""

    def __init__(self):
        self.dir = fx.open_dir()
        self.build_user = 'cbuild%s' % uuid.uuid4().hex[:6]
        node = self.dir / 'node'
        (node / 'bin').mkdir(parents=True)
        (node / 'lib' / 'node_modules').mkdir(parents=True)
        (node / 'bin' / 'node').symlink_to(fx.NODE)
        (node / 'lib' / 'node_modules' / 'npm').symlink_to(pathlib.Path(fx.NPM_CLI).parents[1])
        self.logs = {}
        hosts = {}
        for name in ('localhost', HOST):
            log = self.dir / ('modules-%s.log' % name)
            wrapper = self.dir / ('python-%s' % name)
            wrapper.write_text('#!/bin/sh\nprintf "%%s\\n" "$1" >> %s\nexec %s "$@"\n' % (log, sys.executable))
            wrapper.chmod(0o755)
            self.logs[name] = log
            hosts[name] = {'ansible_connection': 'local', 'ansible_python_interpreter': str(wrapper)}
        groups = {'coop_app': {'hosts': {HOST: hosts[HOST]}}}
        self.inventory = self.dir / 'inventory.json'
        self.inventory.write_text(json.dumps({'all': {'hosts': {'localhost': hosts['localhost']}, 'children': groups}}))
        # A web host the play leaves out, as a deploy with --limit does: its releases are unknown.
        groups['coop_web'] = {'hosts': {'coop-web': hosts[HOST]}}
        self.limited = self.dir / 'inventory-limited.json'
        self.limited.write_text(json.dumps({'all': {'hosts': {'localhost': hosts['localhost']}, 'children': groups}}))
        self.base = {'coop_version': 'main', 'coop_build_host': 'localhost', 'coop_build_user': self.build_user,
                     'coop_build_home': str(self.dir / 'build-home'), 'coop_node_dir': str(node),
                     'coop_node_install': 'none', 'coop_node_cache_dir': str(self.dir / 'node-cache'),
                     'coop_node_controller_cache_dir': str(self.dir / 'controller-cache'),
                     'coop_config_dir': str(self.dir / 'etc'), 'coop_artifacts_dir': str(self.dir / 'artifacts')}
        self.runs = 0

    def source(self, name, note=None, version='main'):
        """An unbuilt fixture release on the controller; note makes its tree (and so its id) differ."""
        path = self.dir / ('src-' + name)
        subprocess.run([str(fx.FIXTURE / 'variant.sh'), version, str(path)], check=True)
        if note:
            (path / 'NOTE').write_text(note + '\n')
        return path

    def run(self, install_dir, src, *args, inventory=None, playbook=PLAYBOOK, **extra):
        variables = dict(self.base, coop_install_dir=str(install_dir), coop_release_src=str(src), **extra)
        self.runs += 1
        vars_file = self.dir / ('vars-%d.json' % self.runs)
        vars_file.write_text(json.dumps(variables))
        path = self.dir / 'play.yml'
        path.write_text(playbook)
        proc = ansible_playbook(path, '-e', '@%s' % vars_file, *args, inventory=inventory or self.inventory)
        return proc.returncode, proc.stdout + proc.stderr

    def artifacts(self, where=None):
        return sorted(p.name for p in pathlib.Path(where or self.base['coop_artifacts_dir']).glob('coop-*.tar.gz'))

    def builds(self):
        log = pathlib.Path(self.base['coop_build_home']) / 'builds.log'
        return log.read_text().splitlines() if log.exists() else []

    def modules(self, host):
        log = self.logs[host]
        return [pathlib.Path(line).name for line in log.read_text().splitlines()] if log.exists() else []


def artifact_id(name):
    return name[len('coop-'):-len('.tar.gz')]


def marker_of(artifact):
    with tarfile.open(str(artifact)) as tar:
        member = next(m for m in tar.getmembers() if m.name.count('/') == 1 and m.name.endswith('/.coop-artifact'))
        return dict(line.split('=', 1) for line in tar.extractfile(member).read().decode().splitlines())


def link_release(install_dir, name, release_id, relative=False):
    """Point current/previous at a release as the app role's switch does (absolute target), or as
    an operator's relative link."""
    link = pathlib.Path(install_dir) / name
    if link.is_symlink():
        link.unlink()
    if release_id:
        link.symlink_to(pathlib.Path('releases' if relative else pathlib.Path(install_dir) / 'releases') / release_id)


@pytest.fixture(scope='module')
def site():
    made = Site()
    try:
        src = made.source('1')
        start = time.monotonic()
        rc, out = made.run(made.dir / 'opt-a', src)
        made.first = {'src': src, 'rc': rc, 'out': out, 'seconds': time.monotonic() - start}
        assert rc == 0, out[-4000:]
        yield made
    finally:
        fx.drop_user(made.build_user)
        shutil.rmtree(str(made.dir))


def test_the_controller_builds_once_and_the_host_installs_the_artifact(site):
    first = site.first
    assert first['rc'] == 0, first['out'][-4000:]
    [artifact] = site.artifacts()
    release_id = artifact_id(artifact)
    assert release_id.endswith('-noclient')
    marker = marker_of(pathlib.Path(site.base['coop_artifacts_dir']) / artifact)
    assert marker['id'] == release_id and marker['built_on'] == 'localhost', marker
    # The build (its user, its npm runs) went through the controller's connection, not the host's.
    assert 'AnsiballZ_user.py' in site.modules('localhost')
    assert 'AnsiballZ_user.py' not in site.modules(HOST)
    assert [line.split()[1] for line in site.builds()] == [release_id]

    release = site.dir / 'opt-a' / 'releases' / release_id
    for path in ('.coop-artifact', 'server/transpiled/bin/www.js', 'client/build/index.html', 'db/build/index.js'):
        assert (release / path).is_file(), path
    assert not (release / 'client' / 'node_modules').exists()
    assert os.stat(str(release / 'server' / 'transpiled')).st_uid == 0
    assert not list((site.dir / 'opt-a' / 'releases').glob('.*'))  # no leftovers of the unpacking

    # The app role switches current; the same deploy again builds and changes nothing.
    link_release(site.dir / 'opt-a', 'current', release_id)
    mtime = (pathlib.Path(site.base['coop_artifacts_dir']) / artifact).stat().st_mtime_ns
    rc, out = site.run(site.dir / 'opt-a', first['src'])
    assert rc == 0 and play_recap(out, HOST)['changed'] == 0, out[-4000:]
    assert len(site.builds()) == 1
    assert (pathlib.Path(site.base['coop_artifacts_dir']) / artifact).stat().st_mtime_ns == mtime
    print('first deploy with its build: %.1f s' % first['seconds'])


def test_the_single_directory_layout_moves_to_releases_legacy(site):
    """The layout the collection left before releases/: one release tree at coop_release_dir with
    its .coop-release id, server and client built in place by the build user, and the .src archive."""
    install = site.dir / 'opt-b'
    install.mkdir()
    old = install / 'release'
    subprocess.run([str(fx.FIXTURE / 'variant.sh'), 'main', str(old)], check=True)
    subprocess.run(['chown', '-R', 'root:root', str(old)], check=True)
    fx.build(old, site.build_user, projects=('server', 'client'))
    old_id = uuid.uuid4().hex + uuid.uuid4().hex[:8]
    (old / '.coop-release').write_text(old_id + '\n')
    (old / '.coop-server-build').write_text(old_id + '\n')
    (old / '.coop-client-build').write_text(old_id + ' -\n')
    (install / 'release.src').write_bytes(b'the source archive the old role copied\n')
    before = fx.tree_state(old)
    builds = len(site.builds())

    rc, out = site.run(install, site.first['src'])
    assert rc == 0, out[-4000:]
    legacy = install / 'releases' / ('legacy-' + old_id[:12])
    assert os.readlink(str(install / 'current')) == str(legacy)
    assert os.readlink(str(old)) == str(install / 'current')  # the old units' paths still resolve
    assert (old / 'server' / 'transpiled' / 'bin' / 'www.js').is_file()
    assert (legacy / '.coop-artifact').is_file()  # a complete release for the app role and rollback
    assert [entry for entry in fx.tree_state(legacy) if entry[0] != '.coop-artifact'] == before
    assert not (install / 'release.src').exists()
    # The deployed release went in beside it from the controller's artifact, without a build.
    [artifact] = site.artifacts()
    assert (install / 'releases' / artifact_id(artifact) / '.coop-artifact').is_file()
    assert len(site.builds()) == builds

    rc, out = site.run(install, site.first['src'])
    assert rc == 0 and 'Move the old release directory' not in out, out[-4000:]
    assert os.readlink(str(install / 'current')) == str(legacy)
    assert [entry for entry in fx.tree_state(legacy) if entry[0] != '.coop-artifact'] == before


def test_a_deploy_that_changes_nothing_prunes_only_what_the_probe_says_is_there(site):
    install = site.dir / 'opt-p'
    releases = install / 'releases'
    rc, out = site.run(install, site.first['src'], playbook=PRUNE)
    assert rc == 0, out[-4000:]
    [release_id] = os.listdir(str(releases))
    link_release(install, 'current', release_id)

    # Converged: the probe saw no more release directories than are kept, so the pruning reads nothing.
    seen = len(site.modules(HOST))
    rc, out = site.run(install, site.first['src'], playbook=PRUNE)
    assert rc == 0 and play_recap(out, HOST)['changed'] == 0, out[-4000:]
    assert 'AnsiballZ_find.py' not in site.modules(HOST)[seen:]

    # coop_releases_keep lowered, nothing else changed: the oldest directory beyond it goes.
    for age, name in enumerate(['old-1', 'old-2']):
        (releases / name).mkdir()
        os.utime(str(releases / name), (1000 + age, 1000 + age))
    rc, out = site.run(install, site.first['src'], playbook=PRUNE, coop_releases_keep=2)
    assert rc == 0, out[-4000:]
    assert sorted(os.listdir(str(releases))) == sorted([release_id, 'old-2'])

    # The link the single-directory layout left for the old units, still there: removed.
    (install / 'release').symlink_to(install / 'current')
    rc, out = site.run(install, site.first['src'], playbook=PRUNE)
    assert rc == 0, out[-4000:]
    assert not os.path.lexists(str(install / 'release'))
    assert sorted(os.listdir(str(releases))) == sorted([release_id, 'old-2'])


def test_artifacts_beyond_the_keep_count_are_pruned_but_never_those_in_use(site):
    install = site.dir / 'opt-c'
    store = site.dir / 'artifacts-c'
    store.mkdir()
    [first] = site.artifacts()
    shutil.copy2(str(pathlib.Path(site.base['coop_artifacts_dir']) / first), str(store / first))
    sources = [site.first['src'], site.source('2', note='second'), site.source('3', note='third')]
    keep2 = {'coop_artifacts_dir': str(store), 'coop_artifacts_keep': 2}
    ids = []
    for number, src in enumerate(sources):
        rc, out = site.run(install, src, **keep2)
        assert rc == 0, out[-4000:]
        [made] = sorted(set(site.artifacts(store)) - set(ids)) if number else [first]
        ids.append(made)
        os.utime(str(store / ids[-1]), (1000 + number, 1000 + number))  # oldest first, whatever the clock
        # The app role switches: the one before becomes previous.
        link_release(install, 'previous', artifact_id(ids[-2]) if number else None, relative=True)
        link_release(install, 'current', artifact_id(ids[-1]))
    assert len(set(ids)) == 3 and ids[0] == first
    # The third deploy kept all three: the first is the previous release of the host.
    assert site.artifacts(store) == sorted(ids)

    link_release(install, 'previous', None)  # nothing uses the first one any more
    rc, out = site.run(install, sources[2], inventory=site.limited, **keep2)
    assert rc == 0, out[-4000:]
    assert site.artifacts(store) == sorted(ids)  # a host it did not see may still use any of them
    rc, out = site.run(install, sources[2], '--check', '--diff', **keep2)
    assert rc == 0, out[-4000:]
    removal = out.split('Remove the oldest artifacts')[-1]  # what check mode and diff say would go
    assert ids[0] in removal and 'absent' in removal and ids[1] not in removal and ids[2] not in removal, out[-4000:]
    assert site.artifacts(store) == sorted(ids)  # check mode removes nothing

    rc, out = site.run(install, sources[2], **keep2)
    assert rc == 0, out[-4000:]
    assert site.artifacts(store) == sorted(ids[1:])
    rc, out = site.run(install, sources[2], **keep2)
    assert rc == 0 and play_recap(out, HOST)['changed'] == 0, out[-4000:]

    # Deploying the older one again (a rollback by deploy) with keep 1 keeps it and the live one.
    rc, out = site.run(install, sources[1], coop_artifacts_dir=str(store), coop_artifacts_keep=1)
    assert rc == 0, out[-4000:]
    assert site.artifacts(store) == sorted(ids[1:])


def test_a_bad_keep_count_names_the_key_and_the_fix(site):
    rc, out = site.run(site.dir / 'opt-d', site.first['src'], coop_artifacts_keep=0)
    assert rc != 0 and 'coop_artifacts_keep is 0; keep at least 1' in out, out[-4000:]
    assert not (site.dir / 'opt-d').exists()
