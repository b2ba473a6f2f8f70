#!/usr/bin/env bash
# Fetches Postfix's smtp-source and smtp-sink (the real peers benchmarks compare against)
# without installing or starting a Postfix daemon: the .deb is unpacked under build/peers/.
set -euo pipefail
dest="${1:-build/peers}"
if [ -x "$dest/usr/sbin/smtp-sink" ] && [ -x "$dest/usr/sbin/smtp-source" ]; then exit 0; fi
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
(cd "$tmp" && apt-get download postfix >/dev/null 2>&1) || { $SUDO apt-get update -qq && (cd "$tmp" && apt-get download postfix); }
dpkg -x "$tmp"/postfix_*.deb "$dest"
echo "install-bench-tools: smtp-source and smtp-sink in $dest/usr/sbin"
