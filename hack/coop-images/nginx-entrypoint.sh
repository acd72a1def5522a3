#!/bin/sh
# Renders /etc/nginx/templates/*.template into /etc/nginx/conf.d/*.conf with the environment's
# variables only (nginx's own $variables stay), as the official nginx image does; then runs CMD.
set -eu
vars=$(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/${\1}/p' | tr '\n' ' ')
for template in /etc/nginx/templates/*.template; do
  [ -f "$template" ] || continue
  name=$(basename "$template" .template)
  envsubst "$vars" < "$template" > "/etc/nginx/conf.d/$name"
done
exec "$@"
