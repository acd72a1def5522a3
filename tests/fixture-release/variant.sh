#!/bin/sh
# Writes a complete fixture release (NOT Coop) playing Coop release VERSION into DEST, for upgrade
# tests: `main` is this directory as it is; `1.0.0`, `1.0.1`, `1.0.2` lack the main-only migration,
# need Scylla settings to boot and ignore ITEM_INVESTIGATION_AND_STRIKES_ENABLED. The client page
# names the release, so an upgrade visibly changes it. With `broken`, the release also has a last
# migration that fails (the migrator exits 1 naming it), for the failed-deploy tests.
#   tests/fixture-release/variant.sh 1.0.2 /tmp/v1 && tests/fixture-release/variant.sh main /tmp/v2 broken
set -eu
version=${1:?usage: variant.sh VERSION DEST (VERSION: 1.0.0, 1.0.1, 1.0.2 or main)}
dest=${2:?usage: variant.sh VERSION DEST}
broken=${3:-}
case $broken in
  '' | broken) ;;
  *) echo "variant.sh: unknown option $broken; the third argument is broken or nothing" >&2; exit 2 ;;
esac
case $version in
  1.0.0 | 1.0.1 | 1.0.2 | main) ;;
  *) echo "variant.sh: unknown VERSION $version; use 1.0.0, 1.0.1, 1.0.2 or main" >&2; exit 2 ;;
esac
BROKEN_SCRIPT=2025.12.31T00.00.00.fixture-broken.sql
here=$(cd "$(dirname "$0")" && pwd)
[ ! -e "$dest" ] || { echo "variant.sh: $dest exists; give a new directory" >&2; exit 2; }
mkdir -p "$dest"
tar -C "$here" --exclude=node_modules --exclude=build --exclude=transpiled --exclude=variant.sh -cf - . | tar -C "$dest" -xf -
if [ "$version" != main ]; then
  rm "$dest"/db/src/scripts/api-server-pg/*.fixture-v2-*
fi
sed -i "s/\"coopFixtureRelease\": \"[^\"]*\"/\"coopFixtureRelease\": \"$version\"/" "$dest/package.json"
grep -q "\"coopFixtureRelease\": \"$version\"" "$dest/package.json"
if [ -n "$broken" ]; then
  echo 'SELECT * FROM public.no_such_table;' > "$dest/db/src/scripts/api-server-pg/$BROKEN_SCRIPT"
fi
