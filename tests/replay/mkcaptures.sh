#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# mkcaptures.sh OUTDIR
#
# Records real clients (curl, openssl s_client, python ssl, headless Chromium)
# talking to a real nginx in a direct client<->server testbed (one veth pair,
# no gateway), one pcap per case, captured in the client namespace. Then
# writes OUTDIR/oracle.tsv: for each capture the names tshark sees in it
# (TLS SNI of every ClientHello, Host of every HTTP request).
#
# Chromium is skipped (with a SKIP line) only when it is not installed.
# Exit status is non-zero when any client did not complete its exchange or a
# capture does not hold what the case is about.

set -euo pipefail

OUTDIR=${1:?usage: mkcaptures.sh OUTDIR}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR/../e2e
source "$HERE/../e2e/lib.sh"

mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)

egw_init
egw_testbed_up direct
egw_servers_start

WEB4=$EGW_S4_WEB
WEB6=$EGW_S6_WEB
CURL=(curl -sS --max-time 10 --cacert "$EGW_CA" -o /dev/null -w '%{http_code}')
MADE=()

# case NAME CMD...: capture CMD's traffic into NAME.pcap; CMD must succeed.
case_run()
{
	local name=$1 out rc=0
	shift
	egw_capture_start "$name" "$NS_C" c0 "$EGW_TMP/$name.pcap" tcp or udp
	out=$(egw_c "$@" 2>&1) || rc=$?
	egw_capture_stop "$name"
	if [ "$rc" -ne 0 ]; then
		egw_die "$name: client failed (exit $rc): $out"
	fi
	printf '%s\n' "$out" >"$EGW_TMP/$name.out"
	mv "$EGW_TMP/$name.pcap" "$OUTDIR/$name.pcap"
	MADE+=("$name")
	egw_log "captured $name.pcap"
}

# expect_out NAME REGEX: the client's output must match (e.g. HTTP 200).
expect_out()
{
	grep -Eq "$2" "$EGW_TMP/$1.out" ||
		egw_die "$1: client output does not match /$2/: $(head -c 300 "$EGW_TMP/$1.out")"
}

case_run curl-tls13-allowed "${CURL[@]}" --tlsv1.3 \
	--resolve "allowed.test:443:$WEB4" https://allowed.test/
expect_out curl-tls13-allowed '^200$'

case_run curl-tls12-allowed "${CURL[@]}" --tlsv1.2 --tls-max 1.2 \
	--resolve "api.allowed.test:443:$WEB4" https://api.allowed.test/
expect_out curl-tls12-allowed '^200$'

case_run curl-tls13-denied "${CURL[@]}" \
	--resolve "denied.test:443:$WEB4" https://denied.test/
expect_out curl-tls13-denied '^200$'

case_run curl-tls13-c2 "${CURL[@]}" \
	--resolve "evil-c2.test:443:$WEB4" https://evil-c2.test/
expect_out curl-tls13-c2 '^200$'

case_run curl-tls13-ipv6-allowed "${CURL[@]}" -6 \
	--resolve "allowed.test:443:[$WEB6]" https://allowed.test/
expect_out curl-tls13-ipv6-allowed '^200$'

case_run curl-http-allowed "${CURL[@]}" \
	--resolve "allowed.test:80:$WEB4" http://allowed.test/
expect_out curl-http-allowed '^200$'

case_run curl-http-denied "${CURL[@]}" \
	--resolve "denied.test:80:$WEB4" http://denied.test/
expect_out curl-http-denied '^200$'

# Absolute-form request line ("GET http://allowed.test/ HTTP/1.1") as sent
# to a forward proxy; the server at .100:80 answers it.
case_run curl-http-proxy-allowed "${CURL[@]}" -x "http://$WEB4:80" \
	http://allowed.test/
expect_out curl-http-proxy-allowed '^200$'

# Host: 10.99.0.100 (an IP literal).
case_run curl-http-ipliteral "${CURL[@]}" "http://$WEB4/"
expect_out curl-http-ipliteral '^200$'

# curl sends no SNI for an address (RFC 6066): a no-SNI ClientHello.
case_run curl-tls13-ipliteral curl -sS --max-time 10 -k -o /dev/null \
	-w '%{http_code}' "https://$WEB4/"
expect_out curl-tls13-ipliteral '^200$'

case_run openssl-allowed sh -c "printf 'GET / HTTP/1.0\r\nHost: api.allowed.test\r\n\r\n' |
	openssl s_client -quiet -connect $WEB4:443 -servername api.allowed.test \
	-CAfile '$EGW_CA' -verify_return_error"
expect_out openssl-allowed 'egw-ok host=api.allowed.test sni=api.allowed.test'

case_run openssl-nosni sh -c "printf 'GET / HTTP/1.0\r\n\r\n' |
	openssl s_client -quiet -connect $WEB4:443 -noservername"
expect_out openssl-nosni 'egw-ok host=.* sni=<'

case_run python-ssl-allowed "${EGW_TOOL[@]}" tls-client --ip "$WEB4" \
	--name www.allowed.test --cafile "$EGW_CA"
expect_out python-ssl-allowed 'egw-ok host=www.allowed.test sni=www.allowed.test'

case_run raw-ssh-443 "${EGW_TOOL[@]}" raw-client --ip "$EGW_S4_RAW" --port 443 \
	--data 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'
expect_out raw-ssh-443 "^data b'RAW-OK"

if egw_have_chromium; then
	egw_capture_start chromium-allowed "$NS_C" c0 \
		"$EGW_TMP/chromium-allowed.pcap" tcp or udp
	rc=0
	egw_chromium "$NS_C" allowed.test "$WEB4" https://allowed.test/ \
		>"$EGW_TMP/chromium-allowed.out" || rc=$?
	egw_capture_stop chromium-allowed
	[ "$rc" -eq 0 ] || egw_die "chromium failed (exit $rc)"
	expect_out chromium-allowed 'egw-ok host=allowed.test sni=allowed.test'
	mv "$EGW_TMP/chromium-allowed.pcap" "$OUTDIR/chromium-allowed.pcap"
	MADE+=(chromium-allowed)
	# The point of this capture: a ClientHello larger than one segment.
	segs=$(tshark -r "$OUTDIR/chromium-allowed.pcap" -Y 'tls.handshake.type == 1' \
		-T fields -e tcp.segment.count 2>"$EGW_TMP/tshark.err" | sort -u | tr '\n' ' ')
	case $segs in
	"2 ") egw_log "chromium ClientHello in 2 segments" ;;
	*) egw_die "chromium ClientHello segment count is '$segs', expected 2" ;;
	esac
else
	egw_skip "chromium-allowed: chromium not installed"
fi

# The oracle: names tshark finds in each capture (Host without a :port).
{
	printf '# capture\tnames (tshark: SNI of each ClientHello, Host of each request)\n'
	for name in "${MADE[@]}"; do
		names=$(tshark -r "$OUTDIR/$name.pcap" -Y 'tls.handshake.type == 1 || http.request' \
			-T fields -E separator=/t -e tls.handshake.extensions_server_name \
			-e http.host 2>"$EGW_TMP/tshark.err" | tr '\t' '\n' |
			sed -e 's/:[0-9]*$//' -e '/^$/d' | sort -u | paste -sd, -)
		printf '%s.pcap\t%s\n' "$name" "${names:--}"
	done
} >"$OUTDIR/oracle.tsv"
egw_log "wrote ${#MADE[@]} captures and oracle.tsv to $OUTDIR"
