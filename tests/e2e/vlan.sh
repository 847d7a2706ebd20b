#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# vlan.sh BUILD_DIR
#
# Tagged clients through the gateway. This kernel has no 802.1Q, so vlantag
# (tests/e2e/vlantag.c) pushes the client's tag(s) between the client's veth
# and the gateway's LAN trunk, and pops them again between the WAN trunk and
# the server:
#   client ns -- vlantag(push) -- trunk -- [gateway] -- trunk -- vlantag(pop) -- server ns
# Two testbeds, one after the other:
#   802.1Q VID 10                 role web (names): allowed.test passes, denied.test is reset
#   QinQ outer 100 / inner 20     role app (10.99.0.0/24, any port; the inner VID
#                                 selects the role): denied.test passes on CIDR
# Checks that the tags are on the wire (tcpdump on the LAN trunk, tshark),
# the verdicts, and (real gateway) the VLAN and role in the EVE events.
# Same environment and output conventions as inline.sh.

set -euo pipefail

BUILD_DIR=${1:?usage: vlan.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)

if [ -z "${EGW_VLAN_CASE:-}" ]; then
	# Driver: one child run per testbed, then the closing line for all.
	pass=0 fail=0
	for c in 10 100/20; do
		out=$(EGW_VLAN_CASE=$c "$0" "$BUILD_DIR" 2>&1) || true
		printf '%s\n' "$out" | grep -v '^Running as user' | grep -v '^[0-9]* passed, [0-9]* failed$' || true
		pass=$((pass + $(printf '%s\n' "$out" | grep -c '^ok ' || true)))
		fail=$((fail + $(printf '%s\n' "$out" | grep -c '^FAIL ' || true)))
		if ! printf '%s\n' "$out" | grep -q '^[0-9]* passed, [0-9]* failed$'; then
			printf 'FAIL vlan case %s ran to completion\n' "$c"
			fail=$((fail + 1))
		fi
	done
	printf '%d passed, %d failed\n' "$pass" "$fail"
	[ "$fail" -eq 0 ]
	exit
fi

# shellcheck source-path=SCRIPTDIR
source "$HERE/lib.sh"
GW_CMD=${GW_CMD:-$BUILD_DIR/app/egressgw/egressgw}
POLICY=${EGW_POLICY:-$HERE/../replay/policy.yaml}
command -v "$GW_CMD" >/dev/null 2>&1 || egw_die "gateway binary $GW_CMD not found"

case $EGW_VLAN_CASE in
10)
	EGW_VID=10
	EGW_VID_OUTER=
	ROLE=web
	;;
100/20)
	EGW_VID_OUTER=100
	EGW_VID=20
	ROLE=app
	;;
*) egw_die "unknown EGW_VLAN_CASE $EGW_VLAN_CASE" ;;
esac
TAG="VLAN $EGW_VLAN_CASE"

egw_init
egw_testbed_up vlan
egw_servers_start
STANDIN=0
egw_gw_standin && STANDIN=1

TRUNK_PCAP="$EGW_TMP/lan-trunk.pcap"
egw_capture_start trunk - "$EGW_P-lt" "$TRUNK_PCAP"
egw_gw_start "$POLICY"
egw_gw_wait_forwarding 60

W4=$EGW_S4_WEB
CURL=(curl -sS --max-time 10 --cacert "$EGW_CA")

out=$(egw_c "${CURL[@]}" --local-port 43001 -w ' %{http_code}' \
	--resolve "allowed.test:443:$W4" https://allowed.test/ 2>&1) || true
case $out in
*"egw-ok host=allowed.test sni=allowed.test"*" 200") egw_ok "$TAG: curl https://allowed.test/ -> 200" ;;
*) egw_fail "$TAG: curl https://allowed.test/ -> 200" "$(printf '%s' "$out" | tail -c 200)" ;;
esac

rc=0
out=$(egw_c "${CURL[@]}" --local-port 43002 -w ' %{http_code}' \
	--resolve "denied.test:443:$W4" https://denied.test/ 2>&1) || rc=$?
if [ "$ROLE" = app ] || [ "$STANDIN" = 1 ]; then
	# Role app allows its CIDR whatever the name; the stand-in allows all.
	case $out in
	*"egw-ok host=denied.test"*" 200") egw_ok "$TAG: curl https://denied.test/ -> 200 ($([ "$STANDIN" = 1 ] && echo stand-in || echo "role $ROLE"))" ;;
	*) egw_fail "$TAG: curl https://denied.test/ -> 200" "exit $rc: $(printf '%s' "$out" | tail -c 200)" ;;
	esac
else
	if [[ $rc =~ ^(35|56)$ ]] && printf '%s' "$out" | grep -qi reset; then
		egw_ok "$TAG: curl https://denied.test/ is reset (role $ROLE)"
	else
		egw_fail "$TAG: curl https://denied.test/ is reset" "exit $rc: $(printf '%s' "$out" | tail -c 200)"
	fi
fi

egw_capture_stop trunk

# The client's frames on the LAN trunk carry the tag(s), none is untagged.
if [ -n "$EGW_VID_OUTER" ]; then
	filt="ieee8021ad.id == $EGW_VID_OUTER && vlan.id == $EGW_VID && tcp.srcport == 43001"
	want_tpid=0x88a8
else
	filt="vlan.id == $EGW_VID && tcp.srcport == 43001"
	want_tpid=0x8100
fi
tpid=$(tshark -n -r "$TRUNK_PCAP" -Y "tcp.srcport == 43001" -T fields -e eth.type 2>/dev/null |
	sort -u | paste -sd' ' -)
tagged=$(tshark -n -r "$TRUNK_PCAP" -Y "$filt" 2>/dev/null | wc -l)
untagged=$(tshark -n -r "$TRUNK_PCAP" -Y "(ip || ipv6 || arp) && !vlan" 2>/dev/null | wc -l)
if [ "$tagged" -gt 0 ] && [ "$untagged" -eq 0 ] && [ "$tpid" = "$want_tpid" ]; then
	egw_ok "$TAG: LAN trunk carries the client's frames tagged ($tagged frames, TPID $tpid)"
else
	egw_fail "$TAG: LAN trunk carries the client's frames tagged" \
		"tagged $tagged, untagged $untagged, client frame TPIDs '$tpid' (want '$want_tpid')"
fi

if [ "$STANDIN" = 1 ]; then
	egw_skip "$TAG: EVE vlan/role checks (stand-in bridge)"
	egw_gw_stop || true
else
	egw_gw_stop || true
	for port in 43001 43002; do
		got=$("$EGW_PY" - "$EGW_EVE" "$port" <<'EOF' 2>&1
import json, sys
seen = set()
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("src_port") != int(sys.argv[2]) or e.get("event_type") == "flow":
        continue
    gw = e.get("gw", {})
    seen.add("vlan=%s role=%s verdict=%s" % (
        "/".join(str(v) for v in e.get("vlan", [])) or "-", gw.get("role"), gw.get("verdict")))
print(",".join(sorted(seen)) or "no event")
EOF
		) || true
		if [ "$ROLE" = web ] && [ "$port" = 43002 ]; then
			verdict=deny
		else
			verdict=allow
		fi
		want="vlan=$EGW_VLAN_CASE role=$ROLE verdict=$verdict"
		if [ "$got" = "$want" ]; then
			egw_ok "$TAG: EVE for client port $port: $want"
		else
			egw_fail "$TAG: EVE for client port $port: $want" "got: $got"
		fi
	done
fi

egw_summary
