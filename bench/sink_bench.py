#!/usr/bin/env python3
"""Sink benchmark (issue 3): fakemx as a receiving MX against Postfix smtp-sink and aiosmtpd, all
loaded by Postfix's smtp-source in the same run (20 sessions, 10,000 messages of 10 KB, one
connection per message, smtp-source's default). For each server: messages accepted per second
and the CPU time the server process spent per message (utime + stime from /proc/<pid>/stat,
read before and after the load). fakemx runs `fakemx serve` with recording on (every session
and transaction kept in memory), as tests use it.

  bench/sink_bench.py [--messages N] [--sessions N] [--size BYTES] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUILD = pathlib.Path(os.environ.get("MXLAB_BUILD_DIR", ROOT / "build"))
PEERS = BUILD / "peers"
SMTP_SOURCE = PEERS / "usr/sbin/smtp-source"
SMTP_SINK = PEERS / "usr/sbin/smtp-sink"
PEER_ENV = dict(os.environ, LD_LIBRARY_PATH=str(PEERS / "usr/lib/postfix"))
TICK = os.sysconf("SC_CLK_TCK")


def free_port(address: str) -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process (all its threads)."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def wait_listening(address: str, port: int, proc: subprocess.Popen, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((address, port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"{proc.args[0]} did not start listening on {address}:{port}")
            time.sleep(0.02)


def fakemx(address: str, workdir: pathlib.Path) -> tuple[subprocess.Popen, int]:
    """`fakemx serve` with one host; it prints "mx NAME ADDRESS:PORT" once listening."""
    scenario = workdir / "sink.yaml"
    scenario.write_text(f"name: sink\nhosts:\n  sink.bench.test:\n    address: {address}\n")
    proc = subprocess.Popen([str(BUILD / "bin/fakemx"), "serve", str(scenario)], stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.startswith("mx "):
            return proc, int(line.split()[2].rsplit(":", 1)[1])
    raise RuntimeError("fakemx serve exited before listening")


def smtp_sink(address: str, workdir: pathlib.Path) -> tuple[subprocess.Popen, int]:
    port = free_port(address)
    as_root = ["-u", "nobody"] if os.geteuid() == 0 else []  # smtp-sink refuses to run as root
    return subprocess.Popen([str(SMTP_SINK), *as_root, f"{address}:{port}", "256"], env=PEER_ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), port


def aiosmtpd(address: str, workdir: pathlib.Path) -> tuple[subprocess.Popen, int]:
    port = free_port(address)
    return subprocess.Popen(["/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", f"{address}:{port}",
                             "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL), port


def measure(name: str, start, address: str, args) -> dict:
    with tempfile.TemporaryDirectory() as d:
        proc, port = start(address, pathlib.Path(d))
        try:
            wait_listening(address, port, proc)
            cpu0, t0 = cpu_seconds(proc.pid), time.perf_counter()
            subprocess.run([str(SMTP_SOURCE), "-s", str(args.sessions), "-m", str(args.messages), "-l",
                            str(args.size), "-f", "bench@origin.test", "-t", "user@bench.test",
                            f"{address}:{port}"], env=PEER_ENV, check=True, timeout=900)
            wall, cpu = time.perf_counter() - t0, cpu_seconds(proc.pid) - cpu0
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return {"server": name, "msg_per_s": args.messages / wall, "cpu_us_per_msg": cpu * 1e6 / args.messages,
            "wall_s": wall, "cpu_s": cpu}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--messages", type=int, default=10000)
    p.add_argument("--sessions", type=int, default=20)
    p.add_argument("--size", type=int, default=10240)
    p.add_argument("--json", action="store_true", help="one JSON line instead of the table")
    args = p.parse_args()
    subprocess.run(["bash", str(ROOT / "scripts/install-bench-tools.sh"), str(PEERS)], check=True,
                   stdout=subprocess.DEVNULL)
    results = [measure("fakemx", fakemx, "127.0.0.41", args),
               measure("Postfix smtp-sink", smtp_sink, "127.0.0.42", args),
               measure("aiosmtpd", aiosmtpd, "127.0.0.43", args)]
    ours, sink, aio = results
    ratios = {"rate_vs_smtp_sink": ours["msg_per_s"] / sink["msg_per_s"],
              "cpu_vs_smtp_sink": ours["cpu_us_per_msg"] / sink["cpu_us_per_msg"],
              "cpu_vs_aiosmtpd": ours["cpu_us_per_msg"] / aio["cpu_us_per_msg"]}
    if args.json:
        print(json.dumps({"results": results, "ratios": ratios}))
        return 0
    print(f"\n{args.messages} messages of {args.size} bytes, smtp-source with {args.sessions} sessions\n")
    print("| server | msg/s | CPU µs per message |\n|---|---|---|")
    for r in results:
        print(f"| {r['server']} | {r['msg_per_s']:.0f} | {r['cpu_us_per_msg']:.0f} |")
    print(f"\nfakemx: {ratios['rate_vs_smtp_sink']:.2f}x smtp-sink's rate, "
          f"{ratios['cpu_vs_smtp_sink']:.2f}x its CPU per message, {ratios['cpu_vs_aiosmtpd']:.3f}x aiosmtpd's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
