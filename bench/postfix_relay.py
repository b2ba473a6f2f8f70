#!/usr/bin/env python3
"""Relay benchmark against Postfix: mtad and a private Postfix instance relaying the same load to
the same kind of sink, in the same run on the same machine.

Load: Postfix smtp-source, 2000 messages of 10 KB from 20 concurrent sessions, one connection
per message (the flags relay_bench passes). Path: SMTP in, durable spool (Postfix fsyncs each
queue file before its 250, mtad syncs its RocksDB write), SMTP out to a fake MX. Figure: messages
divided by the wall time from the start of smtp-source until the sink has recorded every message.

Postfix runs from the package scripts/install-bench-tools.sh unpacked under build/peers: its own
main.cf/master.cf, queue and data directories in a temporary directory, smtpd on 127.0.0.1:<free
port>, everything relayed to `relayhost = [127.0.0.9]:<sink port>`, no local delivery, no DNS,
otherwise Postfix's defaults (queue file fsync, concurrency 20 per destination, connection
cache on demand). The sink is fakemx's MxHost in this process (the mxlab Python module), the
same sink relay_bench gives mtad in its process; Postfix's run ends when the sink has recorded
every message, mtad's (relay_bench) when mtad has logged every delivery, i.e. received the sink's
250 for it. Postfix's own log (status=sent) is checked too. Postfix's master needs root and
the `postfix` user and `postdrop` group, which `scripts/install-bench-tools.sh DIR --postfix-user`
creates when missing (as root; this script runs it).
The instance is stopped (SIGTERM to master, then SIGKILL to its process group) and its directory
removed on every exit path; every wait has a deadline.

  bench/postfix_relay.py [--messages N] [--senders N] [--size BYTES] [--runs N] [--json]
"""
from __future__ import annotations

import argparse
import ctypes
import grp
import json
import os
import pathlib
import pwd
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from bench_common import (BIN, BUILD, PEER_ENV, PEERS, POSTFIX_LIB, ROOT, SMTP_SINK, SMTP_SOURCE, free_port,
                          wait_listening)

POSTFIX_DAEMONS = POSTFIX_LIB / "sbin"
SINK_ADDRESS = "127.0.0.9"   # not one of Postfix's own addresses (inet_interfaces = 127.0.0.1): no loop
DEADLINE_S = 300             # for the sink to receive everything, per run


def smtp_source(address: str, port: int, args) -> subprocess.CompletedProcess:
    return subprocess.run([str(SMTP_SOURCE), "-s", str(args.senders), "-m", str(args.messages), "-l", str(args.size),
                           "-f", "bench@origin.test", "-t", "user@bench.test", f"{address}:{port}"],
                          env=PEER_ENV, check=True, timeout=DEADLINE_S, stdout=subprocess.DEVNULL)


def sink_host(mxlab):
    """fakemx's MX host as the relays' destination, counting what it receives (recording on)."""
    host = mxlab.MxHost(mxlab.MxHostConfig(name="sink.bench.test", address=SINK_ADDRESS))
    host.start()
    return host


def main_cf(d: pathlib.Path, sink_port: int) -> str:
    return f"""\
# Private benchmark instance (bench/postfix_relay.py); everything not set here is Postfix's default.
compatibility_level = 3.6
config_directory = {d}/conf
queue_directory = {d}/queue
data_directory = {d}/data
meta_directory = {d}/conf
daemon_directory = {POSTFIX_DAEMONS}
command_directory = {PEERS}/usr/sbin
shlib_directory = {POSTFIX_LIB}
# The package's libraries live under build/peers, not /usr/lib/postfix: the daemons master
# starts get LD_LIBRARY_PATH through import_environment.
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME LD_LIBRARY_PATH={POSTFIX_LIB}
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-bench
maillog_file = {d}/maillog
maillog_file_prefixes = {d}
myhostname = postfix.bench.test
mydomain = bench.test
myorigin = $myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
# Relay everything from loopback to the sink; nothing is delivered locally.
mynetworks = 127.0.0.0/8
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
local_transport = error:local delivery disabled
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions =
relayhost = [{SINK_ADDRESS}]:{sink_port}
fast_flush_domains =
# No DNS anywhere: relayhost is an address literal, lookups go through the host's resolver only.
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtp_tls_security_level = none
smtpd_tls_security_level = none
biff = no
"""


def master_cf(smtpd_port: int) -> str:
    # service type private unpriv chroot wakeup maxproc command: no chroot (no copied files needed).
    return f"""\
127.0.0.1:{smtpd_port} inet n - n - - smtpd
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


def _term_with_parent() -> None:
    """In the forked child before exec: SIGTERM it if this script dies without its teardown."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class PostfixInstance:
    """A private Postfix in a temporary directory, master in the foreground as our child."""

    QUEUE_DIRS = ("active", "bounce", "corrupt", "defer", "deferred", "flush", "hold", "incoming", "private",
                  "saved", "trace")

    def __init__(self, sink_port: int):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="mxlab-postfix-"))
        self.port = free_port("127.0.0.1")
        self.sink_port = sink_port
        self.master: subprocess.Popen | None = None

    def setup(self) -> None:
        d = self.dir
        postfix, postdrop = pwd.getpwnam("postfix"), grp.getgrnam("postdrop")
        os.chmod(d, 0o755)  # the daemons run as postfix and must reach conf/ and queue/
        (d / "conf").mkdir()
        (d / "conf/main.cf").write_text(main_cf(d, self.sink_port))
        (d / "conf/master.cf").write_text(master_cf(self.port))
        (d / "conf/dynamicmaps.cf").write_text("")  # no dynamically loaded map types
        (d / "queue").mkdir(mode=0o755)
        for sub in self.QUEUE_DIRS:
            (d / "queue" / sub).mkdir(mode=0o700)
            os.chown(d / "queue" / sub, postfix.pw_uid, -1)
        for sub, mode in (("maildrop", 0o730), ("public", 0o710)):
            (d / "queue" / sub).mkdir()
            os.chown(d / "queue" / sub, postfix.pw_uid, postdrop.gr_gid)
            os.chmod(d / "queue" / sub, mode)
        (d / "queue/pid").mkdir(mode=0o755)
        (d / "data").mkdir(mode=0o700)
        os.chown(d / "data", postfix.pw_uid, -1)

    def start(self) -> None:
        # `master -s` is what `postfix start-fg` runs: no detaching, so master stays our child.
        # Its own session/process group, so teardown can reach every daemon it started by that id.
        with open(self.dir / "master.out", "wb") as out:  # a file: a pipe nobody reads could fill up
            self.master = subprocess.Popen([str(POSTFIX_DAEMONS / "master"), "-c", str(self.dir / "conf"), "-s"],
                                           env=PEER_ENV, start_new_session=True, stdout=out, stderr=out,
                                           preexec_fn=_term_with_parent)
        try:
            wait_listening("127.0.0.1", self.port, self.master, timeout=20)
        except RuntimeError as e:
            raise RuntimeError(f"{e}\n{self.log_tail()}") from None

    def log_tail(self, lines: int = 30) -> str:
        text = ""
        for name in ("master.out", "maillog"):
            f = self.dir / name
            text += f"--- {name}\n" + (f.read_text(errors="replace") if f.exists() else "(none)\n")
        return "\n".join(text.splitlines()[-lines:])

    def sent(self) -> int:
        """Deliveries Postfix logged as status=sent."""
        log = self.dir / "maillog"
        return log.read_text(errors="replace").count(" status=sent ") if log.exists() else 0

    def stop(self) -> None:
        try:
            if self.master is not None and self.master.poll() is None:
                self.master.send_signal(signal.SIGTERM)  # what `postfix stop` does; master stops its children
                try:
                    self.master.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    pass
            if self.master is not None:
                try:
                    os.killpg(self.master.pid, signal.SIGKILL)  # anything of this instance still there
                except ProcessLookupError:
                    pass
                try:
                    self.master.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
                deadline = time.monotonic() + 10  # daemons that outlived master exit (init reaps them)
                while time.monotonic() < deadline:
                    try:
                        os.killpg(self.master.pid, 0)
                    except ProcessLookupError:
                        break
                    time.sleep(0.05)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "PostfixInstance":
        try:
            self.setup()
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def postfix_relay(mxlab, args) -> dict:
    sink = sink_host(mxlab)
    try:
        with PostfixInstance(sink.port) as postfix:
            t0 = time.perf_counter()
            smtp_source("127.0.0.1", postfix.port, args)
            accept_s = time.perf_counter() - t0
            try:
                sink.wait_for_transactions(args.messages, timeout=DEADLINE_S)
            except Exception as e:
                raise RuntimeError(f"Postfix relay: {e}\n{postfix.log_tail()}") from None
            total_s = time.perf_counter() - t0
            received = sink.transactions()
            assert len(received) == args.messages, (len(received), args.messages)
            assert all(t.mail_from == "bench@origin.test" for t in received)
            logged = _wait_value(postfix.sent, args.messages, timeout=10)
    finally:
        sink.stop()
    return {"relay": "postfix", "messages": args.messages, "accept_seconds": accept_s, "total_seconds": total_s,
            "relayed_per_s": args.messages / total_s, "accepted_per_s": args.messages / accept_s,
            "logged_sent": logged}


def _wait_value(read, want: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while (got := read()) < want and time.monotonic() < deadline:
        time.sleep(0.05)
    return got


def mtad_relay(args) -> dict:
    out = subprocess.run([str(BIN / "relay_bench"), "--messages", str(args.messages), "--senders", str(args.senders),
                          "--size", str(args.size), "--smtp-source", str(SMTP_SOURCE)],
                         capture_output=True, text=True, timeout=DEADLINE_S + 60, check=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    if r["failures"]:
        raise RuntimeError(f"relay_bench: {r['failures']} failure(s): {r}")
    return {"relay": "mtad", "messages": args.messages, "accept_seconds": r["accept_seconds"],
            "total_seconds": r["total_seconds"], "relayed_per_s": r["relayed_per_s"],
            "accepted_per_s": r["accepted_per_s"]}


def ceiling_smtp_sink(args) -> float:
    """smtp-source straight into Postfix smtp-sink: what loopback SMTP does with no relay at all."""
    port = free_port(SINK_ADDRESS)
    as_root = ["-u", "nobody"] if os.geteuid() == 0 else []  # smtp-sink refuses to run as root
    sink = subprocess.Popen([str(SMTP_SINK), *as_root, f"{SINK_ADDRESS}:{port}", "256"], env=PEER_ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(SINK_ADDRESS, port, sink)
        t0 = time.perf_counter()
        smtp_source(SINK_ADDRESS, port, args)
        return args.messages / (time.perf_counter() - t0)
    finally:
        sink.terminate()
        sink.wait(timeout=10)


def ceiling_fakemx(mxlab, args) -> float:
    """smtp-source straight into the fakemx sink both relays deliver to."""
    sink = sink_host(mxlab)
    try:
        t0 = time.perf_counter()
        smtp_source(SINK_ADDRESS, sink.port, args)
        sink.wait_for_transactions(args.messages, timeout=DEADLINE_S)
        return args.messages / (time.perf_counter() - t0)
    finally:
        sink.stop()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--messages", type=int, default=2000)
    p.add_argument("--senders", type=int, default=20)
    p.add_argument("--size", type=int, default=10240)
    p.add_argument("--runs", type=int, default=1, help="interleaved Postfix/mtad pairs; the table shows medians")
    p.add_argument("--json", action="store_true", help="one JSON line instead of the table")
    args = p.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the teardowns on `kill` too
    subprocess.run(["bash", str(ROOT / "scripts/install-bench-tools.sh"), str(PEERS), "--postfix-user"], check=True,
                   stdout=subprocess.DEVNULL)
    if os.geteuid() != 0:
        print("postfix_relay: skipped: Postfix's master must be started as root", file=sys.stderr)
        return 0
    for name, lookup in (("user postfix", pwd.getpwnam), ("group postdrop", grp.getgrnam)):
        try:
            lookup(name.split()[1])
        except KeyError:
            print(f"postfix_relay: no {name}: see scripts/install-bench-tools.sh --postfix-user", file=sys.stderr)
            return 1
    sys.path.insert(0, str(BUILD / "python"))
    import mxlab  # noqa: E402

    postfix_runs, mtad_runs = [], []
    for _ in range(args.runs):  # interleaved, so both see the same machine load
        postfix_runs.append(postfix_relay(mxlab, args))
        mtad_runs.append(mtad_relay(args))
    ceilings = {"smtp-sink": ceiling_smtp_sink(args), "fakemx": ceiling_fakemx(mxlab, args)}
    pf = statistics.median(r["relayed_per_s"] for r in postfix_runs)
    ours = statistics.median(r["relayed_per_s"] for r in mtad_runs)
    if args.json:
        print(json.dumps({"postfix": postfix_runs, "mtad": mtad_runs, "ceilings": ceilings,
                          "ratio_mtad_vs_postfix": ours / pf}))
        return 0
    med = "median of " + str(args.runs) + ", " if args.runs > 1 else ""
    print(f"\n{args.messages} messages of {args.size} bytes, smtp-source with {args.senders} sessions, one "
          f"connection per message; relayed = received by the sink ({med}wall time from first submission)\n")
    print("| measurement | msg/s | comparison |\n|---|---|---|")
    print(f"| Postfix relay (fsynced queue, default concurrency) | {pf:.0f} | the peer |")
    print(f"| mtad relay (fsynced spool) | {ours:.0f} | {ours / pf:.2f}x Postfix (target 2x) |")
    print(f"| ceiling: smtp-source -> Postfix smtp-sink, no relay | {ceilings['smtp-sink']:.0f} | |")
    print(f"| ceiling: smtp-source -> fakemx sink, no relay | {ceilings['fakemx']:.0f} | |")
    if args.runs > 1:
        print("\nper run, Postfix / mtad msg/s: " + ", ".join(
            f"{a['relayed_per_s']:.0f} / {b['relayed_per_s']:.0f}" for a, b in zip(postfix_runs, mtad_runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
