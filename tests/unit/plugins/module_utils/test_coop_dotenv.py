"""coop_dotenv: format-preserving update, quoting that reads back exactly, masking."""

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.roost.coop.plugins.module_utils import coop_dotenv as dotenv

SAMPLE = (
    "# Coop server settings\n"
    "\n"
    "UI_URL=https://coop.example.org   # public origin\n"
    "export NODE_ENV=production\n"
    "DATABASE_PASSWORD='p@ss word#1'\n"
    "GREETING=\"it's here\"\n"
    "; systemd-style comment\n"
    "MY_OWN_KEY=keep me\n"
    "DUP=first\n"
    "DUP=second\n"
    "not an assignment\n"
    "MULTI='line one\n"
    "line two'\n"
    "TAIL=last"
)

keys = st.from_regex(r'\A[A-Z_][A-Z0-9_]{0,12}\Z')
# Printable text (incl. non-ASCII and tabs) without line breaks: what quote() may be given.
values_text = st.text(st.characters(blacklist_categories=('Cs',), blacklist_characters='\r\n\x0b\x0c\x1c\x1d\x1e'
                                    '\x85\u2028\u2029' + ''.join(chr(c) for c in range(0, 9)) + ''.join(
                                        chr(c) for c in range(14, 32)) + '\x7f'))


# Files Node --env-file, docker compose and systemd read differently, and the line coop_dotenv
# names when it refuses them (tests/service/test_coop_env_readers.py runs the real readers on them).
DISAGREEMENTS = [
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
    ("A=1\nB='z", 2),                 # unclosed at the end: compose refuses, Node keeps the quote
    ("B=1\nexport A=\n", 2),          # an empty value: Node keeps export in the name
    ("export A= \t\r\n", 1),          # ... and after blanks (compose reads A)
]
# Files all three read alike, and what they read.
AGREEMENTS = [
    ("A='multi\nline'\nB=1\n", {'A': 'multi\nline', 'B': '1'}),
    ('A="multi\n line"  \nB=1\n', {'A': 'multi\n line', 'B': '1'}),
    # only \n ends a line: VT, FF, NEL, LS and PS stay inside the value for every reader
    ('A=1\x0bB=production\nC=x\x0cB=old\n', {'A': '1\x0bB=production', 'C': 'x\x0cB=old'}),
    ('A=x\x85B=1\u2028C=2\u2029\x1cD\n', {'A': 'x\x85B=1\u2028C=2\u2029\x1cD'}),
    ('A=x\r\nB=y\r\n', {'A': 'x', 'B': 'y'}),
    # systemd skips the line after a comment ending in a backslash: harmless when it is blank, a
    # comment or has no =
    ('# note \\\n\nB=1\n', {'B': '1'}),
    ('# note \\\nA\nB=1\n', {'B': '1'}),
    ('# note \\\n# more \\\n \t\nB=1\n', {'B': '1'}),
]


@pytest.mark.parametrize('text, line', DISAGREEMENTS)
def test_what_the_readers_disagree_on_is_refused(text, line):
    with pytest.raises(dotenv.EnvFileError) as caught:
        dotenv.values(text)
    assert str(caught.value).startswith('line %d' % line), str(caught.value)


@pytest.mark.parametrize('text, expected', AGREEMENTS)
def test_what_the_readers_agree_on_is_read(text, expected):
    assert dotenv.values(text) == expected


def test_refusal_names_line_and_key_never_the_value():
    text = "DATABASE_HOST=db1\nDATABASE_NAME='c8clean\nDATABASE_PASSWORD=Pw-9f2kLmQ\nSESSION_SECRET=Ss-0c0ffee5\n"
    with pytest.raises(dotenv.EnvFileError) as caught:
        dotenv.parse(text)
    message = str(caught.value)
    assert message.startswith('line 2 (DATABASE_NAME):')
    assert not any(value in message for value in ('c8clean', 'Pw-9f2kLmQ', 'Ss-0c0ffee5', 'db1'))


def test_masked_hides_secret_mentions_in_other_lines():
    text = '#DATABASE_PASSWORD=old-secret\n# plain comment\nUI_URL=https://a.example.org\n'
    assert dotenv.masked(text, lambda name: 'PASSWORD' in name) == (
        '#DATABASE_PASSWORD=********\n# plain comment\nUI_URL=https://a.example.org\n')


def portable(value):
    try:
        dotenv.quote(value)
        return True
    except dotenv.EnvFileError:
        return False


def test_values_reads_common_forms():
    got = dotenv.values(SAMPLE)
    assert got['UI_URL'] == 'https://coop.example.org'
    assert got['NODE_ENV'] == 'production'
    assert got['DATABASE_PASSWORD'] == 'p@ss word#1'
    assert got['GREETING'] == "it's here"
    assert got['MY_OWN_KEY'] == 'keep me'
    assert got['DUP'] == 'second'
    assert got['MULTI'] == 'line one\nline two'
    assert got['TAIL'] == 'last'
    assert 'not' not in got


def test_update_keeps_everything_it_does_not_manage():
    text, changed, removed = dotenv.update(SAMPLE, {'NEW_KEY': 'a b', 'TAIL': 'last'}, remove=['GREETING'])
    assert changed == ['NEW_KEY'] and removed == ['GREETING']
    assert text == SAMPLE.replace('GREETING="it\'s here"\n', '') + "\nNEW_KEY='a b'\n"


def test_update_unchanged_is_byte_identical():
    current = dotenv.values(SAMPLE)
    text, changed, removed = dotenv.update(SAMPLE, {'DATABASE_PASSWORD': current['DATABASE_PASSWORD'],
                                                    'GREETING': current['GREETING']})
    assert (text, changed, removed) == (SAMPLE, [], [])


def test_update_rewrites_nonportable_and_duplicate_lines():
    text, changed, dummy = dotenv.update(SAMPLE, {'UI_URL': 'https://coop.example.org', 'DUP': 'second',
                                                  'NODE_ENV': 'production'})
    # inline comment (systemd keeps it in the value), export prefix (systemd rejects it), duplicates
    assert set(changed) == {'UI_URL', 'DUP', 'NODE_ENV'}
    assert 'UI_URL=https://coop.example.org\n' in text and 'NODE_ENV=production\n' in text
    assert text.count('DUP=') == 1 and 'DUP=second\n' in text
    assert '# Coop server settings\n\n' in text and '; systemd-style comment\n' in text
    assert dotenv.update(text, {'UI_URL': 'https://coop.example.org', 'DUP': 'second'})[1] == []


def test_nonportable_lines_are_reported():
    found = dict((key, lineno) for lineno, key in dotenv.nonportable(SAMPLE))
    # and line 7, a ; comment docker compose refuses the file at
    assert found == {'UI_URL': 3, 'NODE_ENV': 4, None: 7, 'MY_OWN_KEY': 8, 'MULTI': 12}


def test_crlf_lines_keep_their_ending():
    text, changed, dummy = dotenv.update('A=1\r\nB=2\r\n', {'A': '3'})
    assert text == 'A=3\r\nB=2\r\n' and changed == ['A']


@pytest.mark.parametrize('value,expected', [
    ('', ''), ('plain-1.2_3:4/5@x,y+z=%', 'plain-1.2_3:4/5@x,y+z=%'), ('has space', "'has space'"),
    ('#hash', "'#hash'"), ('a"b', "'a\"b'"), ('$HOME', "'$HOME'"), ('back\\slash', "'back\\slash'"),
    ("it's", '"it\'s"'), ('tab\there', "'tab\there'"), ('  padded  ', "'  padded  '"),
])
def test_quote_forms(value, expected):
    assert dotenv.quote(value) == expected


@pytest.mark.parametrize('value', ['it\'s "x"', "it's $HOME", "it's \\", 'ends\\', 'line\nbreak', 'cr\r', 'nul\x00'])
def test_quote_refuses_what_loaders_disagree_on(value):
    with pytest.raises(dotenv.EnvFileError) as err:
        dotenv.quote(value, 'SESSION_SECRET')
    assert 'SESSION_SECRET' in str(err.value) and value not in str(err.value)


@pytest.mark.parametrize('key', ['1ABC', 'A-B', 'A B', 'A.B', '', 'ÄB'])
def test_bad_keys(key):
    with pytest.raises(dotenv.EnvFileError):
        dotenv.update('', {key: 'x'})


def test_masked():
    text = "A=1\nSECRET_X='s3cr3t v'\nEMPTY_SECRET=\n"
    out = dotenv.masked(text, lambda k: 'SECRET' in k, changed=['SECRET_X'])
    assert out == 'A=1\nSECRET_X=******** (changed)\nEMPTY_SECRET=\n'


@settings(max_examples=300)
@given(st.dictionaries(keys, values_text, max_size=8))
def test_round_trip(mapping):
    mapping = dict((k, v) for k, v in mapping.items() if portable(v))
    text, changed, dummy = dotenv.update('', mapping)
    assert dotenv.values(text) == mapping
    assert sorted(changed) == sorted(mapping)
    assert dotenv.nonportable(text) == []
    # second run unchanged
    assert dotenv.update(text, mapping) == (text, [], [])


@settings(max_examples=200)
@given(st.dictionaries(keys, values_text, max_size=6), st.dictionaries(keys, values_text, max_size=6))
def test_update_over_existing(first, second):
    first = dict((k, v) for k, v in first.items() if portable(v))
    second = dict((k, v) for k, v in second.items() if portable(v))
    base = '# header\n\n' + dotenv.update('', first)[0] + '# trailer\n'
    text = dotenv.update(base, second)[0]
    want = dict(first)
    want.update(second)
    assert dotenv.values(text) == want
    assert text.startswith('# header\n\n') and '# trailer\n' in text


@given(values_text)
def test_quote_never_produces_line_breaks(value):
    if portable(value):
        assert '\n' not in dotenv.quote(value) and dotenv.values('K=%s\n' % dotenv.quote(value)) == {'K': value}
