#!/usr/bin/env bash
# P6: an upgrade on one host without downtime. Runs the molecule scenario `default` (converge, then
# verify, whose upgrade part deploys two more fixture releases, rolls back and restores a dump while
# a probe on the host requests / and /api/v1/ready through nginx every 0.2 s) and prints the probe's
# figures: failed / requests (target 0) and the longest gap between two ready answers (target <= 5 s
# for deploys; the restore stops the API on purpose and is included).
# Usage: bench/p6_upgrade.sh     (from anywhere; needs hack/setup.sh first)
# shellcheck source=bench/molecule_host.sh
. "$(dirname "$0")/molecule_host.sh"
for step in create prepare converge verify; do
  molecule "$step" -s default >"$OUT/$step.log" 2>&1 || { tail -40 "$OUT/$step.log"; exit 1; }
done
printf 'P6 upgrade on one systemd podman host (fixture release; 4 upgrades, 2 rollbacks (one refused), a restore, a refused downgrade)\n'
grep -o 'P6 upgrade probe: [^"]*' "$OUT/verify.log" | tr -s ' \n' ' ' | sed 's/$/\n/'
