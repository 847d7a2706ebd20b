#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# telemetry.sh BUILD_DIR
#
# The DPDK ecosystem around the running daemon, with real clients:
#  1. telemetry: the daemon in the netns testbed (--no-huge, as every e2e
#     test), one allowed and one denied curl, then dpdk-telemetry.py -f
#     <file-prefix> queries /egressgw/stats, /egressgw/drops, /egressgw/flows
#     and /egressgw/workers: the counts must be what was sent and equal
#     `gwctl --json stats`.
#  2. dpdk-dumpcap: a DPDK secondary process cannot attach to a --no-huge
#     primary (EAL: "Cannot get hugepage information"), so this part reserves
#     hugepages itself (root only: vm.nr_hugepages raised, a private
#     hugetlbfs mount, both restored on exit), restarts the daemon on them,
#     captures the LAN port with dpdk-dumpcap while curl runs, and checks the
#     capture with tshark. Without root or free hugepages it is skipped with a
#     loud SKIP line.
# One line per check, then "N passed, M failed"; exit 1 on any failure.
#
# Environment: GW_CMD, GWCTL (as inline.sh), EGW_POLICY, EGW_KEEP=1,
#   EGW_HUGEPAGES (2 MB pages to add for part 2, default 512),
#   EGW_NO_DUMPCAP=1 (skip part 2).

set -euo pipefail

BUILD_DIR=${1:?usage: telemetry.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$HERE/lib.sh"

GW_CMD=${GW_CMD:-$BUILD_DIR/app/egressgw/egressgw}
GWCTL=${GWCTL:-$BUILD_DIR/app/gwctl/gwctl}
POLICY=${EGW_POLICY:-$HERE/../replay/policy.yaml}
HUGEPAGES=${EGW_HUGEPAGES:-512}
TELEMETRY=$(command -v dpdk-telemetry.py || true)
DUMPCAP=$(command -v dpdk-dumpcap || true)
command -v "$GW_CMD" >/dev/null 2>&1 || egw_die "gateway binary $GW_CMD not found"
[ -n "$TELEMETRY" ] || egw_die "dpdk-telemetry.py not found (Debian package dpdk)"
egw_gw_standin && egw_die "telemetry.sh needs egressgw itself, not $GW_CMD"

egw_init

# Part 2 changes machine-wide state: put it back whatever happens.
HP_SAVED=""
HP_MNT=""
HP_PREFIX=""
tel_cleanup()
{
	local rc=$? pid
	set +e
	# Gateway and dumpcap map files of the hugetlbfs mount: end them first.
	for pid in "${EGW_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${EGW_PIDS[@]}"; do
		_egw_wait_pid "$pid" 10 || kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ -n "$HP_MNT" ] && mountpoint -q "$HP_MNT"; then
		umount "$HP_MNT" || egw_log "cannot unmount $HP_MNT"
	fi
	if [ -n "$HP_SAVED" ]; then
		echo "$HP_SAVED" >/proc/sys/vm/nr_hugepages
		egw_log "vm.nr_hugepages restored to $HP_SAVED"
	fi
	[ -z "$HP_PREFIX" ] || rm -rf "/var/run/dpdk/$HP_PREFIX"
	(exit "$rc")
	egw_cleanup
}
trap tel_cleanup EXIT

egw_testbed_up gw
egw_servers_start
egw_gw_start "$POLICY"
egw_gw_wait_forwarding 60

W4=$EGW_S4_WEB
CURL=(curl -sS --max-time 10 --cacert "$EGW_CA")

# tel CMD: the answer of one telemetry command, as JSON ({"CMD": ...}).
tel()
{
	local prefix=${2:-$EGW_FILE_PREFIX}
	printf '%s\n' "$1" | timeout 10 "$EGW_PY" "$TELEMETRY" -f "$prefix" 2>&1
}

# jq-less JSON checks: jcheck DESC PY_EXPR FILE... (files loaded as j0, j1, ...)
jcheck()
{
	local desc=$1 expr=$2 out
	shift 2
	if out=$("$EGW_PY" - "$expr" "$@" <<'EOF' 2>&1
import json, sys
expr = sys.argv[1]
env = {}
for i, f in enumerate(sys.argv[2:]):
    with open(f) as fh:
        text = fh.read()
    # dpdk-telemetry.py prints the connection banner (a JSON dict with
    # "version" etc.) before the answer: keep the last JSON object.
    dec = json.JSONDecoder()
    pos, last = 0, None
    while True:
        k = text.find("{", pos)
        if k < 0:
            break
        try:
            obj, end = dec.raw_decode(text, k)
            last, pos = obj, end
        except ValueError:
            pos = k + 1
    env["j%d" % i] = last
try:
    ok = eval(expr, env)
except Exception as e:
    print("error: %r" % e)
    sys.exit(1)
if not ok:
    print("false: " + " | ".join(json.dumps(env[k])[:400] for k in sorted(env)))
    sys.exit(1)
EOF
	); then
		egw_ok "$desc"
	else
		egw_fail "$desc" "$out"
	fi
}

# ---- 1. telemetry ----
sock=/var/run/dpdk/$EGW_FILE_PREFIX/dpdk_telemetry.v2
if [ -S "$sock" ]; then
	egw_ok "telemetry socket $sock"
else
	egw_fail "telemetry socket $sock" "$(find "/var/run/dpdk/$EGW_FILE_PREFIX" 2>&1 | tr '\n' '|')"
fi
tel / >"$EGW_TMP/tel-list.json"
jcheck "telemetry lists /egressgw/stats, drops, workers, flows" \
	'all(c in j0["/"] for c in ["/egressgw/stats", "/egressgw/drops", "/egressgw/workers", "/egressgw/flows"])' \
	"$EGW_TMP/tel-list.json"

out=$(egw_c "${CURL[@]}" --local-port 43001 -w '%{http_code}' \
	--resolve "allowed.test:443:$W4" https://allowed.test/ 2>&1) || true
if printf '%s' "$out" | tr '\n' ' ' | grep -q 'egw-ok host=allowed.test.* 200$'; then
	egw_ok "allowed: curl https://allowed.test/"
else
	egw_fail "allowed: curl https://allowed.test/" "$(printf '%s' "$out" | tail -n 2 | tr '\n' '|')"
fi
rc=0
out=$(egw_c "${CURL[@]}" --local-port 43002 --resolve "denied.test:443:$W4" \
	https://denied.test/ 2>&1) || rc=$?
if [ "$rc" -ne 0 ] && printf '%s' "$out" | grep -qi reset; then
	egw_ok "denied: curl https://denied.test/ reset"
else
	egw_fail "denied: curl https://denied.test/ reset" "exit $rc: $(printf '%s' "$out" | tail -n 2 | tr '\n' '|')"
fi
# The allowed flow's FIN exchange and the RSTs are through; let the last
# frames land so both views read the same, settled counters.
sleep 1

timeout 10 "$GWCTL" --socket "$EGW_CTL" --json stats >"$EGW_TMP/gwctl.json" 2>&1 ||
	egw_fail "gwctl --json stats" "$(tr '\n' '|' <"$EGW_TMP/gwctl.json")"
tel /egressgw/stats >"$EGW_TMP/tel-stats.json"
tel /egressgw/drops >"$EGW_TMP/tel-drops.json"
tel /egressgw/drops,0 >"$EGW_TMP/tel-drops0.json"
tel /egressgw/flows >"$EGW_TMP/tel-flows.json"
tel /egressgw/workers >"$EGW_TMP/tel-workers.json"
tel /egressgw/workers,0 >"$EGW_TMP/tel-worker0.json"
tel /egressgw/drops,99 >"$EGW_TMP/tel-drops99.json"

jcheck "/egressgw/flows: 2 flows created, 1 allowed, 1 denied (what curl sent)" \
	'j0["/egressgw/flows"]["created"] == 2 and j0["/egressgw/flows"]["allowed"] == 1 and j0["/egressgw/flows"]["denied"] == 1' \
	"$EGW_TMP/tel-flows.json"
jcheck "/egressgw/flows: the denied flow is fqdn_not_allowed" \
	'j0["/egressgw/flows"]["denied_by_reason"]["fqdn_not_allowed"] == 1 and sum(j0["/egressgw/flows"]["denied_by_reason"].values()) == 1' \
	"$EGW_TMP/tel-flows.json"
jcheck "/egressgw/flows == gwctl flows_denied_by_reason and worker sums" \
	'j0["/egressgw/flows"]["denied_by_reason"] == j1["flows_denied_by_reason"] and j0["/egressgw/flows"]["created"] == sum(w["flows_created"] for w in j1["workers"]) and j0["/egressgw/flows"]["active"] == sum(w["flows_active"] for w in j1["workers"])' \
	"$EGW_TMP/tel-flows.json" "$EGW_TMP/gwctl.json"
jcheck "/egressgw/drops: the denied ClientHello dropped as fqdn_not_allowed" \
	'j0["/egressgw/drops"]["fqdn_not_allowed"] >= 1' "$EGW_TMP/tel-drops.json"
jcheck "/egressgw/drops == gwctl drops (every reason)" \
	'j0["/egressgw/drops"] == j1["drops"] and len(j1["drops"]) > 10' \
	"$EGW_TMP/tel-drops.json" "$EGW_TMP/gwctl.json"
jcheck "/egressgw/drops,0 == /egressgw/drops (one worker)" \
	'j0["/egressgw/drops"] == j1["/egressgw/drops"]' \
	"$EGW_TMP/tel-drops0.json" "$EGW_TMP/tel-drops.json"
jcheck "/egressgw/drops,99 (no such worker) answers null" \
	'j0["/egressgw/drops"] is None' "$EGW_TMP/tel-drops99.json"
jcheck "/egressgw/stats: version, policy, totals == gwctl" \
	'j0["/egressgw/stats"]["version"] == j1["version"] and j0["/egressgw/stats"]["totals"]["flows_created"] == 2 and j0["/egressgw/stats"]["totals"]["drops"] == j1["totals"]["drops"] and j0["/egressgw/stats"]["totals"]["flows_created"] == j1["totals"]["flows_created"] and j0["/egressgw/stats"]["policy"]["version"] == j1["policy"]["version"] and j0["/egressgw/stats"]["policy"]["loaded_at"] == j1["policy"]["loaded_at"] and j0["/egressgw/stats"]["workers"] == len(j1["workers"])' \
	"$EGW_TMP/tel-stats.json" "$EGW_TMP/gwctl.json"
jcheck "/egressgw/stats: totals.drops is the sum of /egressgw/drops" \
	'j0["/egressgw/stats"]["totals"]["drops"] == sum(j1["/egressgw/drops"].values())' \
	"$EGW_TMP/tel-stats.json" "$EGW_TMP/tel-drops.json"
jcheck "/egressgw/workers and /egressgw/workers,0 == gwctl workers[0]" \
	'j0["/egressgw/workers"]["0"]["flows_active"] == j2["workers"][0]["flows_active"] and all(j1["/egressgw/workers"][k] == v for k, v in j2["workers"][0].items() if k not in ("rx_packets", "tx_packets", "records_sent")) and j1["/egressgw/workers"]["drops"] == j2["totals"]["drops"]' \
	"$EGW_TMP/tel-workers.json" "$EGW_TMP/tel-worker0.json" "$EGW_TMP/gwctl.json"

# ---- 2. dpdk-dumpcap (needs hugepages) ----
dumpcap_part()
{
	local free have mnt out cap="$EGW_TMP/dumpcap.pcapng" n pid
	if [ "${EGW_NO_DUMPCAP:-0}" = 1 ]; then
		egw_skip "dpdk-dumpcap: EGW_NO_DUMPCAP=1"
		return 0
	fi
	if [ -z "$DUMPCAP" ]; then
		egw_skip "dpdk-dumpcap: not installed (Debian package dpdk) !!!"
		return 0
	fi
	have=$(cat /proc/sys/vm/nr_hugepages)
	HP_SAVED=$have
	echo $((have + HUGEPAGES)) >/proc/sys/vm/nr_hugepages 2>/dev/null || true
	free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
	if [ "$free" -lt "$HUGEPAGES" ]; then
		egw_skip "dpdk-dumpcap: only $free free 2 MB hugepages of $HUGEPAGES wanted !!! (a --no-huge daemon cannot be captured)"
		return 0
	fi
	mnt="$EGW_TMP/hugetlbfs"
	mkdir -p "$mnt"
	mount -t hugetlbfs -o pagesize=2M nodev "$mnt"
	HP_MNT=$mnt
	egw_log "hugepages: $HUGEPAGES more 2 MB pages, hugetlbfs on $mnt"

	egw_gw_stop || true
	EGW_GW_PID=""
	HP_PREFIX="${EGW_P}h"
	EGW_CTL="$EGW_TMP/gw2.sock"
	egw_bg gateway-huge - "$GW_CMD" "${EGW_GW_CORES[@]}" --huge-dir "$mnt" \
		-m 512 --no-pci --file-prefix "$HP_PREFIX" \
		--vdev "net_af_packet0,iface=$IF_LAN" \
		--vdev "net_af_packet1,iface=$IF_WAN" \
		-- --config "$POLICY" --eve "$EGW_TMP/eve2.json" \
		--ctl-socket "$EGW_CTL" --lan-port 0 --wan-port 1
	EGW_GW_PID=$EGW_LAST_PID
	egw_gw_wait_forwarding 60
	if grep -q 'rte_pdump unavailable' "$EGW_TMP/gateway-huge.log"; then
		egw_fail "daemon initialised rte_pdump" "$(tail -n 5 "$EGW_TMP/gateway-huge.log" | tr '\n' '|')"
	else
		egw_ok "daemon initialised rte_pdump (no warning)"
	fi

	# -c: stop after 10 packets; -i 0: the LAN port (net_af_packet0).
	egw_bg dumpcap - timeout -s INT 40 "$DUMPCAP" --file-prefix "$HP_PREFIX" \
		-i 0 -c 10 -w "$cap"
	pid=$EGW_LAST_PID
	n=100
	# dumpcap prints "File: ..." (stderr, unbuffered) once it captures.
	while [ "$n" -gt 0 ] && ! grep -q "^File: " "$EGW_TMP/dumpcap.log"; do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		n=$((n - 1))
	done
	if ! grep -q "^File: " "$EGW_TMP/dumpcap.log"; then
		egw_fail "dpdk-dumpcap attaches to the daemon" "$(tail -n 5 "$EGW_TMP/dumpcap.log" | tr '\n' '|')"
		return 0
	fi
	egw_ok "dpdk-dumpcap attaches to the daemon (secondary process)"
	out=$(egw_c "${CURL[@]}" --local-port 43003 -w '%{http_code}' \
		--resolve "allowed.test:443:$W4" https://allowed.test/ 2>&1) || true
	printf '%s' "$out" | grep -q '200$' ||
		egw_fail "curl while capturing" "$(printf '%s' "$out" | tail -n 2 | tr '\n' '|')"
	egw_stop_pid "$pid" INT 40 || true
	tshark -r "$cap" -T fields -e frame.interface_name -e ip.src -e tcp.srcport \
		-e tcp.dstport -e tls.handshake.extensions_server_name \
		>"$EGW_TMP/dumpcap.txt" 2>"$EGW_TMP/tshark.err" || true
	n=$(awk -F'\t' '$2 == "10.99.0.10" && $3 == 43003 && $4 == 443' "$EGW_TMP/dumpcap.txt" | wc -l)
	if [ "$n" -ge 3 ]; then
		egw_ok "dumpcap capture: $n packets of the curl connection, tshark reads them"
	else
		egw_fail "dumpcap capture: >= 3 packets from 10.99.0.10:43003 to :443" \
			"$(head -n 12 "$EGW_TMP/dumpcap.txt" | tr '\n' '|') $(tr '\n' '|' <"$EGW_TMP/tshark.err")"
	fi
	if grep -q 'allowed.test' "$EGW_TMP/dumpcap.txt"; then
		egw_ok "dumpcap capture: the ClientHello's SNI allowed.test"
	else
		egw_fail "dumpcap capture: the ClientHello's SNI allowed.test" \
			"$(head -n 12 "$EGW_TMP/dumpcap.txt" | tr '\n' '|')"
	fi
	egw_gw_stop || true
	EGW_GW_PID=""
}
dumpcap_part

egw_summary
