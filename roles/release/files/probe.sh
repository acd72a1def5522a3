# shellcheck shell=sh
# What the release role finds on the host, in one round trip: one "key<TAB>value" line each.
# Arguments: NODE_DIR RELEASE_STAMP SERVER_STAMP CLIENT_STAMP CLIENT_ENV; '-' means absent.
node_dir=$1
node=$("$node_dir/bin/node" -p "process.version + ' ' + require('$node_dir/lib/node_modules/npm/package.json').version" 2>/dev/null)
printf 'node\t%s\n' "${node:--}"
printf 'release\t%s\n' "$(head -n1 "$2" 2>/dev/null || echo -)"
printf 'server_build\t%s\n' "$(head -n1 "$3" 2>/dev/null || echo -)"
printf 'client_build\t%s\n' "$(head -n1 "$4" 2>/dev/null || echo -)"
sum=$(sha256sum "$5" 2>/dev/null) && sum=${sum%% *} || sum=-
printf 'client_env\t%s\n' "$sum"
