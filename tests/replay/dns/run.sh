#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# dns/run.sh BUILD_DIR
#
# DNS egress control and name bindings in replay (run by ../run.sh, or
# alone): crafts the captures (craft_dns.py: DNS answers, then TLS, HTTP,
# SSH, QUIC-like traffic to the addresses they gave or to others; DNS to
# resolvers not allowed; DoT, DoQ, DoH; malformed and spoofed answers),
# replays each one with dns/policy.yaml and judges verdicts, bindings, dns
# events, counters and output frames (check_dns.py with expected.tsv,
# reusing ../check.py). One line per check (ok / FAIL), then
# "N passed, M failed"; exit 1 on any failure.
#
# Needs tshark and python3-scapy (/usr/bin/python3); no root, no network.
# Environment: EGW_REPLAY_CMD overrides the egressgw binary; EGW_KEEP=1 keeps
# the work directory and prints its path.

set -euo pipefail

BUILD_DIR=${1:?usage: dns/run.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
GW=${EGW_REPLAY_CMD:-$BUILD_DIR/app/egressgw/egressgw}
POLICY="$HERE/policy.yaml"

# shellcheck source-path=SCRIPTDIR
source "$HERE/../common.sh"
rp_setup dns

if "$GW" check --config "$POLICY" >"$WORK/check.log" 2>&1; then
	ok "egressgw check dns/policy.yaml"
else
	fail "egressgw check dns/policy.yaml" "$(tail -n 5 "$WORK/check.log" | tr '\n' '|')"
fi

if "$PY" "$HERE/craft_dns.py" "$CAPS" >"$WORK/craft.log" 2>&1; then
	ok "craft_dns.py: $(grep -c '\.pcap$' "$WORK/craft.log") DNS captures"
else
	fail "craft_dns.py: DNS captures" "$(tail -n 5 "$WORK/craft.log" | tr '\n' '|')"
fi

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

"$PY" "$HERE/check_dns.py" --captures "$CAPS" --results "$RES" \
	--expected "$HERE/expected.tsv" >"$WORK/check.out" 2>&1 || true
cat "$WORK/check.out"
PASS=$((PASS + $(grep -c '^ok ' "$WORK/check.out" || true)))
FAIL=$((FAIL + $(grep -c '^FAIL ' "$WORK/check.out" || true)))
grep -q '^# check_dns.py: ' "$WORK/check.out" || fail "check_dns.py ran to completion"

printf '%d passed, %d failed\n' "$PASS" "$FAIL"
[ "$FAIL" -eq 0 ]
