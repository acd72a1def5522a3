"""coop_sample_org and Coop's versioning triggers (issue 11, item 10): deleting a versioned row
writes a history row; check mode predicts those rows exactly as the real run reports them, the
history rows that carry the org's id are deleted too, those that do not are counted, and other
triggers are named."""

from tests.conftest import login_args, pg_connect, run_module
from tests.fixtures import coop_schema
from tests.service import checklist_support as live

SEED_IDS = [org[0] for org in coop_schema.SAMPLE_ORGS]


def history(dbname):
    with pg_connect(dbname) as conn:
        return (conn.execute('SELECT count(*) FROM public.rule_history WHERE org_id = ANY(%s)', (SEED_IDS,)).fetchone()[0],
                conn.execute('SELECT count(*) FROM public.rules_actions_history').fetchone()[0])


def test_check_mode_counts_the_history_rows_the_delete_writes(scratch_db):
    dbname = scratch_db(staging_seed=True)
    with pg_connect(dbname) as conn:
        coop_schema.add_staging_seed(conn, live.default_hash())
    live.add_real_orgs(dbname)
    with pg_connect(dbname) as conn:
        coop_schema.add_versioning(conn)
        # A history row from an earlier edit of a sample org's rule.
        conn.execute("INSERT INTO public.rule_history SELECT * FROM public.rules WHERE org_id = 'e7c89ce7729'")
    others = live.org_rows(dbname, exclude_org_ids=SEED_IDS)
    assert history(dbname) == (1, 0)

    checked = run_module('coop_sample_org', dict(login_args(dbname), state='absent'), check=True, diff=True)
    assert checked['changed'] and history(dbname) == (1, 0)
    # One rule per sample org: its delete copies it into rule_history (deleted too, after rules)
    # and its rule-action link into rules_actions_history (no org_id: those rows stay).
    assert checked['deleted_rows']['public.rule_history'] == 1 + 4
    assert checked['history_rows'] == {'public.rules_actions_history': 4}
    assert checked['diff']['after']['history_rows'] == {'public.rules_actions_history': 4}
    assert checked['uncounted_triggers'] == ['update_action_versions_view on public.actions']

    applied = run_module('coop_sample_org', dict(login_args(dbname), state='absent'))
    assert applied['changed'], applied
    assert applied['deleted_rows'] == checked['deleted_rows']
    assert applied['history_rows'] == checked['history_rows']
    assert applied['uncounted_triggers'] == checked['uncounted_triggers']
    # Nothing of the sample orgs is left, history included; other orgs are untouched.
    assert live.count_org_rows(dbname, SEED_IDS) == 0
    assert history(dbname) == (0, 4)
    assert live.org_rows(dbname, exclude_org_ids=SEED_IDS) == others
