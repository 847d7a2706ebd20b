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

PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); printf 'ok %s\n' "$*"; }
fail()
{
	FAIL=$((FAIL + 1))
	printf 'FAIL %s\n' "$1"
	shift
	local l
	for l in "$@"; do printf '#   %s\n' "$l"; done
}
# fold FILE TOOL: print a checker's output, add its counts.
fold()
{
	cat "$1"
	PASS=$((PASS + $(grep -c '^ok ' "$1" || true)))
	FAIL=$((FAIL + $(grep -c '^FAIL ' "$1" || true)))
	grep -q "^# $2: " "$1" || fail "$2 ran to completion"
}

WORK=$(mktemp -d /tmp/egw-edge.XXXXXX)
cleanup()
{
	local rc=$?
	if [ "${EGW_KEEP:-0}" = 1 ]; then
		echo "# kept $WORK" >&2
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ ! -x "$GW" ]; then
	fail "egressgw binary at $GW"
	printf '%d passed, %d failed\n' "$PASS" "$FAIL"
	exit 1
fi
CAPS="$WORK/captures"
RES="$WORK/results"
mkdir -p "$CAPS" "$RES"

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
