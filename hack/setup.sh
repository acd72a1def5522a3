#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine for the deploy and the tests; safe to rerun.
# Installs Debian's PostgreSQL 15, Redis, podman; makes .venv from requirements.txt;
# starts PostgreSQL and Redis on loopback; builds the systemd test-host image.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export DEBIAN_FRONTEND=noninteractive

need=()
for pkg in postgresql-15 postgresql-client-15 redis-server podman runc debootstrap rsync git bc shellcheck; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -x .venv/bin/ansible-playbook ] || ! cmp -s requirements.txt .venv/.requirements.txt; then
  python3 -m venv .venv
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -r requirements.txt
  cp requirements.txt .venv/.requirements.txt
fi

# The collection as ansible finds it: .collections/ansible_collections/roost/coop -> repo root.
mkdir -p .collections/ansible_collections/roost
ln -sfn ../../.. .collections/ansible_collections/roost/coop

# ansible-test's pip bootstrap, which it would otherwise download from a host out of reach.
mkdir -p "$HOME/.ansible/test/cache"
cp hack/ansible-test-get-pip.py "$HOME/.ansible/test/cache/get_pip_24_2.py"

bash hack/services.sh
bash tests/hosts/build-image.sh
bash hack/local-host.sh
echo "setup done: $ROOT"
