"""coop_sample_org on the real PostgreSQL: the staging seed's orgs go with all their rows (and
nothing of any other org), default-password users get locked, check mode and failures change
nothing, and the checklist's sample-org checks pass afterwards."""

import os

import bcrypt
import pytest
from psycopg import sql
from psycopg.types.json import Jsonb

from tests.conftest import login_args, pg_connect, pg_dump, run_module
from tests.fixtures import coop_schema
from tests.service import checklist_support as live

SEED_IDS = [org[0] for org in coop_schema.SAMPLE_ORGS]
SEED_USERS = ['test2@example.com', 'test4@example.com', 'test@example.com']


SESSIONS = {'sid-seed-1': '7c89ce77297', 'sid-seed-2': '7c89ce77297', 'sid-seed-4': 'cd8223106e0',
            'sid-acme': 'acmeadmin01', 'sid-anonymous': None}


@pytest.fixture
def seeded(scratch_db):
    """A database with the staging seed's orgs, two real orgs, and sessions of both (as Coop's
    session store writes them: the user id at sess -> 'passport' ->> 'user')."""
    dbname = scratch_db(staging_seed=True)
    with pg_connect(dbname) as conn:
        coop_schema.add_staging_seed(conn, live.default_hash())
    live.add_real_orgs(dbname)
    with pg_connect(dbname) as conn:
        for sid, user in SESSIONS.items():
            sess = {'cookie': {'httpOnly': True}, 'passport': {'user': user}} if user else {'cookie': {}}
            conn.execute("INSERT INTO public.session (sid, sess, expire) VALUES (%s, %s, now() + interval '30 days')",
                         (sid, Jsonb(sess)))
    return dbname


def sessions(dbname):
    with pg_connect(dbname) as conn:
        return sorted(row[0] for row in conn.execute('SELECT sid FROM public.session'))


def sample_org(dbname, check=False, diff=False, **args):
    return run_module('coop_sample_org', dict(login_args(dbname), **args), check=check, diff=diff)


def password_of(dbname, email):
    with pg_connect(dbname) as conn:
        return conn.execute('SELECT password FROM public.users WHERE email = %s', (email,)).fetchone()[0]


def checklist(dbname, tmp_path):
    with live.redis_server(*live.PERSISTENT) as port:
        result = live_checklist(dbname, tmp_path, port)
    return dict((c['id'], c['status']) for c in result['checks'])


def live_checklist(dbname, tmp_path, port):
    server = live.write_env(tmp_path / 'server.env', live.server_env(dbname, port))
    return run_module('coop_checklist', {'server_env': server, 'fail_on': 'never'})


def test_absent_deletes_sample_orgs_and_nothing_else(seeded, tmp_path):
    others_before = live.org_rows(seeded, exclude_org_ids=SEED_IDS)
    before = pg_dump(seeded)
    assert live.count_org_rows(seeded, SEED_IDS) > 0

    predicted = sample_org(seeded, state='absent', check=True, diff=True)
    assert predicted['changed'] and not predicted.get('failed'), predicted
    assert sorted(o['id'] for o in predicted['orgs']) == sorted(SEED_IDS)
    assert predicted['diff']['before']['default_password_users'] == SEED_USERS
    assert predicted['diff']['before']['rows']['public.users'] == 3
    assert predicted['diff']['after']['orgs'] == []
    assert predicted['ended_sessions'] == predicted['diff']['before']['sessions'] == 3
    assert pg_dump(seeded) == before

    done = sample_org(seeded, state='absent')
    assert done['changed'] and 'diff' not in done
    assert done['deleted_rows'] == predicted['deleted_rows']
    assert done['deleted_rows']['public.orgs'] == 4 and done['deleted_rows']['public.rules_actions'] == 4
    assert done['ended_sessions'] == 3 and sessions(seeded) == ['sid-acme', 'sid-anonymous']
    assert live.count_org_rows(seeded, SEED_IDS) == 0
    assert live.org_rows(seeded, exclude_org_ids=SEED_IDS) == others_before

    again = sample_org(seeded, state='absent')
    assert again['changed'] is False and again['orgs'] == []

    found = checklist(seeded, tmp_path)
    assert found['sample_orgs'] == found['default_passwords'] == found['staging_seed'] == 'pass'


def test_locked_makes_default_passwords_unusable(seeded, tmp_path):
    before = pg_dump(seeded)
    predicted = sample_org(seeded, state='locked', check=True, diff=True)
    assert predicted['changed'] and sorted(u['email'] for u in predicted['locked_users']) == SEED_USERS
    assert predicted['diff'] == {'before': {'default_password_users': SEED_USERS, 'sessions': 3},
                                 'after': {'default_password_users': [], 'sessions': 0}}
    assert pg_dump(seeded) == before

    others_before = live.org_rows(seeded, exclude_org_ids=SEED_IDS)
    done = sample_org(seeded, state='locked')
    assert done['changed']
    for email in SEED_USERS:
        hashed = password_of(seeded, email)
        assert hashed.startswith('$2') and not bcrypt.checkpw(b'testpassword123', hashed.encode())
    assert '$2' not in repr(done)
    assert done['ended_sessions'] == 3 and sessions(seeded) == ['sid-acme', 'sid-anonymous']
    assert live.org_rows(seeded, exclude_org_ids=SEED_IDS) == others_before
    assert sample_org(seeded, state='locked')['changed'] is False

    found = checklist(seeded, tmp_path)
    assert found['default_passwords'] == 'pass' and found['sample_orgs'] == 'fail'


def test_other_orgs_are_only_touched_when_named(scratch_db):
    dbname = scratch_db()
    live.add_real_orgs(dbname, acme_password='testpassword123')
    before = pg_dump(dbname)

    untouched = sample_org(dbname, state='locked')
    assert untouched['changed'] is False and untouched['orgs'] == []
    assert [u['email'] for u in untouched['other_default_password_users']] == ['admin@acme.org']
    assert 'admin@acme.org' in repr(untouched.get('warnings'))
    assert sample_org(dbname, state='absent')['changed'] is False
    assert pg_dump(dbname) == before

    named = sample_org(dbname, state='locked', orgs=['Acme Trust & Safety', 'No Such Org'])
    assert named['changed'] and [u['email'] for u in named['locked_users']] == ['admin@acme.org']
    assert named['not_found'] == ['No Such Org']
    assert not bcrypt.checkpw(b'testpassword123', password_of(dbname, 'admin@acme.org').encode())

    beta_before = live.org_rows(dbname, exclude_org_ids=['acme0000001'])
    gone = sample_org(dbname, state='absent', orgs=['acme0000001'])
    assert gone['changed'] and gone['deleted_rows']['public.orgs'] == 1
    assert live.count_org_rows(dbname, ['acme0000001']) == 0
    assert live.org_rows(dbname, exclude_org_ids=['acme0000001']) == beta_before


def test_foreign_key_from_another_org_rolls_everything_back(seeded):
    with pg_connect(seeded) as conn:
        conn.execute("INSERT INTO public.rules_actions (rule_id, action_id, org_id) "
                     "VALUES ('beta0000001-rule', 'e7c89ce7729-act', 'beta0000001')")
    before = pg_dump(seeded)
    result = sample_org(seeded, state='absent')
    assert result['failed'] and 'nothing was changed' in result['msg']
    assert 'a foreign key from another org' in result['msg']
    assert pg_dump(seeded) == before


@pytest.mark.parametrize('tables', [[], ['orgs']])
def test_a_database_without_coop_tables_says_so(scratch_db, tables):
    dbname = scratch_db(schema=False)
    with pg_connect(dbname) as conn:
        for table in tables:
            conn.execute(sql.SQL('CREATE TABLE public.{} (id varchar PRIMARY KEY, name varchar)').format(
                sql.Identifier(table)))
    result = sample_org(dbname, state='absent', check=True, diff=True)
    assert result['failed'] and 'lacks a table every migrated Coop database has' in result['msg'], result
    assert 'foreign key' not in result['msg']


def test_old_schema_shape_and_custom_passwords(scratch_db):
    dbname = scratch_db(shape=coop_schema.SHAPE_OLD, staging_seed=True)
    with pg_connect(dbname) as conn:
        coop_schema.add_staging_seed(conn, live.default_hash('another-default'))
    assert sample_org(dbname, state='locked', check=True)['changed'] is False
    result = sample_org(dbname, state='locked', default_passwords=['another-default'])
    assert result['changed'] and len(result['locked_users']) == 3
    assert 'another-default' not in repr(result)
    assert sample_org(dbname, state='absent')['deleted_rows']['public.orgs'] == 4


def test_ambiguous_name_is_refused(seeded):
    with pg_connect(seeded) as conn:
        coop_schema.add_org(conn, 'Beta Safety2', 'beta0000001x')
        conn.execute("UPDATE public.orgs SET name = 'acme0000001' WHERE id = 'Beta Safety2'")
    before = pg_dump(seeded)
    result = sample_org(seeded, state='absent', orgs=['acme0000001'])
    assert result['failed'] and 'by its id' in result['msg']
    assert pg_dump(seeded) == before


def test_a_table_the_user_cannot_read_fails_the_delete_instead_of_keeping_its_rows(seeded):
    # information_schema hides tables without privileges; their rows must not silently stay behind.
    role, password = 'coop_so_%s' % os.urandom(4).hex(), os.urandom(12).hex()
    with pg_connect(seeded, autocommit=True) as admin:
        admin.execute('CREATE TABLE public.org_private_notes (org_id varchar(255) NOT NULL, note text)')
        admin.execute("INSERT INTO public.org_private_notes VALUES ('e7c89ce7729', 'kept?')")
        admin.execute(sql.SQL('CREATE ROLE {} LOGIN PASSWORD {}').format(sql.Identifier(role), sql.Literal(password)))
        schemas = [row[0] for row in admin.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'")]
        for schema in schemas:
            admin.execute(sql.SQL('GRANT USAGE ON SCHEMA {0} TO {1}; GRANT SELECT, UPDATE, DELETE ON ALL TABLES IN '
                                  'SCHEMA {0} TO {1}').format(sql.Identifier(schema), sql.Identifier(role)))
        admin.execute(sql.SQL('REVOKE ALL ON public.org_private_notes FROM {}').format(sql.Identifier(role)))
    before = pg_dump(seeded)
    try:
        result = sample_org(seeded, state='absent', login_user=role, login_password=password)
        after = pg_dump(seeded)
    finally:
        with pg_connect(seeded, autocommit=True) as admin:
            admin.execute(sql.SQL('DROP OWNED BY {}').format(sql.Identifier(role)))
            admin.execute(sql.SQL('DROP ROLE {}').format(sql.Identifier(role)))
    assert result.get('failed') and 'nothing was changed' in result['msg'], result
    assert 'permission denied' in result['msg']
    assert after == before


def test_seed_orgs_off_without_named_orgs_targets_nothing(seeded):
    """seed_orgs: false leaves the staging seed's orgs alone."""
    before = pg_dump(seeded)
    for state in ('absent', 'locked'):
        result = sample_org(seeded, state=state, seed_orgs=False)
        assert not result.get('failed'), result
        assert result['changed'] is False and result['orgs'] == [], result
    assert pg_dump(seeded) == before


def test_seed_orgs_off_targets_only_the_named_orgs(seeded):
    seed_before = live.org_rows(seeded, exclude_org_ids=['acme0000001'])
    assert live.count_org_rows(seeded, SEED_IDS) > 0
    result = sample_org(seeded, state='absent', seed_orgs=False, orgs=['Acme Trust & Safety'])
    assert result['changed'] is True, result
    assert [org['id'] for org in result['orgs']] == ['acme0000001']
    assert live.count_org_rows(seeded, ['acme0000001']) == 0
    assert live.org_rows(seeded, exclude_org_ids=['acme0000001']) == seed_before
