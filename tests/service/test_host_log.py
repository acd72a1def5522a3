"""What a module logs on its host. AnsibleModule logs each run's options to syslog (the journal on a
systemd host) before the module starts. The modules run here in a private mount namespace whose
/dev/log is a socket of the test's own, so the test reads exactly what the host would keep. No secret
may be in those lines: NCMEC credentials, header values, the admin password, an env file's secrets."""

import os
import socket

from tests.conftest import login_args, module_result, pg_connect, start_module
from tests.fixtures import coop_schema
from tests.service.test_coop_org_setting_ncmec import FULL, PASSWORD, USERNAME

HEADER_SECRET = 'hdr-token-66120'
ADMIN_PASSWORD = 'admin-Pass-0f3a'
ENV_SECRET = 'redis-pw-81734'
SECRETS = (USERNAME, PASSWORD, HEADER_SECRET, ADMIN_PASSWORD, ENV_SECRET)

# Inside the namespace: a tmpfs over /dev with null, zero, random and urandom bound back, and /dev/log
# a link to the test's socket. Nothing outside the namespace changes.
PRIVATE_DEV_LOG = ('mkdir "$D/dev" && mount --rbind /dev "$D/dev" && mount -t tmpfs tmpfs /dev && '
                   'for n in null zero random urandom; do touch /dev/$n && mount --bind "$D/dev/$n" /dev/$n; done && '
                   'ln -s "$D/log" /dev/log && exec "$@"')


def logged_run(tmp_path, name, args, check=False):
    """(result, the lines the module sent to /dev/log)."""
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(str(tmp_path / 'log'))
    try:
        proc = start_module(name, args, check=check, diff=True, env=dict(D=str(tmp_path)),
                            wrapper=('unshare', '--mount', 'sh', '-ec', PRIVATE_DEV_LOG, 'sh'))
        result = module_result(name, proc, timeout=60)
        receiver.setblocking(False)
        lines = []
        while True:
            try:
                lines.append(receiver.recv(1 << 20).decode('utf-8', 'replace'))
            except BlockingIOError:
                return result, lines
    finally:
        receiver.close()


def assert_logged_without_secrets(lines, *hidden_options):
    invoked = [line for line in lines if 'Invoked with' in line]
    assert len(invoked) == 1, lines
    for option in hidden_options:
        assert ' %s=NOT_LOGGING_PARAMETER' % option in invoked[0], invoked[0]
    for secret in SECRETS:
        assert secret not in '\n'.join(lines), secret


def settings_db(scratch_db):
    db = scratch_db()
    with pg_connect(db) as conn:
        coop_schema.add_org(conn, 'acme0000001', 'Acme Trust & Safety')
        conn.execute('INSERT INTO manual_review_tool.manual_review_queues (id, org_id, name) VALUES (%s, %s, %s)',
                     ('acme-q', 'acme0000001', 'NCMEC'))
        conn.commit()
    return db


ORG = dict(org='Acme Trust & Safety', ncmec=FULL,
           settings=dict(appeal_callback_url='https://acme.example/appeals', has_appeals_enabled=True,
                         appeal_callback_headers={'Authorization': HEADER_SECRET}))


def test_org_settings_and_ncmec_credentials_not_in_the_host_log(scratch_db, tmp_path):
    db = settings_db(scratch_db)
    result, lines = logged_run(tmp_path, 'coop_org_setting', dict(login_args(db), orgs=[ORG]))
    assert result.get('failed') is not True and result['changed'], result
    assert_logged_without_secrets(lines, 'orgs', 'login_password')
    # Only the secrets are hidden in the result: the org and the other values still show.
    changes = result['orgs'][0]['changes']
    assert result['orgs'][0]['name'] == 'Acme Trust & Safety', result
    assert changes['appeal_callback_url']['after'] == 'https://acme.example/appeals', changes
    assert changes['ncmec.company_template']['after'] == 'Acme', changes
    assert changes['ncmec.password']['after'] == '********', changes


def test_task_level_settings_and_ncmec_not_in_the_host_log(scratch_db, tmp_path):
    db = settings_db(scratch_db)
    result, lines = logged_run(tmp_path, 'coop_org_setting', dict(login_args(db), **ORG), check=True)
    assert result.get('failed') is not True and result['changed'], result
    assert_logged_without_secrets(lines, 'settings', 'ncmec')


def test_drift_comparison_not_in_the_host_log(scratch_db, tmp_path):
    db = settings_db(scratch_db)
    result, lines = logged_run(tmp_path, 'coop_drift', dict(login_args(db), orgs=[ORG], env_dir=str(tmp_path)))
    assert result.get('failed') is not True and result['orgs_compared'] == 1, result
    assert result['orgs'][0]['changes']['appeal_callback_url']['after'] == 'https://acme.example/appeals', result
    assert_logged_without_secrets(lines, 'orgs')


def test_admin_password_and_env_secrets_not_in_the_host_log(scratch_db, tmp_path):
    db = scratch_db()
    admin = dict(email='lead@acme.example', password=ADMIN_PASSWORD)
    result, lines = logged_run(tmp_path, 'coop_org', dict(login_args(db), name='Acme', email='t@acme.example',
                                                          website='acme.example', admin=admin))
    assert result.get('failed') is not True and result['changed'], result
    assert_logged_without_secrets(lines)

    env = tmp_path / 'server.env'
    os.mkdir(tmp_path / 'env')
    result, lines = logged_run(tmp_path / 'env', 'coop_env', dict(path=str(env), kind='server',
                                                                  set=dict(REDIS_PASSWORD=ENV_SECRET)))
    assert result.get('failed') is not True and result['changed'], result
    assert_logged_without_secrets(lines, 'set')
