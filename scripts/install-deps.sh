#!/usr/bin/env bash
# Installs every Debian package mxlab builds, tests and benchmarks with. Idempotent: packages
# already present are skipped, so `make test` on a provisioned machine costs one dpkg query.
set -euo pipefail

PACKAGES=(
  cmake g++ make ninja-build ccache pkg-config git
  libboost1.81-dev libboost-system1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev openssl libyaml-cpp-dev libcli11-dev libc-ares-dev libspdlog-dev libfmt-dev
  librocksdb-dev libgtest-dev libgmock-dev
  pybind11-dev python3-dev python3-pytest python3-pytest-xdist python3-yaml python3-venv
  dnsutils swaks python3-aiosmtpd dnsmasq-base graphviz
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
