#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The demo: installs what is missing, builds, brings up the nat-mode testbed
# (tests/e2e/testbed: egressgw as the DMZ's default gateway on a VLAN trunk,
# a web server role on VLAN 10 and an app server role on VLAN 20, "the
# internet" with nginx and DNS behind the WAN port and its SNAT pool), runs
# real clients of both roles through it, shows what the server saw,
# `gwctl stats`, `gwctl flows` and the EVE translation records, then removes
# the testbed. About a minute.
#
#   sudo tools/demo.sh                       build in ./build
#   sudo BUILD_DIR=/tmp/b tools/demo.sh      another build directory
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ "$(id -u)" -ne 0 ]; then
	echo "tools/demo.sh: run as root (network namespaces, AF_PACKET, apt-get)" >&2
	exit 2
fi
bash tools/install-deps.sh
build=${BUILD_DIR:-$top/build}
[ -d "$build" ] || meson setup "$build" >/dev/null
ninja -C "$build" >/dev/null

TESTBED=$top/tests/e2e/testbed
GWCTL=$build/app/gwctl/gwctl
POLICY=$top/tests/e2e/nat-policy.yaml

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "policy ($POLICY)"
"$build/app/egressgw/egressgw" check --config "$POLICY" 2>&1 | sed -n '2,6p'
say "testbed up"
"$TESTBED" up --config "$POLICY" --build "$build" >/dev/null
trap '"$TESTBED" down >/dev/null 2>&1 || true' EXIT
# shellcheck disable=SC1091
source /run/egw-testbed/testbed.env
"$TESTBED" status | sed -n '1,8p'

# run ROLE DESC CMD...: CMD as a client of ROLE (its namespace), one line.
run()
{
	local role=$1 desc=$2 t0 out rc=0
	shift 2
	printf '  %-4s %-52s ' "$role" "$desc"
	t0=$(date +%s%3N)
	out=$(ip netns exec "$TB_P-$role" timeout 10 "$@" 2>&1) || rc=$?
	if [ "$rc" -eq 0 ]; then
		# nginx's page: its marker; ping: the reply; else the first line.
		out="OK: $( { printf '%s' "$out" | grep -Eo 'egw-ok[^<]*|[0-9]+ bytes from .*' ||
			printf '%s' "$out" | grep -v '^$'; } | head -n 1 | head -c 44)"
	else
		out="refused (exit $rc: $(printf '%s' "$out" | grep -v '^$' | tail -n 1 | head -c 40))"
	fi
	printf '%s (%d ms)\n' "$out" $(($(date +%s%3N) - t0))
}

C=(curl -sS --max-time 5 --cacert "$TB_CA")
say "web role, VLAN 10, 10.10.0.10 (allow_fqdns allowed.test, *.allowed.test)"
run web "curl https://allowed.test/ (TLS, allowed name)" "${C[@]}" https://allowed.test/
run web "curl http://www.allowed.test/ (HTTP, wildcard)" "${C[@]}" http://www.allowed.test/
run web "curl https://denied.test/ (not in the allowlist)" "${C[@]}" https://denied.test/
run web "curl https://evil-c2.test/ (C2 signature)" "${C[@]}" https://evil-c2.test/
run web "ping -c1 10.10.0.1 (the gateway)" ping -n -c1 -W2 10.10.0.1
printf '  web  %-52s %s\n' "ping -c1 -t1 203.0.113.10 (TTL 1)" \
	"$( { ip netns exec "$TB_P-web" ping -n -c1 -W2 -t1 203.0.113.10 2>&1 || true; } |
		grep -m1 From || echo 'no answer')"
say "app role, VLAN 20, 10.20.0.10 (allow_cidrs 10.0.0.0/8)"
run app "curl http://10.10.0.10:8080/ (web VLAN, no NAT)" curl -sS --max-time 5 http://10.10.0.10:8080/
run app "curl http://203.0.113.10/ (the internet)" curl -sS --max-time 5 http://203.0.113.10/

say "what the server saw (nginx \$remote_addr:port): pool addresses only"
sed 's/^/  /' "$TB_ACCESS"
say "gwctl stats"
"$GWCTL" --socket "$TB_CTL" stats | sed -n '/^WORKERS/,/^RINGS/p' | sed '$d'
say "gwctl flows"
"$GWCTL" --socket "$TB_CTL" flows --limit 12
say "EVE: verdicts and translations (gw.snat)"
/usr/bin/python3 - "$TB_EVE" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    t = e["event_type"]
    if t not in ("tls", "http", "drop", "allow", "alert") or "dest_ip" not in e:
        continue
    name = e.get("tls", {}).get("sni") or e.get("http", {}).get("hostname") or "-"
    gw = e.get("gw", {})
    sn = gw.get("snat")
    what = ("alert: " + e["alert"]["signature"]) if t == "alert" else \
        "%s %s" % (gw.get("verdict"), gw.get("reason", ""))
    print("  %-5s %-4s %s:%s -> %s:%s  %-16s %-24s %s" % (
        t, gw.get("role", "-"), e.get("src_ip", "-"), e.get("src_port", ""), e.get("dest_ip", "-"),
        e.get("dest_port", ""), name, what,
        "snat %s:%s" % (sn["ip"], sn["port"]) if sn else ""))
PY
say "testbed down"
"$TESTBED" down
trap - EXIT
