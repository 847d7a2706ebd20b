# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Sourced by the replay stages (run.sh, edge/run.sh, dns/run.sh): result
# counting, the work directory with its clean-up, and the binary check.
# Needs GW set; sets PASS, FAIL, WORK, CAPS, RES. Usage: rp_setup TAG

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

rp_cleanup()
{
	local rc=$?
	if [ "${EGW_KEEP:-0}" = 1 ]; then
		echo "# kept $WORK" >&2
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}

rp_setup()
{
	WORK=$(mktemp -d "/tmp/egw-$1.XXXXXX")
	trap rp_cleanup EXIT
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
}
