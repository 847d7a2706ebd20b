#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# nat.sh BUILD_DIR
#
# egressgw in nat mode (gateway.mode: nat) as the DMZ's default gateway, with
# real clients of two roles behind a VLAN trunk (lib.sh egw_nat_testbed_up;
# vlantag tags the clients' frames, the kernel has no 802.1Q) and a server
# namespace with nginx (TLS, HTTP) and dnsmasq on the WAN side. Policy:
# tests/e2e/nat-policy.yaml. Checks, one per point of the issue:
#   - web (VLAN 10) reaches allowed.test over TLS and HTTP, names resolved by
#     DNS through the gateway; denied.test is reset;
#   - app (VLAN 20) reaches 10.10.0.10 (a listener in the web namespace,
#     routed between VLANs without translation) and is denied the internet
#     (cidr_not_allowed);
#   - the server sees only pool addresses (nginx's $remote_addr, and every
#     IPv4 source on its link); each address:port nginx saw is the gw.snat of
#     an EVE flow record; unsolicited inbound is dropped (nat_no_mapping);
#   - ping to the gateway's addresses works, a TTL of 1 gets time exceeded
#     from the receiving VLAN's gateway address;
#   - a download of ~16 s (nginx limit_rate) completes byte for byte with one
#     mapping that lives until the flow ends, although the NAT idle timers of
#     the policy are 5 s;
#   - pool exhaustion, on a second gateway start with one address and 64
#     ports: of 80 concurrent UDP flows (DNS queries) 64 are answered, 16 are
#     denied nat_exhausted and counted by gwctl; the first flows still work,
#     and TCP (its own port space) too; egressgw check refuses 63 ports;
#   - two workers (net_af_packet has no rte_flow: return traffic is handed
#     to the owning worker): fetches through DNS and TLS all succeed, every
#     worker resolves its neighbours (no neigh_unresolved).
# Environment: GW_CMD, GWCTL (default BUILD_DIR/app/...), EGW_NAT_WORKERS
# (workers of the first gateway, default 1), EGW_KEEP=1 keeps the work
# directory. Output: one line per check, then "N passed, M failed".

set -euo pipefail

BUILD_DIR=${1:?usage: nat.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$HERE/lib.sh"
GW_CMD=${GW_CMD:-$BUILD_DIR/app/egressgw/egressgw}
GWCTL=${GWCTL:-$BUILD_DIR/app/gwctl/gwctl}
POLICY=$HERE/nat-policy.yaml
[ -x "$GW_CMD" ] || egw_die "gateway binary $GW_CMD not found"
[ -x "$GWCTL" ] || egw_die "gwctl $GWCTL not found"

_nat_exit()
{
	local rc=$?
	rm -rf "/etc/netns/$EGW_P-web" "/etc/netns/$EGW_P-app" "/etc/netns/$EGW_P-srv"
	(exit "$rc")
	egw_cleanup
}

egw_init
trap _nat_exit EXIT
egw_nat_testbed_up
egw_nat_servers_start
egw_nat_web_listener
SRV_PCAP="$EGW_TMP/srv.pcap"
egw_capture_start srv "$NS_SRV" s0 "$SRV_PCAP"
egw_nat_workers "${EGW_NAT_WORKERS:-1}"
egw_gw_start "$POLICY"
egw_nat_gw_wait 60

# The pool of nat-policy.yaml, as an anchored regex (grep -E, Python re).
POOL_RE="^($(IFS='|'; printf '%s' "${EGW_NAT_POOL[*]//./\\.}"))\$"
CURL=(curl -sS --max-time 10 --cacert "$EGW_CA")

egw_web() { egw_in "$NS_WEB" "$@"; }
egw_app() { egw_in "$NS_APP" "$@"; }
egw_srv() { egw_in "$NS_SRV" "$@"; }
one_line() { tr '\n' '|' | tail -c "${1:-300}"; }

# stats FILE: gwctl --json stats into FILE.
stats()
{
	timeout 10 "$GWCTL" --socket "$EGW_CTL" --json stats >"$1" 2>"$EGW_TMP/gwctl.err" ||
		egw_die "gwctl stats: $(cat "$EGW_TMP/gwctl.err")"
}

# jq_py FILE EXPR: a Python expression over the JSON document s (its
# error, if any, is the output: the check that compares it then fails).
jq_py()
{
	"$EGW_PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$1" "$2" 2>&1 | tail -n 1 || true
}

# check DESC WANT GOT
check()
{
	if [ "$2" = "$3" ]; then
		egw_ok "$1"
	else
		egw_fail "$1" "want: $2" "got:  $3"
	fi
}

# ---- web role: names over TLS and HTTP ------------------------------------

out=$(egw_web "${CURL[@]}" -w ' %{http_code}' https://allowed.test/ 2>&1) || true
case $out in
*"egw-ok host=allowed.test sni=allowed.test"*" 200") egw_ok "web: curl https://allowed.test/ (name from DNS via the gateway) -> 200" ;;
*) egw_fail "web: curl https://allowed.test/ -> 200" "$(printf '%s' "$out" | tail -c 300)" ;;
esac
out=$(egw_web "${CURL[@]}" -w ' %{http_code}' http://www.allowed.test/ 2>&1) || true
case $out in
*"egw-ok host=www.allowed.test "*" 200") egw_ok "web: curl http://www.allowed.test/ (HTTP, wildcard) -> 200" ;;
*) egw_fail "web: curl http://www.allowed.test/ -> 200" "$(printf '%s' "$out" | tail -c 300)" ;;
esac
for url in https://denied.test/ http://denied.test/; do
	rc=0
	out=$(egw_web "${CURL[@]}" "$url" 2>&1) || rc=$?
	if [[ $rc =~ ^(35|52|56)$ ]] && printf '%s' "$out" | grep -qi reset; then
		egw_ok "web: curl $url is reset"
	else
		egw_fail "web: curl $url is reset" "exit $rc: $(printf '%s' "$out" | tail -c 200)"
	fi
done

# ---- app role: internal ranges only --------------------------------------

out=$(egw_app curl -sS --max-time 10 "http://$EGW_NAT_WEB4:8080/" 2>&1) || true
check "app: curl http://$EGW_NAT_WEB4:8080/ (web VLAN, allow_cidrs 10.0.0.0/8) answers" \
	"web-internal-ok" "$out"
# Between LAN VLANs there is no translation: the listener saw the app host.
got=$(grep -o '^[0-9.]* ' "$EGW_TMP/weblistener.log" | sort -u | paste -sd' ' -) || true
check "app -> web is routed without NAT (listener saw the client $EGW_NAT_APP4)" \
	"$EGW_NAT_APP4 " "$got"
rc=0
out=$(egw_app curl -sS --max-time 5 "http://$EGW_NAT_WEB_SRV/" 2>&1) || rc=$?
if [ "$rc" -ne 0 ]; then
	egw_ok "app: curl http://$EGW_NAT_WEB_SRV/ (internet) fails (exit $rc)"
else
	egw_fail "app: curl http://$EGW_NAT_WEB_SRV/ (internet) fails" "got: $out"
fi

# ---- the gateway's own addresses, TTL --------------------------------------

for spec in "$NS_WEB:$EGW_NAT_GW_WEB:web" "$NS_APP:$EGW_NAT_GW_APP:app" \
	"$NS_SRV:$EGW_NAT_GW_WAN:server"; do
	IFS=: read -r ns addr who <<<"$spec"
	out=$(egw_in "$ns" ping -n -c1 -W3 "$addr" 2>&1) || true
	if printf '%s' "$out" | grep -q "bytes from $addr: icmp_seq=1"; then
		egw_ok "$who: ping -c1 $addr (the gateway) answers"
	else
		egw_fail "$who: ping -c1 $addr answers" "$(printf '%s' "$out" | head -n 3)"
	fi
done
for spec in "$NS_WEB:$EGW_NAT_GW_WEB:web" "$NS_APP:$EGW_NAT_GW_APP:app"; do
	IFS=: read -r ns addr who <<<"$spec"
	out=$(egw_in "$ns" ping -n -c1 -W3 -t1 "$EGW_NAT_WEB_SRV" 2>&1) || true
	if printf '%s' "$out" | grep -q "From $addr icmp_seq=1 Time to live exceeded"; then
		egw_ok "$who: ping -t1 $EGW_NAT_WEB_SRV gets Time to live exceeded from $addr"
	else
		egw_fail "$who: ping -t1 $EGW_NAT_WEB_SRV gets Time to live exceeded from $addr" \
			"$(printf '%s' "$out" | head -n 3)"
	fi
done

# ---- ICMP errors from outside ----------------------------------------------
# A DNS query to an allowed resolver address where nothing listens: the
# server's port unreachable (to the pool address, quoting the translated
# packet) must reach the client translated back (ECONNREFUSED on its socket).
stats "$EGW_TMP/stats_icmp0.json"
got=$(egw_web "$EGW_PY" -c '
import socket, sys
q = bytes.fromhex("abcd01000001000000000000") + b"\x07allowed\x04test\x00\x00\x01\x00\x01"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.connect((sys.argv[1], 53)); s.send(q)
try:
    s.recv(512); print("answered")
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")
' "$EGW_NAT_DNS_CLOSED" 2>&1) || true
stats "$EGW_TMP/stats_icmp1.json"
d=$("$EGW_PY" -c 'import json,sys; a,b=(sum(w["translated_in"] for w in json.load(open(f))["nat"]) for f in sys.argv[1:]); print(b-a)' \
	"$EGW_TMP/stats_icmp0.json" "$EGW_TMP/stats_icmp1.json" 2>&1) || true
if [ "$got" = refused ] && [[ $d =~ ^[1-9][0-9]*$ ]]; then
	egw_ok "ICMP port unreachable from outside reaches the inside client translated back (ECONNREFUSED; translated_in +$d)"
else
	egw_fail "ICMP error from outside is translated back to the inside client" "client: $got, translated_in +$d"
fi

# ---- IPv6: routed without translation -----------------------------------------
egw_bg http6 "$NS_SRV" "$EGW_PY" -u -m http.server 80 --bind "$EGW_NAT_NEXT_HOP6"
_egw_wait_listen "$NS_SRV" "[$EGW_NAT_NEXT_HOP6]:80" 10 || egw_log "IPv6 server did not listen"
out=$(egw_web timeout 5 ping -6 -c 1 -W 2 "$EGW_NAT_GW_WEB6" 2>&1) || true
if grep -q "bytes from $EGW_NAT_GW_WEB6" <<<"$out"; then
	egw_ok "IPv6: the web VLAN's gateway $EGW_NAT_GW_WEB6 answers ND and echo"
else
	egw_fail "IPv6: ping -6 $EGW_NAT_GW_WEB6" "$(one_line <<<"$out")"
fi
rc=0
out=$(egw_web curl -sS -m 5 -o /dev/null -w '%{http_code}' \
	--resolve "allowed.test:80:[$EGW_NAT_NEXT_HOP6]" http://allowed.test/ 2>&1) || rc=$?
if [ "$rc" -eq 0 ] && [ "$out" = 200 ] && grep -q "^$EGW_NAT_WEB6 " "$EGW_TMP/http6.log"; then
	egw_ok "IPv6: web reaches allowed.test over IPv6, the server sees the inside address $EGW_NAT_WEB6 (no translation)"
else
	egw_fail "IPv6: web reaches allowed.test untranslated" "curl $rc $out" "$(tail -n 2 "$EGW_TMP/http6.log" | one_line)"
fi
out=$(egw_web timeout 5 ping -6 -c 1 -W 2 -t 1 "$EGW_NAT_NEXT_HOP6" 2>&1) || true
if grep -q "From $EGW_NAT_GW_WEB6 .*Time exceeded" <<<"$out"; then
	egw_ok "IPv6: hop limit 1 gets time exceeded from $EGW_NAT_GW_WEB6"
else
	egw_fail "IPv6: hop limit 1 gets time exceeded" "$(one_line <<<"$out")"
fi

# ---- unsolicited inbound ----------------------------------------------------

stats "$EGW_TMP/stats0.json"
rc=0
egw_srv "$EGW_PY" -c '
import socket, sys
s = socket.socket(); s.settimeout(2)
try:
    s.connect(("198.51.100.10", 23456))
except (socket.timeout, OSError) as e:
    print(e); sys.exit(1)
' >"$EGW_TMP/inbound.log" 2>&1 || rc=$?
stats "$EGW_TMP/stats1.json"
d=$("$EGW_PY" -c 'import json,sys; a,b=(json.load(open(f))["drops"]["nat_no_mapping"] for f in sys.argv[1:]); print(b-a)' \
	"$EGW_TMP/stats0.json" "$EGW_TMP/stats1.json" 2>&1) || true
if [ "$rc" -ne 0 ] && [[ $d =~ ^[1-9][0-9]*$ ]]; then
	egw_ok "server -> 198.51.100.10:23456 (no mapping) is dropped: nat_no_mapping +$d"
else
	egw_fail "server -> 198.51.100.10:23456 is dropped nat_no_mapping" \
		"connect exit $rc ($(cat "$EGW_TMP/inbound.log")), nat_no_mapping +$d"
fi

# ---- a long download keeps its mapping ------------------------------------

BIG="$EGW_TMP/big.out"
LPORT=45123
t0=$(date +%s.%N)
rc=0
ip netns exec "$NS_WEB" timeout -k 2 60 curl -sS --max-time 50 --cacert "$EGW_CA" \
	--local-port "$LPORT" -o "$BIG" -w '%{size_download}' https://allowed.test/big \
	>"$EGW_TMP/big.size" 2>"$EGW_TMP/big.err" &
BIG_PID=$!
# Half-way (past the 5 s idle timers): still in progress, its flow active.
sleep 8
mid_size=$(stat -c %s "$BIG" 2>/dev/null || echo 0)
timeout 10 "$GWCTL" --socket "$EGW_CTL" --json flows >"$EGW_TMP/flows-mid.json" 2>&1 || true
wait "$BIG_PID" || rc=$?
t1=$(date +%s.%N)
secs=$("$EGW_PY" -c "print(round($t1 - $t0, 1))")
want_sum=$(sha256sum <"$EGW_TMP/nginx/www/big" | cut -d' ' -f1)
got_sum=$(sha256sum <"$BIG" 2>/dev/null | cut -d' ' -f1 || true)
if [ "$rc" -eq 0 ] && [ "$(cat "$EGW_TMP/big.size")" = "$EGW_NAT_BIG_BYTES" ] &&
	[ "$want_sum" = "$got_sum" ] && "$EGW_PY" -c "import sys; sys.exit(not $secs >= 10)"; then
	egw_ok "web: download of $EGW_NAT_BIG_BYTES bytes over ${secs}s complete (sha256 equal)"
else
	egw_fail "web: long download complete" \
		"exit $rc after ${secs}s, size $(cat "$EGW_TMP/big.size" 2>/dev/null), $(cat "$EGW_TMP/big.err")"
fi
got=$(jq_py "$EGW_TMP/flows-mid.json" '[f["state"] for f in s["flows"] if f["src_port"] == '"$LPORT"']')
if [ "$mid_size" -gt 0 ] && [ "$mid_size" -lt "$EGW_NAT_BIG_BYTES" ] && [ "$got" = "['active']" ]; then
	egw_ok "web: at 8 s the download is in progress ($mid_size bytes), its flow active in gwctl flows"
else
	egw_fail "web: at 8 s the download is in progress, its flow active" "$mid_size bytes, flow states $got"
fi
# nginx saw the download from one pool address:port; the flow's EVE records
# say that is its translation, and its mapping was created once and deleted
# only after the transfer ended.
big_line=$(grep ' "GET /big HTTP/1.1" ' "$EGW_NAT_ACCESS_LOG" || true)
big_src=${big_line%% *}
# gwctl flows: the flow view's rows of the web host carry the translated
# tuple (snat) like the EVE events.
timeout 10 "$GWCTL" --socket "$EGW_CTL" --json flows >"$EGW_TMP/flows.json" 2>&1 || true
got=$(jq_py "$EGW_TMP/flows.json" '"%d %d" % (len([f for f in s["flows"] if f["src_ip"] == "'"$EGW_NAT_WEB4"'"]), len([f for f in s["flows"] if f["src_ip"] == "'"$EGW_NAT_WEB4"'" and "snat" in f]))' 2>&1) || true
case $got in
"0 0" | *[!0-9\ ]*) egw_fail "gwctl --json flows lists the web host's flows" "$got" ;;
*" 0") egw_fail "gwctl --json flows shows the translated tuple (snat) of the web host's flows" "$got" ;;
*) egw_ok "gwctl --json flows: ${got#* } of ${got%% *} flows of $EGW_NAT_WEB4 show snat" ;;
esac

# ---- pool, translation records -------------------------------------------

egw_capture_stop srv
egw_gw_stop || egw_log "gateway exit status $?"
cp "$EGW_TMP/gateway.log" "$EGW_TMP/gateway1.log"
mv "$EGW_EVE" "$EGW_TMP/eve1.json"
EVE1="$EGW_TMP/eve1.json"

addrs=$(awk '{sub(/:[0-9]+$/, "", $1); print $1}' "$EGW_NAT_ACCESS_LOG" | sort -u)
n=$(grep -c . "$EGW_NAT_ACCESS_LOG" || true)
if [ "$n" -ge 3 ] && ! printf '%s\n' "$addrs" | grep -Evq "$POOL_RE"; then
	egw_ok "nginx: all $n requests came from pool addresses ($(printf '%s' "$addrs" | paste -sd' ' -))"
else
	egw_fail "nginx: every request from a pool address" "$n requests from: $(printf '%s' "$addrs" | paste -sd' ' -)"
fi
# Every IPv4 source that reached the server's link: the pool only (the
# server's own addresses aside), and no inside address as a destination.
# The gateway's WAN address only as the source of its echo replies.
# (The outer source only: an ICMP error carries the quoted header's too.)
srcs=$(tshark -n -r "$SRV_PCAP" -Y "ip && !(icmp.type == 0 && ip.src == $EGW_NAT_GW_WAN)" \
	-T fields -e ip.src -E occurrence=f 2>/dev/null | sort -u |
	grep -vxF -e "$EGW_NAT_NEXT_HOP" -e "$EGW_NAT_WEB_SRV" -e "$EGW_NAT_DNS" \
		-e "$EGW_NAT_DNS_CLOSED" | paste -sd' ' -) || true
inside=$(tshark -n -r "$SRV_PCAP" -Y 'ip.addr == 10.0.0.0/8' 2>/dev/null | wc -l)
total=$(tshark -n -r "$SRV_PCAP" -Y ip 2>/dev/null | wc -l)
if [ -n "$srcs" ] && ! printf '%s\n' $srcs | grep -Evq "$POOL_RE" && [ "$inside" -eq 0 ]; then
	egw_ok "server link: $total IPv4 packets, sources seen: $srcs; none to or from 10.0.0.0/8"
else
	egw_fail "server link: only pool sources, no inside address" \
		"sources '$srcs', packets with a 10/8 address: $inside"
fi

# Translated tuples: EVE flow records of the web host carry gw.snat in the
# pool, and each address:port nginx logged is one of them; the app -> web
# flow carries none.
got=$("$EGW_PY" - "$EVE1" "$EGW_NAT_ACCESS_LOG" "$EGW_NAT_WEB4" "$EGW_NAT_APP4" "$POOL_RE" <<'EOF' 2>&1
import json, re, sys
eve, access, web, app, pool_re = sys.argv[1:]
flows = [json.loads(l) for l in open(eve)]
flows = [e for e in flows if e.get("event_type") == "flow"]
snats, problems = set(), []
for e in flows:
    sn = e.get("gw", {}).get("snat")
    if e["src_ip"] == web and e["dest_ip"].startswith("203.0.113.") and e["gw"].get("verdict") == "allow":
        if not sn or not re.match(pool_re, sn.get("ip", "")):
            problems.append("flow %s:%s -> %s:%s snat %s" % (e["src_ip"], e.get("src_port"), e["dest_ip"], e.get("dest_port"), sn))
        else:
            snats.add("%s:%s" % (sn["ip"], sn["port"]))
    if e["src_ip"] == app and e["dest_ip"] == web and sn:
        problems.append("internal flow has snat %s" % sn)
seen = [l.split()[0] for l in open(access) if l.strip()]
missing = [s for s in seen if s not in snats]
if missing:
    problems.append("nginx saw %s, no EVE flow has that gw.snat" % ",".join(missing))
print("; ".join(problems) if problems else "ok %d flow records, %d translated tuples" % (len(flows), len(snats)))
EOF
) || true
case $got in
ok*) egw_ok "EVE: web flows carry gw.snat in the pool and match nginx's address:port (${got#ok })" ;;
*) egw_fail "EVE flow records carry the translated tuple" "$got" ;;
esac

# The download's mapping: one create, deleted only after the transfer.
got=$("$EGW_PY" - "$EVE1" "$EGW_NAT_WEB4" "$LPORT" "$big_src" "$t1" <<'EOF' 2>&1
import json, sys, datetime
eve, web, lport, big_src, t_end = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
ev = [json.loads(l) for l in open(eve)]
nat = [e for e in ev if e.get("event_type") == "nat" and e["src_ip"] == web
       and e.get("src_port") == lport and e.get("proto") == "TCP"]
cr = [e for e in nat if e["nat"]["event"] == "create"]
de = [e for e in nat if e["nat"]["event"] == "delete"]
def ts(e):
    return datetime.datetime.strptime(e["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
if len(cr) != 1:
    print("%d create events for %s:%d" % (len(cr), web, lport)); sys.exit()
got = "%s:%s" % (cr[0]["nat"]["ip"], cr[0]["nat"]["port"])
if got != big_src:
    print("mapping %s, nginx saw %s" % (got, big_src)); sys.exit()
early = [e for e in de if ts(e) < t_end - 1]
if early:
    print("mapping deleted at %s, before the download ended" % early[0]["timestamp"]); sys.exit()
print("ok %s, %d delete event(s) after the end" % (got, len(de)))
EOF
) || true
case $got in
ok*) egw_ok "EVE nat: the download's mapping ${got#ok } (nginx saw the same address:port)" ;;
*) egw_fail "EVE nat: one mapping for the download, kept to its end" "$got" ;;
esac

got=$(jq_py "$EGW_TMP/stats1.json" '"%d %d %d" % (s["flows_denied_by_reason"].get("cidr_not_allowed", -1), s["flows_denied_by_reason"].get("fqdn_not_allowed", -1), s["drops"].get("ttl_exceeded", -1))')
check "gwctl: denied cidr_not_allowed 1 (app), fqdn_not_allowed 2 (web), drops ttl_exceeded 3 (2 IPv4, 1 IPv6)" \
	"1 2 3" "$got"
got=$(jq_py "$EGW_TMP/stats1.json" '"echo %s ttl %s garp %s translated_out %s translated_in %s" % tuple(sum(w[k] for w in s["nat"]) >= m for k, m in (("echo_replies", 3), ("ttl_exceeded", 2), ("garp", 1), ("translated_out", 10), ("translated_in", 10)))')
check "gwctl nat section: echo_replies>=3 ttl_exceeded>=2 garp>=1 translated_out/in>=10" \
	"echo True ttl True garp True translated_out True translated_in True" "$got"

# ---- pool exhaustion --------------------------------------------------------

# The validator's floor: 64 ports (63 is refused).
sed -e 's/^\(      ports: \).*/\140000-40062/' "$POLICY" >"$EGW_TMP/nat-63.yaml"
if "$GW_CMD" check --config "$EGW_TMP/nat-63.yaml" >"$EGW_TMP/check63.log" 2>&1; then
	egw_fail "egressgw check refuses a 63-port pool" "accepted: $(tail -n 3 "$EGW_TMP/check63.log")"
else
	egw_ok "egressgw check refuses a 63-port pool: $(grep -m1 -i port "$EGW_TMP/check63.log" | head -c 120)"
fi
POL2="$EGW_TMP/nat-exhaust.yaml"
sed -e 's/^\(      addresses: \).*/\1[198.51.100.10]/' \
	-e 's/^\(      ports: \).*/\140000-40063/' "$POLICY" >"$POL2"
grep -q '^      ports: 40000-40063$' "$POL2" || egw_die "cannot derive $POL2"
"$GW_CMD" check --config "$POL2" >/dev/null 2>"$EGW_TMP/check2.log" ||
	egw_die "$POL2: $(cat "$EGW_TMP/check2.log")"
egw_nat_workers 1
egw_capture_start srv2 "$NS_SRV" s0 "$EGW_TMP/srv2.pcap"
egw_gw_start "$POL2"
egw_nat_gw_wait 60

# 80 UDP sockets each send one DNS query at once; then the first 10 ask again.
egw_web "$EGW_PY" - "$EGW_NAT_DNS" >"$EGW_TMP/udp80.txt" 2>&1 <<'EOF' || true
import select, socket, struct, sys, time
dns = sys.argv[1]
def query(qid):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in b"allowed.test".split(b"."):
        q += bytes([len(label)]) + label
    return q + b"\x00" + struct.pack("!HH", 1, 1)
def ask(socks, ids, wait):
    for s, i in zip(socks, ids):
        s.send(query(i))
    got, end = set(), time.monotonic() + wait
    while time.monotonic() < end and len(got) < len(socks):
        r, _, _ = select.select(socks, [], [], 0.1)
        for s in r:
            d = s.recv(512)
            if len(d) >= 12 and struct.unpack("!H", d[:2])[0] == ids[socks.index(s)]:
                got.add(socks.index(s))
    return got
socks = []
for i in range(80):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 50000 + i))
    s.connect((dns, 53))
    socks.append(s)
first = ask(socks, list(range(1, 81)), 4.0)
print("first %d answered: %s" % (len(first), "ok" if first == set(range(64)) else sorted(first)))
again = ask(socks[:10], list(range(101, 111)), 3.0)
print("again %d answered" % len(again))
EOF
stats "$EGW_TMP/stats2.json"
first=$(sed -n 's/^first \([0-9]*\) answered.*/\1/p' "$EGW_TMP/udp80.txt")
check "exhaustion: 80 concurrent UDP flows, 64-port pool: 64 answered" "64" "${first:-$(cat "$EGW_TMP/udp80.txt")}"
got=$(jq_py "$EGW_TMP/stats2.json" '"%s %s %s" % (s["flows_denied_by_reason"].get("nat_exhausted"), sum(w["exhausted"] for w in s["nat"]), sum(w["mappings_active"] for w in s["nat"]))')
check "gwctl: flows_denied_by_reason.nat_exhausted 16, nat exhausted 16, mappings_active 64" \
	"16 16 64" "$got"
again=$(sed -n 's/^again \([0-9]*\) answered.*/\1/p' "$EGW_TMP/udp80.txt")
check "exhaustion: the first 10 flows keep working (answered again)" "10" "${again:-none}"
out=$(egw_web "${CURL[@]}" -w ' %{http_code}' --resolve "allowed.test:443:$EGW_NAT_WEB_SRV" \
	https://allowed.test/ 2>&1) || true
case $out in
*"egw-ok host=allowed.test"*" 200") egw_ok "exhaustion: TCP (its own port space) still works: https://allowed.test/ -> 200" ;;
*) egw_fail "exhaustion: TCP still works" "$(printf '%s' "$out" | tail -c 300)" ;;
esac
egw_capture_stop srv2
egw_gw_stop || egw_log "gateway exit status $?"
# What reached the server: one pool address, ports of the 64-port range.
got=$(tshark -n -r "$EGW_TMP/srv2.pcap" -Y 'udp.dstport == 53' -T fields -e ip.src -e udp.srcport 2>/dev/null |
	awk '{ if ($1 != "198.51.100.10" || $2 < 40000 || $2 > 40063) bad++; n++; p[$2] = 1 }
	END { c = 0; for (k in p) c++; printf "%d queries, %d ports, %d outside\n", n, c, bad + 0 }')
check "exhaustion: DNS queries at the server from 198.51.100.10:40000-40063 only (64 ports)" \
	"74 queries, 64 ports, 0 outside" "$got"
got=$("$EGW_PY" - "$EGW_EVE" <<'EOF' 2>&1
import json, sys
n = 0
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("event_type") != "flow" and e.get("gw", {}).get("reason") == "nat_exhausted" and e.get("dest_port") == 53:
        n += 1
print(n)
EOF
) || true
check "EVE: 16 flows denied nat_exhausted" "16" "$got"

# ---- two workers -------------------------------------------------------------
# Return traffic reaches whichever worker the port's RSS picks, and so do
# ARP replies: both must still work when the other worker started the flow
# or asked for the neighbour.
mv "$EGW_EVE" "$EGW_TMP/eve2.json"
egw_nat_workers 2
egw_gw_start "$POLICY"
egw_nat_gw_wait 60
ok=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	out=$(egw_web curl -sS --max-time 4 --cacert "$EGW_CA" -w ' %{http_code}' \
		"https://allowed.test/?w2=$i" 2>&1) || true
	case $out in
	*"egw-ok host=allowed.test"*" 200") ok=$((ok + 1)) ;;
	*) egw_log "two workers, fetch $i: $(printf '%s' "$out" | tail -n 2 | tr '\n' ' ')" ;;
	esac
done
check "two workers: 10 of 10 fetches of https://allowed.test/ (DNS, TLS) -> 200" 10 "$ok"
out=$(egw_app curl -sS --max-time 5 "http://$EGW_NAT_WEB4:8080/" 2>&1) || true
check "two workers: app -> http://$EGW_NAT_WEB4:8080/ answers" "web-internal-ok" "$out"
stats "$EGW_TMP/stats3.json"
got=$(jq_py "$EGW_TMP/stats3.json" '"neigh_unresolved %d neigh_failed %d" % (s["drops"]["neigh_unresolved"], sum(w["neigh_failed"] for w in s["nat"]))')
check "two workers: gwctl drops neigh_unresolved 0, nat neigh_failed 0" \
	"neigh_unresolved 0 neigh_failed 0" "$got"
# net_af_packet has no rte_flow: the return path is the hand-off ring.
got=$(jq_py "$EGW_TMP/stats3.json" '"%s (handoff_in %d)" % (s.get("nat_return_path"), sum(w["handoff_in"] for w in s["nat"]))')
case $got in
"handoff "*) egw_ok "two workers: gwctl nat_return_path $got" ;;
*) egw_fail "two workers: gwctl nat_return_path is handoff (no rte_flow on net_af_packet)" "got: $got" ;;
esac
egw_gw_stop || egw_log "gateway exit status $?"

egw_summary
