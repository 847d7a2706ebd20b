#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# console.sh BUILD_DIR
#
# The console (gwctl), the event stream and the evidence captures against
# real traffic through the daemon, each figure checked exactly against what
# was sent and against the EVE log:
#   - 6 connections from fixed client ports: 3 TLS and 1 HTTP allowed
#     (allowed.test, api.allowed.test, www.allowed.test to 10.99.0.100),
#     2 denied (denied.test, TLS and HTTP, to 10.99.0.101); once their EVE
#     flow events are in:
#   - gwctl --json stats: flows created / allowed / denied by reason, the
#     flowview section;
#   - gwctl --json flows: one flow per client port with its name, verdict,
#     reason, and the packet and byte counters of its EVE flow event; the
#     --denied, --host, --role and --limit filters; the table output;
#   - gwctl top destinations / hosts (1m): bytes and packets equal the sums
#     of the flows' EVE counters;
#   - gwctl why (a flow, a denied flow, a port never seen: the policy's
#     decision, the same as check's) and gwctl check (allow, deny, no role);
#   - gwctl events --follow --type alert: a TLS request to a C2 name gives
#     one alert line (table and JSON); the periodic EVE stats event;
#   - evidence: the next connection of that host lands in its "c2" pcapng
#     file (tshark shows its SNI); gwctl quarantine resets the host's
#     kept-alive connection at its next request (its flow event: deny
#     quarantined, with its SNI), and the SYN of a new attempt lands in the
#     host's capture too;
#   - EVE as a whole: no gw.snat in bridge mode, every flow event carries
#     the name of its connection;
#   - errors: no daemon (exit 1, "daemon not running"), an unprivileged user
#     on the 0660 socket (exit 1, "permission denied"), malformed requests
#     written to the socket ({"ok":false,...}), a bad option (exit 2).
# One line per check, then "N passed, M failed"; exit 1 on any failure.
#
# Environment: GW_CMD, GWCTL, EGW_KEEP as for inline.sh (the testpmd
# stand-in has no console: every check is skipped).

set -euo pipefail

BUILD_DIR=${1:?usage: console.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$HERE/lib.sh"

GW_CMD=${GW_CMD:-$BUILD_DIR/app/egressgw/egressgw}
GWCTL=${GWCTL:-$BUILD_DIR/app/gwctl/gwctl}
command -v "$GW_CMD" >/dev/null 2>&1 || egw_die "gateway binary $GW_CMD not found"
[ -x "$GWCTL" ] || egw_die "gwctl binary $GWCTL not found"

C2_SIG=9000001
C2_NAME="console e2e C2 host"
# Client ports of the six connections (port:scheme:name:server), then the
# C2 request, the connection after it and the attempt under quarantine.
FLOWS=(
	47101:https:allowed.test:10.99.0.100
	47102:https:api.allowed.test:10.99.0.100
	47103:https:www.allowed.test:10.99.0.100
	47104:http:allowed.test:10.99.0.100
	47105:https:denied.test:10.99.0.101
	47106:http:denied.test:10.99.0.101
)
P_C2=47107
P_AFTER=47108
P_QUAR=47109
P_HOLD=47110

egw_init
if egw_gw_standin; then
	egw_skip "console: the stand-in bridge has no console"
	egw_summary
	exit
fi
egw_testbed_up gw
egw_servers_start

EVID="$EGW_TMP/evidence"
POL="$EGW_TMP/policy.yaml"
cat >"$POL" <<EOF
egress_policy:
  default: deny
  roles:
    web:
      vlans: [untagged]
      name_binding: off
      allow_fqdns:
        - "allowed.test"
        - "*.allowed.test"
c2_signatures:
  - id: $C2_SIG
    name: "$C2_NAME"
    severity: high
    pattern: 'evil-c2\.test'
gateway:
  timeouts:
    tcp_closed_s: 1
  evidence:
    dir: $EVID
    window_s: 30
monitoring:
  stats_interval_s: 2
  # Only the C2 alert is expected on the alert stream: a first flow to each
  # destination would otherwise raise a new_destination alert too.
  new_destination_alerts: false
EOF

egw_gw_start "$POL"
egw_gw_wait_forwarding 60

# Every gwctl call has a time bound of its own besides gwctl's.
ctl() { timeout -k 2 20 "$GWCTL" --socket "$EGW_CTL" --timeout 10000 "$@"; }
CURL=(curl -sS --max-time 10 --cacert "$EGW_CA")
# req PORT SCHEME NAME SERVER: one request from client port PORT; prints
# curl's exit status, then its output.
req()
{
	local port=$1 scheme=$2 name=$3 srv=$4 rc=0 out
	out=$(egw_c "${CURL[@]}" --local-port "$port" --resolve "$name:443:$srv" \
		--resolve "$name:80:$srv" "$scheme://$name/" 2>&1) || rc=$?
	printf '%s\n%s\n' "$rc" "$out"
}
one_line() { tr '\n' '|' | tail -c "${1:-300}"; }

# The checks that read JSON: chk.py CHECK ARGS..., prints "ok" or what differs.
CHK="$EGW_TMP/chk.py"
cat >"$CHK" <<'EOF'
import json, subprocess, sys

def load(p):
    with open(p) as f:
        return json.load(f)

def eve(path):
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                yield json.loads(line)

def name_of(e):
    return (e.get("tls") or {}).get("sni") or (e.get("http") or {}).get("hostname")

def flows_by_port(path, ports):
    """EVE flow events of the client ports: port -> event."""
    out = {}
    for e in eve(path):
        if e.get("event_type") == "flow" and e.get("src_port") in ports:
            out.setdefault(e["src_port"], []).append(e)
    return out

def spec(s):
    port, scheme, name, srv = s.split(":")
    return int(port), scheme, name, srv

def main():
    what, args = sys.argv[1], sys.argv[2:]
    bad = []
    if what == "eve-ends":
        # eve-ends EVE SPEC...: exactly one flow event per port -> save them
        specs = [spec(s) for s in args[1:]]
        got = flows_by_port(args[0], {p for p, *_ in specs})
        if sorted(got) != sorted(p for p, *_ in specs) or any(len(v) != 1 for v in got.values()):
            print("flow events by port: %s" % {p: len(v) for p, v in got.items()})
            return
        json.dump({str(p): v[0] for p, v in got.items()}, sys.stdout)
        return
    if what == "stats":
        s = load(args[0])
        w = s["workers"]
        got = {
            "flows_created": s["totals"]["flows_created"],
            "flows_allowed": sum(x["flows_allowed"] for x in w),
            "flows_denied": sum(x["flows_denied"] for x in w),
            "fqdn_not_allowed": s["flows_denied_by_reason"]["fqdn_not_allowed"],
            "denied_by_reason": sum(s["flows_denied_by_reason"].values()),
            "flows_active": s["totals"]["flows_active"],
        }
        want = {"flows_created": 6, "flows_allowed": 4, "flows_denied": 2,
                "fqdn_not_allowed": 2, "denied_by_reason": 2, "flows_active": 0}
        bad += ["%s %s (want %s)" % (k, got[k], want[k]) for k in want if got[k] != want[k]]
        fv = s.get("flowview") or {}
        want = {"active": 0, "ended": 6, "hosts": 1, "records": 18, "ignored": 0,
                "active_evicted": 0, "ended_overwritten": 0, "end_unknown": 0}
        bad += ["flowview.%s %s (want %s)" % (k, fv.get(k), v) for k, v in want.items()
                if fv.get(k) != v]
    elif what == "flows":
        # flows FLOWS.json ENDS.json SPEC...: every port once, as sent, EVE's counters
        d, ends = load(args[0]), load(args[1])
        specs = [spec(s) for s in args[2:]]
        by = {}
        for f in d["flows"]:
            by.setdefault(f["src_port"], []).append(f)
        if d["total"] != len(specs) or len(d["flows"]) != len(specs) or d["truncated"]:
            bad.append("total %s, %d flows, truncated %s" % (d["total"], len(d["flows"]), d["truncated"]))
        for port, scheme, name, srv in specs:
            fl = by.get(port, [])
            if len(fl) != 1:
                bad.append("port %d: %d flows" % (port, len(fl)))
                continue
            f, e = fl[0], ends[str(port)]
            denied = name.startswith("denied")
            want = {"src_ip": "10.99.0.10", "dest_ip": srv, "dest_port": 443 if scheme == "https" else 80,
                    "proto": "TCP", "vlan": 0, "role": "web", "name": name,
                    "app": "tls" if scheme == "https" else "http",
                    "verdict": "deny" if denied else "allow",
                    "reason": "fqdn_not_allowed" if denied else None, "state": "ended"}
            for k in ("pkts_toserver", "pkts_toclient", "bytes_toserver", "bytes_toclient"):
                want[k] = e["flow"][k]
            bad += ["port %d: %s %r (want %r)" % (port, k, f.get(k), v)
                    for k, v in want.items() if f.get(k) != v]
            if e["flow"]["bytes_toserver"] == 0 or e["flow"]["bytes_toclient"] == 0:
                bad.append("port %d: EVE counted no bytes one way: %s" % (port, e["flow"]))
    elif what == "ports":
        # ports FLOWS.json TOTAL TRUNCATED PORT...: exactly these flows
        d = load(args[0])
        got = sorted(f["src_port"] for f in d["flows"])
        want = sorted(int(p) for p in args[3:])
        if got != want or d["total"] != int(args[1]) or d["truncated"] != (args[2] == "true"):
            bad.append("ports %s total %s truncated %s" % (got, d["total"], d["truncated"]))
    elif what == "top":
        # top TOP.json ENDS.json KIND: rows == sums of the EVE counters
        d, ends = load(args[0]), load(args[1])
        keys = ("bytes_toserver", "bytes_toclient", "pkts_toserver", "pkts_toclient")
        want = {}
        for e in ends.values():
            k = e["src_ip"] if args[2] == "hosts" else name_of(e)
            row = want.setdefault(k, dict.fromkeys(keys, 0))
            for c in keys:
                row[c] += e["flow"][c]
        got = {r["key"]: {c: r[c] for c in keys} for r in d["rows"]}
        if got != want:
            bad.append("rows %s, EVE sums %s" % (got, want))
        if any(r["role"] != "web" for r in d["rows"]) or d["window"] != "1m" or d["partial"]:
            bad.append("roles %s window %s partial %s" % ([r["role"] for r in d["rows"]], d["window"], d["partial"]))
    elif what == "why-flow":
        # why-flow WHY.json DEST PORT VERDICT REASON: a flow's own decision
        d = load(args[0])
        f, dec = d.get("flow") or {}, d.get("decision") or {}
        reason = None if args[4] == "-" else args[4]
        got = (d.get("source"), f.get("dest_ip"), f.get("dest_port"), f.get("src_ip"),
               dec.get("verdict"), dec.get("reason"), dec.get("role"))
        want = ("flow", args[1], int(args[2]), "10.99.0.10", args[3], reason, "web")
        if got != want:
            bad.append("got %s want %s" % (got, want))
    elif what == "why-policy":
        # why-policy WHY.json CHECK.json VERDICT REASON: the policy's decision, as check gives it
        d, c = load(args[0]), load(args[1])
        dec = d.get("decision") or {}
        got = (d.get("source"), d.get("flow"), dec.get("verdict"), dec.get("reason"), dec.get("role"))
        want = ("policy", None, args[2], args[3], "web")
        if got != want:
            bad.append("got %s want %s" % (got, want))
        for k in ("verdict", "reason", "rule", "rule_kind", "role"):
            if dec.get(k) != c.get(k):
                bad.append("why %s %r, check %s %r" % (k, dec.get(k), k, c.get(k)))
    elif what == "decision":
        # decision CHECK.json VERDICT REASON
        c = load(args[0])
        reason = None if args[2] == "-" else args[2]
        if (c.get("verdict"), c.get("reason"), c.get("role")) != (args[1], reason, "web"):
            bad.append("verdict %s reason %s role %s" % (c.get("verdict"), c.get("reason"), c.get("role")))
    elif what == "alert":
        # alert FOLLOW.jsonl SIG PORT: exactly one alert, the C2 one
        lines = [json.loads(l) for l in open(args[0]) if l.strip()]
        if len(lines) != 1:
            bad.append("%d alert lines: %s" % (len(lines), [l.get("alert") for l in lines]))
        else:
            e = lines[0]
            a = e.get("alert") or {}
            got = (e.get("event_type"), a.get("signature_id"), a.get("action"), e.get("src_port"),
                   name_of(e), (e.get("gw") or {}).get("reason"))
            want = ("alert", int(args[1]), "blocked", int(args[2]), "evil-c2.test", "c2_signature")
            if got != want:
                bad.append("got %s want %s" % (got, want))
    elif what == "stats-event":
        # stats-event EVE N: a stats event after the first N, with the metrics' snapshot
        evs = [e for e in eve(args[0]) if e.get("event_type") == "stats"]
        if len(evs) <= int(args[1]):
            bad.append("%d stats events, %s before" % (len(evs), args[1]))
        else:
            s = evs[-1].get("stats") or {}
            for k in ("totals", "top_hosts", "top_destinations", "counters"):
                if k not in s:
                    bad.append("no stats.%s in %s" % (k, sorted(s)))
    elif what == "eve-bridge":
        # eve-bridge EVE PORT=NAME...: no event carries gw.snat (bridge mode);
        # every flow event of these ports carries the name its flow was sent with
        want = dict(a.split("=") for a in args[1:])
        seen = {}
        for e in eve(args[0]):
            if "snat" in (e.get("gw") or {}):
                bad.append("%s event of port %s has gw.snat %s" % (e.get("event_type"), e.get("src_port"), e["gw"]["snat"]))
            if e.get("event_type") == "flow" and str(e.get("src_port")) in want:
                seen[str(e["src_port"])] = name_of(e)
        bad += ["flow event of port %s: name %r (want %r)" % (p, seen.get(p), n)
                for p, n in sorted(want.items()) if seen.get(p) != n]
    elif what == "end":
        # end EVE PORT VERDICT REASON NAME: the port's flow event says so
        evs = [e for e in eve(args[0]) if e.get("event_type") == "flow" and e.get("src_port") == int(args[1])]
        if len(evs) != 1:
            print("%d flow events" % len(evs))
            return
        e, g = evs[0], evs[0].get("gw") or {}
        got = (g.get("verdict"), g.get("reason"), name_of(e))
        want = (args[2], None if args[3] == "-" else args[3], args[4])
        if got != want:
            bad.append("verdict, reason, name %s (want %s); end_cause %s" % (got, want, g.get("end_cause")))
    elif what == "hold":
        # hold IP SPORT NAME CAFILE SECS GOFILE: one TLS request on a
        # kept-alive connection from SPORT, says "answered"; once GOFILE
        # exists a second request: says "reset", "eof", "data ..." or "timeout"
        import os, socket, ssl, time
        ctx = ssl.create_default_context(cafile=args[3])
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        raw.bind(("0.0.0.0", int(args[1])))
        raw.settimeout(float(args[4]))
        try:
            raw.connect((args[0], 443))
            s = ctx.wrap_socket(raw, server_hostname=args[2])
            s.sendall(("GET / HTTP/1.1\r\nHost: %s\r\n\r\n" % args[2]).encode())
            buf = b""
            while b"egw-ok" not in buf or not buf.endswith(b"\n"):
                d = s.recv(65536)
                if not d:
                    print("eof before the answer", flush=True)
                    return
                buf += d
            print("answered", flush=True)
            # Idle until told to go on (GOFILE), then one more request.
            t = time.monotonic() + float(args[4])
            while not os.path.exists(args[5]) and time.monotonic() < t:
                time.sleep(0.05)
            s.sendall(("GET / HTTP/1.1\r\nHost: %s\r\n\r\n" % args[2]).encode())
            d = s.recv(65536)
            print("eof" if not d else "data %r" % d[:60], flush=True)
        except ConnectionResetError:
            print("reset", flush=True)
        except socket.timeout:
            print("timeout", flush=True)
        except (OSError, ssl.SSLError) as ex:
            print("error %s" % ex, flush=True)
        return
    elif what == "count-stats":
        print(sum(1 for e in eve(args[0]) if e.get("event_type") == "stats"))
        return
    elif what == "sock":
        # sock PATH: malformed requests, each answered {"ok":false,"error":...}
        import socket
        cases = [
            (b"this is not json\n", "malformed request"),
            (b'{"cmd": 42}\n', "malformed request: 'cmd' must be a string"),
            (b'{"cmd": "flows", "args": [1]}\n', "malformed request: 'args' must be an object"),
            (b'["stats"]\n', "malformed request: not a JSON object"),
            (b'{"cmd": "nosuch"}\n', "unknown command 'nosuch'"),
            (b'{"cmd": "flows", "args": {"limit": 0}}\n', "limit"),
        ]
        for req, want in cases:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(5)
            try:
                s.connect(args[0])
                s.sendall(req)
                buf = b""
                while not buf.endswith(b"\n"):
                    c = s.recv(65536)
                    if not c:
                        break
                    buf += c
            except OSError as ex:
                bad.append("%r: %s" % (req, ex))
                continue
            finally:
                s.close()
            try:
                a = json.loads(buf)
            except ValueError:
                bad.append("%r: answer not JSON: %r" % (req, buf[:200]))
                continue
            if a.get("ok") is not False or want not in str(a.get("error")) or set(a) != {"ok", "error"}:
                bad.append("%r: %r" % (req, a))
    else:
        bad.append("unknown check " + what)
    print("ok" if not bad else "; ".join(bad[:8]))

main()
EOF
chk() { "$EGW_PY" "$CHK" "$@" 2>&1 || true; }

# ---- the traffic ----
bad=()
for f in "${FLOWS[@]}"; do
	IFS=: read -r port scheme name srv <<<"$f"
	out=$(req "$port" "$scheme" "$name" "$srv")
	rc=$(head -n 1 <<<"$out")
	case $name in
	denied*) [ "$rc" != 0 ] || bad+=("$port $name: curl succeeded") ;;
	*)
		[ "$rc" = 0 ] && grep -q "egw-ok host=$name" <<<"$out" ||
			bad+=("$port $name: $(one_line 150 <<<"$out")")
		;;
	esac
done
if [ ${#bad[@]} -eq 0 ]; then
	egw_ok "traffic: 4 allowed requests answered (3 TLS, 1 HTTP), 2 denied ones refused"
else
	egw_fail "traffic: 4 allowed requests answered, 2 denied ones refused" "${bad[@]}"
fi

# Wait for the six END records (EVE flow events), then keep them.
ENDS="$EGW_TMP/ends.json"
t0=$SECONDS
while :; do
	chk eve-ends "$EGW_EVE" "${FLOWS[@]}" >"$ENDS"
	if "$EGW_PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$ENDS" 2>/dev/null; then
		egw_ok "EVE: one flow event for each of the 6 client ports after $((SECONDS - t0)) s"
		break
	fi
	if [ $((SECONDS - t0)) -ge 20 ]; then
		egw_fail "EVE: one flow event for each of the 6 client ports within 20 s" "$(cat "$ENDS")"
		egw_summary
		exit 1
	fi
	sleep 0.5
done

# ---- stats ----
ctl --json stats >"$EGW_TMP/stats.json" 2>"$EGW_TMP/stats.err" || true
got=$(chk stats "$EGW_TMP/stats.json")
if [ "$got" = ok ]; then
	egw_ok "stats: flows_created 6, allowed 4, denied 2 (fqdn_not_allowed 2), none active; flowview 6 ended, 1 host, 18 records"
else
	egw_fail "stats: 6 flows, 4 allowed, 2 denied fqdn_not_allowed, flowview counts" "$got" "$(one_line <"$EGW_TMP/stats.err")"
fi

# ---- flows ----
ctl --json flows --limit 100 >"$EGW_TMP/flows.json" 2>"$EGW_TMP/flows.err" || true
got=$(chk flows "$EGW_TMP/flows.json" "$ENDS" "${FLOWS[@]}")
if [ "$got" = ok ]; then
	egw_ok "flows: the 6 flows by client port with name, app, verdict, reason as sent; packets and bytes equal their EVE flow events"
else
	egw_fail "flows: the 6 flows as sent, counters equal to EVE" "$got" "$(one_line <"$EGW_TMP/flows.err")"
fi
# flows_sel DESC TOTAL TRUNCATED "PORTS" ARGS...
flows_sel()
{
	local desc=$1 total=$2 trunc=$3 ports=$4 got
	shift 4
	# shellcheck disable=SC2086 # ports is a list
	if ctl --json flows "$@" >"$EGW_TMP/sel.json" 2>"$EGW_TMP/sel.err"; then
		got=$(chk ports "$EGW_TMP/sel.json" "$total" "$trunc" $ports)
	else
		got="gwctl failed: $(one_line <"$EGW_TMP/sel.err")"
	fi
	if [ "$got" = ok ]; then
		egw_ok "flows $*: $desc"
	else
		egw_fail "flows $*: $desc" "$got"
	fi
}
ALL="47101 47102 47103 47104 47105 47106"
flows_sel "exactly the 2 denied ones" 2 false "47105 47106" --denied
flows_sel "all 6 (source)" 6 false "$ALL" --host 10.99.0.10
flows_sel "the 4 to it (destination)" 4 false "47101 47102 47103 47104" --host 10.99.0.100
flows_sel "the 2 to it" 2 false "47105 47106" --host 10.99.0.101
flows_sel "all 6" 6 false "$ALL" --role web
flows_sel "none" 0 false "" --role nosuch
flows_sel "none" 0 false "" --host 10.99.0.50
flows_sel "the 2 newest, total 6, truncated" 6 true \
	"$("$EGW_PY" -c 'import json,sys; print(" ".join(str(f["src_port"]) for f in json.load(open(sys.argv[1]))["flows"][:2]))' "$EGW_TMP/flows.json" 2>/dev/null)" \
	--limit 2
rc=0
ctl flows >"$EGW_TMP/flows.txt" 2>&1 || rc=$?
hdr=$(head -n 1 "$EGW_TMP/flows.txt")
rows=$(grep -cE '^ended +web +0 +TCP +10\.99\.0\.10:4710[1-6] ' "$EGW_TMP/flows.txt" || true)
if [ "$rc" -eq 0 ] && [[ $hdr =~ ^state\ +role\ +vlan\ +proto\ +src\ +dest\ +name\ +verdict\ +reason\ +rule\ +pkts\ +bytes\ +age$ ]] &&
	[ "$rows" -eq 6 ] && [ "$(wc -l <"$EGW_TMP/flows.txt")" -eq 8 ] &&
	[ "$(tail -n 1 "$EGW_TMP/flows.txt")" = "6 flows" ]; then
	egw_ok "flows (table): a header, 6 rows, '6 flows'"
else
	egw_fail "flows (table): a header, 6 rows, '6 flows'" "exit $rc, $rows rows" "$(one_line 600 <"$EGW_TMP/flows.txt")"
fi

# ---- top ----
for kind in destinations hosts; do
	rc=0
	ctl --json top "$kind" --window 1m --limit 100 >"$EGW_TMP/top-$kind.json" 2>"$EGW_TMP/top.err" || rc=$?
	got=$(chk top "$EGW_TMP/top-$kind.json" "$ENDS" "$kind")
	if [ "$rc" -eq 0 ] && [ "$got" = ok ]; then
		egw_ok "top $kind --window 1m: one row per $([ "$kind" = hosts ] && echo host || echo name), bytes and packets equal the sums of their flows' EVE counters"
	else
		egw_fail "top $kind --window 1m: sums of the EVE counters" "exit $rc: $got" "$(one_line <"$EGW_TMP/top.err")"
	fi
done

# ---- why / check ----
# why_json NAME ARGS...: gwctl --json why into $EGW_TMP/NAME.json
why_json() { local n=$1; shift; ctl --json why "$@" >"$EGW_TMP/$n.json" 2>"$EGW_TMP/$n.err" || true; }
why_json why1 10.99.0.10 10.99.0.100 443
got=$(chk why-flow "$EGW_TMP/why1.json" 10.99.0.100 443 allow -)
out=$(ctl why 10.99.0.10 10.99.0.100 443 2>&1) || true
if [ "$got" = ok ] && grep -q '^source: *flow (ended)' <<<"$out" && grep -q '^verdict: *allow' <<<"$out"; then
	egw_ok "why 10.99.0.10 10.99.0.100 443: source flow, allow"
else
	egw_fail "why 10.99.0.10 10.99.0.100 443: source flow, allow" "$got" "$(one_line <<<"$out")"
fi
why_json why2 10.99.0.10 10.99.0.101 443
got=$(chk why-flow "$EGW_TMP/why2.json" 10.99.0.101 443 deny fqdn_not_allowed)
out=$(ctl why 10.99.0.10 10.99.0.101 443 2>&1) || true
if [ "$got" = ok ] && grep -q '^reason: *fqdn_not_allowed (' <<<"$out"; then
	egw_ok "why 10.99.0.10 10.99.0.101 443: the denied flow, reason fqdn_not_allowed"
else
	egw_fail "why of the denied flow: reason fqdn_not_allowed" "$got" "$(one_line <<<"$out")"
fi
# A port no flow used: what the policy decides (a name role, port 8080 not
# among its ports), the same as check says for that address.
why_json why3 10.99.0.10 10.99.0.100 8080
ctl --json check web 10.99.0.100 8080 >"$EGW_TMP/check3.json" 2>"$EGW_TMP/check3.err" || true
got=$(chk why-policy "$EGW_TMP/why3.json" "$EGW_TMP/check3.json" deny port_not_allowed)
out=$(ctl why 10.99.0.10 10.99.0.100 8080 2>&1) || true
if [ "$got" = ok ] && grep -q '^source: *policy' <<<"$out"; then
	egw_ok "why 10.99.0.10 10.99.0.100 8080 (never seen): source policy, deny port_not_allowed, as check web 10.99.0.100 8080"
else
	egw_fail "why for a port never seen: source policy, the policy's decision" "$got" "$(one_line <<<"$out")"
fi
ctl --json check web allowed.test 443 >"$EGW_TMP/check1.json" 2>&1 || true
got=$(chk decision "$EGW_TMP/check1.json" allow -)
if [ "$got" = ok ]; then
	egw_ok "check web allowed.test 443: allow"
else
	egw_fail "check web allowed.test 443: allow" "$got"
fi
ctl --json check web denied.test 443 >"$EGW_TMP/check2.json" 2>&1 || true
got=$(chk decision "$EGW_TMP/check2.json" deny fqdn_not_allowed)
if [ "$got" = ok ]; then
	egw_ok "check web denied.test 443: deny fqdn_not_allowed"
else
	egw_fail "check web denied.test 443: deny fqdn_not_allowed" "$got"
fi
rc=0
out=$(ctl check nosuch x.test 2>&1) || rc=$?
if [ "$rc" -eq 1 ] && grep -q "no role 'nosuch' in the policy" <<<"$out"; then
	egw_ok "check nosuch x.test: exit 1, \"$(one_line <<<"$out")\""
else
	egw_fail "check nosuch x.test: exit 1 with a clear message" "exit $rc: $(one_line <<<"$out")"
fi

# ---- events --follow, the C2 alert, the stats event ----
egw_bg follow-text - timeout -k 2 60 "$GWCTL" --socket "$EGW_CTL" events --follow --type alert
FOLLOW_TEXT=$EGW_LAST_PID
egw_bg follow-json - timeout -k 2 60 "$GWCTL" --socket "$EGW_CTL" --json events --follow --type alert
FOLLOW_JSON=$EGW_LAST_PID
# Both are subscribed once the daemon holds two more connections.
for _ in $(seq 1 50); do
	[ "$(ss -Hx state connected src "$EGW_CTL" 2>/dev/null | wc -l)" -ge 2 ] && break
	sleep 0.1
done
nstats=$(chk count-stats "$EGW_EVE")
t0=$(date +%s%N)
out=$(req "$P_C2" https evil-c2.test 10.99.0.100)
c2rc=$(head -n 1 <<<"$out")
for _ in $(seq 1 50); do
	[ -s "$EGW_TMP/follow-json.log" ] && [ -s "$EGW_TMP/follow-text.log" ] && break
	sleep 0.1
done
sleep 0.5 # a second alert line, if any, has arrived by now
got=$(chk alert "$EGW_TMP/follow-json.log" "$C2_SIG" "$P_C2")
if [ "$c2rc" != 0 ] && [ "$got" = ok ]; then
	egw_ok "events --follow --type alert --json: one alert, signature_id $C2_SIG, blocked, the C2 request's port and SNI"
else
	egw_fail "events --follow --type alert: one C2 alert line" "curl $c2rc; $got" "$(one_line <"$EGW_TMP/follow-json.log")"
fi
if [ "$(wc -l <"$EGW_TMP/follow-text.log")" -eq 1 ] &&
	grep -qE "^[0-9T:.+-]+ alert 10\.99\.0\.10:$P_C2 -> 10\.99\.0\.100:443 evil-c2\.test blocked \"$C2_NAME\"$" "$EGW_TMP/follow-text.log"; then
	egw_ok "events --follow --type alert: one line \"$(cut -d' ' -f2- "$EGW_TMP/follow-text.log")\""
else
	egw_fail "events --follow --type alert (text): one alert line" "$(one_line <"$EGW_TMP/follow-text.log")"
fi
got=""
while [ $((($(date +%s%N) - t0) / 1000000)) -lt 5000 ]; do
	got=$(chk stats-event "$EGW_EVE" "$nstats")
	[ "$got" = ok ] && break
	sleep 0.2
done
if [ "$got" = ok ]; then
	egw_ok "EVE: a stats event (totals, per role, top hosts and destinations) within $((($(date +%s%N) - t0) / 1000000)) ms (stats_interval_s 2)"
else
	egw_fail "EVE: a stats event within 5 s" "$got"
fi
egw_stop_pid "$FOLLOW_TEXT" INT 5 || true
egw_stop_pid "$FOLLOW_JSON" INT 5 || true

# ---- evidence ----
# The C2 hit opened the host's capture; the next connection lands in it.
cfile=""
for _ in $(seq 1 30); do
	cfile=$(find "$EVID" -maxdepth 1 -name 'egressgw-10.99.0.10-*-c2.pcapng' 2>/dev/null | head -n 1)
	[ -n "$cfile" ] && break
	sleep 0.1
done
out=$(req "$P_AFTER" https allowed.test 10.99.0.100)
arc=$(head -n 1 <<<"$out")
sni=""
for _ in $(seq 1 30); do
	[ -n "$cfile" ] || break
	sni=$(tshark -n -r "$cfile" -Y "tcp.srcport == $P_AFTER && tls.handshake.type == 1" \
		-T fields -e tls.handshake.extensions_server_name 2>/dev/null | head -n 1 || true)
	[ -n "$sni" ] && break
	sleep 0.2
done
if [ -n "$cfile" ] && [ "$arc" = 0 ] && [ "$sni" = allowed.test ]; then
	egw_ok "evidence: after the C2 hit, $(basename "$cfile") holds the next connection's ClientHello (SNI $sni)"
else
	egw_fail "evidence: the C2 host's next connection lands in egressgw-10.99.0.10-*-c2.pcapng" \
		"file '${cfile:-none}', curl $arc, SNI '$sni'" "$(ls -l "$EVID" 2>&1 | one_line)"
fi
# Quarantine: first let that connection end (so that only the kept-alive
# one below is active), then hold one open and quarantine the host.
for _ in $(seq 1 40); do
	[ "$(chk end "$EGW_EVE" "$P_AFTER" allow - allowed.test)" = ok ] && break
	sleep 0.25
done
egw_bg hold "$NS_C" timeout -k 2 20 "$EGW_PY" "$CHK" hold 10.99.0.100 "$P_HOLD" \
	allowed.test "$EGW_CA" 8 "$EGW_TMP/hold.go"
HOLD=$EGW_LAST_PID
for _ in $(seq 1 50); do
	grep -q answered "$EGW_TMP/hold.log" 2>/dev/null && break
	sleep 0.1
done
rc=0
ctl quarantine 10.99.0.10 --reason "console e2e" >"$EGW_TMP/quar.out" 2>&1 || rc=$?
# The kept-alive connection sends its next request: it must meet a reset.
sleep 0.2
t0=$(date +%s%N)
touch "$EGW_TMP/hold.go"
_egw_wait_pid "$HOLD" 4 || true
held=$(tr '\n' ' ' <"$EGW_TMP/hold.log")
if [ "$rc" -eq 0 ] && grep -q "; 1 active flows reset$" "$EGW_TMP/quar.out" &&
	{ [ "$held" = "answered reset " ] || [ "$held" = "answered eof " ]; }; then
	# (Python's TLS layer on OpenSSL 3 reports a reset under a session as
	# an unexpected EOF: either way the connection was cut at once.)
	egw_ok "quarantine: '$(cat "$EGW_TMP/quar.out")'; the kept-alive connection's next request is reset ($((($(date +%s%N) - t0) / 1000000)) ms)"
else
	egw_fail "quarantine: 1 active flow reset; the kept-alive connection's next request meets a reset" \
		"exit $rc: $(one_line <"$EGW_TMP/quar.out")" "client after 4 s: $held"
fi
out=$(egw_c curl -sS --max-time 3 --cacert "$EGW_CA" --local-port "$P_QUAR" \
	--resolve "allowed.test:443:10.99.0.100" https://allowed.test/ 2>&1) && qrc=0 || qrc=$?
syns=0
qfile=""
for _ in $(seq 1 30); do
	for f in "$EVID"/egressgw-10.99.0.10-*.pcapng; do
		[ -f "$f" ] || continue
		n=$(tshark -n -r "$f" -Y "tcp.srcport == $P_QUAR && tcp.flags.syn == 1 && tcp.flags.ack == 0" 2>/dev/null | wc -l)
		[ "$n" -eq 0 ] || { syns=$n; qfile=$f; }
	done
	[ "$syns" -gt 0 ] && break
	sleep 0.2
done
if [ "$qrc" != 0 ] && [ "$syns" -gt 0 ]; then
	egw_ok "evidence: the quarantined host's blocked attempt (curl $qrc) is captured: $syns SYN(s) in $(basename "$qfile")"
else
	egw_fail "evidence: the quarantined host's attempt (SYN) is captured" \
		"curl $qrc: $(one_line <<<"$out"), SYNs $syns" "$(ls -l "$EVID" 2>&1 | one_line)"
fi
got=""
for _ in $(seq 1 20); do
	got=$(chk end "$EGW_EVE" "$P_HOLD" deny quarantined allowed.test)
	[ "$got" = ok ] && break
	sleep 0.25
done
if [ "$got" = ok ]; then
	egw_ok "EVE: the reset connection's flow event (within 5 s) says deny quarantined and keeps its SNI"
else
	egw_fail "EVE: the reset connection's flow event (within 5 s) says deny quarantined and keeps its SNI" "$got"
fi
ctl release 10.99.0.10 >/dev/null 2>&1 || true

# ---- errors ----
rc=0
out=$(timeout 20 "$GWCTL" --socket /nonexistent/sock stats 2>&1) || rc=$?
if [ "$rc" -eq 1 ] && grep -q "daemon not running" <<<"$out"; then
	egw_ok "no daemon: exit 1, \"$(one_line <<<"$out")\""
else
	egw_fail "no daemon: exit 1 and 'daemon not running'" "exit $rc: $(one_line <<<"$out")"
fi
# The socket itself must refuse the user: the folder above it lets anyone
# through, and gwctl is a copy anyone may run.
mode=$(stat -c %a "$EGW_CTL")
chmod 0711 "$EGW_TMP"
install -m 0755 "$GWCTL" "$EGW_TMP/gwctl.nobody"
rc=0
out=$(timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$EGW_TMP/gwctl.nobody" --socket "$EGW_CTL" stats 2>&1) || rc=$?
chmod 0700 "$EGW_TMP"
if [ "$mode" = 660 ] && [ "$rc" -eq 1 ] && grep -q "permission denied" <<<"$out"; then
	egw_ok "unprivileged user on the 0660 socket: exit 1, \"$(one_line <<<"$out")\""
else
	egw_fail "unprivileged user on the socket: exit 1 'permission denied'" "mode $mode, exit $rc: $(one_line <<<"$out")"
fi
got=$(chk sock "$EGW_CTL")
if [ "$got" = ok ] && ctl --json stats >/dev/null 2>&1; then
	egw_ok "malformed requests on the socket: each answered {\"ok\":false,\"error\":...}; the daemon still answers"
else
	egw_fail "malformed requests answered {\"ok\":false,\"error\":...}" "$got"
fi
rc=0
out=$(ctl flows --limit 0 2>&1) || rc=$?
if [ "$rc" -eq 2 ] && grep -q "limit '0' out of range" <<<"$out" && grep -q "^Usage:" <<<"$out"; then
	egw_ok "flows --limit 0: exit 2 with the usage"
else
	egw_fail "flows --limit 0: exit 2 with the usage" "exit $rc: $(one_line <<<"$out")"
fi

rc=0
egw_gw_stop || rc=$?
if [ "$rc" -eq 0 ]; then
	egw_ok "gateway exits 0 on SIGTERM"
else
	egw_fail "gateway exits 0 on SIGTERM" "exit $rc: $(tail -n 5 "$EGW_TMP/gateway.log" | one_line)"
fi
got=$(chk eve-bridge "$EGW_EVE" 47101=allowed.test 47102=api.allowed.test \
	47103=www.allowed.test 47104=allowed.test 47105=denied.test 47106=denied.test \
	$P_C2=evil-c2.test $P_AFTER=allowed.test $P_HOLD=allowed.test)
if [ "$got" = ok ]; then
	egw_ok "EVE: no event carries gw.snat (bridge mode); every flow event carries the name of its connection"
else
	egw_fail "EVE: no gw.snat in bridge mode, every flow event carries its name" "$got"
fi
egw_summary
