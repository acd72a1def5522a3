#!/usr/bin/env bash
# The default inventory's host: a local systemd container `coop-local` (podman, from the image
# tests/hosts/build-image.sh builds), for machines whose PID 1 is not systemd. Idempotent.
# Coop's web client is then at http://127.0.0.1:8880/ on this machine.
set -euo pipefail
NAME=${COOP_LOCAL_HOST:-coop-local}
IMAGE=${COOP_LOCAL_IMAGE:-localhost/debian-systemd:12}
# The checkout the host belongs to: its deploy's generated secrets (.cache/local) are that checkout's,
# so a deploy from another checkout would rotate them under the running Coop.
CHECKOUT=$(cd "$(dirname "$0")/.." && pwd)
make_host() {
  podman run -d --name "$NAME" --hostname "$NAME" --systemd always -p 127.0.0.1:8880:80 \
    --label "roost.coop.checkout=$CHECKOUT" "$IMAGE" /sbin/init >/dev/null
}
bash "$(dirname "$0")/podman-stale.sh"
if podman container exists "$NAME"; then
  owner=$(podman inspect -f '{{ index .Config.Labels "roost.coop.checkout" }}' "$NAME")
  if [ "$owner" != "$CHECKOUT" ]; then
    echo "local host: $NAME was made for another checkout (${owner:-unknown}); making it anew for this one"
    bash "$(dirname "$0")/podman-stale.sh" "$NAME"
  fi
fi
podman container exists "$NAME" || make_host
if [ "$(podman inspect -f '{{.State.Running}}' "$NAME")" != true ] && ! podman start "$NAME" >/dev/null; then
  echo "local host: $NAME cannot start; making it anew"
  bash "$(dirname "$0")/podman-stale.sh" "$NAME"
  make_host
fi
for _ in $(seq 30); do
  state=$(podman exec "$NAME" systemctl is-system-running 2>/dev/null || true)
  case $state in running|degraded) break ;; esac
  sleep 1
done
# The image ships without apt lists; fetch them once so package installs find their packages.
podman exec "$NAME" sh -c 'ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1 || apt-get update -qq'
echo "local host: podman container $NAME ($state)"
