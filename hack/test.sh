#!/usr/bin/env bash
# The whole test suite (README "Run the tests"). Needs hack/setup.sh first.
# Stages: sanity, lint, integration (ansible-test targets), molecule, pytest (unit + service tests),
# readme (every README command on the README's own deploy), install (the built tarball on ansible-core alone).
# Usage: hack/test.sh [stage ...]   Exit status is non-zero when any stage failed. Without stages,
# all of them, in two lanes (run_lanes); with stages, those one after the other.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
# shellcheck source=/dev/null
. tests/services.env
export PATH="$ROOT/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.collections"
export ANSIBLE_CONFIG="$ROOT/ansible.cfg"
STAGES=("$@")
[ ${#STAGES[@]} -gt 0 ] || STAGES=(sanity lint integration molecule pytest readme install)
failed=()

# ansible-test needs the collection at a path ending in ansible_collections/roost/coop.
copy_collection() {
  local dest="$ROOT/.cache/ansible_collections/roost/coop"
  mkdir -p "$dest"
  git ls-files -co --exclude-standard -z | rsync -a --from0 --files-from=- ./ "$dest/"
  # rsync --files-from never deletes: remove what git no longer lists (ansible-test's output stays).
  comm -z -23 <(cd "$dest" && find . -type f -not -path './.git/*' -not -path './tests/output/*' -printf '%P\0' | sort -z) \
    <(git ls-files -co --exclude-standard -z | sort -z) | (cd "$dest" && xargs -0 -r rm -f --)
  [ -d "$dest/.git" ] || git -C "$dest" init -q
  git -C "$dest" add -A >/dev/null 2>&1 || true
  echo "$dest"
}

run_stage() {
  local name=$1; shift
  echo "=== stage: $name"
  local start=$SECONDS
  if "$@"; then echo "=== stage $name: ok ($((SECONDS - start)) s)"
  else echo "=== stage $name: FAILED ($((SECONDS - start)) s)"; failed+=("$name"); fi
}

stage_sanity() {
  local dest; dest=$(copy_collection)
  (cd "$dest" && ansible-test sanity --python 3.11 --color no)
}

stage_lint() {
  ansible-lint --offline
}

stage_integration() {
  local dest; dest=$(copy_collection)
  [ -n "$(ls tests/integration/targets 2>/dev/null)" ] || { echo "no targets"; return 0; }
  # ansible-test passes no environment through: hand the test services to the targets as vars.
  cat > "$dest/tests/integration/integration_config.yml" <<EOF
coop_test_pg_host: "$COOP_TEST_PG_HOST"
coop_test_pg_port: $COOP_TEST_PG_PORT
coop_test_pg_user: "$COOP_TEST_PG_USER"
coop_test_pg_password: "$COOP_TEST_PG_PASSWORD"
coop_test_redis_host: "$COOP_TEST_REDIS_HOST"
coop_test_redis_port: $COOP_TEST_REDIS_PORT
EOF
  (cd "$dest" && ansible-test integration --python 3.11 --color no)
}

# Scenarios given, or all of them.
stage_molecule() {
  local scenario rc=0 scenarios=("$@")
  if [ ${#scenarios[@]} -eq 0 ]; then
    for scenario in extensions/molecule/*/molecule.yml; do scenarios+=("$(basename "$(dirname "$scenario")")"); done
  fi
  for scenario in "${scenarios[@]}"; do
    (cd extensions && molecule test -s "$scenario") || rc=1
  done
  [ $# -gt 0 ] || molecule_cleanup || rc=1
  return $rc
}

# Nothing stays behind: the checklist reports written in the scenarios' working directory and
# the scenarios' named volumes (some are shared between scenarios: removed once all have run).
molecule_cleanup() {
  local volume rc=0
  rm -f extensions/coop-checklist*.json
  while read -r volume; do
    if podman volume exists "$volume"; then podman volume rm "$volume" >/dev/null || rc=1; fi
  done < <(sed -nE 's/^ +- ([a-z0-9-]+):\/.*/\1/p' extensions/molecule/*/molecule.yml | sort -u)
  return $rc
}

stage_pytest() {
  # Strict: a skipped test fails the stage (tests/conftest.py), so a missing tool cannot pass as a skip.
  COOP_TESTS_STRICT=1 python -m pytest -q -rs --durations=12 tests/unit tests/service -p no:cacheprovider
}

# The shell commands of the README's code blocks, one per line, as a user on the README's own
# deploy types them: hack/setup.sh (done before) and this suite are left out, the user's
# inventory.yml is the local one, and a command that only repeats an earlier one runs once.
readme_commands() {
  awk '/^```/ { block = (block == "" ? ($0 == "```" ? "sh" : "other") : ""); next } block == "sh"' README.md \
    | sed -E 's/[[:space:]]+#.*$//; s/(^|&& )bash hack\/(setup|test)\.sh( &&|$)//g; s/-i inventory\.yml/-i inventory\/local.yml/' \
    | sed -E 's/^[[:space:]]+//' | grep -E '^(\.venv/bin/)?ansible' \
    | awk '{ key = $0; sub(/^\.venv\/bin\//, "", key); gsub(/ -i inventory\/local\.yml/, "", key) } !seen[key]++'
  # `ansible-doc roost.coop.<module>` and `ansible-doc -t role roost.coop.<role>` of the prose
  local item
  for item in plugins/modules/*.py; do item=$(basename "$item" .py); echo "ansible-doc roost.coop.$item"; done
  for item in roles/*/meta/argument_specs.yml; do item=${item#roles/}; echo "ansible-doc -t role roost.coop.${item%%/*}"; done
}

# Each command must succeed and print no deprecation warning; the deploy must end with its summary.
# Then the mistake a first-time user makes: production on this http inventory, refused by preflight
# before anything changes.
stage_readme() {
  local cmd logs rc=0 count=0 report start
  logs=$(mktemp -d)
  report=$(ls coop-checklist.json 2>/dev/null)  # the deploy writes the report here; a user's own stays
  while IFS= read -r cmd; do
    count=$((count + 1))
    echo "--- $cmd"
    start=$SECONDS
    if ! bash -c "$cmd" </dev/null >"$logs/$count" 2>&1; then
      tail -40 "$logs/$count"; echo "FAILED: $cmd"; rc=1
    elif grep -q 'DEPRECATION' "$logs/$count"; then
      grep -A3 'DEPRECATION' "$logs/$count"; echo "FAILED (deprecation warning): $cmd"; rc=1
    fi
    echo "    $((SECONDS - start)) s"
  done < <(readme_commands)
  echo "readme: $count commands"
  [ "$count" -ge 10 ] || { echo "readme: too few commands found in README.md"; rc=1; }
  if ! grep -q "Coop: http://127.0.0.1:8880" "$logs/1" || ! grep -q "Go-live report: $ROOT/coop-checklist.json" "$logs/1" \
      || [ ! -s coop-checklist.json ]; then
    echo "FAILED: the deploy did not end with its summary and report"; rc=1
  fi
  echo "--- ansible-playbook site.yml -e coop_node_env=production   (must be refused)"
  if ansible-playbook site.yml -e coop_node_env=production >"$logs/production" 2>&1; then
    echo "FAILED: production over plain http was deployed"; rc=1
  elif ! tr -s ' \n' ' ' <"$logs/production" | grep -q 'Put TLS in front of Coop' \
      || ! grep -Eq 'coop-local +: ok=[0-9]+ +changed=0 .*failed=1' "$logs/production" \
      || grep -q 'TASK \[roost.coop.postgresql' "$logs/production"; then
    tail -30 "$logs/production"; echo "FAILED: production over http was not refused by preflight before any change"; rc=1
  fi
  rm -rf "$logs"
  [ -n "$report" ] || rm -f coop-checklist.json
  return $rc
}

# The collection as a user installs it: the built tarball plus the dependencies galaxy.yml
# declares, supplied as tarballs of the collections the ansible package bundles, installed into an
# empty collections path of a venv with ansible-core alone; then a role and a module run from there.
stage_install() {
  local work venv core tarball deps rc=0
  work=$(mktemp -d)
  core=$(grep -E '^ansible-core==' requirements.txt | cut -d' ' -f1)
  venv=$ROOT/.cache/core-venv
  if [ "$(cat "$venv/.core" 2>/dev/null)" != "$core" ]; then
    rm -rf "$venv" && python3 -m venv "$venv" || return 1
    "$venv/bin/pip" install -q "$core" > "$venv/pip.log" 2>&1 || { cat "$venv/pip.log"; return 1; }
    echo "$core" > "$venv/.core"
  fi
  ansible-galaxy collection build --output-path "$work/dist" . >/dev/null || return 1
  tarball=$(ls "$work"/dist/roost-coop-*.tar.gz)
  deps=$(tar -xzOf "$tarball" MANIFEST.json | python3 -c 'import json, sys; print(" ".join(json.load(sys.stdin)["collection_info"]["dependencies"]))')
  echo "install: $(basename "$tarball"), dependencies: ${deps:-none}"
  # shellcheck disable=SC2086  # one argument per dependency
  python3 hack/bundled-tarballs.py "$work/dist" $deps || return 1
  printf '[defaults]\ninterpreter_python = auto_silent\n' > "$work/ansible.cfg"
  printf '%s\n' '- name: A role of the installed copy (community.postgresql modules, podman connection)' \
    '  hosts: coop_db' '  roles: [roost.coop.postgresql]' > "$work/role.yml"
  (
    cd "$work" || exit 1
    unset ANSIBLE_ROLES_PATH
    export ANSIBLE_CONFIG=$work/ansible.cfg ANSIBLE_COLLECTIONS_PATH=$work/collections PATH=$venv/bin:/usr/bin:/bin
    ansible-galaxy collection install --offline -p "$work/collections" dist/*.tar.gz >/dev/null || exit 1
    ansible-playbook -i "$ROOT/inventory/local.yml" role.yml > role.log 2>&1 || { tail -30 role.log; exit 1; }
    grep -q "included: $work/collections/ansible_collections/roost/coop/roles/postgresql/" role.log \
      || { echo "the role did not run from the installed copy"; exit 1; }
    ansible localhost -m roost.coop.coop_env -a "path=$work/server.env kind=server set={'UI_URL':'https://coop.example.org'}" \
      > module.log 2>&1 || { cat module.log; exit 1; }
    grep -qx 'UI_URL=https://coop.example.org' server.env || { echo "coop_env wrote: $(cat server.env)"; exit 1; }
    echo "install: a role and a module ran from the installed copy"
  ) || rc=1
  rm -rf "$work"
  return $rc
}

run_stages() {
  local stage
  for stage in "$@"; do run_stage "$stage" "stage_$stage"; done
}

# The whole suite in two lanes (most of a molecule run is waiting on podman and systemd, so two
# lanes on two cores take far less than one after the other): molecule `default`, sanity, lint,
# integration | molecule `multi`, molecule `compose`, pytest. Then readme and install, alone (the readme's deploy
# meets Coop's ready check, which fails above 75 % CPU). The molecule hosts share the machine, so
# their fixture's limit is raised (the probe's ready gap is only printed; bench/ measures it).
run_lanes() {
  local lanes lane lane_failed
  lanes=$(mktemp -d)
  export MOLECULE_FIXTURE_CPU_LIMIT=${MOLECULE_FIXTURE_CPU_LIMIT:-1.01}
  { run_stage molecule-default stage_molecule default; run_stages sanity lint integration
    echo "${failed[*]}" > "$lanes/1"; } 2>&1 | sed -u 's/^/[1] /' | tee "$lanes/1.log" &
  { run_stage molecule-multi stage_molecule multi; run_stage molecule-compose stage_molecule compose
    run_stages pytest
    echo "${failed[*]}" > "$lanes/2"; } 2>&1 | sed -u 's/^/[2] /' | tee "$lanes/2.log" &
  wait
  for lane in 1 2; do
    [ -f "$lanes/$lane" ] || { failed+=("lane$lane"); continue; }
    read -ra lane_failed < "$lanes/$lane"
    failed+=("${lane_failed[@]}")
  done
  run_stage molecule-cleanup molecule_cleanup
  run_stages readme install
  [ ${#failed[@]} -eq 0 ] || failure_lines "$lanes"/1.log "$lanes"/2.log
  rm -rf "$lanes"
}

# A lane's failure is far above the end of the output: the failed stages' failing lines again, last
# (a task that failed and was not ignored, an assertion, a test), with the lines that follow them.
failure_lines() {
  echo "=== what failed in the lanes"
  awk '/=== stage: / { n = 0 }
    { line[++n] = $0 }
    /=== stage [a-z-]+: FAILED/ {
      for (i = 1; i <= n; i++) {
        if (line[i] !~ /fatal: |FAILED!|failed=[1-9]|\] E  |Error|ERROR/) continue
        ignored = 0
        for (j = i + 1; j <= i + 12 && j <= n && line[j] !~ /TASK \[/; j++) if (line[j] ~ /\.\.\.ignoring/) ignored = 1
        if (!ignored) for (j = i; j <= i + 12 && j <= n; j++) if (!(j in shown)) { print line[j]; shown[j] = 1 }
      }
      delete shown; n = 0
    }' "$@" | tail -150
}

if [ $# -eq 0 ]; then run_lanes; else run_stages "${STAGES[@]}"; fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed stages: ${failed[*]}"
  exit 1
fi
echo "all stages passed: ${STAGES[*]}"
