#!/usr/bin/env bash
# Sourced by the molecule-based benches: the venv and collection on PATH, a scratch dir $OUT, and a
# fresh molecule scenario $SCENARIO (default: `default`; destroyed again on exit). Leaves the shell
# in extensions/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
export PATH="$ROOT/.venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$ROOT/.collections" ANSIBLE_CONFIG="$ROOT/ansible.cfg"
OUT=$(mktemp -d)
SCENARIO=${SCENARIO:-default}
trap '(cd "$ROOT/extensions" && molecule destroy -s "$SCENARIO" >/dev/null 2>&1); rm -rf "$OUT"' EXIT
cd extensions
molecule destroy -s "$SCENARIO" >/dev/null 2>&1 || true
