#!/usr/bin/env bash
# P6 with two app hosts and coop_app_serial 1, and P7 for 2 and 3 app/web hosts. Runs the molecule
# scenario `multi` (db; app1 = API + web; app2 = API): converge (2 app/web hosts), then an upgrade
# to another fixture release with coop_app_serial=1 while a probe on app1 requests / and
# /api/v1/ready through its nginx every 0.2 s (targets: 0 failed for both), with the db host added
# to coop_web for that run, so 3 app/web hosts share it. Builds are the lines of the build log.
# The scenario serves https (coop_tls: acme, Pebble on the db host): the probe and the check of what
# the db host serves request https on loopback without verifying the certificate (they measure
# availability; the checklist's tls check verifies it), and the db host, which cannot answer an
# ACME challenge for app1's name, gets a self-signed certificate instead.
# Usage: bench/p6_two_app_hosts.sh     (from anywhere; needs hack/setup.sh first)
SCENARIO=multi
# shellcheck source=bench/molecule_host.sh
. "$(dirname "$0")/molecule_host.sh"
for step in create prepare converge; do
  molecule "$step" -s multi >"$OUT/$step.log" 2>&1 || { tail -40 "$OUT/$step.log"; exit 1; }
done
builds() { podman exec coop-multi-app1 sh -c 'wc -l < /var/lib/coop-build/builds.log'; }
b2=$(builds)
"$ROOT/tests/fixture-release/variant.sh" main "$OUT/a" >/dev/null
sed -i 's/"coopFixtureRelease": "main"/"coopFixtureRelease": "main-a"/' "$OUT/a/package.json"
printf 'coop_web:\n  hosts:\n    coop-multi-db:\n      coop_tls: self_signed\n' > "$OUT/web.yml"
podman cp "$ROOT/extensions/molecule/default/files/probe.py" coop-multi-app1:/root/probe.py
podman exec coop-multi-app1 rm -f /root/probe.stop /root/probe.json
podman exec -d coop-multi-app1 python3 /root/probe.py /root/probe.json /root/probe.stop 1800 https://127.0.0.1 >/dev/null
molecule converge -s multi -- -i "$OUT/web.yml" -e coop_app_serial=1 -e "coop_release_src=$OUT/a" \
  >"$OUT/upgrade.log" 2>&1 || { grep -E -A25 'fatal:|FAILED!|ERROR' "$OUT/upgrade.log" | head -80; exit 1; }
podman exec coop-multi-app1 touch /root/probe.stop
for _ in $(seq 30); do podman exec coop-multi-app1 test -s /root/probe.json && break; sleep 1; done
b3=$(builds)
served=$(podman exec coop-multi-db python3 -c "import ssl, urllib.request
context = ssl.create_default_context()
context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
print(urllib.request.urlopen('https://127.0.0.1/api/v1/fixture-release', context=context).read().decode())" || true)
printf 'P6 upgrade, two app hosts, coop_app_serial 1 (fixture release)\n  probe: %s\n' \
  "$(podman exec coop-multi-app1 cat /root/probe.json)"
printf 'P7 builds per deploy\n  2 app/web hosts (converge): %s\n  3 app/web hosts (upgrade, db host also web; it serves %s): %s\n' \
  "$b2" "${served:-nothing}" "$((b3 - b2))"
