#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# reload.sh BUILD_DIR
#
# Hot policy reload and quarantine with real clients through the daemon:
#   - two long-lived kept-alive TLS connections (openssl s_client sending a
#     request every 50 ms), one to allowed.test, one to api.allowed.test;
#   - 100 reloads while they run (gwctl reload, alternating two policies
#     that both allow both names, every tenth by SIGHUP): every request of
#     both connections is answered (no established flow disturbed), the
#     gateway dropped nothing, the policy version counts the reloads;
#   - a policy with a syntax error is rejected with file:line:col and the
#     running one stays;
#   - gwctl reload --dry-run of a policy without *.allowed.test names the
#     api.allowed.test flow as one whose verdict would flip, changes nothing;
#   - the real reload of it resets that connection (policy_revoked) while the
#     allowed.test one goes on;
#   - gwctl quarantine of the client: its connection is reset, new ones fail,
#     stats lists it, a reload keeps it, the drops are counted as
#     quarantined; gwctl release: connections work again.
# One line per check, then "N passed, M failed"; exit 1 on any failure.

set -euo pipefail

BUILD_DIR=${1:?usage: reload.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$HERE/lib.sh"

GW_CMD=${GW_CMD:-$BUILD_DIR/app/egressgw/egressgw}
GWCTL=${GWCTL:-$BUILD_DIR/app/gwctl/gwctl}
command -v "$GW_CMD" >/dev/null 2>&1 || egw_die "gateway binary $GW_CMD not found"
RELOADS=${EGW_RELOADS:-100}

egw_init
if egw_gw_standin; then
	egw_skip "reload: the stand-in bridge has no policy"
	egw_summary
	exit
fi
egw_testbed_up gw
egw_servers_start

W4=$EGW_S4_WEB
POL="$EGW_TMP/policy.yaml"
# policy NAME-LINES...: the test policy with these allow_fqdns entries.
policy()
{
	local out=$1 n
	shift
	{
		printf 'egress_policy:\n  default: deny\n  roles:\n    web:\n'
		printf '      vlans: [untagged, 10]\n      name_binding: off\n'
		printf '      allow_fqdns:\n'
		for n in "$@"; do
			printf '        - "%s"\n' "$n"
		done
		printf 'gateway:\n  reassembly:\n    timeout_ms: 2000\n'
	} >"$out.tmp"
	mv "$out.tmp" "$out"
}
policy "$EGW_TMP/pA.yaml" allowed.test "*.allowed.test"
policy "$EGW_TMP/pB.yaml" allowed.test "*.allowed.test" extra.test
policy "$EGW_TMP/pC.yaml" allowed.test www.allowed.test
cp "$EGW_TMP/pA.yaml" "$POL"

egw_gw_start "$POL"
egw_gw_wait_forwarding 60

ctl() { timeout 60 "$GWCTL" --socket "$EGW_CTL" --timeout 60000 "$@"; }
sget()
{
	"$EGW_PY" -c 'import json, sys; s = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
stats() { ctl --json stats >"$1"; }

# stream NAME N: N requests 50 ms apart on one kept-alive TLS connection;
# the responses go to $EGW_TMP/stream.NAME.
stream()
{
	local name=$1 n=$2
	(
		for _ in $(seq 1 "$n"); do
			printf 'GET / HTTP/1.1\r\nHost: %s\r\n\r\n' "$name"
			sleep 0.05
		done
		sleep 1
	) | egw_c openssl s_client -connect "$W4:443" -servername "$name" \
		-CAfile "$EGW_CA" -quiet -ign_eof >"$EGW_TMP/stream.$name" 2>"$EGW_TMP/stream.$name.err" || true
}
answers() { grep -c "egw-ok host=$1" "$EGW_TMP/stream.$1" 2>/dev/null || true; }

stats "$EGW_TMP/s0.json"
v0=$(sget "$EGW_TMP/s0.json" 's["policy"]["version"]')

# ---- 100 reloads under traffic ----
NREQ=$((RELOADS * 2 + 40))
stream allowed.test "$NREQ" &
p1=$!
stream api.allowed.test "$NREQ" &
p2=$!
sleep 1
fails=0
for i in $(seq 1 "$RELOADS"); do
	if [ $((i % 2)) -eq 0 ]; then cp "$EGW_TMP/pA.yaml" "$POL"; else cp "$EGW_TMP/pB.yaml" "$POL"; fi
	if [ $((i % 10)) -eq 0 ]; then
		kill -HUP "$EGW_GW_PID"
		# SIGHUP answers nowhere: wait for the version to move.
		for _ in $(seq 1 100); do
			stats "$EGW_TMP/sh.json"
			v=$(sget "$EGW_TMP/sh.json" 's["policy"]["version"]')
			[ "$v" -lt $((v0 + i)) ] || break
			sleep 0.05
		done
	elif ! ctl reload >"$EGW_TMP/reload.$i.out" 2>&1; then
		fails=$((fails + 1))
	fi
	sleep 0.05
done
wait "$p1" "$p2" || true
stats "$EGW_TMP/s1.json"
v1=$(sget "$EGW_TMP/s1.json" 's["policy"]["version"]')
a1=$(answers allowed.test)
a2=$(answers api.allowed.test)
if [ "$fails" -eq 0 ] && [ "$v1" -eq $((v0 + RELOADS)) ]; then
	egw_ok "reload: $RELOADS reloads applied (gwctl and SIGHUP), policy version $v0 -> $v1"
else
	egw_fail "reload: $RELOADS reloads applied" "failures $fails, version $v0 -> $v1"
fi
if [ "$a1" -eq "$NREQ" ] && [ "$a2" -eq "$NREQ" ]; then
	egw_ok "reload: both kept-alive connections got all $NREQ answers during the reloads"
else
	egw_fail "reload: both connections got all $NREQ answers" \
		"allowed.test $a1, api.allowed.test $a2" "$(tail -n 3 "$EGW_TMP/stream.api.allowed.test.err" | tr '\n' '|')"
fi
got=$(sget "$EGW_TMP/s1.json" '"%d %d %d" % (sum(s["drops"].values()), sum(s["flows_denied_by_reason"].values()), sum(p["rx_missed"] for p in s["ports"]))')
if [ "$got" = "0 0 0" ]; then
	egw_ok "reload: no packet dropped, no flow denied, no rx miss during the reloads"
else
	egw_fail "reload: no packet dropped or flow denied during the reloads" \
		"drops, denied flows, rx_missed: $got"
fi

# ---- an invalid policy is rejected ----
printf 'egress_policy:\n  default: deny\n  roles:\n    web:\n      allow_fqdns: [unclosed\n' >"$POL"
rc=0
ctl reload >"$EGW_TMP/reload.bad" 2>&1 || rc=$?
stats "$EGW_TMP/s2.json"
v2=$(sget "$EGW_TMP/s2.json" 's["policy"]["version"]')
if [ "$rc" -ne 0 ] && grep -Eq "policy\.yaml:[0-9]+:[0-9]+:" "$EGW_TMP/reload.bad" && [ "$v2" = "$v1" ]; then
	egw_ok "reload: a broken policy is rejected with file:line:col, version $v2 stays"
else
	egw_fail "reload: a broken policy is rejected with file:line:col" \
		"exit $rc, version $v1 -> $v2" "$(head -n 5 "$EGW_TMP/reload.bad" | tr '\n' '|')"
fi
rc=0
out=$(egw_c curl -sS --max-time 5 --cacert "$EGW_CA" --resolve "allowed.test:443:$W4" https://allowed.test/ 2>&1) || rc=$?
if [ "$rc" -eq 0 ] && grep -q egw-ok <<<"$out"; then
	egw_ok "reload: the running policy still works after the rejected reload"
else
	egw_fail "reload: the running policy still works after the rejected reload" "curl $rc: $out"
fi

# ---- revocation ----
stream allowed.test 80 &
p1=$!
stream api.allowed.test 80 &
p2=$!
sleep 1
cp "$EGW_TMP/pC.yaml" "$POL"
ctl --json reload --dry-run >"$EGW_TMP/dry.json" 2>&1 || true
stats "$EGW_TMP/s3.json"
flip=$(sget "$EGW_TMP/dry.json" '",".join(sorted(set(f.get("name", "") for f in s["flows_flipped"])))' 2>/dev/null || echo "?")
if [ "$flip" = "api.allowed.test" ] && [ "$(sget "$EGW_TMP/s3.json" 's["policy"]["version"]')" = "$v1" ]; then
	egw_ok "reload --dry-run: names the api.allowed.test flow as flipping, changes nothing"
else
	egw_fail "reload --dry-run names the flow that would flip" "flipped: $flip" "$(head -c 400 "$EGW_TMP/dry.json")"
fi
ctl reload >"$EGW_TMP/reload.revoke" 2>&1 || true
wait "$p1" "$p2" || true
a1=$(answers allowed.test)
a2=$(answers api.allowed.test)
stats "$EGW_TMP/s4.json"
rev=$(sget "$EGW_TMP/s4.json" 's["flows_denied_by_reason"]["policy_revoked"]')
if [ "$a1" -eq 80 ] && [ "$a2" -lt 80 ] && [ "$rev" -ge 1 ] &&
	grep -q '"policy_revoked"' "$EGW_EVE"; then
	egw_ok "reload: the revoked api.allowed.test connection was cut ($a2/80 answers, policy_revoked), allowed.test went on (80/80)"
else
	egw_fail "reload: the revoked connection is cut, the other goes on" \
		"allowed.test $a1/80, api.allowed.test $a2/80, policy_revoked $rev"
fi

# ---- quarantine ----
stream allowed.test 60 &
p1=$!
sleep 1
rc=0
ctl quarantine "$EGW_C4" --reason "e2e test" >"$EGW_TMP/q.out" 2>&1 || rc=$?
sleep 0.3
rc2=0
egw_c curl -sS --max-time 3 --cacert "$EGW_CA" --resolve "allowed.test:443:$W4" https://allowed.test/ >/dev/null 2>&1 || rc2=$?
wait "$p1" || true
a1=$(answers allowed.test)
cp "$EGW_TMP/pA.yaml" "$POL"
ctl reload >/dev/null 2>&1 || true
stats "$EGW_TMP/s5.json"
ql=$(sget "$EGW_TMP/s5.json" '",".join(q["host"] for q in s.get("quarantine", []))')
qd=$(sget "$EGW_TMP/s5.json" 's["drops"]["quarantined"]')
if [ "$rc" -eq 0 ] && [ "$a1" -lt 60 ] && [ "$rc2" -ne 0 ]; then
	egw_ok "quarantine: the host's connection was cut ($a1/60 answers) and a new one fails (curl $rc2)"
else
	egw_fail "quarantine cuts the host's connection and blocks new ones" \
		"gwctl $rc, answers $a1/60, new curl $rc2" "$(cat "$EGW_TMP/q.out")"
fi
if [ "$ql" = "$EGW_C4" ] && [ "$qd" -gt 0 ]; then
	egw_ok "quarantine: listed in stats after a reload, $qd packets dropped as quarantined"
else
	egw_fail "quarantine: listed in stats after a reload, drops counted" "listed '$ql', drops $qd"
fi
ctl release "$EGW_C4" >/dev/null 2>&1 || true
rc=0
out=$(egw_c curl -sS --max-time 5 --cacert "$EGW_CA" --resolve "allowed.test:443:$W4" https://allowed.test/ 2>&1) || rc=$?
if [ "$rc" -eq 0 ] && grep -q egw-ok <<<"$out"; then
	egw_ok "release: the host reaches allowed.test again"
else
	egw_fail "release: the host reaches allowed.test again" "curl $rc: $out"
fi
rc=0
ctl release "$EGW_C4" >"$EGW_TMP/rel2.out" 2>&1 || rc=$?
if [ "$rc" -ne 0 ] && grep -q "not quarantined" "$EGW_TMP/rel2.out"; then
	egw_ok "release: a host not in quarantine is a clear error"
else
	egw_fail "release: a host not in quarantine is a clear error" "exit $rc: $(cat "$EGW_TMP/rel2.out")"
fi

egw_gw_stop || true
egw_summary
