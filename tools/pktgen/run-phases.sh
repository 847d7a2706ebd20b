#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# egressgw lab driver for pktgen-dpdk (two NIC ports cabled to the gateway's
# LAN and WAN ports). Not run in CI: pktgen-dpdk is not packaged for Debian.
#
#   tools/pktgen/run-phases.sh DIR [bulk]
#
# DIR holds the captures of `egressgw-bench gen --split DIR ...`. Every
# phase pNN is sent once with phase.lua (both ports at once, then wait),
# which keeps every connection in order through a gateway that holds client
# segments until its verdict. With "bulk", bulk.lua then searches the
# zero-loss rate over data-lan.pcap / data-wan.pcap.
#
# Environment: PKTGEN (binary, default pktgen), PKTGEN_EAL (EAL options,
# e.g. "-l 0-4 -n 4 -a 0000:3b:00.0 -a 0000:3b:00.1"), PKTGEN_MAP (default
# "[1:2].0,[3:4].1"), EGW_LAN_PORT / EGW_WAN_PORT (default 0 / 1), EGW_RATE,
# EGW_TRIAL_MS, EGW_RESULT (default DIR/results.txt).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: run-phases.sh DIR [bulk]}
mode=${2:-}
pktgen=${PKTGEN:-pktgen}
eal=${PKTGEN_EAL:?set PKTGEN_EAL to the EAL options of your lab (cores, NICs)}
map=${PKTGEN_MAP:-[1:2].0,[3:4].1}
lan=${EGW_LAN_PORT:-0}
wan=${EGW_WAN_PORT:-1}
export EGW_LAN_PORT=$lan EGW_WAN_PORT=$wan
export EGW_RESULT=${EGW_RESULT:-$dir/results.txt}

frames() {
	# Frames in a capture (0 when it does not exist).
	if [ -f "$1" ]; then
		tcpdump -nr "$1" 2>/dev/null | wc -l
	else
		echo 0
	fi
}

for lanpcap in "$dir"/p[0-9][0-9]-lan.pcap "$dir"/p[0-9][0-9]-wan.pcap; do
	[ -f "$lanpcap" ] || continue
	basename "$lanpcap" | cut -c1-3
done | sort -u | while read -r phase; do
	args=()
	nl=$(frames "$dir/$phase-lan.pcap")
	nw=$(frames "$dir/$phase-wan.pcap")
	[ "$nl" -gt 0 ] && args+=(-s "$lan:$dir/$phase-lan.pcap")
	[ "$nw" -gt 0 ] && args+=(-s "$wan:$dir/$phase-wan.pcap")
	echo "phase $phase: $nl frames on the LAN port, $nw on the WAN port"
	echo "phase $phase" >> "$EGW_RESULT"
	# shellcheck disable=SC2086
	EGW_COUNT_LAN=$nl EGW_COUNT_WAN=$nw \
		"$pktgen" $eal -- -P -T -m "$map" "${args[@]}" -f "$here/phase.lua"
done

if [ "$mode" = "bulk" ]; then
	for f in data-lan.pcap data-wan.pcap; do
		[ -f "$dir/$f" ] || { echo "$dir/$f missing: generate a bulk profile" >&2; exit 1; }
	done
	# shellcheck disable=SC2086
	"$pktgen" $eal -- -P -T -m "$map" \
		-s "$lan:$dir/data-lan.pcap" -s "$wan:$dir/data-wan.pcap" \
		-f "$here/bulk.lua"
fi
echo "results: $EGW_RESULT"
