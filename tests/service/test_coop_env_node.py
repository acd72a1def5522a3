"""Node's own --env-file loader (what Coop's dev scripts use) reads back exactly what coop_dotenv
writes, including spaces, '#', quotes, '=', '$', backslashes, tabs, non-ASCII and empty values."""

import json
import os
import pathlib
import re
import subprocess
import tempfile

from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.roost.coop.plugins.module_utils import coop_dotenv as dotenv
from tests.unit.plugins.module_utils.test_coop_dotenv import keys, portable, values_text

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The Node that Coop runs on: the release role's version, which hack/setup.sh unpacks under .cache/.
NODE_VERSION = re.search(r'^coop_node_version:\s*(\S+)',
                         (ROOT / 'roles/release/defaults/main.yml').read_text(), re.M).group(1)
NODE = str(ROOT / '.cache' / ('node-' + NODE_VERSION) / 'bin' / 'node')

DUMP = 'const o={};for(const k of JSON.parse(process.argv[1]))o[k]=process.env[k];console.log(JSON.stringify(o))'


def node_reads(text, names):
    """{name: value} as Node's --env-file loader reads text (None for unset)."""
    fd, path = tempfile.mkstemp(suffix='.env')
    try:
        with os.fdopen(fd, 'w', encoding='utf-8', newline='') as handle:
            handle.write(text)
        env = dict((k, v) for k, v in os.environ.items() if k not in names)
        out = subprocess.run([NODE, '--env-file=%s' % path, '-e', DUMP, json.dumps(sorted(names))],
                             env=env, capture_output=True, text=True, check=True, encoding='utf-8').stdout
        return dict((k, v) for k, v in json.loads(out).items())
    finally:
        os.unlink(path)


def test_the_loader_is_coops_node():
    assert os.access(NODE, os.X_OK), 'no Node %s at %s: run hack/setup.sh' % (NODE_VERSION, NODE)
    version = subprocess.run([NODE, '--version'], capture_output=True, text=True, check=True).stdout.strip()
    assert version == 'v' + NODE_VERSION


def test_node_reads_tricky_values():
    mapping = {
        'SPACES': 'a b  c', 'HASH': 'x#y', 'HASH_SPACE': 'x # y', 'LEAD_HASH': '#x', 'DQ': 'say "hi"',
        'SQ': "it's", 'EQ': 'a=b=c', 'EMPTY': '', 'DOLLAR': '$HOME ${X}', 'BACKSLASH': 'c:\\dir\\n',
        'PAD': '  padded  ', 'TAB': 'a\tb', 'UNICODE': 'Zürich ✓', 'URL': 'postgres://u:p@h:5432/db?x=1&y=2',
        'BACKTICK': '`cmd`', 'SECRET': 'Zq8v2LmT0pWmZ4sKx7Gq2v9LrT0pWmZ4',
    }
    text = dotenv.update('# comment\n\n', mapping)[0]
    assert node_reads(text, list(mapping)) == mapping


def test_node_reads_updated_file_with_foreign_lines():
    base = "# header\nKEEP='kept value'\n\nOLD=1 # note\nexport X=old\n"
    text = dotenv.update(base, {'OLD': 'new value', 'X': 'a#b', 'ADDED': "it's"})[0]
    assert node_reads(text, ['KEEP', 'OLD', 'X', 'ADDED']) == {
        'KEEP': 'kept value', 'OLD': 'new value', 'X': 'a#b', 'ADDED': "it's"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, values_text, min_size=1, max_size=15))
def test_node_round_trip(mapping):
    mapping = dict((k, v) for k, v in mapping.items() if portable(v))
    if not mapping:
        return
    text = dotenv.update('', mapping)[0]
    assert node_reads(text, list(mapping)) == mapping
