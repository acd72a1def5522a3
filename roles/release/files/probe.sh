# shellcheck shell=sh
# What the release role finds on the host, in one round trip: one "key<TAB>value" line each.
# Arguments: NODE_DIR INSTALL_DIR LEGACY_DIR CLIENT_ENV MARKER; '-' means absent.
node_dir=$1 install_dir=$2 legacy=$3 client_env=$4 marker=$5
node=$("$node_dir/bin/node" -p "process.version + ' ' + require('$node_dir/lib/node_modules/npm/package.json').version" 2>/dev/null)
printf 'node\t%s\n' "${node:--}"
printf 'current\t%s\n' "$(readlink "$install_dir/current" || echo -)"
printf 'previous\t%s\n' "$(readlink "$install_dir/previous" || echo -)"
releases='' dirs=0
for dir in "$install_dir"/releases/*/; do
  [ -d "$dir" ] && dirs=$((dirs + 1))
  [ -f "$dir$marker" ] && releases="$releases $(basename "$dir")"
done
printf 'releases\t%s\n' "${releases# }"
# every directory in releases/, complete or not: the app role prunes only when there are more than it keeps
printf 'dirs\t%s\n' "$dirs"
if [ -d "$legacy" ] && [ ! -L "$legacy" ]; then
  printf 'legacy\t%s\n' "$(head -n1 "$legacy/.coop-release" 2>/dev/null || echo unknown)"
else
  printf 'legacy\t-\n'
fi
if [ -L "$legacy" ]; then printf 'legacy_link\tyes\n'; else printf 'legacy_link\tno\n'; fi
sum=$(sha256sum "$client_env" 2>/dev/null) && sum=${sum%% *} || sum=-
printf 'client_env\t%s\n' "$sum"
