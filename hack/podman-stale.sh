#!/usr/bin/env bash
# Removes containers that podman still records as running although their processes are gone
# (a machine whose processes ended without podman knowing): they can neither exec nor start.
# The local host and molecule's hosts are then made anew by their next run.
set -euo pipefail
for name in $(podman ps --format '{{.Names}}'); do
  podman exec "$name" true >/dev/null 2>&1 && continue
  echo "podman: $name is stale; removing it"
  # the first removal can time out waiting for an exit file that never comes; it still
  # marks the container stopped, so a second one succeeds
  podman rm -f "$name" >/dev/null 2>&1 || podman rm -f "$name" >/dev/null
done
