#!/usr/bin/env bash
# Builds the four images of Coop's compose runtime (coop-server, coop-worker, coop-client,
# coop-migrations) from a release source tree or tarball, with no container registry: the base is
# a debootstrap minbase rootfs imported into podman, Node comes from the npm registry's
# node-linux-<arch> and npm packages (the ones the release role's coop_node_install: controller
# fetches), unpacked here and copied into the images. The layout follows Coop's Dockerfiles
# (server and worker: the transpiled server in /app; migrations: the built db/ as user 1001;
# client: Debian's nginx serving the build, rendering /etc/nginx/templates/*.template at start).
#
# Usage: hack/build-coop-images.sh SOURCE PREFIX VERSION [ARCHIVE]
#   SOURCE   release tree or .tar/.tar.gz of it (tests/fixture-release, or a Coop checkout)
#   PREFIX   images are tagged localhost/PREFIX/coop-*:VERSION; set coop_image_registry to
#            localhost/PREFIX and coop_version to VERSION and nothing is pulled
#   ARCHIVE  optional: also save the four images there (`podman load -i ARCHIVE` on a host)
# Builds run as an unprivileged user inside the build container (VITE_* variables of the
# caller's environment are baked into the client). Cached: the base image, Node, and images
# whose inputs did not change (podman's layer cache).
set -euo pipefail
[ $# -ge 3 ] || { sed -n '10,14p' "$0"; exit 2; }
SOURCE=$1 PREFIX=$2 VERSION=$3 ARCHIVE=${4:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BASE=localhost/coop-build-base:12
NODE_VERSION=$(awk '/^coop_node_version:/ {print $2}' "$ROOT/roles/release/defaults/main.yml")
NPM_VERSION=$(awk '/^coop_npm_version:/ {print $2}' "$ROOT/roles/release/defaults/main.yml")
CACHE=${COOP_NODE_CACHE:-$HOME/.cache/roost.coop}
case $(uname -m) in aarch64) ARCH=arm64 ;; *) ARCH=x64 ;; esac

WORK=$(mktemp -d /var/tmp/coop-images.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# The base: Debian 12 minbase from the host's own apt sources (as tests/hosts/build-image.sh).
if ! podman image exists "$BASE"; then
  SRC=/etc/apt/sources.list.d/debian.sources
  rootfs=$WORK/rootfs
  debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" \
    "$(awk '/^URIs:/{print $2; exit}' "$SRC")" > "$WORK/debootstrap.log"
  cp "$SRC" "$rootfs/etc/apt/sources.list.d/debian.sources"; rm -f "$rootfs/etc/apt/sources.list"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
  tar -C "$rootfs" -c . | podman import --quiet - "$BASE" > /dev/null
  rm -rf "$rootfs"
fi

# Node and npm, unpacked here: only bin/node and npm's package go into the images.
mkdir -p "$CACHE" "$WORK/ctx/node/bin" "$WORK/ctx/node/lib/node_modules/npm"
for pkg in "node-linux-$ARCH@$NODE_VERSION" "npm@$NPM_VERSION"; do
  file=$CACHE/${pkg/@/-}.tgz
  [ -s "$file" ] || (cd "$CACHE" && npm pack --silent "$pkg" > /dev/null)
done
tar -xzf "$CACHE/node-linux-$ARCH-$NODE_VERSION.tgz" -C "$WORK/ctx/node" --strip-components=1 package/bin/node
tar -xzf "$CACHE/npm-$NPM_VERSION.tgz" -C "$WORK/ctx/node/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$WORK/ctx/node/bin/npm"

# The release source, without what an earlier local build left.
mkdir -p "$WORK/ctx/release"
if [ -d "$SOURCE" ]; then
  tar -C "$SOURCE" --exclude=node_modules --exclude=.git -c . | tar -C "$WORK/ctx/release" -x
else
  tar -xaf "$SOURCE" -C "$WORK/ctx/release"
  # a tarball with one top directory
  top=("$WORK"/ctx/release/*)
  if [ ${#top[@]} -eq 1 ] && [ -d "${top[0]}" ]; then mv "${top[0]}" "$WORK/ctx/src" && rm -rf "$WORK/ctx/release" && mv "$WORK/ctx/src" "$WORK/ctx/release"; fi
fi
cp "$ROOT/hack/coop-images/"* "$WORK/ctx/"

# VITE_* of the caller's environment, for the client build
while IFS= read -r name; do printf 'export %s=%q\n' "$name" "${!name}"; done \
  < <(env | sed -n 's/^\(VITE_[A-Za-z0-9_]*\)=.*/\1/p') > "$WORK/ctx/vite.env"
for target in server worker client migrations; do
  podman build --quiet --layers --target "$target" --build-arg "BASE=$BASE" \
    --tag "localhost/$PREFIX/coop-$target:$VERSION" --file "$WORK/ctx/Containerfile" "$WORK/ctx" > /dev/null
  echo "built localhost/$PREFIX/coop-$target:$VERSION"
done
if [ -n "$ARCHIVE" ]; then
  rm -f "$ARCHIVE"
  podman save --quiet --multi-image-archive --output "$ARCHIVE" \
    "localhost/$PREFIX/coop-"{server,worker,client,migrations}":$VERSION"
  echo "saved to $ARCHIVE"
fi
