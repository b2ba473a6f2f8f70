#!/usr/bin/env bash
# Fetches Postfix's smtp-source and smtp-sink (the real peers benchmarks compare against) and the
# rest of the Postfix package, without installing or starting a Postfix daemon: the .deb is
# unpacked under build/peers/. bench/postfix_relay.py runs a private Postfix instance from there.
set -euo pipefail
dest="${1:-build/peers}"

# --postfix-user (bench/postfix_relay.py passes it): a Postfix instance needs its mail_owner user
# and setgid_group group to exist (the daemons drop privileges to them; master refuses to start
# otherwise). This is the only system change the benchmarks make, and only on request, only when
# running as root and only for what is missing (idempotent): a system user `postfix` (own group,
# no home, no login shell) and a system group `postdrop`, the names and kinds Debian's postfix
# package creates. `make peers` / `make test` do not pass it and create nothing.
if [ "${2:-}" = "--postfix-user" ] && [ "$(id -u)" -eq 0 ]; then
  getent group postdrop >/dev/null || groupadd --system postdrop
  getent passwd postfix >/dev/null ||
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin postfix
fi

if [ -x "$dest/usr/sbin/smtp-sink" ] && [ -x "$dest/usr/sbin/smtp-source" ] &&
   [ -x "$dest/usr/lib/postfix/sbin/master" ]; then exit 0; fi
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
(cd "$tmp" && apt-get download postfix >/dev/null 2>&1) || { $SUDO apt-get update -qq && (cd "$tmp" && apt-get download postfix); }
dpkg -x "$tmp"/postfix_*.deb "$dest"
echo "install-bench-tools: Postfix (smtp-source, smtp-sink, master and daemons) in $dest/usr"
