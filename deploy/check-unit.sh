#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# check-unit.sh [BUILD_DIR]
#
# Verifies deploy/egressgw.service with `systemd-analyze verify` (package
# systemd). verify wants every Exec*= binary to exist, so the unit is checked
# from a temporary copy whose /usr/bin/egressgw points at BUILD_DIR's binary
# (default: build). Also asserts the settings docs/deploy.md promises
# (ordering after dpdk.service, restart on failure, reload on SIGHUP,
# unlimited memlock) and that the daemon options of ExecStart= are ones the
# binary knows. Exit 0 when clean, 1 otherwise.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
BUILD_DIR=${1:-$TOP/build}
BIN=$(cd "$BUILD_DIR" 2>/dev/null && pwd)/app/egressgw/egressgw
UNIT=$HERE/egressgw.service
fail=0

command -v systemd-analyze >/dev/null 2>&1 || {
	echo "check-unit: systemd-analyze not found (Debian package: systemd)" >&2
	exit 1
}
[ -x "$BIN" ] || { echo "check-unit: $BIN not built" >&2; exit 1; }

tmp=$(mktemp -d /tmp/egw-unit.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
sed "s|/usr/bin/egressgw|$BIN|g" "$UNIT" >"$tmp/egressgw.service"

# dpdk.service comes from Debian's dpdk package; without it the Requires= is
# unresolvable and verify says so (a real deployment error too).
if ! out=$(systemd-analyze verify --man=no "$tmp/egressgw.service" 2>&1); then
	echo "FAIL systemd-analyze verify"
	printf '#   %s\n' "$out"
	fail=1
elif [ -n "$out" ]; then
	# verify exits 0 on warnings; a clean unit prints nothing.
	echo "FAIL systemd-analyze verify printed warnings"
	printf '#   %s\n' "$out"
	fail=1
else
	echo "ok systemd-analyze verify"
fi

expect()
{
	local key=$1 want=$2 got
	got=$(grep -m1 "^$key=" "$tmp/props" | cut -d= -f2- || true)
	# shellcheck disable=SC2053 # want is a glob pattern on purpose
	if [[ $got == $want ]]; then
		echo "ok $key=$got"
	else
		echo "FAIL $key: got '$got', want '$want'"
		fail=1
	fi
}
# key=value lines of the unit (verify above proved systemd parses them).
awk -F= '/^[A-Za-z]+=/{k=$1; sub(/^[^=]*=/, ""); print k "=" $0}' \
	"$tmp/egressgw.service" >"$tmp/props"
expect After "*dpdk.service*"
expect Requires "dpdk.service"
expect Restart "on-failure"
expect ExecReload "/bin/kill -HUP \$MAINPID"
expect LimitMEMLOCK "infinity"
expect RuntimeDirectory "egressgw"
expect LogsDirectory "egressgw"
expect StateDirectory "egressgw"
expect ExecStart "$BIN *-- --config *"

# The daemon line must be one the binary accepts: its EAL part is given by
# EGRESSGW_EAL, its own options must all be known to `egressgw --help`.
help=$("$BIN" --help 2>&1 || true)
for opt in --config --eve --ctl-socket; do
	if printf '%s' "$help" | grep -q -- "$opt"; then
		echo "ok egressgw knows $opt"
	else
		echo "FAIL egressgw --help does not list $opt"
		fail=1
	fi
done
exit "$fail"
