# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pending-migration arithmetic (coop-facts 6): file names vs recorded names, with extensions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from hypothesis import given, strategies as st

from ansible_collections.roost.coop.plugins.module_utils import coop_migrations as cm

PG_FILES = [
    '2025.12.01T00.00.00.initial-schema.sql',
    '2025.12.01T00.00.01.initial-test-data.seed.staging.sql',
    '2026.05.20T03.54.03.add_roles_and_role_permissions_tables.sql',
    '2026.01.02T00.00.00.something.cjs',
    'README.md',
    '2026.01.03T00.00.00.future.seed.prod.sql',
]


def test_pg_scripts_sorted_and_seeds_filtered_for_prod():
    assert cm.scripts_for(PG_FILES, 'api-server-pg', 'prod') == [
        '2025.12.01T00.00.00.initial-schema.sql',
        '2026.01.02T00.00.00.something.cjs',
        '2026.01.03T00.00.00.future.seed.prod.sql',
        '2026.05.20T03.54.03.add_roles_and_role_permissions_tables.sql',
    ]


def test_staging_keeps_the_staging_seed_only():
    names = cm.scripts_for(PG_FILES, 'api-server-pg', 'staging')
    assert '2025.12.01T00.00.01.initial-test-data.seed.staging.sql' in names
    assert '2026.01.03T00.00.00.future.seed.prod.sql' not in names


@pytest.mark.parametrize('db, kept', [
    ('clickhouse', ['a.sql']),
    ('scylla', ['b.cjs']),
    ('api-server-pg', ['a.sql', 'b.cjs']),
])
def test_extensions_per_database(db, kept):
    assert cm.scripts_for(['a.sql', 'b.cjs', 'c.ts', 'd.sql.bak'], db, 'prod') == kept


def test_recorded_names_carry_the_extension():
    scripts = ['1.sql', '2.sql']
    # a name recorded without its extension does not count as applied
    assert cm.pending(scripts, ['1']) == ['1.sql', '2.sql']
    assert cm.pending(scripts, ['1.sql']) == ['2.sql']
    assert cm.pending(scripts, scripts) == []


def test_unknown_applied_ignores_seeds():
    assert cm.unknown_applied(['1.sql'], ['1.sql', '0.seed.staging.sql', '9.sql']) == ['9.sql']


def test_seed_env():
    assert cm.seed_env('x.seed.staging.sql') == 'staging'
    assert cm.seed_env('x.seed.prod.cjs') == 'prod'
    assert cm.seed_env('x.seedling.sql') is None


@pytest.mark.parametrize('db, env, word', [('mysql', 'prod', 'database'), ('scylla', 'dev', 'env')])
def test_bad_input_names_the_fix(db, env, word):
    with pytest.raises(ValueError, match=word):
        cm.scripts_for([], db, env)


def test_migrator_commands_create_then_update_per_db():
    assert cm.migrator_commands(['api-server-pg', 'scylla'], 'prod') == [
        ['build/index.js', 'create', '--db', 'api-server-pg', '--env', 'prod'],
        ['build/index.js', 'apply', '--db', 'api-server-pg', '--env', 'prod'],
        ['build/index.js', 'create', '--db', 'scylla', '--env', 'prod'],
        ['build/index.js', 'apply', '--db', 'scylla', '--env', 'prod'],
    ]


names = st.lists(st.from_regex(r'\A20[0-9]{2}\.[a-z]{1,6}\.(sql|cjs)\Z'), max_size=12)


@given(names, names)
def test_pending_partitions_the_scripts(files, applied):
    scripts = cm.scripts_for(files, 'api-server-pg', 'prod')
    todo = cm.pending(scripts, applied)
    assert todo == sorted(todo)
    assert set(todo) | (set(scripts) & set(applied)) == set(scripts)
    assert not set(todo) & set(applied)
