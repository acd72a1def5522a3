# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.roost.coop.plugins.module_utils import coop_upgrade as cu

V1 = ['2025.01.01T00.00.00.a.sql', '2025.02.01T00.00.00.b.sql']
V2 = V1 + ['2025.03.01T00.00.00.c.sql']
V3 = V2 + ['2025.04.01T00.00.00.d.sql', '2025.05.01T00.00.00.e.sql']
TABLE = ({'needs': '2025.03.01T00.00.00.c.sql', 'pending': '2025.05.01T00.00.00.e.sql', 'release': '2.0.0',
          'why': 'e rewrites the rows c converts'},)


def test_upgrade_with_pending_scripts_passes():
    result = cu.gate(V2, V1, 'v2')
    assert result == {'verdict': 'ok', 'reasons': [], 'pending': ['2025.03.01T00.00.00.c.sql'], 'unknown': [],
                      'belongs_to': []}
    assert cu.gate(V2, V2, 'v2')['verdict'] == 'ok'


def test_downgrade_is_refused_naming_the_release_of_the_database():
    result = cu.gate(V1, V2 + ['2025.01.01T00.00.01.x.seed.staging.sql'], 'v1', releases={'v1': V1, 'v2': V2, 'v3': V3})
    assert result['verdict'] == 'refuse' and result['unknown'] == ['2025.03.01T00.00.00.c.sql']
    assert result['belongs_to'] == ['v2', 'v3']
    assert 'belongs to release v2 or v3' in result['reasons'][0] and 'v1 does not have' in result['reasons'][0]
    unknown_owner = cu.gate(V1, V2, 'v1', releases={'v1': V1})
    assert 'a newer release than any kept here' in unknown_owner['reasons'][0]


def test_jump_over_an_intermediate_release_is_refused():
    refused = cu.gate(V3, V1, 'v3', table=TABLE)
    assert refused['verdict'] == 'refuse'
    assert 'deploy coop_version 2.0.0 first, then v3' in refused['reasons'][0]
    assert cu.gate(V3, V2, 'v3', table=TABLE)['verdict'] == 'ok'  # c recorded: the step was taken
    assert cu.gate(V2, V1, 'v2', table=TABLE)['verdict'] == 'ok'  # e not in the target: no jump
    assert cu.gate(V3, V1, 'v3')['verdict'] == 'ok'  # the shipped table is empty


def test_shipped_table_rows_are_well_formed():
    for row in cu.INTERMEDIATE:
        assert set(row) == {'needs', 'pending', 'release', 'why'}
