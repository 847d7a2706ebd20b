#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# workers.sh BUILD_DIR
#
# The egressgw daemon inline with TWO workers: each net_af_packet port has
# two queue pairs (qpairs=2), one per worker, and the kernel's fanout hash
# (symmetric) spreads the flows over them. Then:
#   - 20 allowed and 20 denied connections at once (curl, TLS and HTTP,
#     fixed client ports): every allowed one gets its page, every denied one
#     is reset within 2 s;
#   - gwctl --json stats: 2 workers, flows_created adds up to the 40
#     connections, 20 allowed, 20 denied fqdn_not_allowed, and no
#     tcp_no_syn / wan_initiated drop (both directions of every flow met the
#     worker that holds it); whether both workers got flows is reported
#     (the kernel's hash decides; one worker taking all is a SKIP, not a
#     failure);
#   - the EVE events: one verdict per client port, and per worker as many
#     flows as that worker's flows_created;
#   - a connection opened from the server side is dropped (wan_initiated,
#     its SYN never reaches the client) and a bare ACK of a connection the
#     gateway never saw open is dropped (tcp_no_syn, never reaches the
#     server).
# One line per check, then "N passed, M failed"; exit 1 on any failure.
#
# Environment: GW_CMD, GWCTL, EGW_POLICY, EGW_KEEP as for inline.sh (the
# testpmd stand-in has no workers to count: every check is skipped).

set -euo pipefail

BUILD_DIR=${1:?usage: workers.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$HERE/lib.sh"

GW_CMD=${GW_CMD:-$BUILD_DIR/app/egressgw/egressgw}
GWCTL=${GWCTL:-$BUILD_DIR/app/gwctl/gwctl}
POLICY=${EGW_POLICY:-$HERE/../replay/policy.yaml}
command -v "$GW_CMD" >/dev/null 2>&1 || egw_die "gateway binary $GW_CMD not found"

N=20              # allowed connections, and as many denied ones
ALLOWED_PORT0=44000
DENIED_PORT0=45000
NOSYN_PORT=46000

egw_init
if egw_gw_standin; then
	egw_skip "workers: the stand-in bridge has no workers"
	egw_summary
	exit
fi
egw_testbed_up gw
egw_servers_start

# Two workers: lcores 1 and 2 (0 is the control plane). With fewer than 3
# CPUs the three lcores share the CPUs there are (the workers poll, so the
# clients and nginx get less CPU, which the time bounds below allow for).
if [ "$(nproc)" -ge 3 ]; then
	EGW_GW_CORES=(-l 0-2)
else
	EGW_GW_CORES=(--lcores "0@(0-$(($(nproc) - 1))),1@(0-$(($(nproc) - 1))),2@(0-$(($(nproc) - 1)))")
fi
EGW_GW_QPAIRS=2
# Each worker's share of the mbuf pool (held segments of pending flows,
# descriptors) is ~250 MB under the default gateway sizes.
EGW_GW_MEM=1024
egw_gw_start "$POLICY"
egw_gw_wait_forwarding 60
if grep -q "2 worker(s)" "$EGW_TMP/gateway.log"; then
	egw_ok "gateway started with 2 workers ($EGW_GW_QPAIRS queue pairs per port)"
else
	egw_fail "gateway started with 2 workers" "$(head -n 20 "$EGW_TMP/gateway.log" | tr '\n' '|')"
fi

W4=$EGW_S4_WEB
CURL=(curl -sS --max-time 10 --cacert "$EGW_CA")
now_ms() { date +%s%3N; }

# conn KIND PORT URL NAME: one curl from client port PORT, in the
# background; writes $EGW_TMP/conn.PORT (exit status, milliseconds, output).
conn()
{
	local kind=$1 port=$2 url=$3 name=$4 t0 rc=0 out
	t0=$(now_ms)
	out=$(egw_c "${CURL[@]}" --local-port "$port" -w ' %{http_code}' \
		--resolve "$name:443:$W4" --resolve "$name:80:$W4" "$url" 2>&1) || rc=$?
	printf '%s %s %s\n%s\n' "$kind" "$rc" "$(($(now_ms) - t0))" "$out" >"$EGW_TMP/conn.$port"
}

pids=()
for i in $(seq 1 "$N"); do
	if [ $((i % 2)) -eq 0 ]; then s=https; else s=http; fi
	conn allowed $((ALLOWED_PORT0 + i)) "$s://allowed.test/" allowed.test &
	pids+=($!)
	conn denied $((DENIED_PORT0 + i)) "$s://denied.test/" denied.test &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p" || true
done

good=0 bad=()
for i in $(seq 1 "$N"); do
	port=$((ALLOWED_PORT0 + i))
	cf="$EGW_TMP/conn.$port"
	if [ -f "$cf" ] && head -n 1 "$cf" | grep -q '^allowed 0 ' &&
		tr '\n' ' ' <"$cf" | grep -Eq 'egw-ok host=allowed.test .* 200 $'; then
		good=$((good + 1))
	else
		bad+=("port $port: $(tr '\n' '|' <"$cf" 2>/dev/null | tail -c 200)")
	fi
done
if [ "$good" -eq "$N" ]; then
	egw_ok "workers: $N concurrent allowed connections (TLS and HTTP) got their page"
else
	egw_fail "workers: $N concurrent allowed connections got their page" \
		"$good succeeded" "${bad[@]:0:5}"
fi
good=0 bad=() slowest=0
for i in $(seq 1 "$N"); do
	port=$((DENIED_PORT0 + i))
	cf="$EGW_TMP/conn.$port"
	read -r _ rc ms <"$cf" 2>/dev/null || { rc=x ms=0; }
	[ "$ms" -le "$slowest" ] || slowest=$ms
	# curl: 35 SSL connect error, 56 receive failure (connection reset).
	if [[ $rc =~ ^(35|56)$ ]] && grep -qi reset "$cf" && [ "$ms" -lt 2000 ]; then
		good=$((good + 1))
	else
		bad+=("port $port: exit $rc after $ms ms: $(tail -n +2 "$cf" | tr '\n' '|' | tail -c 150)")
	fi
done
if [ "$good" -eq "$N" ]; then
	egw_ok "workers: $N concurrent denied connections reset within 2 s (slowest ${slowest} ms)"
else
	egw_fail "workers: $N concurrent denied connections reset within 2 s" \
		"$good reset in time" "${bad[@]:0:5}"
fi

# ---- counters ----
stats()
{
	timeout 10 "$GWCTL" --socket "$EGW_CTL" --json stats >"$1" 2>"$EGW_TMP/gwctl.err"
}
# jq-like reads of a stats file: stat FILE EXPR (python expression over s).
sget()
{
	"$EGW_PY" -c 'import json, sys; s = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
sleep 0.5
S1="$EGW_TMP/stats1.json"
if ! stats "$S1"; then
	egw_fail "gwctl --json stats" "$(tr '\n' '|' <"$EGW_TMP/gwctl.err")"
	egw_gw_stop || true
	egw_summary
	exit 1
fi
nw=$(sget "$S1" 'len(s["workers"])')
per=$(sget "$S1" '" ".join(str(w["flows_created"]) for w in s["workers"])')
sum=$(sget "$S1" 'sum(w["flows_created"] for w in s["workers"])')
if [ "$nw" = 2 ] && [ "$sum" = $((2 * N)) ]; then
	egw_ok "gwctl: 2 workers, flows_created $per adds up to the $((2 * N)) connections"
else
	egw_fail "gwctl: 2 workers whose flows_created add up to $((2 * N))" \
		"workers $nw, flows_created $per (sum $sum)"
fi
got=$(sget "$S1" '"%d %d %d" % (sum(w["flows_allowed"] for w in s["workers"]), s["flows_denied_by_reason"]["fqdn_not_allowed"], sum(s["flows_denied_by_reason"].values()))')
if [ "$got" = "$N $N $N" ]; then
	egw_ok "gwctl: $N flows allowed, $N denied fqdn_not_allowed, nothing else denied"
else
	egw_fail "gwctl: $N allowed, $N denied fqdn_not_allowed, nothing else" \
		"allowed, fqdn_not_allowed, all denied: $got"
fi
got=$(sget "$S1" '"%d %d" % (s["drops"]["tcp_no_syn"], s["drops"]["wan_initiated"])')
if [ "$got" = "0 0" ]; then
	egw_ok "gwctl: no tcp_no_syn / wan_initiated drop: both directions of every flow met its worker"
else
	egw_fail "gwctl: no tcp_no_syn / wan_initiated drop (a flow's directions split over workers)" \
		"tcp_no_syn, wan_initiated: $got"
fi
if [ "$(sget "$S1" 'min(w["flows_created"] for w in s["workers"])')" -gt 0 ]; then
	egw_ok "gwctl: the fanout hash spread the flows over both workers ($per)"
else
	egw_skip "gwctl: both workers got flows: the fanout hash put all on one ($per)"
fi

# ---- connections the gateway must never open ----
CLI_PCAP="$EGW_TMP/client-side.pcap"
SRV_PCAP="$EGW_TMP/server-side.pcap"
egw_capture_start client "$NS_C" c0 "$CLI_PCAP" tcp port 9
egw_capture_start server "$NS_S" s0 "$SRV_PCAP" tcp port "$NOSYN_PORT"
# From the server side to the client (one SYN: 0.8 s is below the 1 s RTO).
rc=0
out=$(egw_s "${EGW_TOOL[@]}" raw-client --ip "$EGW_C4" --port 9 --data x \
	--timeout 0.8 2>&1) || rc=$?
# A bare ACK of a connection that never opened, from the client.
egw_c "$EGW_PY" -c 'import sys
from scapy.all import IP, TCP, send
send(IP(src=sys.argv[1], dst=sys.argv[2]) /
     TCP(sport=int(sys.argv[3]), dport=443, flags="A", seq=1000, ack=2000),
     verbose=0)' "$EGW_C4" "$W4" "$NOSYN_PORT" >"$EGW_TMP/nosyn.log" 2>&1 ||
	egw_fail "scapy sends a bare ACK" "$(tr '\n' '|' <"$EGW_TMP/nosyn.log")"
egw_capture_stop client
egw_capture_stop server
S2="$EGW_TMP/stats2.json"
stats "$S2" || egw_fail "gwctl --json stats (second)" "$(tr '\n' '|' <"$EGW_TMP/gwctl.err")"
d_wan=$(($(sget "$S2" 's["drops"]["wan_initiated"]') - $(sget "$S1" 's["drops"]["wan_initiated"]')))
d_nosyn=$(($(sget "$S2" 's["drops"]["tcp_no_syn"]') - $(sget "$S1" 's["drops"]["tcp_no_syn"]')))
d_flows=$(($(sget "$S2" 's["totals"]["flows_created"]') - $(sget "$S1" 's["totals"]["flows_created"]')))
syn_c=$(tshark -n -r "$CLI_PCAP" -Y 'tcp.flags.syn == 1' 2>/dev/null | wc -l)
ack_s=$(tshark -n -r "$SRV_PCAP" -Y "tcp.srcport == $NOSYN_PORT" 2>/dev/null | wc -l)
if [ "$rc" -eq 5 ] && [ "$d_wan" -ge 1 ] && [ "$syn_c" -eq 0 ]; then
	egw_ok "wan_initiated: a SYN from the server side is dropped ($d_wan counted), the client never sees it"
else
	egw_fail "wan_initiated: a SYN from the server side is dropped" \
		"client exit $rc ($out), wan_initiated +$d_wan, SYNs at the client $syn_c"
fi
if [ "$d_nosyn" -eq 1 ] && [ "$ack_s" -eq 0 ]; then
	egw_ok "tcp_no_syn: a bare ACK of an unknown connection is dropped, the server never sees it"
else
	egw_fail "tcp_no_syn: a bare ACK of an unknown connection is dropped" \
		"tcp_no_syn +$d_nosyn, at the server: $ack_s"
fi
if [ "$d_flows" -eq 0 ]; then
	egw_ok "neither opened a flow"
else
	egw_fail "neither opened a flow" "flows_created +$d_flows"
fi

# ---- EVE, after the gateway flushed it ----
rc=0
egw_gw_stop || rc=$?
if [ "$rc" -eq 0 ]; then
	egw_ok "gateway exits 0 on SIGTERM"
else
	egw_fail "gateway exits 0 on SIGTERM" "exit $rc: $(tail -n 5 "$EGW_TMP/gateway.log" | tr '\n' '|')"
fi
got=$("$EGW_PY" - "$EGW_EVE" "$S1" "$ALLOWED_PORT0" "$DENIED_PORT0" "$N" <<'EOF' 2>&1
import json, sys
eve, stats, a0, d0, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
want = {a0 + i: "allow allowed.test" for i in range(1, n + 1)}
want.update({d0 + i: "deny fqdn_not_allowed" for i in range(1, n + 1)})
seen, flows = {}, {}
for line in open(eve):
    e = json.loads(line)
    gw = e.get("gw", {})
    if e.get("event_type") == "flow":
        flows[e["flow_id"]] = gw.get("worker")
        continue
    if e.get("event_type") not in ("tls", "http", "drop", "allow"):
        continue  # metrics alerts and stats, nat: not verdicts
    name = (e.get("tls") or {}).get("sni") or (e.get("http") or {}).get("hostname")
    seen.setdefault(e.get("src_port"), []).append(
        "deny %s" % gw.get("reason") if gw.get("verdict") == "deny"
        else "%s %s" % (gw.get("verdict"), name))
bad = ["port %s: %s" % (p, seen.get(p)) for p in sorted(want) if seen.get(p) != [want[p]]]
bad += ["unexpected port %s: %s" % (p, v) for p, v in seen.items() if p not in want]
per = [0, 0]
for w in flows.values():
    per[w] += 1
created = [w["flows_created"] for w in json.load(open(stats))["workers"]]
if per != created:
    bad.append("flows per worker in EVE %s, gwctl flows_created %s" % (per, created))
print("ok" if not bad else "; ".join(bad[:6]))
EOF
) || true
if [ "$got" = ok ]; then
	egw_ok "EVE: one verdict per client port, and per worker as many flows as its flows_created"
else
	egw_fail "EVE: one verdict per client port, flows per worker == flows_created" "$got"
fi

egw_summary
