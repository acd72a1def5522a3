# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The upgrade gate in coop_migration_info's result, against the real PostgreSQL."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from tests.conftest import login_args, run_module
from tests.fixtures import coop_schema


def release(root, release_id, names):
    folder = root / release_id / 'db' / 'build' / 'scripts' / 'api-server-pg'
    folder.mkdir(parents=True)
    for name in names:
        (folder / name).write_text('-- test\n')
    return str(root / release_id / 'db' / 'build' / 'scripts')


def test_gate_verdicts(tmp_path, scratch_db):
    db = scratch_db()  # records MIGRATIONS_NEW
    releases = tmp_path / 'releases'
    old = release(releases, 'v1', coop_schema.MIGRATIONS_OLD)
    same = release(releases, 'v2', coop_schema.MIGRATIONS_NEW)
    newer = release(releases, 'v3', coop_schema.MIGRATIONS_NEW + ['2099.01.01T00.00.00.next.sql'])

    down = run_module('coop_migration_info', dict(login_args(db), scripts_dir=old, release='v1',
                                                  releases_dir=str(releases)))
    assert down['gate']['verdict'] == 'refuse' and down['pending'] == {'api-server-pg': []}
    assert down['gate']['belongs_to'] == {'api-server-pg': ['v2', 'v3']}
    assert 'api-server-pg: downgrade refused: the database belongs to release v2 or v3' in down['gate']['reasons'][0]
    assert 'v1 does not have' in down['gate']['reasons'][0]

    up = run_module('coop_migration_info', dict(login_args(db), scripts_dir=newer, release='v3',
                                                releases_dir=str(releases)))
    assert up['gate'] == {'verdict': 'ok', 'reasons': [], 'belongs_to': {'api-server-pg': []}}
    assert up['pending'] == {'api-server-pg': ['2099.01.01T00.00.00.next.sql']}
    assert run_module('coop_migration_info', dict(login_args(db), scripts_dir=same))['gate']['verdict'] == 'ok'
