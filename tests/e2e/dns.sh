#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# dns.sh BUILD_DIR
#
# DNS egress control and name bindings with real peers: the egressgw daemon
# inline between the client ns and the server ns (lib.sh testbed), where
# dnsmasq is the internal resolver on 10.99.0.53 (in dns.allow) and a second
# dnsmasq on 10.99.0.99 plays an outside resolver (not in dns.allow). The
# client resolves with kdig through the gateway, then connects (curl
# --resolve, raw TCP) to the address the answer gave, or to another one.
# The control plane (root ns) reaches the internal resolver over a
# management link (egw_mgmt_route), as a deployed gateway would, to verify
# names whose answer it did not see pass: a miss or a mismatch is looked up
# live while the flow is held.
#
# Phase 1 (untagged clients = role web, name_binding strict, DoH/DoT/DoQ
# blocked): the resolved name works (TLS, HTTP); the same SNI at another
# server address is reset (name_ip_mismatch); a name the client did not look
# up works once the control plane verified it, one the resolver does not
# know is reset (dns_verify_timeout); DNS to the outside resolver
# (UDP, TCP) gets nothing (dns_not_allowed); kdig +tls (DoT) and +quic (DoQ)
# are denied; a DoH endpoint name is reset (doh) even though the role lists
# it and DNS bound it; UDP 443 is quic_blocked.
# Phase 2 (a new gateway run, untagged clients = role batch, protocol SFTP):
# TCP 22 reaches sftp.partner.test's address once DNS gave it, and nothing
# else (port 22 before the answer, to another address, to a name the role
# does not list; port 443).
#
# Each case pins its client port; judged by the client's result (reset
# within 2 s, timeout, answer), the server-side capture (no byte of a denied
# flow reaches the server ns), EVE (verdict, reason, binding, dns events)
# and gwctl stats. One line per check, then "N passed, M failed"; exit 1 on
# any failure. Needs root, dnsmasq, kdig, nginx, curl, tshark, tcpdump.
#
# Environment: GW_CMD, GWCTL (default BUILD_DIR/app/...), EGW_KEEP=1 keeps
# the work directory.

set -euo pipefail

BUILD_DIR=${1:?usage: dns.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$HERE/lib.sh"

GW_CMD=${GW_CMD:-$BUILD_DIR/app/egressgw/egressgw}
GWCTL=${GWCTL:-$BUILD_DIR/app/gwctl/gwctl}
command -v "$GW_CMD" >/dev/null 2>&1 || egw_die "gateway binary $GW_CMD not found"
egw_gw_standin && egw_die "dns.sh judges the gateway's decisions: no stand-in"
for t in dnsmasq kdig tshark tcpdump nginx curl; do
	command -v "$t" >/dev/null 2>&1 || egw_die "$t not installed"
done

RESOLVER=10.99.0.53   # dns.allow
OUTSIDE=10.99.0.99    # another resolver, not in dns.allow
SFTP=10.99.0.22       # sftp.partner.test
SFTP_OTHER=10.99.0.23
WEB=$EGW_S4_WEB       # allowed.test, api.allowed.test, dns.google
OTHER=10.99.0.101     # nginx too, but no name resolves to it

egw_init
egw_testbed_up gw
egw_servers_start
egw_s_addr_add "$RESOLVER" "$OUTSIDE" "$SFTP" "$SFTP_OTHER"
egw_dnsmasq_start dns-internal "$RESOLVER" allowed.test="$WEB" \
	api.allowed.test="$WEB" www.allowed.test="$WEB" dns.google="$WEB" \
	sftp.partner.test="$SFTP"
# The control plane (root ns) reaches the resolver over a management link,
# to verify names whose answer it did not see (a miss or a mismatch).
egw_mgmt_route "$RESOLVER"
egw_dnsmasq_start dns-outside "$OUTSIDE" allowed.test="$OTHER"
# A TCP listener on the resolver's DoT port, and an "SFTP" one on port 22
# (no sshd: the gateway sees TCP 22 only).
egw_bg dot-listener "$NS_S" "${EGW_TOOL[@]}" raw-server --bind "$RESOLVER" \
	--port 853 --log "$EGW_TMP/dot.conns"
egw_bg sftp-listener "$NS_S" "${EGW_TOOL[@]}" raw-server --bind "$SFTP" \
	--bind "$SFTP_OTHER" --bind "$WEB" --port 22 --log "$EGW_TMP/sftp.conns"
_egw_wait_listen "$NS_S" "$RESOLVER:853" 10 || egw_die "no listener on $RESOLVER:853"
_egw_wait_listen "$NS_S" "$SFTP:22" 10 || egw_die "no listener on $SFTP:22"

now_ms() { date +%s%3N; }

# Controls, inside the server ns (no gateway on the way): both resolvers
# answer, so a failure through the gateway is the gateway's doing.
for r in "$RESOLVER:allowed.test:$WEB" "$OUTSIDE:allowed.test:$OTHER" \
	"$RESOLVER:sftp.partner.test:$SFTP"; do
	IFS=: read -r srv name want <<<"$r"
	got=$(egw_s kdig @"$srv" "$name" +short +timeout=2 +retry=0 2>&1) || true
	if [ "$got" = "$want" ]; then
		egw_ok "control (server ns): $srv answers $name -> $want"
	else
		egw_fail "control (server ns): $srv answers $name -> $want" "got: $got"
	fi
done
got=$(timeout 5 kdig @"$RESOLVER" www.allowed.test +short +timeout=2 +retry=0 2>&1) || true
if [ "$got" = "$WEB" ]; then
	egw_ok "control (root ns, management link): $RESOLVER answers www.allowed.test -> $WEB"
else
	egw_fail "control (root ns, management link): $RESOLVER answers www.allowed.test -> $WEB" "got: $got"
fi

# ---- expectations, filled by the cases, judged after each phase ----
EXPECT=()      # "PORT PROTO VERDICT REASON NAME BINDING" ("-" none, "*" any)
DNS_EXPECT=()  # "PORT QNAME QTYPE ADDR" (query and answer events on that flow)

# resolve DESC PORT NAME WANT [KDIG OPTS...]: kdig through the gateway must
# answer WANT; sets ANSWER.
resolve()
{
	local desc=$1 port=$2 name=$3 want=$4 proto=udp out rc=0
	shift 4
	case " $* " in *" +tcp "*) proto=tcp ;; esac
	out=$(egw_c kdig -b "$EGW_C4#$port" @"$RESOLVER" "$name" A +short \
		+timeout=3 +retry=0 "$@" 2>&1) || rc=$?
	ANSWER=$(printf '%s\n' "$out" | grep -E '^[0-9.]+$' | head -n 1 || true)
	if [ "$rc" -eq 0 ] && [ "$ANSWER" = "$want" ]; then
		egw_ok "resolved: $desc: $name -> $ANSWER"
	else
		egw_fail "resolved: $desc: $name -> $want" \
			"exit $rc: $(printf '%s' "$out" | tail -n 3 | tr '\n' '|')"
	fi
	EXPECT+=("$port $proto allow - - -")
	DNS_EXPECT+=("$port $name A $want")
}

# allowed DESC PORT PROTO NAME BINDING REGEX CMD...: CMD must succeed and
# print REGEX.
allowed()
{
	local desc=$1 port=$2 proto=$3 name=$4 binding=$5 re=$6 out rc=0
	shift 6
	out=$(egw_c "$@" 2>&1) || rc=$?
	if [ "$rc" -eq 0 ] && printf '%s' "$out" | tr '\n' ' ' | grep -Eq "$re"; then
		egw_ok "allowed: $desc"
	else
		egw_fail "allowed: $desc" "exit $rc: $(printf '%s' "$out" | tail -n 3 | tr '\n' '|')"
	fi
	EXPECT+=("$port $proto allow - $name $binding")
}

# reset DESC PORT REASON NAME BINDING CMD...: CMD (bound to PORT) must fail
# within 2 s with a connection reset or refusal.
reset()
{
	local desc=$1 port=$2 reason=$3 name=$4 binding=$5 out rc=0 t0 ms
	shift 5
	t0=$(now_ms)
	out=$(egw_c "$@" 2>&1) || rc=$?
	ms=$(($(now_ms) - t0))
	# curl: 7 refused (RST to the SYN), 35 TLS error, 56 receive failure;
	# egwtool raw-client: 3 reset, 4 refused; kdig: 1.
	if [ "$rc" -ne 0 ] && [ "$ms" -lt 2000 ] &&
		printf '%s' "$out" | grep -Eqi 'reset|refused|connect to|failed to query'; then
		egw_ok "denied: $desc: fails after ${ms} ms"
	else
		egw_fail "denied: $desc: fails within 2 s (reset)" \
			"exit $rc after ${ms} ms: $(printf '%s' "$out" | tail -n 2 | tr '\n' '|')"
	fi
	EXPECT+=("$port tcp deny $reason $name $binding")
}

# silent DESC PORT PROTO REASON CMD...: CMD gets no answer (it times out).
silent()
{
	local desc=$1 port=$2 proto=$3 reason=$4 out rc=0 t0 ms
	shift 4
	t0=$(now_ms)
	out=$(egw_c "$@" 2>&1) || rc=$?
	ms=$(($(now_ms) - t0))
	if [ "$rc" -ne 0 ] && printf '%s' "$out" | grep -Eqi 'timeout|timed out|failed'; then
		egw_ok "denied: $desc: no answer (${ms} ms)"
	else
		egw_fail "denied: $desc: no answer" \
			"exit $rc after ${ms} ms: $(printf '%s' "$out" | tail -n 2 | tr '\n' '|')"
	fi
	EXPECT+=("$port $proto deny $reason - -")
}

# judge PHASE SERVER_PCAP STATS: the server-side capture, gwctl stats and EVE
# against EXPECT / DNS_EXPECT (python prints ok / FAIL lines).
judge()
{
	local phase=$1 pcap=$2 stats=$3 out
	out=$("$EGW_PY" - "$phase" "$EGW_EVE" "$pcap" "$stats" "${EXPECT[@]}" -- \
		"${DNS_EXPECT[@]}" <<'EOF' 2>&1
import json, subprocess, sys

phase, eve_path, pcap, stats_path = sys.argv[1:5]
rest = sys.argv[5:]
cut = rest.index("--")
expect = [x.split() for x in rest[:cut]]
dns_expect = [x.split() for x in rest[cut + 1:]]
npass = nfail = 0


def res(cond, msg, *detail):
    global npass, nfail
    if cond:
        npass += 1
        print("ok %s: %s" % (phase, msg))
    else:
        nfail += 1
        print("FAIL %s: %s" % (phase, msg))
        for d in detail:
            print("#   %s" % d)


events = [json.loads(l) for l in open(eve_path) if l.strip()]
byport = {}
for e in events:
    byport.setdefault(e.get("src_port"), []).append(e)

# What reached the server ns: payload bytes (TCP) or datagrams (UDP) per
# client port.
fields = subprocess.run(
    ["tshark", "-n", "-r", pcap, "-Y", "ip.src == 10.99.0.10", "-T", "fields",
     "-e", "tcp.srcport", "-e", "tcp.len", "-e", "udp.srcport"],
    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=60).stdout
tcp_bytes, udp_dgrams = {}, {}
for line in fields.splitlines():
    f = (line.split("\t") + ["", "", ""])[:3]
    if f[0]:
        tcp_bytes[int(f[0])] = tcp_bytes.get(int(f[0]), 0) + int(f[1] or 0)
    elif f[2]:
        udp_dgrams[int(f[2])] = udp_dgrams.get(int(f[2]), 0) + 1

denied = {}
for port, proto, verdict, reason, name, binding in expect:
    port = int(port)
    evs = [e for e in byport.get(port, []) if e["event_type"] not in ("flow", "dns")]
    want = [verdict, reason, name, binding]
    got = []
    for e in evs:
        gw = e.get("gw") or {}
        n = (e.get("tls") or {}).get("sni") or (e.get("http") or {}).get("hostname") or "-"
        g = [gw.get("verdict"), gw.get("reason", "-"), n, gw.get("binding", "-")]
        got.append(" ".join(w if w == "*" else x for w, x in zip(want, g)))
    want = " ".join(want)
    res(got == [want], "EVE client port %d/%s: %s" % (port, proto, want),
        "got %s" % (got or "no verdict event"))
    if verdict == "deny":
        denied[reason] = denied.get(reason, 0) + 1
    seen = tcp_bytes.get(port, 0) if proto == "tcp" else udp_dgrams.get(port, 0)
    what = "payload bytes" if proto == "tcp" else "datagrams"
    if verdict == "allow":
        res(seen > 0, "server side: %s of client port %d arrived (%d)" % (what, port, seen))
    else:
        res(seen == 0, "server side: no %s of denied client port %d (%s)" % (what, port, reason),
            "%d reached the server ns" % seen)

for port, qname, qtype, addr in dns_expect:
    port = int(port)
    got = []
    for e in byport.get(port, []):
        if e["event_type"] != "dns":
            continue
        d = e["dns"]
        got.append((d.get("type"), d.get("rrname"), d.get("rrtype"), d.get("rcode"),
                    (d.get("grouped") or {}).get("A")))
    want = [("query", qname, qtype, None, None), ("answer", qname, qtype, "NOERROR", [addr])]
    res(got == want, "EVE dns events of client port %d: query and answer %s %s -> %s"
        % (port, qname, qtype, addr), "got %s" % got)

try:
    st = json.load(open(stats_path))
    got = {k: v for k, v in st["flows_denied_by_reason"].items() if v}
    res(got == denied, "gwctl: flows_denied_by_reason == %s" % denied, "got %s" % got)
except (OSError, ValueError, KeyError) as e:
    res(False, "gwctl stats readable", e)
EOF
	) || true
	printf '%s\n' "$out"
	EGW_PASS=$((EGW_PASS + $(printf '%s\n' "$out" | grep -c '^ok ' || true)))
	EGW_FAIL=$((EGW_FAIL + $(printf '%s\n' "$out" | grep -c '^FAIL ' || true)))
}

# phase_start NAME POLICY_TEXT: a gateway run with its own EVE and capture.
phase_start()
{
	local name=$1
	printf '%s\n' "$2" >"$EGW_TMP/$name.yaml"
	EXPECT=()
	DNS_EXPECT=()
	egw_capture_start "$name" "$NS_S" s0 "$EGW_TMP/$name-server.pcap" tcp or udp
	egw_gw_start "$EGW_TMP/$name.yaml"
	egw_gw_wait_forwarding 60
}

# phase_end NAME: stats, stop, judge.
phase_end()
{
	local name=$1 rc=0
	egw_capture_stop "$name"
	timeout 10 "$GWCTL" --socket "$EGW_CTL" --json stats >"$EGW_TMP/$name-stats.json" \
		2>"$EGW_TMP/$name-gwctl.err" || true
	egw_gw_stop || rc=$?
	if [ "$rc" -eq 0 ]; then
		egw_ok "$name: gateway exits 0 on SIGTERM"
	else
		egw_fail "$name: gateway exits 0 on SIGTERM" "exit $rc: $(tail -n 5 "$EGW_TMP/gateway.log" | tr '\n' '|')"
	fi
	judge "$name" "$EGW_TMP/$name-server.pcap" "$EGW_TMP/$name-stats.json"
	mv "$EGW_EVE" "$EGW_TMP/$name-eve.json"
}

CURL=(curl -sS --max-time 10 --cacert "$EGW_CA")

# ---- phase 1: role web, strict bindings, encrypted DNS blocked ----
phase_start phase1 "egress_policy:
  dns:
    allow: [\"$RESOLVER\"]
    block_encrypted: [DoH, DoT, DoQ]
  roles:
    web:
      vlans: [untagged]
      name_binding: strict
      allow_fqdns: [\"allowed.test\", \"*.allowed.test\", \"dns.google\"]"

resolve "kdig @$RESOLVER (UDP)" 42101 allowed.test "$WEB"
A=${ANSWER:-$WEB}
allowed "curl https://allowed.test/ at the answered address -> 200" 42102 tcp \
	allowed.test bound 'egw-ok host=allowed.test sni=allowed.test.* 200$' \
	"${CURL[@]}" --local-port 42102 -w '%{http_code}' \
	--resolve "allowed.test:443:$A" https://allowed.test/
resolve "kdig +tcp @$RESOLVER" 42103 api.allowed.test "$WEB" +tcp
allowed "curl http://api.allowed.test/ at the answered address -> 200" 42104 tcp \
	api.allowed.test bound 'egw-ok host=api.allowed.test .*200$' \
	"${CURL[@]}" --local-port 42104 -w '%{http_code}' \
	--resolve "api.allowed.test:80:${ANSWER:-$WEB}" http://api.allowed.test/
reset "curl https://allowed.test/ at $OTHER (not what DNS gave)" 41101 \
	name_ip_mismatch allowed.test mismatch \
	"${CURL[@]}" --local-port 41101 --resolve "allowed.test:443:$OTHER" https://allowed.test/
silent "kdig @$OUTSIDE (UDP, resolver not in dns.allow)" 41102 udp dns_not_allowed \
	kdig -b "$EGW_C4#41102" @"$OUTSIDE" allowed.test +timeout=2 +retry=0
reset "kdig +tcp @$OUTSIDE" 41103 dns_not_allowed - - \
	kdig -b "$EGW_C4#41103" @"$OUTSIDE" allowed.test +tcp +timeout=2 +retry=0
reset "kdig +tls @$RESOLVER (DoT, TCP 853)" 41104 dot - - \
	kdig -b "$EGW_C4#41104" @"$RESOLVER" allowed.test +tls +timeout=2 +retry=0
silent "kdig +quic @$RESOLVER (DoQ, UDP 853)" 41105 udp doq \
	kdig -b "$EGW_C4#41105" @"$RESOLVER" allowed.test +quic +timeout=2 +retry=0
# dns.google is in the role's allowlist and the resolver binds it: DoH wins.
resolve "kdig @$RESOLVER dns.google" 42105 dns.google "$WEB"
reset "curl https://dns.google/dns-query (DoH endpoint)" 41106 doh dns.google - \
	curl -sS -k --max-time 10 --local-port 41106 \
	--resolve "dns.google:443:${ANSWER:-$WEB}" "https://dns.google/dns-query?dns=AAABAAABAAAAAAAAB2FsbG93ZWQEdGVzdAAAAQAB"
# Names whose answer the gateway did not see: the control plane resolves
# them through the allowed resolver while the flow is held.
allowed "curl https://www.allowed.test/ without a lookup of its own (verified live)" \
	42106 tcp www.allowed.test bound 'egw-ok host=www.allowed.test sni=www.allowed.test.* 200$' \
	"${CURL[@]}" --local-port 42106 -w '%{http_code}' \
	--resolve "www.allowed.test:443:$WEB" https://www.allowed.test/
reset "curl https://ghost.allowed.test/ (the resolver knows no such name)" 41108 \
	dns_verify_timeout ghost.allowed.test '*' \
	"${CURL[@]}" --local-port 41108 --resolve "ghost.allowed.test:443:$WEB" https://ghost.allowed.test/
# UDP 443 (QUIC) is blocked; nothing to hear back.
out=$(egw_c "$EGW_PY" -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 41107))
s.sendto(bytes([0xC3, 0, 0, 0, 1, 8]) + bytes(1194), (sys.argv[1], 443))' "$WEB" 2>&1) || true
EXPECT+=("41107 udp deny quic_blocked - -")
[ -z "$out" ] || egw_log "quic sender: $out"
sleep 0.3
# The DoT listener never saw a connection.
if grep -q '^conn ' "$EGW_TMP/dot.conns"; then
	egw_fail "DoT listener on $RESOLVER:853 saw no connection" "$(grep '^conn ' "$EGW_TMP/dot.conns" | head -n 3 | tr '\n' '|')"
else
	egw_ok "DoT listener on $RESOLVER:853 saw no connection"
fi
phase_end phase1

# ---- phase 2: role batch (protocol SFTP), a new gateway run ----
phase_start phase2 "egress_policy:
  dns:
    allow: [\"$RESOLVER\"]
    block_encrypted: [DoH, DoT]
  roles:
    batch:
      vlans: [untagged]
      allow_fqdns: [\"sftp.partner.test\"]
      protocol: [SFTP]"

SSH_BANNER='SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'
reset "TCP 22 to $SFTP before DNS gave it" 41201 name_ip_mismatch - mismatch \
	"${EGW_TOOL[@]}" raw-client --ip "$SFTP" --port 22 --sport 41201 --data "$SSH_BANNER"
resolve "kdig @$RESOLVER sftp.partner.test" 42201 sftp.partner.test "$SFTP"
allowed "TCP 22 to sftp.partner.test's address ${ANSWER:-$SFTP}" 42202 tcp - bound \
	"data b'RAW-OK" \
	"${EGW_TOOL[@]}" raw-client --ip "${ANSWER:-$SFTP}" --port 22 --sport 42202 --data "$SSH_BANNER"
reset "TCP 22 to $SFTP_OTHER" 41202 name_ip_mismatch - mismatch \
	"${EGW_TOOL[@]}" raw-client --ip "$SFTP_OTHER" --port 22 --sport 41202 --data "$SSH_BANNER"
reset "curl https://sftp.partner.test/ (443: no name port for this role)" 41203 port_not_allowed - - \
	curl -sS -k --max-time 10 --local-port 41203 --resolve "sftp.partner.test:443:$WEB" \
	https://sftp.partner.test/
resolve "kdig @$RESOLVER allowed.test" 42203 allowed.test "$WEB"
reset "TCP 22 to allowed.test's address $WEB (a name the role does not list)" 41204 \
	name_ip_mismatch - mismatch \
	"${EGW_TOOL[@]}" raw-client --ip "$WEB" --port 22 --sport 41204 --data "$SSH_BANNER"
phase_end phase2

# The port-22 listener: one connection, from the allowed client port.
n=30
while [ "$n" -gt 0 ] && ! grep -q "port=42202 " "$EGW_TMP/sftp.conns"; do
	sleep 0.1
	n=$((n - 1))
done
conns=$(grep '^conn ' "$EGW_TMP/sftp.conns" | sed 's/.*port=\([0-9]*\) bytes=\([0-9]*\).*/\1:\2/' | tr '\n' ' ')
if [[ $conns =~ ^42202:[1-9][0-9]*\ $ ]]; then
	egw_ok "port-22 listener: only the allowed connection (client port 42202) arrived, with data"
else
	egw_fail "port-22 listener: only the allowed connection (client port 42202) arrived" "got: ${conns:-none}"
fi

egw_summary
