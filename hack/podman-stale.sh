#!/usr/bin/env bash
# Removes containers that podman still records as running although their processes are gone
# (a machine whose processes ended without podman knowing): they can neither exec nor start.
# The local host and molecule's hosts are then made anew by their next run.
# Usage: podman-stale.sh [NAME ...]   with names, removes those containers instead.
set -euo pipefail
remove() {
  # the first removal can time out waiting for an exit file that never comes; it still
  # marks the container stopped, so a second one succeeds
  podman rm -f "$1" >/dev/null 2>&1 || podman rm -f "$1" >/dev/null
}
if [ $# -gt 0 ]; then
  for name in "$@"; do remove "$name"; done
  exit 0
fi
for name in $(podman ps --format '{{.Names}}'); do
  podman exec "$name" true >/dev/null 2>&1 && continue
  echo "podman: $name is stale; removing it"
  remove "$name"
done
