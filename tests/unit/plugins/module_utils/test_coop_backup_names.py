# -*- coding: utf-8 -*-
# Copyright: roost.coop contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from datetime import datetime

import pytest

from ansible_collections.roost.coop.plugins.module_utils import coop_backup as cb

WHEN = datetime(2026, 11, 29, 15, 1, 2, 345678)


def test_name_round_trips_and_is_file_safe():
    name = cb.dump_name('coop', WHEN, 'rel/../x y', '2026.07.13T21.56.32.a__b.sql')
    assert name == 'coop__20261129T150102.345Z__rel_.._x_y__2026.07.13T21.56.32.a_b.sql.dump'
    assert '/' not in name
    info = cb.parse_name(name)
    assert info == {'db': 'coop', 'time': datetime(2026, 11, 29, 15, 1, 2, 345000), 'release': 'rel_.._x_y',
                    'last_migration': '2026.07.13T21.56.32.a_b.sql'}
    assert cb.parse_name(cb.dump_name('coop', WHEN, '', None))['last_migration'] == 'none'
    assert cb.parse_name('notes.txt') is None and cb.parse_name('.%s.partial' % name) is None
    assert len(cb.dump_name('d' * 99, WHEN, 'r' * 300, 'm' * 300)) < 255


def test_retention_only_counts_this_databases_dumps():
    files = [cb.dump_name('coop', datetime(2026, 1, day), 'r', 'm') for day in (3, 1, 2, 5, 4)]
    files += [cb.dump_name('other', datetime(2020, 1, 1), 'r', 'm'), 'notes.txt']
    assert cb.to_remove(files, 'coop', 3) == [cb.dump_name('coop', datetime(2026, 1, day), 'r', 'm') for day in (2, 1)]
    assert cb.to_remove(files, 'coop', 9) == []
    with pytest.raises(ValueError, match='keep at least 1'):
        cb.to_remove(files, 'coop', 0)


def test_space_verdict_names_the_figures():
    fits, needed, msg = cb.space_verdict(1000, 0.5, 100, 600)
    assert fits and needed == 600
    fits, needed, msg = cb.space_verdict(2 * 1024 ** 3, 1.0, 100 * 1024 ** 2, 1024 ** 3)
    assert not fits and needed == 2 * 1024 ** 3 + 100 * 1024 ** 2
    assert '2.0 GiB' in msg and 'min_free_bytes 100.0 MiB' in msg and '1.0 GiB (1073741824 bytes) is free' in msg


def test_copy_counts_and_losses():
    lines = ['-- data', 'COPY public."SequelizeMeta" (name, "createdAt", "updatedAt") FROM stdin;',
             'a.sql\t2026\t2026', 'b.sql\t2026\t2026', '\\.', 'COPY public.orgs (id, name) FROM stdin;',
             'o1\tline with \\n escaped', '\\.', 'COPY public.empty (id) FROM stdin;', '\\.']
    counts, meta = cb.copy_counts(lines)
    assert counts == {'public."SequelizeMeta"': 2, 'public.orgs': 1, 'public.empty': 0} and meta == ['a.sql', 'b.sql']
    lost = cb.losses(counts, meta, {'public."SequelizeMeta"': 3, 'public.orgs': 1, 'public.new': 4},
                     ['a.sql', 'b.sql', 'c.sql'], {'public.orgs': 'later'})
    assert lost == {'migrations': ['c.sql'],
                    'tables': {'public."SequelizeMeta"': {'live': 3, 'dump': 2},
                               'public.new': {'live': 4, 'dump': 0}},
                    'written_after_dump': {'public.orgs': 'later'}}
