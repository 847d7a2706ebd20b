#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# dns-verify.sh BUILD_DIR
#
# Name bindings the gateway did not see on the wire: a client that connects
# by an address it got elsewhere (curl --resolve, no DNS through the
# gateway) is held while the gateway's control plane resolves the name
# through the allowed resolver (dnsmasq in the server ns, reached over a
# management link from the root ns). The name resolves to the destination:
# allowed; to another address: name_ip_mismatch; not at all:
# dns_verify_timeout. One line per check, then "N passed, M failed".

set -euo pipefail

BUILD_DIR=${1:?usage: dns-verify.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$HERE/lib.sh"

GW_CMD=${GW_CMD:-$BUILD_DIR/app/egressgw/egressgw}
GWCTL=${GWCTL:-$BUILD_DIR/app/gwctl/gwctl}
command -v dnsmasq >/dev/null 2>&1 || egw_die "dnsmasq not installed"

RESOLVER=10.99.0.53
egw_init
egw_testbed_up gw
egw_servers_start
ip -n "$NS_S" addr add "$RESOLVER/24" dev s0
# Management link: the gateway host (root ns) reaches the resolver directly.
ip link add "$EGW_P-m0" type veth peer name m1 netns "$NS_S"
ip addr add 10.98.0.1/30 dev "$EGW_P-m0"
ip link set "$EGW_P-m0" up
ip -n "$NS_S" addr add 10.98.0.2/30 dev m1
ip -n "$NS_S" link set m1 up
ip route add "$RESOLVER/32" via 10.98.0.2
egw_bg dnsmasq "$NS_S" dnsmasq --no-daemon --no-resolv --no-hosts \
	--listen-address="$RESOLVER" --bind-interfaces --port 53 \
	--host-record=allowed.test,10.99.0.100 --local-ttl=30 \
	--host-record=www.allowed.test,10.99.0.102 --local=/test/ \
	--pid-file="$EGW_TMP/dnsmasq.pid" --log-facility=-
for _ in $(seq 1 50); do
	kdig +time=1 +tries=1 @"$RESOLVER" allowed.test A 2>/dev/null | grep -q 10.99.0.100 && break
	sleep 0.1
done

POLICY="$EGW_TMP/policy.yaml"
cat >"$POLICY" <<EOF2
egress_policy:
  default: deny
  dns:
    allow: ["$RESOLVER"]
  roles:
    web:
      vlans: [untagged]
      allow_fqdns: ["allowed.test", "*.allowed.test"]
      name_binding: strict
EOF2
egw_gw_start "$POLICY"
egw_gw_wait_forwarding 60

CURL=(curl -sS --max-time 8 --cacert "$EGW_CA")
# curl_case DESC EXPECT(ok|fail) NAME ADDR PORT
curl_case()
{
	local desc=$1 want=$2 name=$3 addr=$4 port=$5 rc=0 out
	out=$(egw_c "${CURL[@]}" --local-port "$port" --resolve "$name:443:$addr" \
		"https://$name/" 2>&1) || rc=$?
	if { [ "$want" = ok ] && [ $rc -eq 0 ]; } || { [ "$want" = fail ] && [ $rc -ne 0 ]; }; then
		egw_ok "$desc"
	else
		egw_fail "$desc" "exit $rc: $(printf '%s' "$out" | tail -n 2 | tr '\n' '|')"
	fi
}

curl_case "verified by the resolver: allowed.test at 10.99.0.100" ok allowed.test 10.99.0.100 43001
curl_case "resolver says www.allowed.test is .102, client goes to .101" fail www.allowed.test 10.99.0.101 43002
curl_case "resolver does not know api.allowed.test" fail api.allowed.test 10.99.0.100 43003
curl_case "learned by the first verification: allowed.test again" ok allowed.test 10.99.0.100 43004

egw_gw_stop >/dev/null || egw_fail "gateway exit status" "non-zero"
# eve_reason PORT WANT: the verdict event of the client port.
eve_reason()
{
	local port=$1 want=$2 got
	got=$("$EGW_PY" - "$EGW_EVE" "$port" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event_type") in ("tls", "http", "drop") and e.get("src_port") == int(sys.argv[2]):
        g = e.get("gw", {})
        print(g.get("reason") or ("allow/" + g.get("binding", "-")))
        break
PY
)
	if [ "$got" = "$want" ]; then
		egw_ok "EVE client port $port: $want"
	else
		egw_fail "EVE client port $port: $want" "got '$got'"
	fi
}
eve_reason 43001 allow/bound
eve_reason 43002 name_ip_mismatch
eve_reason 43003 dns_verify_timeout
eve_reason 43004 allow/bound
egw_summary
