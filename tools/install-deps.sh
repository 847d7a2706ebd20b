#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Installs everything egressgw needs to build, run its demo and run every test,
# from Debian 12 packages only. Idempotent; safe to run on every invocation.
set -euo pipefail

PKGS=(
	build-essential pkg-config meson ninja-build clang llvm libclang-rt-14-dev
	dpdk dpdk-dev libdpdk-dev libhyperscan-dev libyaml-dev libjansson-dev
	check libpcap-dev libsubunit-dev libc-ares-dev
	iproute2 ethtool procps psmisc
	nginx-light openssl curl tshark tcpdump python3-scapy chromium
	dnsmasq-base knot-dnsutils
	libndpi-bin systemd iputils-ping
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: need root to install: ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
