# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Sourced helpers for the egressgw network-namespace testbed.
#
#   client ns ($NS_C)                 root ns                  server ns ($NS_S)
#   c0 10.99.0.10/24  <--veth-->  $IF_LAN [gateway] $IF_WAN  <--veth-->  s0 10.99.0.100..104/24
#      fd99::10/64                 port 0          port 1                  fd99::100..104/64
#
# Client and server share one L2 segment through the (transparent) gateway, so
# every server address is "directly" reachable and tests pick an allowed or a
# spoofed destination just by choosing the address. Modes of egw_testbed_up:
#   direct  one veth pair straight between the namespaces (no gateway)
#   gw      the picture above; the gateway runs in the root ns on net_af_packet
#   vlan    as gw, with a user-space tagger (vlantag) on each side: the client's
#           frames reach the gateway tagged with $EGW_VID (and $EGW_VID_OUTER),
#           and the server side pops the tag(s) again (this kernel has no 802.1Q)
#
# Everything a run creates carries the prefix egw$$ (namespaces egw<pid>-c,
# egw<pid>-s, links egw<pid>-*, DPDK --file-prefix egw<pid>), is recorded in
# /run/egw-testbed/ and is torn down by the EXIT trap set in egw_init. Runs that
# died without their trap (SIGKILL) are reaped by the next egw_init.
#
# Scripts: set -euo pipefail; source lib.sh; egw_init; egw_testbed_up gw; ...

EGW_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
EGW_PY=/usr/bin/python3
EGW_TOOL=("$EGW_PY" "$EGW_LIB_DIR/egwtool.py")
EGW_STATE_DIR=/run/egw-testbed

EGW_C4=10.99.0.10
EGW_C6=fd99::10
EGW_S4=(10.99.0.100 10.99.0.101 10.99.0.102 10.99.0.103 10.99.0.104)
EGW_S6=(fd99::100 fd99::101 fd99::102 fd99::103 fd99::104)
# nginx (TLS on 443, HTTP on 80) listens on the first four addresses; the last
# one has the raw TCP listener on 443 ("raw data on 443").
EGW_S4_WEB=10.99.0.100
EGW_S6_WEB=fd99::100
EGW_S4_RAW=10.99.0.104
EGW_S6_RAW=fd99::104
EGW_NAMES=(allowed.test api.allowed.test www.allowed.test denied.test
	www.denied.test evil-c2.test)
# Upper bound in seconds for any single client command.
EGW_TIMEOUT=${EGW_TIMEOUT:-20}

EGW_PASS=0
EGW_FAIL=0
EGW_PIDS=()
EGW_P=""
EGW_TMP=""

egw_log()
{
	printf '# [%s] %s\n' "$(date +%T)" "$*" >&2
}

egw_die()
{
	printf 'FATAL %s\n' "$*" >&2
	exit 1
}

# ---- results -------------------------------------------------------------

egw_ok()
{
	EGW_PASS=$((EGW_PASS + 1))
	printf 'ok %s\n' "$*"
}

egw_fail()
{
	EGW_FAIL=$((EGW_FAIL + 1))
	printf 'FAIL %s\n' "$1"
	shift
	local l
	for l in "$@"; do
		printf '#   %s\n' "$l"
	done
}

egw_skip()
{
	printf 'SKIP %s\n' "$*"
}

# Prints the closing line; returns 1 when anything failed.
egw_summary()
{
	printf '%d passed, %d failed\n' "$EGW_PASS" "$EGW_FAIL"
	[ "$EGW_FAIL" -eq 0 ]
}

# ---- life cycle ----------------------------------------------------------

# Start time of a live process (field 22 of /proc/PID/stat); fails for a
# process that is gone or a zombie (a killed run whose parent has not yet
# reaped it is dead for our purposes).
_egw_starttime()
{
	local s f
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	read -r -a f <<<"$s"
	case ${f[0]} in Z | X) return 1 ;; esac
	printf '%s' "${f[19]}"
}

_egw_alive_same()
{
	local pid=$1 st=$2 now
	now=$(_egw_starttime "$pid") || return 1
	[ "$now" = "$st" ]
}

# Removes every trace of the run with prefix $1 (ours or a dead one).
_egw_teardown_prefix()
{
	local p=$1 pid st name ns l
	if [ -f "$EGW_STATE_DIR/$p.pids" ]; then
		while read -r pid st name; do
			if _egw_alive_same "$pid" "$st"; then
				kill -TERM "$pid" 2>/dev/null || true
			fi
		done <"$EGW_STATE_DIR/$p.pids"
		sleep 0.5
		while read -r pid st name; do
			if _egw_alive_same "$pid" "$st"; then
				kill -KILL "$pid" 2>/dev/null || true
			fi
		done <"$EGW_STATE_DIR/$p.pids"
	fi
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case $ns in
		"$p"-*)
			for pid in $(ip netns pids "$ns" 2>/dev/null); do
				kill -KILL "$pid" 2>/dev/null || true
			done
			ip netns del "$ns" 2>/dev/null || true
			;;
		esac
	done
	for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
		case $l in
		"$p"-*) ip link del "$l" 2>/dev/null || true ;;
		esac
	done
	rm -rf "/var/run/dpdk/$p"
	rm -f "$EGW_STATE_DIR/$p" "$EGW_STATE_DIR/$p.pids"
}

_egw_reap_stale()
{
	local m p pid st tmp
	[ -d "$EGW_STATE_DIR" ] || return 0
	for m in "$EGW_STATE_DIR"/egw*; do
		[ -f "$m" ] || continue
		case $m in *.pids) continue ;; esac
		p=$(basename "$m")
		pid="" st="" tmp=""
		read -r pid st tmp <"$m" || true
		if [ -n "$pid" ] && _egw_alive_same "$pid" "$st"; then
			continue
		fi
		egw_log "reaping testbed $p left by dead process $pid"
		_egw_teardown_prefix "$p"
		case $tmp in
		/tmp/"$p".*) rm -rf "$tmp" ;;
		esac
	done
}

egw_cleanup()
{
	local rc=$? i
	set +e
	trap - EXIT INT TERM
	for ((i = ${#EGW_PIDS[@]} - 1; i >= 0; i--)); do
		kill -TERM "${EGW_PIDS[$i]}" 2>/dev/null
	done
	for ((i = ${#EGW_PIDS[@]} - 1; i >= 0; i--)); do
		_egw_wait_pid "${EGW_PIDS[$i]}" 5 ||
			kill -KILL "${EGW_PIDS[$i]}" 2>/dev/null
		wait "${EGW_PIDS[$i]}" 2>/dev/null
	done
	if [ -n "$EGW_P" ]; then
		_egw_teardown_prefix "$EGW_P"
	fi
	if [ -n "$EGW_TMP" ] && [ -d "$EGW_TMP" ]; then
		if [ "${EGW_KEEP:-0}" = 1 ] || { [ "$rc" -ne 0 ] && [ "${EGW_KEEP_ON_FAIL:-0}" = 1 ]; }; then
			egw_log "kept $EGW_TMP"
		else
			rm -rf "$EGW_TMP"
		fi
	fi
	exit "$rc"
}

# egw_init: unique prefix, temp dir, traps. Must run in the main shell.
egw_init()
{
	[ "$(id -u)" = 0 ] || egw_die "the testbed needs root"
	mkdir -p "$EGW_STATE_DIR"
	_egw_reap_stale
	EGW_P="egw$$"
	NS_C="$EGW_P-c"
	NS_S="$EGW_P-s"
	IF_LAN="$EGW_P-lan"
	IF_WAN="$EGW_P-wan"
	EGW_FILE_PREFIX="$EGW_P"
	EGW_TMP=$(mktemp -d "/tmp/$EGW_P.XXXXXX")
	echo "$$ $(_egw_starttime $$) $EGW_TMP" >"$EGW_STATE_DIR/$EGW_P"
	: >"$EGW_STATE_DIR/$EGW_P.pids"
	trap egw_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	export HOME="$EGW_TMP"
}

_egw_wait_pid()
{
	local pid=$1 secs=$2 n
	n=$((secs * 10))
	while [ "$n" -gt 0 ]; do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# egw_bg NAME NS CMD...: starts CMD in the background (NS "-" = root ns),
# stdout+stderr to $EGW_TMP/NAME.log; sets EGW_LAST_PID.
egw_bg()
{
	local name=$1 ns=$2
	shift 2
	if [ "$ns" = - ]; then
		"$@" </dev/null >"$EGW_TMP/$name.log" 2>&1 &
	else
		ip netns exec "$ns" "$@" </dev/null >"$EGW_TMP/$name.log" 2>&1 &
	fi
	EGW_LAST_PID=$!
	EGW_PIDS+=("$EGW_LAST_PID")
	echo "$EGW_LAST_PID $(_egw_starttime "$EGW_LAST_PID" || echo 0) $name" \
		>>"$EGW_STATE_DIR/$EGW_P.pids"
}

# egw_stop_pid PID [SIG] [SECS]: signal, wait, return the exit status.
egw_stop_pid()
{
	local pid=$1 sig=${2:-TERM} secs=${3:-10} rc=0
	kill -"$sig" "$pid" 2>/dev/null || true
	if ! _egw_wait_pid "$pid" "$secs"; then
		egw_log "pid $pid ignored SIG$sig for ${secs}s: killing"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || rc=$?
	return "$rc"
}

# Runs CMD in a namespace with the client time bound.
egw_in()
{
	local ns=$1
	shift
	ip netns exec "$ns" timeout -k 2 "$EGW_TIMEOUT" "$@"
}

egw_c() { egw_in "$NS_C" "$@"; }
egw_s() { egw_in "$NS_S" "$@"; }

# ---- testbed -------------------------------------------------------------

_egw_ns_new()
{
	local ns=$1
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	# No DAD (addresses usable at once), no RS/RA chatter in the captures.
	ip netns exec "$ns" sysctl -qw \
		net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.accept_ra=0 \
		net.ipv6.conf.default.accept_ra=0 \
		net.ipv6.conf.default.router_solicitations=0 \
		net.ipv6.conf.all.router_solicitations=0 \
		net.ipv6.conf.default.dad_transmits=0
}

# Offloads off on every veth end: segments that cross a packet socket must be
# real wire-size frames with real checksums (TESTBED.md).
_egw_if_prep()
{
	local ns=$1 ifn=$2 mtu=${3:-1500} pre=()
	[ "$ns" = - ] || pre=(ip netns exec "$ns")
	"${pre[@]}" ethtool -K "$ifn" tx off rx off tso off gso off gro off \
		txvlan off rxvlan off >/dev/null
	"${pre[@]}" ip link set "$ifn" mtu "$mtu"
	if [ "$ns" = - ]; then
		# Root-side ends carry no addresses and must not emit anything.
		sysctl -qw "net.ipv6.conf.$ifn.disable_ipv6=1"
	fi
	"${pre[@]}" ip link set "$ifn" up
}

# _egw_veth NAME_A NS_A NAME_B NS_B [MTU_A] [MTU_B]  (NS "-" = root)
_egw_veth()
{
	local a=$1 nsa=$2 b=$3 nsb=$4 mtua=${5:-1500} mtub=${6:-1500}
	local args=(ip link add "$a")
	[ "$nsa" = - ] || args+=(netns "$nsa")
	args+=(type veth peer name "$b")
	[ "$nsb" = - ] || args+=(netns "$nsb")
	"${args[@]}"
	_egw_if_prep "$nsa" "$a" "$mtua"
	_egw_if_prep "$nsb" "$b" "$mtub"
}

_egw_addrs()
{
	local a
	ip -n "$NS_C" addr add "$EGW_C4/24" dev c0
	ip -n "$NS_C" addr add "$EGW_C6/64" dev c0 nodad
	for a in "${EGW_S4[@]}"; do
		ip -n "$NS_S" addr add "$a/24" dev s0
	done
	for a in "${EGW_S6[@]}"; do
		ip -n "$NS_S" addr add "$a/64" dev s0 nodad
	done
}

# Finds or builds the vlantag helper; sets EGW_VLANTAG.
egw_vlantag_bin()
{
	local c
	for c in "${EGW_VLANTAG:-}" "${BUILD_DIR:-/nonexistent}/tests/e2e/vlantag"; do
		if [ -n "$c" ] && [ -x "$c" ]; then
			EGW_VLANTAG=$c
			return 0
		fi
	done
	# Not built by meson (tests/meson.build without subdir('e2e')): build it.
	cc -O2 -std=gnu11 -Wall -Wextra -Werror -o "$EGW_TMP/vlantag" \
		"$EGW_LIB_DIR/vlantag.c" || egw_die "cannot build vlantag"
	EGW_VLANTAG="$EGW_TMP/vlantag"
}

# egw_testbed_up MODE (direct | gw | vlan)
egw_testbed_up()
{
	local mode=$1 vt
	_egw_ns_new "$NS_C"
	_egw_ns_new "$NS_S"
	case $mode in
	direct)
		_egw_veth c0 "$NS_C" s0 "$NS_S"
		;;
	gw)
		_egw_veth "$IF_LAN" - c0 "$NS_C"
		_egw_veth "$IF_WAN" - s0 "$NS_S"
		;;
	vlan)
		[ -n "${EGW_VID:-}" ] || egw_die "vlan mode needs EGW_VID"
		egw_vlantag_bin
		# Tagged frames are 4 (802.1Q) or 8 (QinQ) bytes longer than the
		# 1500-byte MTU of the hosts: the trunk links get room for them.
		_egw_veth "$EGW_P-cu" - c0 "$NS_C"
		_egw_veth "$IF_LAN" - "$EGW_P-lt" - 1600 1600
		_egw_veth "$EGW_P-su" - s0 "$NS_S"
		_egw_veth "$IF_WAN" - "$EGW_P-wt" - 1600 1600
		vt=(--vid "$EGW_VID")
		[ -z "${EGW_VID_OUTER:-}" ] || vt+=(--vid-outer "$EGW_VID_OUTER")
		egw_bg vlantag-lan - "$EGW_VLANTAG" --untagged "$EGW_P-cu" \
			--trunk "$EGW_P-lt" "${vt[@]}"
		egw_bg vlantag-wan - "$EGW_VLANTAG" --untagged "$EGW_P-su" \
			--trunk "$EGW_P-wt" "${vt[@]}"
		;;
	*)
		egw_die "unknown testbed mode $mode"
		;;
	esac
	_egw_addrs
	egw_log "testbed $EGW_P up ($mode): ns $NS_C $NS_S, tmp $EGW_TMP"
}

# ---- servers -------------------------------------------------------------

# egw_certs: a throw-away CA and one server certificate for every test name
# (and the web addresses). Sets EGW_CA, EGW_CRT, EGW_KEY.
egw_certs()
{
	local d="$EGW_TMP/pki" san="" n
	mkdir -p "$d"
	for n in "${EGW_NAMES[@]}"; do
		san+="DNS:$n,"
	done
	san+="IP:$EGW_S4_WEB,IP:$EGW_S6_WEB"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/ca.key" -out "$d/ca.crt" -days 2 \
		-subj "/CN=egressgw test CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign" 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/srv.key" -out "$d/srv.csr" \
		-subj "/CN=${EGW_NAMES[0]}" 2>/dev/null
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
		"$san" >"$d/srv.ext"
	openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
		-CAcreateserial -days 2 -extfile "$d/srv.ext" \
		-out "$d/srv.crt" 2>/dev/null
	EGW_CA="$d/ca.crt"
	EGW_CRT="$d/srv.crt"
	EGW_KEY="$d/srv.key"
}

# _egw_wait_listen NS ADDR:PORT SECS
_egw_wait_listen()
{
	local ns=$1 ap=$2 n=$(($3 * 10))
	while [ "$n" -gt 0 ]; do
		if ip netns exec "$ns" ss -Hltn | awk '{print $4}' | grep -qxF "$ap"; then
			return 0
		fi
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# egw_servers_start: nginx (TLS 443 + HTTP 80 on .100-.103) and the raw TCP
# listener (443 on .104) in the server ns.
egw_servers_start()
{
	local d="$EGW_TMP/nginx" i listen=""
	[ -n "${EGW_CA:-}" ] || egw_certs
	mkdir -p "$d"
	for i in 0 1 2 3; do
		listen+="		listen ${EGW_S4[$i]}:80;
		listen [${EGW_S6[$i]}]:80;
		listen ${EGW_S4[$i]}:443 ssl;
		listen [${EGW_S6[$i]}]:443 ssl;
"
	done
	cat >"$d/nginx.conf" <<EOF
user root;
daemon off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log info;
events { worker_connections 512; }
http {
	log_format egw '\$remote_addr:\$remote_port \$server_addr:\$server_port '
		'host="\$host" sni="\$ssl_server_name" "\$request" \$status';
	access_log $d/access.log egw;
	client_body_temp_path $d/body;
	proxy_temp_path $d/proxy;
	ssl_protocols TLSv1.2 TLSv1.3;
	ssl_certificate $EGW_CRT;
	ssl_certificate_key $EGW_KEY;
	default_type text/html;
	server {
$listen		server_name _;
		location / {
			return 200 '<!DOCTYPE html><html><head><title>egw</title></head><body><p id="egw">egw-ok host=\$host sni=\$ssl_server_name</p></body></html>\n';
		}
	}
}
EOF
	ip netns exec "$NS_S" nginx -t -c "$d/nginx.conf" >"$EGW_TMP/nginx-t.log" 2>&1 ||
		egw_die "nginx config: $(cat "$EGW_TMP/nginx-t.log")"
	egw_bg nginx "$NS_S" nginx -c "$d/nginx.conf"
	_egw_wait_listen "$NS_S" "$EGW_S4_WEB:443" 10 || egw_die "nginx did not listen"
	egw_bg rawsrv "$NS_S" "${EGW_TOOL[@]}" raw-server --bind "$EGW_S4_RAW" \
		--bind "$EGW_S6_RAW" --port 443 --log "$EGW_TMP/rawsrv.conns"
	_egw_wait_listen "$NS_S" "$EGW_S4_RAW:443" 10 || egw_die "raw listener did not listen"
}

# ---- captures ------------------------------------------------------------

declare -A EGW_CAP_PID

# egw_capture_start NAME NS IFACE FILE [FILTER...]
egw_capture_start()
{
	local name=$1 ns=$2 ifn=$3 file=$4 n=100
	shift 4
	egw_bg "tcpdump-$name" "$ns" tcpdump -i "$ifn" -n -s 0 -U -B 8192 \
		--immediate-mode -w "$file" "$@"
	EGW_CAP_PID[$name]=$EGW_LAST_PID
	while [ "$n" -gt 0 ]; do
		grep -q "listening on" "$EGW_TMP/tcpdump-$name.log" 2>/dev/null && return 0
		kill -0 "$EGW_LAST_PID" 2>/dev/null ||
			egw_die "tcpdump $name: $(cat "$EGW_TMP/tcpdump-$name.log")"
		sleep 0.1
		n=$((n - 1))
	done
	egw_die "tcpdump $name did not start"
}

egw_capture_stop()
{
	local name=$1
	# Let the last frames of the case land before stopping the capture.
	sleep 0.3
	egw_stop_pid "${EGW_CAP_PID[$name]}" INT 10 || true
}

# ---- clients -------------------------------------------------------------

# egw_chromium NS NAME IP URL: headless Chromium with NAME resolved to IP and
# every other name unresolvable (so its background fetches, e.g. to
# update.googleapis.com, never leave the namespace), DOM on stdout.
egw_chromium()
{
	local ns=$1 name=$2 ip=$3 url=$4 ud
	ud=$(mktemp -d "$EGW_TMP/chromium.XXXXXX")
	case $ip in *:*) ip="[$ip]" ;; esac
	ip netns exec "$ns" timeout -k 5 60 chromium --headless --no-sandbox \
		--disable-gpu --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync --disable-quic \
		--disable-features=NetworkTimeServiceQuerying,MediaRouter,OptimizationHints \
		--user-data-dir="$ud" --ignore-certificate-errors \
		"--host-resolver-rules=MAP $name $ip, MAP * ~NOTFOUND" \
		--dump-dom "$url" 2>"$ud.log"
}

egw_have_chromium()
{
	command -v chromium >/dev/null 2>&1
}

# ---- gateway -------------------------------------------------------------

# GW_CMD is the gateway executable. When it is dpdk-testpmd, the stand-in
# bridge (io forwarding) runs instead and gateway-only checks are skipped.
egw_gw_standin()
{
	case $(basename "${GW_CMD:?GW_CMD not set}") in
	*testpmd*) return 0 ;;
	*) return 1 ;;
	esac
}

# EAL core options of the gateway (one worker), the number of queue pairs
# of each net_af_packet port (one per worker) and the EAL memory in MB (the
# mbuf pool grows with the workers). A script that wants more workers sets
# them after sourcing this file (workers.sh).
EGW_GW_CORES=(-l 0-1)
EGW_GW_QPAIRS=1
EGW_GW_MEM=512

# egw_gw_start [POLICY]: starts $GW_CMD on $IF_LAN (port 0) and $IF_WAN
# (port 1). Sets EGW_GW_PID, EGW_EVE, EGW_CTL.
egw_gw_start()
{
	local policy=${1:-} eal app qp=""
	EGW_EVE="$EGW_TMP/eve.json"
	EGW_CTL="$EGW_TMP/gw.sock"
	[ "$EGW_GW_QPAIRS" = 1 ] || qp=",qpairs=$EGW_GW_QPAIRS"
	eal=("${EGW_GW_CORES[@]}" --no-huge -m "$EGW_GW_MEM" --no-pci
		--file-prefix "$EGW_FILE_PREFIX"
		--vdev "net_af_packet0,iface=$IF_LAN$qp"
		--vdev "net_af_packet1,iface=$IF_WAN$qp")
	if egw_gw_standin; then
		app=(--forward-mode=io --auto-start --stats-period 3600
			--total-num-mbufs=8192 --nb-cores=1)
	else
		[ -n "$policy" ] || egw_die "egw_gw_start: policy file needed"
		app=(--config "$policy" --eve "$EGW_EVE" --ctl-socket "$EGW_CTL"
			--lan-port 0 --wan-port 1)
	fi
	egw_log "gateway: $GW_CMD ${eal[*]} -- ${app[*]}"
	egw_bg gateway - "$GW_CMD" "${eal[@]}" -- "${app[@]}"
	EGW_GW_PID=$EGW_LAST_PID
}

# egw_gw_wait_forwarding [SECS]: ARP from the client for a server address
# must be answered through the gateway (no IP flow is opened by the probe).
egw_gw_wait_forwarding()
{
	local secs=${1:-30} t0=$SECONDS
	while [ $((SECONDS - t0)) -lt "$secs" ]; do
		kill -0 "$EGW_GW_PID" 2>/dev/null ||
			egw_die "gateway exited: $(tail -n 20 "$EGW_TMP/gateway.log")"
		if ip netns exec "$NS_C" "${EGW_TOOL[@]}" arp-probe --iface c0 \
			--src "$EGW_C4" --dst "$EGW_S4_WEB" --timeout 2 >/dev/null 2>&1; then
			egw_log "gateway forwards after $((SECONDS - t0))s"
			return 0
		fi
	done
	egw_die "gateway does not forward after ${secs}s: $(tail -n 20 "$EGW_TMP/gateway.log")"
}

# egw_gw_stop: SIGTERM, returns the gateway's exit status.
egw_gw_stop()
{
	egw_stop_pid "$EGW_GW_PID" TERM 15
}

# ---- DNS -----------------------------------------------------------------

# egw_s_addr_add ADDR...: more IPv4 addresses (/24) on the server side.
egw_s_addr_add()
{
	local a
	for a in "$@"; do
		ip -n "$NS_S" addr add "$a/24" dev s0
	done
}

# egw_dnsmasq_start NAME ADDR [NAME=IP...]: dnsmasq in the server ns answering
# on ADDR:53 (UDP and TCP, ADDR must be on s0) from the given records only
# (TTL 300), NXDOMAIN for any other name under .test, no upstream, queries
# logged to $EGW_TMP/NAME.log.
egw_dnsmasq_start()
{
	local name=$1 addr=$2 rec args
	shift 2
	args=(dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv
		--no-hosts --no-poll --user=root --pid-file=
		--listen-address="$addr" --bind-interfaces --port=53
		--local=/test/ --local-ttl=300 --log-queries --log-facility=-)
	for rec in "$@"; do
		args+=(--host-record="${rec%%=*},${rec#*=}")
	done
	egw_bg "$name" "$NS_S" "${args[@]}"
	_egw_wait_listen "$NS_S" "$addr:53" 10 ||
		egw_die "dnsmasq $name did not listen on $addr: $(tail -n 5 "$EGW_TMP/$name.log")"
}

# egw_mgmt_route ADDR...: a management link from the root ns (where the
# gateway's control plane runs) to the server ns, with host routes to ADDR
# through it, so that the control plane can reach e.g. the resolvers of
# dns.allow the way a real gateway reaches them over its management
# interface (the data-path veths carry no addresses). Root side
# 10.98.0.1/30 on $EGW_P-mr, server side 10.98.0.2/30 on mgmt0. The address
# and the routes live in the root ns, shared by every testbed: a second run
# that wants them while another holds them stops here instead of stealing
# them.
egw_mgmt_route()
{
	local a other
	if ! ip link show "$EGW_P-mr" >/dev/null 2>&1; then
		other=$(ip -o -4 addr show to 10.98.0.1/32 | awk '{print $2}')
		[ -z "$other" ] ||
			egw_die "10.98.0.1 is already on $other (another testbed's management link)"
		_egw_veth "$EGW_P-mr" - mgmt0 "$NS_S"
		ip addr add 10.98.0.1/30 dev "$EGW_P-mr"
		ip -n "$NS_S" addr add 10.98.0.2/30 dev mgmt0
	fi
	for a in "$@"; do
		other=$(ip -4 route show exact "$a/32" | grep -v " dev $EGW_P-mr\b" || true)
		[ -z "$other" ] || egw_die "a route to $a exists already: $other"
		ip route replace "$a/32" via 10.98.0.2 dev "$EGW_P-mr"
	done
}

# ---- nat-mode testbed ----------------------------------------------------
#
#   ns $NS_WEB  w0 10.10.0.10/24 ─┐                                        ns $NS_SRV
#     (via 10.10.0.1)             ├ vlantag ─ trunk ─ $IF_LAN [gateway] $IF_WAN ─ s0 198.51.100.1/24
#   ns $NS_APP  a0 10.20.0.10/24 ─┘  (VID 10 / 20)        port 0   port 1        lo 203.0.113.10 (nginx)
#     (via 10.20.0.1)                                                             lo 203.0.113.53 (dnsmasq)
#
# The gateway (gateway.mode: nat, tests/e2e/nat-policy.yaml) is the clients'
# default gateway on each VLAN and SNATs what leaves by the WAN to the pool
# 198.51.100.10-11; the server namespace knows no route to 10.0.0.0/8, so
# only translated traffic can be answered. One vlantag process owns the
# trunk: each client's frames get its VID, and a trunk frame goes back to the
# client of its VID only. Each client namespace resolves names with the
# testbed's dnsmasq (/etc/netns/NS/resolv.conf, which `ip netns exec` mounts).

EGW_NAT_WEB4=10.10.0.10
EGW_NAT_APP4=10.20.0.10
EGW_NAT_GW_WEB=10.10.0.1
EGW_NAT_GW_APP=10.20.0.1
EGW_NAT_NEXT_HOP=198.51.100.1
EGW_NAT_GW_WAN=198.51.100.2
# shellcheck disable=SC2034 # for the scripts that source this file
EGW_NAT_POOL=(198.51.100.10 198.51.100.11)
EGW_NAT_WEB_SRV=203.0.113.10
EGW_NAT_DNS=203.0.113.53
# IPv6 (web VLAN and WAN), routed without translation.
EGW_NAT_WEB6=fd00:10::10
EGW_NAT_GW_WEB6=fd00:10::1
EGW_NAT_NEXT_HOP6=2001:db8:100::1
EGW_NAT_GW_WAN6=2001:db8:100::2
# An allowed resolver address with nothing listening: its ICMP port
# unreachable answers test the translation of ICMP errors.
EGW_NAT_DNS_CLOSED=203.0.113.54
EGW_NAT_VID_WEB=10
EGW_NAT_VID_APP=20
# Bytes of the rate-limited download (/big, nginx limit_rate) and its rate:
# about 16 s.
EGW_NAT_BIG_BYTES=2097152
EGW_NAT_BIG_RATE=128k

# egw_nat_netns_etc_reap: removes the resolv.conf directories of testbed
# namespaces that no longer exist (a killed run's).
egw_nat_netns_etc_reap()
{
	local d ns live
	live=$(ip netns list 2>/dev/null | awk '{print $1}')
	for d in /etc/netns/egw[0-9]*-web /etc/netns/egw[0-9]*-app /etc/netns/egw[0-9]*-srv; do
		[ -d "$d" ] || continue
		ns=$(basename "$d")
		printf '%s\n' "$live" | grep -qxF "$ns" || rm -rf "$d"
	done
}

# egw_nat_testbed_up: the picture above (after egw_init). Sets NS_WEB,
# NS_APP, NS_SRV (and NS_C=NS_WEB, NS_S=NS_SRV for the generic helpers).
egw_nat_testbed_up()
{
	local ns
	NS_WEB="$EGW_P-web"
	NS_APP="$EGW_P-app"
	NS_SRV="$EGW_P-srv"
	NS_C=$NS_WEB
	NS_S=$NS_SRV
	egw_nat_netns_etc_reap
	egw_vlantag_bin
	for ns in "$NS_WEB" "$NS_APP" "$NS_SRV"; do
		_egw_ns_new "$ns"
	done
	_egw_veth "$EGW_P-wu" - w0 "$NS_WEB"
	_egw_veth "$EGW_P-au" - a0 "$NS_APP"
	# The trunk carries 4 bytes of tag on top of the hosts' 1500.
	_egw_veth "$IF_LAN" - "$EGW_P-lt" - 1600 1600
	_egw_veth "$IF_WAN" - s0 "$NS_SRV"
	egw_bg vlantag - "$EGW_VLANTAG" --trunk "$EGW_P-lt" \
		--untagged "$EGW_P-wu" --vid "$EGW_NAT_VID_WEB" \
		--untagged "$EGW_P-au" --vid "$EGW_NAT_VID_APP"
	ip -n "$NS_WEB" addr add "$EGW_NAT_WEB4/24" dev w0
	ip -n "$NS_WEB" route add default via "$EGW_NAT_GW_WEB"
	ip -n "$NS_APP" addr add "$EGW_NAT_APP4/24" dev a0
	ip -n "$NS_APP" route add default via "$EGW_NAT_GW_APP"
	ip -n "$NS_SRV" addr add "$EGW_NAT_NEXT_HOP/24" dev s0
	ip -n "$NS_SRV" addr add "$EGW_NAT_WEB_SRV/32" dev lo
	ip -n "$NS_SRV" addr add "$EGW_NAT_DNS/32" dev lo
	ip -n "$NS_SRV" addr add "$EGW_NAT_DNS_CLOSED/32" dev lo
	ip -n "$NS_WEB" addr add "$EGW_NAT_WEB6/64" dev w0 nodad
	ip -n "$NS_WEB" -6 route add default via "$EGW_NAT_GW_WEB6"
	ip -n "$NS_SRV" addr add "$EGW_NAT_NEXT_HOP6/64" dev s0 nodad
	ip -n "$NS_SRV" -6 route add "${EGW_NAT_WEB6%::*}::/64" via "$EGW_NAT_GW_WAN6"
	for ns in "$NS_WEB" "$NS_APP"; do
		mkdir -p "/etc/netns/$ns"
		printf 'nameserver %s\noptions timeout:2 attempts:2\n' "$EGW_NAT_DNS" \
			>"/etc/netns/$ns/resolv.conf"
	done
	egw_log "nat testbed $EGW_P up: ns $NS_WEB $NS_APP $NS_SRV, tmp $EGW_TMP"
}

# egw_nat_teardown PREFIX: what _egw_teardown_prefix removes, plus the
# namespaces' /etc/netns directories.
egw_nat_teardown()
{
	local p=$1
	_egw_teardown_prefix "$p"
	rm -rf "/etc/netns/$p-web" "/etc/netns/$p-app" "/etc/netns/$p-srv"
}

# egw_nat_servers_start: in the server ns, nginx on 203.0.113.10 (HTTP 80,
# TLS 443, certificate of the testbed CA; / answers "egw-ok host=… sni=…",
# /big is $EGW_NAT_BIG_BYTES random bytes sent at $EGW_NAT_BIG_RATE), whose
# access log ($EGW_NAT_ACCESS_LOG) starts with $remote_addr, and dnsmasq
# on 203.0.113.53 giving 203.0.113.10 for every test name.
egw_nat_servers_start()
{
	local d="$EGW_TMP/nginx" n recs=()
	EGW_S4_WEB=$EGW_NAT_WEB_SRV
	EGW_S6_WEB=::1
	[ -n "${EGW_CA:-}" ] || egw_certs
	mkdir -p "$d/www"
	head -c "$EGW_NAT_BIG_BYTES" /dev/urandom >"$d/www/big"
	cat >"$d/nginx.conf" <<EOF
user root;
daemon off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log info;
events { worker_connections 1024; }
http {
	log_format egw '\$remote_addr:\$remote_port \$server_addr:\$server_port '
		'host="\$host" sni="\$ssl_server_name" "\$request" \$status \$body_bytes_sent';
	access_log $d/access.log egw;
	client_body_temp_path $d/body;
	proxy_temp_path $d/proxy;
	ssl_protocols TLSv1.2 TLSv1.3;
	ssl_certificate $EGW_CRT;
	ssl_certificate_key $EGW_KEY;
	default_type text/html;
	server {
		listen $EGW_NAT_WEB_SRV:80;
		listen $EGW_NAT_WEB_SRV:443 ssl;
		server_name _;
		root $d/www;
		location = /big {
			default_type application/octet-stream;
			limit_rate $EGW_NAT_BIG_RATE;
		}
		location / {
			return 200 '<!DOCTYPE html><html><head><title>egw</title></head><body><p id="egw">egw-ok host=\$host sni=\$ssl_server_name</p></body></html>\n';
		}
	}
}
EOF
	ip netns exec "$NS_SRV" nginx -t -c "$d/nginx.conf" >"$EGW_TMP/nginx-t.log" 2>&1 ||
		egw_die "nginx config: $(cat "$EGW_TMP/nginx-t.log")"
	egw_bg nginx "$NS_SRV" nginx -c "$d/nginx.conf"
	_egw_wait_listen "$NS_SRV" "$EGW_NAT_WEB_SRV:443" 10 || egw_die "nginx did not listen"
	# shellcheck disable=SC2034 # for the scripts that source this file
	EGW_NAT_ACCESS_LOG="$d/access.log"
	for n in "${EGW_NAMES[@]}"; do
		recs+=("$n=$EGW_NAT_WEB_SRV")
	done
	egw_dnsmasq_start dnsmasq "$EGW_NAT_DNS" "${recs[@]}"
}

# egw_nat_gw_wait [SECS]: waits until the gateway answers ARP for its
# address on both VLANs (through the tagger) and on the WAN.
egw_nat_gw_wait()
{
	local secs=${1:-60} t0=$SECONDS ok
	while [ $((SECONDS - t0)) -lt "$secs" ]; do
		kill -0 "$EGW_GW_PID" 2>/dev/null ||
			egw_die "gateway exited: $(tail -n 20 "$EGW_TMP/gateway.log")"
		ok=0
		ip netns exec "$NS_WEB" "${EGW_TOOL[@]}" arp-probe --iface w0 \
			--src "$EGW_NAT_WEB4" --dst "$EGW_NAT_GW_WEB" --timeout 2 \
			>/dev/null 2>&1 && ok=$((ok + 1))
		ip netns exec "$NS_APP" "${EGW_TOOL[@]}" arp-probe --iface a0 \
			--src "$EGW_NAT_APP4" --dst "$EGW_NAT_GW_APP" --timeout 2 \
			>/dev/null 2>&1 && ok=$((ok + 1))
		ip netns exec "$NS_SRV" "${EGW_TOOL[@]}" arp-probe --iface s0 \
			--src "$EGW_NAT_NEXT_HOP" --dst "$EGW_NAT_GW_WAN" --timeout 2 \
			>/dev/null 2>&1 && ok=$((ok + 1))
		if [ "$ok" = 3 ]; then
			egw_log "gateway answers ARP on both VLANs and the WAN after $((SECONDS - t0))s"
			return 0
		fi
		sleep 0.5
	done
	egw_die "gateway does not answer ARP after ${secs}s: $(tail -n 20 "$EGW_TMP/gateway.log")"
}

# egw_nat_workers N: EAL lcores, queue pairs and memory for N workers (call
# before egw_gw_start); the lcores float over the machine's CPUs, so N may
# exceed them (as in workers.sh).
egw_nat_workers()
{
	local n=$1 cpus l i
	[[ $n =~ ^[1-8]$ ]] || egw_die "workers: 1..8 (got '$n')"
	cpus="0-$(($(nproc) - 1))"
	l="0@($cpus)"
	for ((i = 1; i <= n; i++)); do
		l+=",$i@($cpus)"
	done
	EGW_GW_CORES=(--lcores "$l")
	EGW_GW_QPAIRS=$n
	EGW_GW_MEM=$((512 + 256 * (n - 1)))
}

# egw_nat_web_listener: an HTTP server on 10.10.0.10:8080 in the web ns (an
# internal service the app role may reach across VLANs), logging each
# request's client address to $EGW_TMP/weblistener.log.
egw_nat_web_listener()
{
	mkdir -p "$EGW_TMP/webroot"
	printf 'web-internal-ok\n' >"$EGW_TMP/webroot/index.html"
	egw_bg weblistener "$NS_WEB" "$EGW_PY" -u -m http.server 8080 \
		--bind "$EGW_NAT_WEB4" --directory "$EGW_TMP/webroot"
	_egw_wait_listen "$NS_WEB" "$EGW_NAT_WEB4:8080" 10 ||
		egw_die "web listener did not listen: $(cat "$EGW_TMP/weblistener.log")"
}
