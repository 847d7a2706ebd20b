#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# keepalive.sh BUILD_DIR
#
# Every request of a kept-alive HTTP connection is judged, with real nginx in
# the server ns and exact requests written by a python client (one TCP
# connection per case, its client port pinned):
#   run 1 (role web, default hygiene: host_change deny):
#     - curl fetches two URLs of one host over one connection: both 200;
#     - request 1 Host allowed.test, then request 2 Host denied.test (and,
#       on another connection, Host api.allowed.test, an allowed name): the
#       first answer arrives, then the connection is reset (host_changed);
#       nginx logged request 1 only; the same with request 2 written in
#       three segments, its Host line cut in two;
#     - two requests with different Hosts in one send: nothing reaches
#       nginx, reset, host_changed (with the same Host: both answered);
#     - a POST whose Content-Length body (and one whose chunked body, with a
#       chunk extension and a trailer) holds the text of a request for
#       another Host: allowed, and the next real request too;
#     - Content-Length and Transfer-Encoding on a later request: malformed,
#       reset, nginx never sees it;
#     - Connection: close, HTTP/1.0 and CONNECT: answered, no deny;
#     - kdig +tcp to the allowed resolver (dnsmasq): answered; EVE has the
#       query and the answer with its address;
#   run 2 (the same role with hygiene: {host_change: allow}): request 2 to
#     another allowed name passes, request 3 to a name the role does not
#     list is reset (fqdn_not_allowed).
# Judged by the client, nginx's access log, EVE and gwctl --json stats. One
# line per check, then "N passed, M failed"; exit 1 on any failure.
# Needs root, nginx, dnsmasq, kdig, curl.

set -euo pipefail

BUILD_DIR=${1:?usage: keepalive.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$HERE/lib.sh"

GW_CMD=${GW_CMD:-$BUILD_DIR/app/egressgw/egressgw}
GWCTL=${GWCTL:-$BUILD_DIR/app/gwctl/gwctl}
command -v "$GW_CMD" >/dev/null 2>&1 || egw_die "gateway binary $GW_CMD not found"
egw_gw_standin && egw_die "keepalive.sh judges the gateway's decisions: no stand-in"
for t in dnsmasq kdig nginx curl; do
	command -v "$t" >/dev/null 2>&1 || egw_die "$t not installed"
done

RESOLVER=10.99.0.53
WEB=$EGW_S4_WEB

egw_init
egw_testbed_up gw
egw_servers_start
egw_s_addr_add "$RESOLVER"
egw_dnsmasq_start dns "$RESOLVER" allowed.test="$WEB"
ACCESS="$EGW_TMP/nginx/access.log"

# ---- the client: named cases of exact bytes ----
KA="$EGW_TMP/ka-client.py"
cat >"$KA" <<'EOF'
import socket, sys, time

ip, sport, case = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def req(host, method="GET", target="/", extra="", body=b"", version="HTTP/1.1"):
    return ("%s %s %s\r\nHost: %s\r\nUser-Agent: egw-ka\r\n%s\r\n"
            % (method, target, version, host, extra)).encode() + body


SMUGGLED = req("denied.test", target="/smuggled")
CHUNK = b"%x;egw-ext=1\r\n" % len(SMUGGLED) + SMUGGLED + b"\r\n0\r\nX-Egw-Trailer: 1\r\n\r\n"
S, R, W = "send", "recv", "wait"
CASES = {
    "host-change": [(S, req("allowed.test")), (R,),
                    (S, req("denied.test", target="/2")), (R,)],
    "host-change-allowed-name": [(S, req("allowed.test")), (R,),
                                 (S, req("api.allowed.test", target="/2")), (R,)],
    # Request 2 in three segments, the Host line cut in two.
    "host-change-split": [(S, req("allowed.test")), (R,),
                          (S, b"GET /2 HTTP/1.1\r\nHo"), (W, 0.2), (S, b"st: deni"), (W, 0.2),
                          (S, b"ed.test\r\nUser-Agent: egw-ka\r\n\r\n"), (R,)],
    "pipelined": [(S, req("allowed.test") + req("denied.test", target="/2")), (R,)],
    "pipelined-same": [(S, req("allowed.test") + req("allowed.test", target="/2")), (R,), (R,)],
    "post-cl": [(S, req("allowed.test", "POST", "/post", "Content-Length: %d\r\n"
                        % len(SMUGGLED))), (W, 0.2), (S, SMUGGLED), (R,),
                (S, req("allowed.test", target="/2")), (R,)],
    "post-chunked": [(S, req("allowed.test", "POST", "/post",
                             "Transfer-Encoding: chunked\r\nTrailer: X-Egw-Trailer\r\n")),
                     (W, 0.2), (S, CHUNK[:20]), (W, 0.2), (S, CHUNK[20:]), (R,),
                     (S, req("allowed.test", target="/2")), (R,)],
    "cl-te": [(S, req("allowed.test")), (R,),
              (S, req("allowed.test", "POST", "/2", "Content-Length: 5\r\n"
                      "Transfer-Encoding: chunked\r\n", b"0\r\n\r\n")), (R,)],
    "conn-close": [(S, req("allowed.test", extra="Connection: close\r\n")), (R,)],
    "http10": [(S, req("allowed.test", version="HTTP/1.0")), (R,)],
    "connect": [(S, req("allowed.test:443", "CONNECT", "allowed.test:443")), (R,)],
    "three-hosts": [(S, req("allowed.test")), (R,),
                    (S, req("api.allowed.test", target="/2")), (R,),
                    (S, req("denied.test", target="/3")), (R,)],
}

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.bind(("0.0.0.0", sport))
s.settimeout(5)
s.connect((ip, 80))
buf = b""
out = []


def recv_more(deadline):
    global buf
    s.settimeout(max(0.01, deadline - time.monotonic()))
    d = s.recv(65536)
    if not d:
        raise EOFError
    buf += d


def response():
    """One response: 'resp STATUS', or how the connection ended."""
    global buf
    t0 = time.monotonic()
    deadline = t0 + 3
    try:
        while b"\r\n\r\n" not in buf:
            recv_more(deadline)
        head, _, buf = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        clen = 0
        for l in lines[1:]:
            k, _, v = l.partition(":")
            if k.strip().lower() == "content-length":
                clen = int(v)
        while len(buf) < clen:
            recv_more(deadline)
        buf = buf[clen:]
        return "resp " + lines[0].split()[1]
    except ConnectionResetError:
        return "reset %dms" % ((time.monotonic() - t0) * 1000)
    except EOFError:
        return "eof"
    except socket.timeout:
        return "timeout"


ended = False
for step in CASES[case]:
    if step[0] == S:
        try:
            s.sendall(step[1])
        except OSError as e:
            out.append("send-error %s" % e.__class__.__name__)
            ended = True
            break
    elif step[0] == W:
        time.sleep(step[1])
    else:
        r = response()
        out.append(r)
        if not r.startswith("resp"):
            ended = True
            break
if not ended:
    # How the connection stands a moment after the last answer.
    try:
        s.settimeout(1)
        d = s.recv(1)
        out.append("end eof" if not d else "end data")
    except ConnectionResetError:
        out.append("end reset")
    except socket.timeout:
        out.append("end open")
print(" | ".join(out))
EOF

# The "reset NNms" of a denied request: within 2 s.
norm() { sed -E 's/reset ([0-9]+)ms/reset/g' <<<"$1"; }

EXPECT=()  # "PORT allow|revoked|deny REASON NAME" (judged from EVE)
NGINX=()   # "PORT N" requests nginx logged from that client port

# ka DESC PORT CASE WANT [ALSO]: the client's outcome must be WANT (resets
# must come within 2 s).
ka()
{
	local desc=$1 port=$2 case=$3 want=$4 out ms
	out=$(egw_c "$EGW_PY" "$KA" "$WEB" "$port" "$case" 2>&1) || true
	ms=$(grep -oE 'reset [0-9]+ms' <<<"$out" | grep -oE '[0-9]+' || echo 0)
	if [ "$(norm "$out")" = "$want" ] && [ "$ms" -lt 2000 ]; then
		egw_ok "$desc: $want"
	else
		egw_fail "$desc: $want" "got: $out"
	fi
}

# judge RUN STATS_JSON DENIED_JSON: EVE, nginx access log and gwctl stats.
judge()
{
	local run=$1 stats=$2 denied=$3 out
	sleep 0.5
	out=$("$EGW_PY" - "$run" "$EGW_EVE" "$ACCESS" "$stats" "$denied" "${EXPECT[@]}" -- \
		"${NGINX[@]}" -- "${DNS_EXPECT[@]}" <<'EOF' 2>&1
import json, re, sys

run, eve_path, access, stats_path, denied_s = sys.argv[1:6]
rest = sys.argv[6:]
c1 = rest.index("--")
c2 = rest.index("--", c1 + 1)
expect = [x.split() for x in rest[:c1]]
nginx = [x.split() for x in rest[c1 + 1:c2]]
dns_expect = [x.split() for x in rest[c2 + 1:]]


def res(cond, msg, *detail):
    print(("ok %s: %s" if cond else "FAIL %s: %s") % (run, msg))
    if not cond:
        for d in detail:
            print("#   %s" % d)


events = [json.loads(l) for l in open(eve_path) if l.strip()]
byport = {}
for e in events:
    byport.setdefault(e.get("src_port"), []).append(e)


def verdicts(port):
    got = []
    for e in byport.get(port, []):
        if e.get("event_type") in ("flow", "dns"):
            continue
        gw = e.get("gw") or {}
        name = (e.get("http") or {}).get("hostname") or (e.get("tls") or {}).get("sni") or "-"
        got.append("%s %s %s" % (gw.get("verdict"), gw.get("reason", "-"), name))
    return got


for port, kind, reason, name in expect:
    got = verdicts(int(port))
    if kind == "allow":
        want = ["allow - %s" % name]
    elif kind == "deny":
        want = ["deny %s %s" % (reason, name)]
    else:
        # Allowed at the first request, denied at a later one.
        want = ["allow - allowed.test", "deny %s %s" % (reason, name)]
    if name == "*":
        # The deny's name is not judged (a malformed head may have none).
        got = got[:-1] + [" ".join(g.split()[:2] + ["*"]) for g in got[-1:]]
    res(got == want, "EVE client port %s: %s" % (port, " then ".join(want)), "got %s" % got)

lines = [l for l in open(access)] if nginx else []
for port, n in nginx:
    mine = [l.strip() for l in lines if re.match(r"10\.99\.0\.10:%s " % port, l)]
    res(len(mine) == int(n), "nginx logged %s request%s from client port %s"
        % (n, "" if n == "1" else "s", port), "got %s" % mine)
    bad = [l for l in mine if "denied.test" in l]
    if mine:
        res(not bad, "nginx: no request of client port %s carried Host denied.test" % port, *bad)

for port, qname, addr in dns_expect:
    got = []
    for e in byport.get(int(port), []):
        if e.get("event_type") == "dns":
            d = e["dns"]
            got.append((d.get("type"), d.get("rrname"), d.get("rrtype"),
                        (d.get("grouped") or {}).get("A")))
    want = [("query", qname, "A", None), ("answer", qname, "A", [addr])]
    res(got == want, "EVE dns events of client port %s (TCP): query and answer %s -> %s"
        % (port, qname, addr), "got %s" % got)

denied = json.loads(denied_s)
try:
    st = json.load(open(stats_path))
    got = {k: v for k, v in st["flows_denied_by_reason"].items() if v}
    res(got == denied, "gwctl --json stats: flows_denied_by_reason == %s" % denied, "got %s" % got)
except (OSError, ValueError, KeyError) as e:
    res(False, "gwctl --json stats readable", str(e))
EOF
	) || true
	printf '%s\n' "$out"
	EGW_PASS=$((EGW_PASS + $(printf '%s\n' "$out" | grep -c '^ok ' || true)))
	EGW_FAIL=$((EGW_FAIL + $(printf '%s\n' "$out" | grep -c '^FAIL ' || true)))
}

run_start()
{
	local name=$1
	printf '%s\n' "$2" >"$EGW_TMP/$name.yaml"
	EXPECT=()
	NGINX=()
	DNS_EXPECT=()
	egw_gw_start "$EGW_TMP/$name.yaml"
	egw_gw_wait_forwarding 60
}

# run_end NAME DENIED_JSON
run_end()
{
	local name=$1 rc=0
	timeout 10 "$GWCTL" --socket "$EGW_CTL" --json stats >"$EGW_TMP/$name-stats.json" \
		2>"$EGW_TMP/$name-gwctl.err" || true
	egw_gw_stop || rc=$?
	if [ "$rc" -eq 0 ]; then
		egw_ok "$name: gateway exits 0 on SIGTERM"
	else
		egw_fail "$name: gateway exits 0 on SIGTERM" "exit $rc: $(tail -n 5 "$EGW_TMP/gateway.log" | tr '\n' '|')"
	fi
	judge "$name" "$EGW_TMP/$name-stats.json" "$2"
	mv "$EGW_EVE" "$EGW_TMP/$name-eve.json"
}

POLICY_HEAD="egress_policy:
  default: deny
  dns:
    allow: [\"$RESOLVER\"]
  roles:
    web:
      vlans: [untagged]
      name_binding: \"off\"
      allow_fqdns: [\"allowed.test\", \"*.allowed.test\"]"

# ---- run 1: default hygiene (host_change: deny) ----
run_start run1 "$POLICY_HEAD"

out=$(egw_c curl -sS --max-time 10 --local-port 44001 -o /dev/null -o /dev/null \
	-w '%{http_code} %{num_connects}\n' --resolve "allowed.test:80:$WEB" \
	http://allowed.test/ http://allowed.test/b 2>&1) || true
codes=$(awk '{print $1}' <<<"$out" | tr '\n' ' ')
conns=$(awk '{s += $2} END {print s + 0}' <<<"$out")
if [ "$codes" = "200 200 " ] && [ "$conns" = 1 ]; then
	egw_ok "curl http://allowed.test/ and /b on one connection: 200 200, 1 connect"
else
	egw_fail "curl http://allowed.test/ and /b on one connection: 200 200, 1 connect" \
		"got: $(tr '\n' '|' <<<"$out")"
fi
EXPECT+=("44001 allow - allowed.test")
NGINX+=("44001 2")

ka "request 1 Host allowed.test, request 2 Host denied.test" 44002 host-change \
	"resp 200 | reset"
EXPECT+=("44002 revoked host_changed denied.test")
NGINX+=("44002 1")
ka "request 1 Host allowed.test, request 2 Host api.allowed.test (also allowed)" 44003 \
	host-change-allowed-name "resp 200 | reset"
EXPECT+=("44003 revoked host_changed api.allowed.test")
NGINX+=("44003 1")
ka "request 2 (Host denied.test) in three segments" 44011 host-change-split \
	"resp 200 | reset"
EXPECT+=("44011 revoked host_changed denied.test")
NGINX+=("44011 1")
ka "two requests, Hosts allowed.test and denied.test, in one send" 44004 pipelined "reset"
EXPECT+=("44004 deny host_changed denied.test")
NGINX+=("44004 0")
ka "two requests, both Host allowed.test, in one send" 44012 pipelined-same \
	"resp 200 | resp 200 | end open"
EXPECT+=("44012 allow - allowed.test")
NGINX+=("44012 2")
ka "POST with a Content-Length body holding a request for denied.test, then GET" 44005 \
	post-cl "resp 200 | resp 200 | end open"
EXPECT+=("44005 allow - allowed.test")
NGINX+=("44005 2")
ka "POST with a chunked body (extension, trailer) holding a request for denied.test, then GET" \
	44006 post-chunked "resp 200 | resp 200 | end open"
EXPECT+=("44006 allow - allowed.test")
NGINX+=("44006 2")
ka "request 2 with Content-Length and Transfer-Encoding" 44007 cl-te "resp 200 | reset"
EXPECT+=("44007 revoked malformed *")
NGINX+=("44007 1")
ka "a single request with Connection: close" 44008 conn-close "resp 200 | end eof"
EXPECT+=("44008 allow - allowed.test")
NGINX+=("44008 1")
ka "a single HTTP/1.0 request" 44009 http10 "resp 200 | end eof"
EXPECT+=("44009 allow - allowed.test")
NGINX+=("44009 1")
# nginx refuses CONNECT itself (400); the gateway lets it through.
ka "CONNECT allowed.test:443 on port 80" 44010 connect "resp 400 | end eof"
EXPECT+=("44010 allow - allowed.test")

out=$(egw_c kdig -b "$EGW_C4#44201" @"$RESOLVER" allowed.test A +tcp +short \
	+timeout=3 +retry=0 2>&1) || true
if [ "$out" = "$WEB" ]; then
	egw_ok "kdig +tcp @$RESOLVER allowed.test through the gateway: $WEB"
else
	egw_fail "kdig +tcp @$RESOLVER allowed.test through the gateway: $WEB" "got: $(tr '\n' '|' <<<"$out")"
fi
EXPECT+=("44201 allow - -")
DNS_EXPECT+=("44201 allowed.test $WEB")

run_end run1 '{"host_changed": 4, "malformed": 1}'

# ---- run 2: hygiene: {host_change: allow} ----
run_start run2 "$POLICY_HEAD
      hygiene: {host_change: allow}"
ka "host_change allow: allowed.test, api.allowed.test, then denied.test" 44101 \
	three-hosts "resp 200 | resp 200 | reset"
EXPECT+=("44101 revoked fqdn_not_allowed denied.test")
NGINX+=("44101 2")
ka "host_change allow: request 1 allowed.test, request 2 api.allowed.test" 44102 \
	host-change-allowed-name "resp 200 | resp 200 | end open"
EXPECT+=("44102 allow - allowed.test")
NGINX+=("44102 2")
run_end run2 '{"fqdn_not_allowed": 1}'

egw_summary
