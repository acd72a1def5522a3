#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine for the deploy and the tests; safe to rerun.
# Installs Debian's PostgreSQL 15, Redis, podman; makes .venv from requirements.txt;
# starts PostgreSQL and Redis on loopback; builds the systemd test-host image.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export DEBIAN_FRONTEND=noninteractive
START=$SECONDS
# One line before each step that can take a while, so a first run is never silent for minutes.
step() { echo "setup [$((SECONDS - START))s]: $*"; }

need=()
# clickhouse-server, nginx-light: the ClickHouse migration-log and web-tier tests start their own on loopback.
for pkg in postgresql-15 postgresql-client-15 redis-server clickhouse-server nginx-light podman runc debootstrap rsync git bc shellcheck; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  step "installing Debian packages: ${need[*]}"
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
# The tests start their own ClickHouse and nginx; the packages' services would hold their ports.
if [ -d /run/systemd/system ]; then systemctl disable --now clickhouse-server nginx >/dev/null 2>&1 || true; fi

if [ ! -x .venv/bin/ansible-playbook ] || ! cmp -s requirements.txt .venv/.requirements.txt; then
  step "making .venv from requirements.txt (ansible, molecule, test tools; a few minutes the first time)"
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

# Node as Coop runs (the release role's coop_node_version), for the tests of Node's --env-file loader.
NODE_VERSION=$(awk '/^coop_node_version:/ {print $2}' roles/release/defaults/main.yml)
NODE_DIR=.cache/node-$NODE_VERSION
if [ ! -x "$NODE_DIR/bin/node" ]; then
  step "fetching Node $NODE_VERSION for the env-loader tests"
  command -v npm >/dev/null || apt-get install -y -qq npm >/dev/null
  case $(uname -m) in aarch64) arch=arm64 ;; *) arch=x64 ;; esac
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-$arch@$NODE_VERSION" >/dev/null)
  mkdir -p "$NODE_DIR"
  tar -xzf "$tmp"/*.tgz -C "$NODE_DIR" --strip-components=1
  rm -rf "$tmp"
fi

step "starting PostgreSQL and Redis on loopback"
bash hack/services.sh
podman image exists localhost/debian-systemd:12 || step "building the systemd test-host image (debootstrap, a few minutes)"
bash tests/hosts/build-image.sh
step "starting the local host coop-local"
bash hack/local-host.sh
step "done in $ROOT; deploy with: .venv/bin/ansible-playbook site.yml"
