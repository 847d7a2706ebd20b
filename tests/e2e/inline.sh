#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# inline.sh BUILD_DIR
#
# The egressgw daemon inline between real clients and real servers:
#   client ns --veth-- [egressgw on net_af_packet, root ns] --veth-- server ns
# Allowed names (curl TLS 1.3/1.2/HTTP/IPv6, openssl s_client, python ssl,
# headless Chromium) must work; denied ones (name not allowed, C2 name, no
# SNI, raw data on 443) must fail fast with a reset, and no client payload
# byte of a denied connection may reach the server side (tcpdump in the
# server ns, judged with tshark). Then gwctl's counters and the EVE events
# must account for exactly the connections made. One line per check, then
# "N passed, M failed"; exit 1 on any failure.
#
# Environment:
#   GW_CMD   gateway binary (default BUILD_DIR/app/egressgw/egressgw). With
#            GW_CMD=dpdk-testpmd the stand-in bridge (io forwarding) runs:
#            denied connections are then expected to go through, which checks
#            the plumbing and the capture judgement; gateway-only checks
#            (gwctl, EVE) are skipped.
#   GWCTL    gwctl binary (default BUILD_DIR/app/gwctl/gwctl)
#   EGW_POLICY policy file (default tests/replay/policy.yaml)
#   EGW_KEEP=1 keep the work directory (captures, logs, EVE)

set -euo pipefail

BUILD_DIR=${1:?usage: inline.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$HERE/lib.sh"

GW_CMD=${GW_CMD:-$BUILD_DIR/app/egressgw/egressgw}
GWCTL=${GWCTL:-$BUILD_DIR/app/gwctl/gwctl}
POLICY=${EGW_POLICY:-$HERE/../replay/policy.yaml}
command -v "$GW_CMD" >/dev/null 2>&1 || egw_die "gateway binary $GW_CMD not found"

egw_init
egw_testbed_up gw
egw_servers_start
STANDIN=0
if egw_gw_standin; then
	STANDIN=1
	egw_log "stand-in bridge: denied cases are expected to pass through"
fi

SRV_PCAP="$EGW_TMP/server-side.pcap"
egw_capture_start server "$NS_S" s0 "$SRV_PCAP" tcp or udp
egw_gw_start "$POLICY"
egw_gw_wait_forwarding 60

W4=$EGW_S4_WEB
W6=$EGW_S6_WEB
declare -A DENIED_PORT_REASON  # client port -> expected reason
declare -A ALLOWED_PORT_NAME   # client port -> name
declare -A DENY_COUNT

now_ms() { date +%s%3N; }

# allowed DESC PORT NAME REGEX CMD...: CMD must succeed and print REGEX.
allowed()
{
	local desc=$1 port=$2 name=$3 re=$4 out rc=0
	shift 4
	out=$(egw_c "$@" 2>&1) || rc=$?
	if [ "$rc" -eq 0 ] && printf '%s' "$out" | tr '\n' ' ' | grep -Eq "$re"; then
		egw_ok "allowed: $desc"
	else
		egw_fail "allowed: $desc" "exit $rc: $(printf '%s' "$out" | tail -n 3 | tr '\n' '|')"
	fi
	[ "$port" = - ] || ALLOWED_PORT_NAME[$port]=$name
}

# denied DESC PORT REASON CMD...: CMD (a client bound to PORT) must fail
# within 2 s with a connection reset; with the stand-in it must succeed.
denied()
{
	local desc=$1 port=$2 reason=$3 out rc=0 t0 ms
	shift 3
	DENIED_PORT_REASON[$port]=$reason
	DENY_COUNT[$reason]=$((${DENY_COUNT[$reason]:-0} + 1))
	t0=$(now_ms)
	out=$(egw_c "$@" 2>&1) || rc=$?
	ms=$(($(now_ms) - t0))
	if [ "$STANDIN" = 1 ]; then
		if [ "$rc" -eq 0 ]; then
			egw_ok "stand-in forwards: $desc (${ms} ms)"
		else
			egw_fail "stand-in forwards: $desc" "exit $rc: $(printf '%s' "$out" | tail -n 2 | tr '\n' '|')"
		fi
		return 0
	fi
	# curl: 35 SSL connect error, 56 receive failure; egwtool: 3 reset.
	if [[ $rc =~ ^(35|56|3)$ ]] && printf '%s' "$out" | grep -qi 'reset' &&
		[ "$ms" -lt 2000 ]; then
		egw_ok "denied: $desc: reset after ${ms} ms"
	else
		egw_fail "denied: $desc: reset within 2 s" \
			"exit $rc after ${ms} ms: $(printf '%s' "$out" | tail -n 2 | tr '\n' '|')"
	fi
}

CURL=(curl -sS --max-time 10 --cacert "$EGW_CA")

# ---- allowed ----
allowed "curl TLS 1.3 https://allowed.test/ -> 200" 42001 allowed.test \
	'egw-ok host=allowed.test sni=allowed.test.* 200$' \
	"${CURL[@]}" --tlsv1.3 --local-port 42001 -w '%{http_code}' \
	--resolve "allowed.test:443:$W4" https://allowed.test/
allowed "curl TLS 1.2 https://api.allowed.test/ -> 200" 42002 api.allowed.test \
	'egw-ok host=api.allowed.test sni=api.allowed.test.*200$' \
	"${CURL[@]}" --tls-max 1.2 --local-port 42002 -w '%{http_code}' \
	--resolve "api.allowed.test:443:$W4" https://api.allowed.test/
allowed "curl http://allowed.test/ -> 200" 42003 allowed.test \
	'egw-ok host=allowed.test sni=<.*200$' \
	"${CURL[@]}" --local-port 42003 -w '%{http_code}' \
	--resolve "allowed.test:80:$W4" http://allowed.test/
allowed "curl -6 https://allowed.test/ -> 200" 42004 allowed.test \
	'egw-ok host=allowed.test sni=allowed.test.* 200$' \
	"${CURL[@]}" -6 --local-port 42004 -w '%{http_code}' \
	--resolve "allowed.test:443:[$W6]" https://allowed.test/
allowed "python ssl www.allowed.test" 42005 www.allowed.test \
	'egw-ok host=www.allowed.test sni=www.allowed.test' \
	"${EGW_TOOL[@]}" tls-client --ip "$W4" --name www.allowed.test \
	--cafile "$EGW_CA" --sport 42005
allowed "openssl s_client -servername api.allowed.test: verified handshake" - \
	api.allowed.test 'egw-ok host=api.allowed.test sni=api.allowed.test' \
	sh -c "printf 'GET / HTTP/1.0\r\nHost: api.allowed.test\r\n\r\n' |
	openssl s_client -quiet -connect $W4:443 -servername api.allowed.test \
	-CAfile '$EGW_CA' -verify_return_error"
if egw_have_chromium; then
	out=$(egw_chromium "$NS_C" allowed.test "$W4" https://allowed.test/ 2>&1) || true
	if printf '%s' "$out" | grep -q 'egw-ok host=allowed.test sni=allowed.test</p>'; then
		egw_ok "allowed: chromium --dump-dom https://allowed.test/ shows the page"
	else
		egw_fail "allowed: chromium --dump-dom https://allowed.test/ shows the page" \
			"$(printf '%s' "$out" | tail -c 300 | tr '\n' '|')"
	fi
else
	egw_skip "allowed: chromium (not installed)"
fi

# ---- denied ----
denied "curl https://denied.test/" 41001 fqdn_not_allowed \
	"${CURL[@]}" --local-port 41001 --resolve "denied.test:443:$W4" https://denied.test/
denied "curl http://denied.test/" 41002 fqdn_not_allowed \
	"${CURL[@]}" --local-port 41002 --resolve "denied.test:80:$W4" http://denied.test/
denied "curl -6 https://denied.test/" 41003 fqdn_not_allowed \
	"${CURL[@]}" -6 --local-port 41003 --resolve "denied.test:443:[$W6]" https://denied.test/
denied "curl https://evil-c2.test/ (C2 signature)" 41004 c2_signature \
	"${CURL[@]}" --local-port 41004 --resolve "evil-c2.test:443:$W4" https://evil-c2.test/
denied "curl -k https://$W4/ (no SNI)" 41005 no_sni \
	curl -sS --max-time 10 -k --local-port 41005 "https://$W4/"
denied "raw SSH banner to $EGW_S4_RAW:443 (not TLS)" 41006 not_tls \
	"${EGW_TOOL[@]}" raw-client --ip "$EGW_S4_RAW" --port 443 --sport 41006 \
	--data 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'

egw_capture_stop server

# ---- what reached the server side ----
srv_payload()  # client port -> bytes of client payload seen at the server
{
	tshark -n -r "$SRV_PCAP" -Y "tcp.srcport == $1 && tcp.len > 0" \
		-T fields -e tcp.len 2>/dev/null | awk '{s += $1} END {print s + 0}'
}
for port in $(printf '%s\n' "${!DENIED_PORT_REASON[@]}" | sort -n); do
	b=$(srv_payload "$port")
	if [ "$STANDIN" = 1 ]; then
		if [ "$b" -gt 0 ]; then
			egw_ok "capture judgement (stand-in): $b payload bytes of client port $port at the server"
		else
			egw_fail "capture judgement (stand-in): payload of client port $port at the server" \
				"the server-side capture shows none: the capture or its judgement is broken"
		fi
	elif [ "$b" -eq 0 ]; then
		egw_ok "server side: no payload byte of denied client port $port (${DENIED_PORT_REASON[$port]})"
	else
		egw_fail "server side: no payload byte of denied client port $port" "$b bytes reached the server"
	fi
done
for port in $(printf '%s\n' "${!ALLOWED_PORT_NAME[@]}" | sort -n); do
	b=$(srv_payload "$port")
	if [ "$b" -gt 0 ]; then
		egw_ok "server side: payload of allowed client port $port (${ALLOWED_PORT_NAME[$port]}) arrived"
	else
		egw_fail "server side: payload of allowed client port $port arrived"
	fi
done
if [ "$STANDIN" = 0 ]; then
	# Every connection that delivered payload to the server opened with an
	# allowed name (covers connections whose port we did not pin).
	bad=$(tshark -n -r "$SRV_PCAP" -o tcp.reassemble_out_of_order:TRUE \
		-Y '(tls.handshake.type == 1 || http.request)' -T fields \
		-e tcp.stream -e tls.handshake.extensions_server_name -e http.host 2>/dev/null |
		awk -F'\t' '{n = $2 != "" ? $2 : $3; sub(/:[0-9]+$/, "", n);
			if (n != "allowed.test" && n !~ /\.allowed\.test$/) print $1 " " n}')
	streams=$(tshark -n -r "$SRV_PCAP" -Y "(ip.src == $EGW_C4 || ipv6.src == $EGW_C6) && tcp.len > 0" \
		-T fields -e tcp.stream 2>/dev/null | sort -u | wc -l)
	named=$(tshark -n -r "$SRV_PCAP" -o tcp.reassemble_out_of_order:TRUE \
		-Y 'tls.handshake.type == 1 || http.request' -T fields -e tcp.stream 2>/dev/null |
		sort -u | wc -l)
	if [ -z "$bad" ] && [ "$streams" -eq "$named" ]; then
		egw_ok "server side: all $streams connections with client payload opened with an allowed name"
	else
		egw_fail "server side: only allowed names delivered payload" \
			"streams with payload $streams, with a name $named; not allowed (stream name): $(printf '%s' "${bad:-none}" | tr '\n' ';')"
	fi
	# The listener logs a connection when it ends (the gateway's reset).
	n=30
	while [ "$n" -gt 0 ] && ! grep -q "port=41006 " "$EGW_TMP/rawsrv.conns"; do
		sleep 0.1
		n=$((n - 1))
	done
	if grep -q "port=41006 bytes=0 " "$EGW_TMP/rawsrv.conns"; then
		egw_ok "raw listener: connection from denied client port 41006 ended with 0 bytes received"
	else
		egw_fail "raw listener: connection from denied client port 41006 ended with 0 bytes received" \
			"$(grep 'port=41006 ' "$EGW_TMP/rawsrv.conns" || echo 'no connection logged')"
	fi
fi

# ---- counters and events ----
if [ "$STANDIN" = 1 ]; then
	egw_skip "gwctl stats and EVE checks (stand-in bridge)"
else
	sleep 0.5
	rc=0
	timeout 10 "$GWCTL" --socket "$EGW_CTL" --json stats >"$EGW_TMP/stats.json" \
		2>"$EGW_TMP/gwctl.err" || rc=$?
	if [ "$rc" -eq 0 ]; then
		egw_ok "gwctl --json stats"
		for reason in $(printf '%s\n' "${!DENY_COUNT[@]}" | sort); do
			want=${DENY_COUNT[$reason]}
			got=$("${EGW_TOOL[@]}" json-get "$EGW_TMP/stats.json" \
				"flows_denied_by_reason.$reason" 2>&1) || true
			if [ "$got" = "$want" ]; then
				egw_ok "gwctl: flows_denied_by_reason.$reason == $want"
			else
				egw_fail "gwctl: flows_denied_by_reason.$reason == $want" "got: $got"
			fi
		done
		# Nothing else was denied (ARP probes and IPv6 ND open no flows).
		total=$("$EGW_PY" -c 'import json,sys; print(sum(json.load(open(sys.argv[1]))["flows_denied_by_reason"].values()))' \
			"$EGW_TMP/stats.json" 2>&1) || true
		want=0
		for reason in "${!DENY_COUNT[@]}"; do
			want=$((want + DENY_COUNT[$reason]))
		done
		if [ "$total" = "$want" ]; then
			egw_ok "gwctl: $want flows denied in total"
		else
			egw_fail "gwctl: $want flows denied in total" "got: $total"
		fi
	else
		egw_fail "gwctl --json stats" "exit $rc: $(tr '\n' '|' <"$EGW_TMP/gwctl.err")"
	fi
fi

rc=0
egw_gw_stop || rc=$?
if [ "$STANDIN" = 0 ]; then
	if [ "$rc" -eq 0 ]; then
		egw_ok "gateway exits 0 on SIGTERM"
	else
		egw_fail "gateway exits 0 on SIGTERM" "exit $rc: $(tail -n 5 "$EGW_TMP/gateway.log" | tr '\n' '|')"
	fi
	# EVE, after the gateway flushed it: one verdict per pinned connection.
	for port in $(printf '%s\n' "${!DENIED_PORT_REASON[@]}" "${!ALLOWED_PORT_NAME[@]}" | sort -n); do
		if [ -n "${DENIED_PORT_REASON[$port]:-}" ]; then
			want="deny ${DENIED_PORT_REASON[$port]}"
		else
			want="allow ${ALLOWED_PORT_NAME[$port]}"
		fi
		got=$("$EGW_PY" - "$EGW_EVE" "$port" <<'EOF' 2>&1
import json, sys
seen = set()
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("src_port") != int(sys.argv[2]) or e.get("event_type") == "flow":
        continue
    gw = e.get("gw", {})
    name = (e.get("tls") or {}).get("sni") or (e.get("http") or {}).get("hostname")
    seen.add("deny %s" % gw.get("reason") if gw.get("verdict") == "deny"
             else "%s %s" % (gw.get("verdict"), name))
print(",".join(sorted(seen)) or "no event")
EOF
		) || true
		if [ "$got" = "$want" ]; then
			egw_ok "EVE: client port $port: $want"
		else
			egw_fail "EVE: client port $port: $want" "got: $got"
		fi
	done
fi

egw_summary
