"""coop_sample_org with seed_orgs: false leaves the staging seed's orgs alone: nothing is
targeted without orgs, and with orgs only those named go (or get locked)."""

from tests.conftest import pg_dump
from tests.service import checklist_support as live
from tests.service.test_coop_sample_org import SEED_IDS, sample_org, seeded  # noqa: F401  (seeded: fixture)


def test_without_named_orgs_nothing_is_targeted(seeded):  # noqa: F811
    before = pg_dump(seeded)
    for state in ('absent', 'locked'):
        result = sample_org(seeded, state=state, seed_orgs=False)
        assert not result.get('failed'), result
        assert result['changed'] is False and result['orgs'] == [], result
    assert pg_dump(seeded) == before


def test_only_named_orgs_go(seeded):  # noqa: F811
    seed_before = live.org_rows(seeded, exclude_org_ids=['acme0000001'])
    assert live.count_org_rows(seeded, SEED_IDS) > 0
    result = sample_org(seeded, state='absent', seed_orgs=False, orgs=['Acme Trust & Safety'])
    assert result['changed'] is True, result
    assert [org['id'] for org in result['orgs']] == ['acme0000001']
    assert live.count_org_rows(seeded, ['acme0000001']) == 0
    assert live.org_rows(seeded, exclude_org_ids=['acme0000001']) == seed_before
