#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# edge/run.sh BUILD_DIR
#
# Edge-case replay tests of egressgw (run by ../run.sh, or alone): crafts
# the captures (craft_edge.py), replays each one with edge/policy.yaml,
# judges verdicts and outputs (check_edge.py with expected.tsv, reusing
# ../check.py), then replays the 802.1Q-tagged ones again with --vlan-strip
# and compares (vlanstrip.py). One line per check (ok / FAIL), then
# "N passed, M failed"; exit 1 on any failure.
#
# Needs tshark and python3-scapy (/usr/bin/python3); no root, no network.
# Environment: EGW_REPLAY_CMD overrides the egressgw binary; EGW_KEEP=1 keeps
# the work directory and prints its path.

set -euo pipefail

BUILD_DIR=${1:?usage: edge/run.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
GW=${EGW_REPLAY_CMD:-$BUILD_DIR/app/egressgw/egressgw}
POLICY="$HERE/policy.yaml"

# shellcheck source-path=SCRIPTDIR
source "$HERE/../common.sh"
rp_setup edge

if "$PY" "$HERE/craft_edge.py" "$CAPS" >"$WORK/craft.log" 2>&1; then
	ok "craft_edge.py: $(grep -c '\.pcap$' "$WORK/craft.log") edge-case captures"
else
	fail "craft_edge.py: edge-case captures" "$(tail -n 5 "$WORK/craft.log" | tr '\n' '|')"
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

"$PY" "$HERE/check_edge.py" --captures "$CAPS" --results "$RES" \
	--expected "$HERE/expected.tsv" >"$WORK/check.out" 2>&1 || true
fold "$WORK/check.out" check_edge.py
"$PY" "$HERE/vlanstrip.py" --gw "$GW" --policy "$POLICY" --captures "$CAPS" \
	--results "$RES" --work "$WORK/strip" >"$WORK/strip.out" 2>&1 || true
fold "$WORK/strip.out" vlanstrip.py

printf '%d passed, %d failed\n' "$PASS" "$FAIL"
[ "$FAIL" -eq 0 ]
