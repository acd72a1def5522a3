"""tests/conftest.py's strict mode: with CI=true or COOP_TESTS_STRICT=1 a skipped test fails the
run (a missing tool must not pass silently), unless it is in ALLOWED_SKIPS; without, it skips."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SKIPPING = '''
import pytest

pytest.importorskip('{module}')


@pytest.mark.skipif(True, reason='no such tool')
def test_marked():
    pass


def test_skips_inside():
    pytest.skip('no such tool either')


def test_runs():
    pass
'''


def run_pytest(tmp_path, module, **env):
    (tmp_path / 'test_skipping.py').write_text(SKIPPING.format(module=module))
    child_env = dict((k, v) for k, v in os.environ.items() if k not in ('CI', 'COOP_TESTS_STRICT'))
    child_env.update(env)
    return subprocess.run([sys.executable, '-m', 'pytest', '-q', '-rs', '-p', 'no:cacheprovider', '-p', 'tests.conftest',
                           '--rootdir', str(tmp_path), str(tmp_path)],
                          cwd=ROOT, env=child_env, capture_output=True, text=True, check=False)


def test_skips_pass_outside_strict_mode(tmp_path):
    run = run_pytest(tmp_path, 'os')
    assert run.returncode == 0, run.stdout
    assert '1 passed, 2 skipped' in run.stdout


def test_skips_fail_in_ci(tmp_path):
    run = run_pytest(tmp_path, 'os', CI='true')
    assert run.returncode == 1, run.stdout
    assert 'test_skipping.py::test_marked was skipped in strict mode' in run.stdout
    assert 'test_skipping.py::test_skips_inside was skipped in strict mode' in run.stdout
    assert 'ALLOWED_SKIPS' in run.stdout and 'no such tool either' in run.stdout


def test_a_module_skipped_at_import_fails_in_strict_mode(tmp_path):
    run = run_pytest(tmp_path, 'no_such_module_for_this_test', COOP_TESTS_STRICT='1')
    assert run.returncode != 0, run.stdout
    assert 'test_skipping.py was skipped in strict mode' in run.stdout
