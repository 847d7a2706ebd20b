#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs every test of egressgw on a fresh machine: installs what is missing,
# builds, then unit tests (also under ASan+UBSan), fuzz smoke runs, replay
# tests on real and crafted captures, inline tests with real clients in
# network namespaces. Needs root (namespaces, AF_PACKET, apt-get).
#
#   tools/test.sh            everything
#   tools/test.sh unit       only some stages: unit asan fuzz replay inline bench
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(unit asan fuzz replay inline bench)
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
passed=0
failed=0
failed_names=()

want() {
	local s
	for s in "${stages[@]}"; do [ "$s" = "$1" ] && return 0; done
	return 1
}

step() {
	local name=$1
	shift
	echo "=== $name"
	local t0=$SECONDS
	if "$@"; then
		echo "=== $name: ok ($((SECONDS - t0)) s)"
		passed=$((passed + 1))
	else
		echo "=== $name: FAILED ($((SECONDS - t0)) s)"
		failed=$((failed + 1))
		failed_names+=("$name")
	fi
}

if [ "$(id -u)" -ne 0 ]; then
	echo "tools/test.sh: run as root (network namespaces, AF_PACKET, apt-get)" >&2
	exit 2
fi

bash tools/install-deps.sh || { echo "dependency installation failed" >&2; exit 1; }

build() {
	[ -d build ] || meson setup build >/dev/null || return 1
	ninja -C build
}
step build build || { echo "0 passed, 1 failed"; exit 1; }

if want unit; then
	step unit meson test -C build --suite unit --print-errorlogs
fi

if want unit; then
	# EAL programs without NICs or hugepages (evidence captures).
	step dpdk meson test -C build --suite dpdk --print-errorlogs
	step deploy-unit bash deploy/check-unit.sh "$top/build"
fi

if want asan; then
	asan() {
		[ -d build-asan ] || meson setup build-asan -Ddpdk=disabled \
			-Db_sanitize=address,undefined -Db_lundef=false >/dev/null || return 1
		ninja -C build-asan && \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		ASAN_OPTIONS=detect_leaks=1 \
			meson test -C build-asan --suite unit --print-errorlogs
	}
	step unit-asan-ubsan asan
fi

if want fuzz; then
	fuzz() {
		if [ ! -d build-fuzz ]; then
			CC=clang meson setup build-fuzz -Ddpdk=disabled -Dfuzz=true \
				-Dc_args=-fsanitize=fuzzer-no-link,address,undefined \
				-Dc_link_args=-fsanitize=address,undefined >/dev/null || return 1
		fi
		ninja -C build-fuzz || return 1
		local rc=0 t corpus work name
		for t in build-fuzz/tests/fuzz/fuzz_*; do
			[ -f "$t" ] && [ -x "$t" ] || continue
			name=$(basename "$t")
			corpus=$(ls -d tests/fuzz/*/corpus/"$name" 2>/dev/null | head -1)
			work=$(mktemp -d)
			[ -n "$corpus" ] && cp -r "$corpus"/. "$work"/
			echo "--- $name: ${FUZZ_SECONDS}s"
			if ! "$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
				-print_final_stats=1 -artifact_prefix="$work/" "$work" \
				>"$work.log" 2>&1; then
				tail -40 "$work.log"
				rc=1
			else
				grep -E 'stat::number_of_executed_units' "$work.log" || true
			fi
			rm -rf "$work" "$work.log"
		done
		return $rc
	}
	step fuzz fuzz
fi

if want replay; then
	step replay bash tests/replay/run.sh "$top/build"
fi

if want inline; then
	step inline bash tests/e2e/inline.sh "$top/build"
	step inline-vlan bash tests/e2e/vlan.sh "$top/build"
	step inline-workers bash tests/e2e/workers.sh "$top/build"
	step inline-dns bash tests/e2e/dns.sh "$top/build"
	step inline-dns-verify bash tests/e2e/dns-verify.sh "$top/build"
	step inline-telemetry bash tests/e2e/telemetry.sh "$top/build"
	step inline-reload bash tests/e2e/reload.sh "$top/build"
	step inline-console bash tests/e2e/console.sh "$top/build"
	step inline-keepalive bash tests/e2e/keepalive.sh "$top/build"
	step inline-dns-reload bash tests/e2e/dns-reload.sh "$top/build"
	step inline-nat bash tests/e2e/nat.sh "$top/build"
fi

if want bench; then
	# Smoke check of the benchmarks: every figure printed, speed never asserted.
	step bench-quick tools/bench/run --quick --build-dir "$top/build"
fi

echo
if [ $failed -gt 0 ]; then
	echo "failed stages: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
