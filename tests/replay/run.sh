#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# run.sh BUILD_DIR
#
# Replay test of egressgw: builds the captures (real clients recorded by
# mkcaptures.sh in a netns testbed, hard cases crafted by craft.py), runs
#   BUILD_DIR/app/egressgw/egressgw replay --config policy.yaml ...
# on each one and judges the EVE events and the output pcaps against
# expected.tsv and tshark (check.py); replays the 802.1Q-tagged captures
# again with --vlan-strip and compares (edge/vlanstrip.py); then runs the
# edge-case stage (edge/run.sh: full flow table, reassembly timer, held
# retransmissions, port reuse, ICMP, malformed frames, HTTP methods) and
# the DNS stage (dns/run.sh: resolvers, DoT/DoQ/DoH, name bindings).
# One line per check (ok / FAIL / SKIP), then "N passed, M failed"; exit 1
# on any failure.
#
# Environment: EGW_REPLAY_CMD overrides the egressgw binary; EGW_KEEP=1 keeps
# the work directory (captures, outputs, EVE files) and prints its path.
# Needs root (network namespaces) and tshark, tcpdump, nginx, curl, openssl,
# python3-scapy; chromium is optional (its case is skipped when absent).

set -euo pipefail

BUILD_DIR=${1:?usage: run.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
GW=${EGW_REPLAY_CMD:-$BUILD_DIR/app/egressgw/egressgw}
POLICY="$HERE/policy.yaml"

# shellcheck source-path=SCRIPTDIR
source "$HERE/common.sh"
rp_setup replay

# 1. Captures (EGW_CAPTURES=DIR reuses the captures of an earlier run, e.g.
# one kept with EGW_KEEP=1, instead of recording them again).
if [ -n "${EGW_CAPTURES:-}" ]; then
	cp "$EGW_CAPTURES"/*.pcap "$EGW_CAPTURES"/oracle.tsv "$CAPS"/
	echo "# captures copied from $EGW_CAPTURES"
elif timeout -k 10 600 "$HERE/mkcaptures.sh" "$CAPS" >"$WORK/mkcaptures.log" 2>&1; then
	ok "mkcaptures.sh: real-client captures recorded ($(grep -c . "$CAPS/oracle.tsv" | awk '{print $1 - 1}') with oracle names)"
else
	fail "mkcaptures.sh: real-client captures recorded" \
		"$(grep -v '^Running as user' "$WORK/mkcaptures.log" | tail -n 5 | tr '\n' '|')"
fi
if [ -z "${EGW_CAPTURES:-}" ]; then
	grep '^SKIP ' "$WORK/mkcaptures.log" || true
	if "$PY" "$HERE/craft.py" "$CAPS" >"$WORK/craft.log" 2>&1; then
		ok "craft.py: $(grep -c '\.pcap$' "$WORK/craft.log") crafted captures"
	else
		fail "craft.py: crafted captures" "$(tail -n 5 "$WORK/craft.log" | tr '\n' '|')"
	fi
fi

# 2. Replay each capture.
for pcap in "$CAPS"/*.pcap; do
	[ -e "$pcap" ] || continue
	n=$(basename "$pcap" .pcap)
	rc=0
	timeout -k 5 120 "$GW" replay --config "$POLICY" --read "$pcap" \
		--write "$RES/$n.out.pcap" --eve "$RES/$n.eve.json" \
		--summary-json "$RES/$n.summary.json" >"$RES/$n.replay.log" 2>&1 || rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "replay $n.pcap exits 0"
	else
		fail "replay $n.pcap exits 0" "exit $rc: $(tail -n 3 "$RES/$n.replay.log" | tr '\n' '|')"
	fi
done

# 3. Judge.
chk=(--captures "$CAPS" --results "$RES" --expected "$HERE/expected.tsv")
[ ! -f "$CAPS/oracle.tsv" ] || chk+=(--oracle "$CAPS/oracle.tsv")
command -v chromium >/dev/null 2>&1 || chk+=(--no-chromium)
"$PY" "$HERE/check.py" "${chk[@]}" >"$WORK/check.out" 2>&1 || true
cat "$WORK/check.out"
PASS=$((PASS + $(grep -c '^ok ' "$WORK/check.out" || true)))
FAIL=$((FAIL + $(grep -c '^FAIL ' "$WORK/check.out" || true)))
if ! grep -q '^# check.py: ' "$WORK/check.out"; then
	fail "check.py ran to completion"
fi

# 4. The 802.1Q-tagged captures again through a NIC that strips the tag
# (--vlan-strip): same verdicts, same frames on the wire.
"$PY" "$HERE/edge/vlanstrip.py" --gw "$GW" --policy "$POLICY" --captures "$CAPS" \
	--results "$RES" --work "$WORK/strip" >"$WORK/strip.out" 2>&1 || true
cat "$WORK/strip.out"
PASS=$((PASS + $(grep -c '^ok ' "$WORK/strip.out" || true)))
FAIL=$((FAIL + $(grep -c '^FAIL ' "$WORK/strip.out" || true)))
grep -q '^# vlanstrip.py: ' "$WORK/strip.out" || fail "vlanstrip.py ran to completion"

# 5. Edge cases (crafted, own policy): edge/run.sh.
bash "$HERE/edge/run.sh" "$BUILD_DIR" >"$WORK/edge.out" 2>&1 || true
grep -v '^[0-9]* passed, [0-9]* failed$' "$WORK/edge.out" || true
PASS=$((PASS + $(grep -c '^ok ' "$WORK/edge.out" || true)))
FAIL=$((FAIL + $(grep -c '^FAIL ' "$WORK/edge.out" || true)))
grep -q '^[0-9]* passed, [0-9]* failed$' "$WORK/edge.out" || fail "edge/run.sh ran to completion"

# 6. DNS egress control and name bindings (crafted, own policy): dns/run.sh.
bash "$HERE/dns/run.sh" "$BUILD_DIR" >"$WORK/dns.out" 2>&1 || true
grep -v '^[0-9]* passed, [0-9]* failed$' "$WORK/dns.out" || true
PASS=$((PASS + $(grep -c '^ok ' "$WORK/dns.out" || true)))
FAIL=$((FAIL + $(grep -c '^FAIL ' "$WORK/dns.out" || true)))
grep -q '^[0-9]* passed, [0-9]* failed$' "$WORK/dns.out" || fail "dns/run.sh ran to completion"

printf '%d passed, %d failed\n' "$PASS" "$FAIL"
[ "$FAIL" -eq 0 ]
