"""roost.coop.coop_org against scratch databases with the fixture schema, and the fixture API's login."""

import hashlib
import json

import bcrypt
import pytest

from tests.conftest import ansible_playbook, login_args, pg_connect, pg_dump, play_recap, run_module
from tests.service import fixture_release as fx

PASSWORD = 'first-Pass-4d1f'
NEW_PASSWORD = 'second-Pass-77c2'


def org_args(db, **extra):
    args = dict(login_args(db), name='Acme T&S', email='trust@acme.example', website='acme.example',
                admin=dict(email='lead@acme.example', password=PASSWORD, first_name='Ada', last_name='Lead'))
    args.update(extra)
    return args


def stored_hash(db, email='lead@acme.example'):
    with pg_connect(db) as conn:
        return conn.execute('SELECT password FROM public.users WHERE email = %s', (email,)).fetchone()[0]


def test_create_check_mode_then_create_then_rerun_unchanged(scratch_db):
    db = scratch_db()
    before = pg_dump(db)
    checked = run_module('coop_org', org_args(db), check=True, diff=True)
    assert checked['changed'] and checked['org']['created'] and 'api_key' not in checked, checked
    assert pg_dump(db) == before

    made = run_module('coop_org', org_args(db), diff=True)
    assert made['changed'] and made['org']['created'] and made['admin']['created'], made
    key = made['api_key']
    assert len(key) == 64 and PASSWORD not in json.dumps(made)
    with pg_connect(db) as conn:
        org = conn.execute('SELECT id, email, website_url FROM public.orgs WHERE name = %s', ('Acme T&S',)).fetchone()
        user = conn.execute('SELECT org_id, password, role, approved_by_admin, login_methods::text, first_name '
                            'FROM public.users WHERE email = %s', ('lead@acme.example',)).fetchone()
        keys = conn.execute('SELECT key_hash, name, is_active FROM public.api_keys WHERE org_id = %s',
                            (org[0],)).fetchall()
        defaults = [conn.execute('SELECT count(*) FROM %s WHERE org_id = %%s' % table, (org[0],)).fetchone()[0]
                    for table in ('public.org_settings', 'manual_review_tool.manual_review_tool_settings',
                                  'user_management_service.org_default_user_interface_settings')]
    assert org[1:] == ('trust@acme.example', 'https://acme.example') and len(org[0]) == 11
    assert user[0] == org[0] and user[2:] == ('ADMIN', True, '{password}', 'Ada')
    assert user[1].startswith('$2a$05$') and bcrypt.checkpw(PASSWORD.encode(), user[1].encode())
    assert keys == [(hashlib.sha256(key.encode()).hexdigest(), 'Main API Key', True)]
    assert defaults == [1, 1, 1]
    assert org_defaults(db, org[0]) == DEFAULTS

    after = pg_dump(db)
    again = run_module('coop_org', org_args(db), diff=True)
    assert not again['changed'] and 'api_key' not in again and not again.get('warnings'), again
    assert pg_dump(db) == after


USER_TYPE = ('User', 'USER', True, [{'name': 'name', 'type': 'STRING', 'required': False, 'container': None}])
ACTIONS = [('ENQUEUE_AUTHOR_TO_MRT', 'Enqueue Author for Manual Review', '{CONTENT}', 'NONE', False, None),
           ('ENQUEUE_TO_MRT', 'Enqueue Item to Manual Review', '{CONTENT,USER,THREAD}', 'NONE', False, None),
           ('ENQUEUE_TO_NCMEC', 'Enqueue for NCMEC Review', '{CONTENT,USER}', 'NONE', False, None)]
DEFAULTS = ([USER_TYPE], ACTIONS)


def org_defaults(db, org_id):
    """The org's item types and non-custom actions, as compared with DEFAULTS."""
    with pg_connect(db) as conn:
        types = conn.execute('SELECT name, kind::text, is_default_user, fields FROM public.item_types '
                             'WHERE org_id = %s ORDER BY name', (org_id,)).fetchall()
        actions = conn.execute("SELECT action_type::text, name, applies_to_all_items_of_kind::text, penalty::text, "
                               "apply_user_strikes, callback_url FROM public.actions WHERE org_id = %s "
                               "AND action_type <> 'CUSTOM_ACTION' ORDER BY action_type", (org_id,)).fetchall()
    return types, actions


def org_then(db, *statements):
    """An org made by coop_org, then statements run on it (%s is its id); its id."""
    org_id = run_module('coop_org', org_args(db))['org']['id']
    with pg_connect(db) as conn:
        for statement in statements:
            conn.execute(statement, (org_id,) if '%s' in statement else None)
    return org_id


def test_existing_org_gets_missing_defaults_once(scratch_db):
    db = scratch_db()
    org_id = org_then(db, "DELETE FROM public.actions WHERE action_type = 'ENQUEUE_TO_NCMEC'",
                      'DELETE FROM public.item_types')
    dump = pg_dump(db)
    checked = run_module('coop_org', org_args(db), check=True, diff=True)
    assert checked['changed'] and checked['org']['defaults_added'] == ['User', 'Enqueue for NCMEC Review'], checked
    assert checked['diff']['after']['defaults_added'] == ['User', 'Enqueue for NCMEC Review']
    assert pg_dump(db) == dump
    added = run_module('coop_org', org_args(db), diff=True)
    assert added['changed'] and not added['org']['created'] and 'api_key' not in added, added
    assert org_defaults(db, org_id) == DEFAULTS
    dump = pg_dump(db)
    rerun = run_module('coop_org', org_args(db))
    assert not rerun['changed'] and not rerun.get('warnings') and pg_dump(db) == dump, rerun


def test_default_names_held_by_other_rows_are_left_out_with_a_warning(scratch_db):
    db = scratch_db()
    org_then(db, "UPDATE public.item_types SET is_default_user = false, kind = 'CONTENT'",
             "DELETE FROM public.actions WHERE action_type = 'ENQUEUE_TO_NCMEC'",
             "INSERT INTO public.actions (id, org_id, name, callback_url) VALUES "
             "('custom1', %s, 'Enqueue for NCMEC Review', 'https://hooks.example/ncmec')")
    dump = pg_dump(db)
    result = run_module('coop_org', org_args(db))
    assert not result['changed'] and pg_dump(db) == dump, result
    warnings = json.dumps(result['warnings'])
    assert "an item type named 'User' that is not its default user type" in warnings
    assert "an action named 'Enqueue for NCMEC Review' that is not the built-in ENQUEUE_TO_NCMEC" in warnings


def test_password_applied_only_with_update_password_always(scratch_db):
    db = scratch_db()
    run_module('coop_org', org_args(db))
    first = stored_hash(db)
    changed_pw = dict(org_args(db)['admin'], password=NEW_PASSWORD)

    on_create = run_module('coop_org', org_args(db, admin=changed_pw))
    assert not on_create['changed'] and stored_hash(db) == first

    same = run_module('coop_org', org_args(db, update_password='always'))
    assert not same['changed'] and stored_hash(db) == first

    dump = pg_dump(db)
    checked = run_module('coop_org', org_args(db, admin=changed_pw, update_password='always'), check=True, diff=True)
    assert checked['changed'] and checked['admin']['password_changed'] and pg_dump(db) == dump
    assert NEW_PASSWORD not in json.dumps(checked) and PASSWORD not in json.dumps(checked)

    always = run_module('coop_org', org_args(db, admin=changed_pw, update_password='always'), diff=True)
    assert always['changed'] and 'api_key' not in always
    assert bcrypt.checkpw(NEW_PASSWORD.encode(), stored_hash(db).encode())
    assert not run_module('coop_org', org_args(db, admin=changed_pw, update_password='always'))['changed']


@pytest.mark.parametrize('extra, words', [
    (dict(email='other@globex.example', website='globex.example'), "an org named 'Acme T&S' already exists"),
    (dict(name='ACME t&s', email='other@globex.example', website='globex.example'),
     "an org named 'Acme T&S' already exists"),
    (dict(name='Globex', website='globex.example', admin=dict(email='new@globex.example', password=PASSWORD)),
     'email trust@acme.example is already the email of org'),
    (dict(name='Globex', email='other@globex.example', website='globex.example'),
     "admin.email lead@acme.example is the login of a user of org 'Acme T&S'"),
])
def test_same_name_or_taken_keys_refused_database_unchanged(scratch_db, extra, words):
    db = scratch_db()
    run_module('coop_org', org_args(db))
    dump = pg_dump(db)
    result = run_module('coop_org', org_args(db, **extra))
    assert result.get('failed') and words in result['msg'], result
    assert pg_dump(db) == dump


@pytest.mark.parametrize('extra, words', [
    (dict(name=' '), 'name must be the org name'),
    (dict(name='Acme '), 'name \'Acme \' has leading or trailing spaces'),
    (dict(email='not-an-email'), 'email must be an email address'),
    (dict(website='ftp://acme.example'), 'website must be an http(s) URL'),
    (dict(admin=dict(email='x@', password=PASSWORD)), 'admin.email must be an email address'),
    (dict(admin=dict(email='a@b.example', password='')), 'admin.password is required'),
    (dict(admin=dict(email='a@b.example', password='p' * 73)), 'admin.password is 73 bytes long'),
    (dict(admin=dict(email='a@b.example', password=PASSWORD, first_name=' ')), 'admin.first_name must not be empty'),
    (dict(name='n' * 256), 'name is 256 characters long'),
])
def test_bad_inputs_name_the_key_before_connecting(scratch_db, extra, words):
    db = scratch_db()
    dump = pg_dump(db)
    result = run_module('coop_org', org_args(db, **extra))
    assert result.get('failed') and words in result['msg'], result
    assert PASSWORD not in json.dumps(result)
    assert pg_dump(db) == dump
    # The same input against a port nothing listens on: still the input's error, not a connection error.
    offline = run_module('coop_org', org_args(db, login_port=fx.free_port(), **extra))
    assert offline.get('failed') and words in offline['msg'], offline


@pytest.mark.parametrize('table, when', [('users', 'TRUE'), ('actions', "NEW.action_type = 'ENQUEUE_TO_NCMEC'")])
def test_one_transaction_a_failing_insert_leaves_no_org(scratch_db, table, when):
    """A refused admin, or a refused last built-in action (after the org, its settings rows, key, user type
    and first two actions were written): nothing stays."""
    db = scratch_db()
    with pg_connect(db) as conn:
        conn.execute("CREATE FUNCTION public.refuse() RETURNS trigger LANGUAGE plpgsql AS "
                     "$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$")
        conn.execute('CREATE TRIGGER refuse BEFORE INSERT ON public.%s FOR EACH ROW WHEN (%s) '
                     'EXECUTE FUNCTION public.refuse()' % (table, when))
    dump = pg_dump(db)
    result = run_module('coop_org', org_args(db))
    assert result.get('failed') and 'refused by the test' in result['msg'] and 'nothing was changed' in result['msg']
    assert result['msg'].endswith('; check that the database is a migrated Coop database'), result['msg']
    assert pg_dump(db) == dump


def test_fixture_api_login_accepts_the_created_admin(scratch_db):
    db = scratch_db()
    assert run_module('coop_org', org_args(db))['changed']
    with fx.served(db) as port:
        assert fx.graphql_login(port, 'lead@acme.example', PASSWORD) == 'LoginSuccessResponse'
        assert fx.graphql_login(port, 'lead@acme.example', NEW_PASSWORD) == 'LoginIncorrectPasswordError'
        assert fx.graphql_login(port, 'nobody@acme.example', PASSWORD) == 'LoginUserDoesNotExistError'
        # The staging seed's hash (coop-facts 5, written by Coop's bcryptjs) checks too.
        with pg_connect(db) as conn:
            conn.execute('UPDATE public.users SET password = %s',
                         ('$2a$05$VLNaHGWh7n1Zh6tYhr7H0.c06BlURlpNkxaW4wQC3hg8RUM3L0ZS6',))
        assert fx.graphql_login(port, 'lead@acme.example', 'testpassword123') == 'LoginSuccessResponse'


PLAY = """
- name: coop_org through Ansible
  hosts: localhost
  gather_facts: false
  tasks:
    - name: The org
      roost.coop.coop_org: "{{ org_args }}"
      register: made
    - name: The new org's key is in the registered result only
      ansible.builtin.copy:
        content: "{{ made.api_key | default('') }}"
        dest: "{{ key_copy }}"
        mode: "0600"
      no_log: true
      when: made.api_key is defined
"""


def test_password_and_api_key_absent_from_vvvv_diff_output(scratch_db, tmp_path):
    db = scratch_db()
    (tmp_path / 'play.yml').write_text(PLAY)
    outputs = []
    for admin_password, mode in ((PASSWORD, 'on_create'), (NEW_PASSWORD, 'always')):
        args = org_args(db, update_password=mode)
        args['admin'] = dict(args['admin'], password=admin_password)
        (tmp_path / 'vars.json').write_text(json.dumps(dict(org_args=args, key_copy=str(tmp_path / 'key'))))
        proc = ansible_playbook(tmp_path / 'play.yml', '-e', '@%s' % (tmp_path / 'vars.json'), '-vvvv', '--diff')
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0 and play_recap(out)['changed'] >= 1, out[-3000:]
        outputs.append(out)
    key = (tmp_path / 'key').read_text()
    with pg_connect(db) as conn:
        stored = conn.execute('SELECT key_hash FROM public.api_keys').fetchone()[0]
    assert hashlib.sha256(key.encode()).hexdigest() == stored
    for out in outputs:
        assert PASSWORD not in out and NEW_PASSWORD not in out and key not in out
    assert 'censored' in outputs[0]  # the result carrying the key is no_log
    assert 'password_changed' in outputs[1] and 'admin_password' in outputs[1]  # the second run's diff is shown
    assert bcrypt.checkpw(NEW_PASSWORD.encode(), stored_hash(db).encode())
