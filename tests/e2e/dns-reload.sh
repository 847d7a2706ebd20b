#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# dns-reload.sh BUILD_DIR
#
# dns.allow given as a NAME, resolved by the system resolver when the policy
# loads and on every reload. The name is a unique line of /etc/hosts
# (egw-resolver-<pid>.test; the EXIT trap removes exactly that line), two
# dnsmasq resolvers listen in the server ns on 10.99.0.53 and 10.99.0.54:
#   - the name gives .53: DNS (kdig, UDP and TCP) through the gateway to .53
#     is answered, to .54 it is denied dns_not_allowed;
#   - the line is changed to .54 and `gwctl --json reload` run: the answer's
#     diff lists the resolver change; now .54 answers and .53 is denied;
#   - the line is removed (the name does not resolve): the reload is ok with
#     a warning naming it, and DNS to .54 is denied too (the name matches
#     nothing).
# Judged by the client (answer, or none for UDP / a reset for TCP), EVE
# (verdict and reason per client port) and gwctl stats. One line per check,
# then "N passed, M failed"; exit 1 on any failure. Needs root, dnsmasq,
# kdig, and /etc/hosts consulted by the system resolver (nsswitch "files").

set -euo pipefail

BUILD_DIR=${1:?usage: dns-reload.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$HERE/lib.sh"

GW_CMD=${GW_CMD:-$BUILD_DIR/app/egressgw/egressgw}
GWCTL=${GWCTL:-$BUILD_DIR/app/gwctl/gwctl}
command -v "$GW_CMD" >/dev/null 2>&1 || egw_die "gateway binary $GW_CMD not found"
egw_gw_standin && egw_die "dns-reload.sh judges the gateway's decisions: no stand-in"
for t in dnsmasq kdig getent; do
	command -v "$t" >/dev/null 2>&1 || egw_die "$t not installed"
done

R53=10.99.0.53
R54=10.99.0.54
A53=10.99.0.100  # what each resolver answers for allowed.test
A54=10.99.0.101
NAME="egw-resolver-$$.test"
HOSTS_LINE=""

# /etc/hosts is rewritten in place (it may be a bind mount): only our line
# changes.
hosts_set()
{
	local new=$1 tmp
	tmp=$(mktemp)
	if [ -n "$HOSTS_LINE" ]; then
		grep -vxF "$HOSTS_LINE" /etc/hosts >"$tmp" || true
	else
		cat /etc/hosts >"$tmp"
	fi
	[ -z "$new" ] || printf '%s\n' "$new" >>"$tmp"
	cat "$tmp" >/etc/hosts
	rm -f "$tmp"
	HOSTS_LINE=$new
}

egw_init
trap 'rc=$?; hosts_set ""; (exit "$rc"); egw_cleanup' EXIT
egw_testbed_up gw
egw_s_addr_add "$R53" "$R54"
egw_dnsmasq_start dns53 "$R53" allowed.test="$A53"
egw_dnsmasq_start dns54 "$R54" allowed.test="$A54"

hosts_set "$R53 $NAME"
got=$(getent ahostsv4 "$NAME" | awk 'NR == 1 {print $1}')
[ "$got" = "$R53" ] || egw_die "the system resolver does not read /etc/hosts: $NAME -> '$got'"

POLICY="$EGW_TMP/policy.yaml"
cat >"$POLICY" <<EOF
egress_policy:
  default: deny
  dns:
    allow: ["$NAME"]
  roles:
    web:
      vlans: [untagged]
      name_binding: "off"
      allow_fqdns: ["allowed.test"]
EOF
egw_gw_start "$POLICY"
egw_gw_wait_forwarding 60

EXPECT=()  # "PORT allow|deny|revoked REASON"
DENIED=0
REVOKED=0
LIVE=()    # client ports of allowed flows since the last reload

# dns_ok DESC PORT SERVER WANT [+tcp]: kdig through the gateway answers WANT.
dns_ok()
{
	local desc=$1 port=$2 srv=$3 want=$4 out rc=0
	shift 4
	out=$(egw_c kdig -b "$EGW_C4#$port" @"$srv" allowed.test A +short \
		+timeout=2 +retry=0 "$@" 2>&1) || rc=$?
	if [ "$rc" -eq 0 ] && [ "$out" = "$want" ]; then
		egw_ok "$desc: kdig${*:+ $*} @$srv allowed.test -> $want"
	else
		egw_fail "$desc: kdig${*:+ $*} @$srv allowed.test -> $want" "exit $rc: $(tr '\n' '|' <<<"$out")"
	fi
	EXPECT+=("$port allow -")
	LIVE+=("$port")
}

# dns_denied DESC PORT SERVER [+tcp]: no answer (UDP) or a reset (TCP).
dns_denied()
{
	local desc=$1 port=$2 srv=$3 out rc=0 re='timed out|timeout|failed'
	shift 3
	[ "${1:-}" != +tcp ] || re='reset|refused|failed'
	out=$(egw_c kdig -b "$EGW_C4#$port" @"$srv" allowed.test A \
		+timeout=2 +retry=0 "$@" 2>&1) || rc=$?
	if [ "$rc" -ne 0 ] && grep -Eqi "$re" <<<"$out" && ! grep -q "$A53\|$A54" <<<"$out"; then
		egw_ok "$desc: kdig${*:+ $*} @$srv gets no answer"
	else
		egw_fail "$desc: kdig${*:+ $*} @$srv gets no answer" "exit $rc: $(tail -n 3 <<<"$out" | tr '\n' '|')"
	fi
	EXPECT+=("$port deny dns_not_allowed")
	DENIED=$((DENIED + 1))
}

# reload DESC: gwctl --json reload; the answer goes to $EGW_TMP/reload-N.json.
NRELOAD=0
reload()
{
	NRELOAD=$((NRELOAD + 1))
	RELOAD_JSON="$EGW_TMP/reload-$NRELOAD.json"
	timeout 20 "$GWCTL" --socket "$EGW_CTL" --json reload >"$RELOAD_JSON" \
		2>"$EGW_TMP/reload-$NRELOAD.err" || true
}

# flipped DESC: the reload answer names the flows of LIVE (allowed to the
# resolver the name no longer gives) as flipped to dns_not_allowed; EVE
# will show them allowed, then revoked.
flipped()
{
	local want got p
	want=$(printf '%s\n' "${LIVE[@]}" | sort -n | tr '\n' ' ' | sed 's/ $//')
	got=$(rj '" ".join(sorted("%d/%s" % (f["src_port"], f["new_reason"]) for f in r["flows_flipped"]))')
	if [ "$got" = "$(for p in $want; do printf '%s/dns_not_allowed ' "$p"; done | sed 's/ $//')" ]; then
		egw_ok "$1: reload flips the flows to the old resolver (client ports $want) to dns_not_allowed"
	else
		egw_fail "$1: reload flips the flows to the old resolver (client ports $want)" "flows_flipped: $got"
	fi
	for p in "${LIVE[@]}"; do
		EXPECT=("${EXPECT[@]/#$p allow -/$p revoked policy_revoked}")
		REVOKED=$((REVOKED + 1))
	done
	LIVE=()
}

# rj EXPR: evaluates a python expression over the reload answer r.
rj()
{
	"$EGW_PY" -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$RELOAD_JSON" "$1" 2>&1
}

# ---- 1. the name gives .53 ----
dns_ok "name -> $R53" 45001 "$R53" "$A53"
dns_ok "name -> $R53" 45002 "$R53" "$A53" +tcp
dns_denied "name -> $R53" 45003 "$R54"
dns_denied "name -> $R53" 45004 "$R54" +tcp

# ---- 2. the name gives .54 ----
hosts_set "$R54 $NAME"
reload
if [ "$(rj 'r["ok"] is True and not r["dry_run"]')" = True ]; then
	egw_ok "reload after $NAME moved to $R54: ok"
else
	egw_fail "reload after $NAME moved to $R54: ok" "$(head -c 600 "$RELOAD_JSON") $(cat "$EGW_TMP/reload-$NRELOAD.err")"
fi
flipped "$R53 -> $R54"
dns_diff=$(rj 'json.dumps(r["diff"]["dns"], sort_keys=True)')
if grep -q "$R53" <<<"$dns_diff" && grep -q "$R54" <<<"$dns_diff"; then
	egw_ok "reload diff lists the resolver change ($R53 -> $R54): $dns_diff"
else
	egw_fail "reload diff lists the resolver change ($R53 -> $R54)" "diff.dns: $dns_diff"
fi
dns_ok "name -> $R54 after reload" 45011 "$R54" "$A54"
dns_ok "name -> $R54 after reload" 45012 "$R54" "$A54" +tcp
dns_denied "name -> $R54 after reload" 45013 "$R53"
dns_denied "name -> $R54 after reload" 45014 "$R53" +tcp

# ---- 3. the name does not resolve ----
hosts_set ""
reload
if [ "$(rj 'r["ok"] is True')" = True ]; then
	egw_ok "reload with $NAME unresolvable: ok"
else
	egw_fail "reload with $NAME unresolvable: ok" "$(head -c 600 "$RELOAD_JSON") $(cat "$EGW_TMP/reload-$NRELOAD.err")"
fi
flipped "$R54 -> none"
warn=$(rj '"\n".join(r.get("warnings", []))')
if grep -F "$NAME" <<<"$warn" | grep -qi "resolve"; then
	egw_ok "reload warns that $NAME did not resolve: $(grep -F "$NAME" <<<"$warn" | head -n 1)"
else
	egw_fail "reload warns that $NAME did not resolve" "warnings: $(tr '\n' '|' <<<"$warn")"
fi
dns_denied "name unresolvable" 45021 "$R54"
dns_denied "name unresolvable" 45022 "$R54" +tcp
dns_denied "name unresolvable" 45023 "$R53"

# ---- judge: EVE and stats ----
sleep 0.5
timeout 10 "$GWCTL" --socket "$EGW_CTL" --json stats >"$EGW_TMP/stats.json" \
	2>"$EGW_TMP/gwctl.err" || true
rc=0
egw_gw_stop || rc=$?
if [ "$rc" -eq 0 ]; then
	egw_ok "gateway exits 0 on SIGTERM"
else
	egw_fail "gateway exits 0 on SIGTERM" "exit $rc: $(tail -n 5 "$EGW_TMP/gateway.log" | tr '\n' '|')"
fi
out=$("$EGW_PY" - "$EGW_EVE" "$EGW_TMP/stats.json" "$DENIED" "$REVOKED" "${EXPECT[@]}" <<'EOF' 2>&1
import json, sys

eve_path, stats_path = sys.argv[1], sys.argv[2]
denied, revoked = int(sys.argv[3]), int(sys.argv[4])
expect = [x.split() for x in sys.argv[5:]]


def res(cond, msg, *detail):
    print(("ok %s" if cond else "FAIL %s") % msg)
    if not cond:
        for d in detail:
            print("#   %s" % d)


events = [json.loads(l) for l in open(eve_path) if l.strip()]
for port, verdict, reason in expect:
    got = []
    for e in events:
        if e.get("src_port") != int(port) or e.get("event_type") in ("flow", "dns"):
            continue
        gw = e.get("gw") or {}
        got.append("%s %s" % (gw.get("verdict"), gw.get("reason", "-")))
    if verdict == "revoked":
        want = ["allow -", "deny %s" % reason]
    else:
        want = ["%s %s" % (verdict, reason)]
    res(got == want, "EVE client port %s: %s" % (port, " then ".join(want)), "got %s" % got)
try:
    st = json.load(open(stats_path))
    got = {k: v for k, v in st["flows_denied_by_reason"].items() if v}
    want = {"dns_not_allowed": denied, "policy_revoked": revoked}
    res(got == want, "gwctl --json stats: flows_denied_by_reason == %s" % want, "got %s" % got)
except (OSError, ValueError, KeyError) as e:
    res(False, "gwctl --json stats readable", str(e))
EOF
) || true
printf '%s\n' "$out"
EGW_PASS=$((EGW_PASS + $(grep -c '^ok ' <<<"$out" || true)))
EGW_FAIL=$((EGW_FAIL + $(grep -c '^FAIL ' <<<"$out" || true)))

egw_summary
