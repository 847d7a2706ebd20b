#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The demo: installs what is missing, builds, brings up a network-namespace
# testbed (client ns -- egressgw on net_af_packet -- server ns with nginx),
# runs real clients through the gateway and shows `gwctl stats` and the EVE
# events. Everything it creates is removed when it ends.
#
#   sudo tools/demo.sh          run the demo
#   EGW_KEEP=1 tools/demo.sh    keep the work directory (EVE log, captures)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ "$(id -u)" -ne 0 ]; then
	echo "tools/demo.sh: run as root (network namespaces, AF_PACKET, apt-get)" >&2
	exit 2
fi
bash tools/install-deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null

BUILD_DIR=$top/build
# shellcheck source-path=SCRIPTDIR
source "$top/tests/e2e/lib.sh"
GW_CMD=$BUILD_DIR/app/egressgw/egressgw
GWCTL=$BUILD_DIR/app/gwctl/gwctl
POLICY=$top/tests/replay/policy.yaml

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

egw_init
egw_testbed_up gw
egw_servers_start
say "policy ($POLICY)"
"$GW_CMD" check --config "$POLICY" 2>&1 | sed -n '1,6p'
egw_gw_start "$POLICY"
egw_gw_wait_forwarding 60

run() {
	local desc=$1
	shift
	printf '  %-58s ' "$desc"
	local t0 out rc=0
	t0=$(date +%s%3N)
	out=$(egw_c "$@" 2>&1) || rc=$?
	printf '%s (%d ms)\n' "$([ $rc -eq 0 ] && echo "OK: $(printf '%s' "$out" | head -c 40 | tr '\n' ' ')" || echo "refused (exit $rc)")" \
		$(($(date +%s%3N) - t0))
}

W=$EGW_S4_WEB
CURL=(curl -sS --max-time 5 --cacert "$EGW_CA")
say "real clients through the gateway (server $W)"
run "curl https://allowed.test/ (TLS, allowed name)" \
	"${CURL[@]}" --resolve "allowed.test:443:$W" https://allowed.test/
run "curl https://api.allowed.test/ (TLS 1.2, wildcard)" \
	"${CURL[@]}" --tls-max 1.2 --resolve "api.allowed.test:443:$W" https://api.allowed.test/
run "curl http://allowed.test/ (HTTP Host)" \
	"${CURL[@]}" --resolve "allowed.test:80:$W" http://allowed.test/
run "curl https://denied.test/ (name not in the allowlist)" \
	"${CURL[@]}" --resolve "denied.test:443:$W" https://denied.test/
run "curl https://evil-c2.test/ (C2 signature)" \
	"${CURL[@]}" --resolve "evil-c2.test:443:$W" https://evil-c2.test/
run "openssl s_client -noservername (no SNI)" \
	sh -c "echo | timeout 5 openssl s_client -connect $W:443 -noservername 2>&1 | grep -q 'BEGIN CERT'"
run "curl http://$W/ (IP literal Host)" "${CURL[@]}" "http://$W/"

sleep 1
say "gwctl stats"
"$GWCTL" --socket "$EGW_CTL" stats
say "EVE events (verdicts)"
/usr/bin/python3 - "$EGW_EVE" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    t = e["event_type"]
    if t not in ("tls", "http", "drop", "allow", "alert"):
        continue
    name = e.get("tls", {}).get("sni") or e.get("http", {}).get("hostname") or "-"
    gw = e.get("gw", {})
    what = ("alert: " + e["alert"]["signature"]) if t == "alert" else \
        "%s %s" % (gw.get("verdict"), gw.get("reason", ""))
    print("  %-5s %s:%s -> %s:%s  %-18s %s" % (t, e["src_ip"], e.get("src_port", ""),
          e["dest_ip"], e.get("dest_port", ""), name, what))
PY
egw_gw_stop >/dev/null || true
say "done (testbed removed)"
