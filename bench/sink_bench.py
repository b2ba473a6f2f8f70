#!/usr/bin/env python3
"""Sink benchmark (issue 3): fakemx as a receiving MX against Postfix smtp-sink and aiosmtpd, all
loaded by Postfix's smtp-source in the same run (20 sessions, 10,000 messages of 10 KB, one
connection per message, smtp-source's default). For each server: messages accepted per second
and the CPU time the server process spent per message (utime + stime from /proc/<pid>/stat,
read before and after the load), split into user and kernel time. fakemx runs `fakemx serve`
with recording on (every session and transaction kept in memory), as tests use it.

A fourth row, floor_sink (bench/floor_sink.cpp), is the least any server can do: one thread,
epoll, a fixed reply per line, nothing parsed or kept. Its kernel time is what TCP on loopback
charges a server per message, whatever the server. The last row is fakemx keeping only counts
(`recording: counts`, as a long-running load sink would): the cost of the recording itself.

The servers run in turn, --repeat rounds (default 3, interleaved, a fresh process each time);
the table shows each figure's median and its range.

  bench/sink_bench.py [--messages N] [--sessions N] [--size BYTES] [--repeat N] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

from bench_common import BUILD, PEER_ENV, PEERS, ROOT, SMTP_SINK, SMTP_SOURCE, free_port, wait_listening

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(utime, stime) of the process (all its threads), in seconds."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) / TICK, int(fields[12]) / TICK


def peak_rss_kb(pid: int) -> int:
    """The process's peak resident set (VmHWM), in KiB: what keeping the run's recording costs."""
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def fakemx(address: str, workdir: pathlib.Path, recording: str = "full") -> tuple[subprocess.Popen, int]:
    """`fakemx serve` with one host; it prints "mx NAME ADDRESS:PORT" once listening."""
    scenario = workdir / "sink.yaml"
    scenario.write_text(f"name: sink\nhosts:\n  sink.bench.test:\n    address: {address}\n    recording: {recording}\n")
    proc = subprocess.Popen([str(BUILD / "bin/fakemx"), "serve", str(scenario)], stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.startswith("mx "):
            return proc, int(line.split()[2].rsplit(":", 1)[1])
    raise RuntimeError("fakemx serve exited before listening")


def fakemx_counts(address: str, workdir: pathlib.Path) -> tuple[subprocess.Popen, int]:
    return fakemx(address, workdir, "counts")


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


def floor_sink(address: str, workdir: pathlib.Path) -> tuple[subprocess.Popen, int]:
    port = free_port(address)
    return subprocess.Popen([str(BUILD / "bin/floor_sink"), address, str(port)]), port


def measure(name: str, start, address: str, args) -> dict:
    with tempfile.TemporaryDirectory() as d:
        proc, port = start(address, pathlib.Path(d))
        try:
            wait_listening(address, port, proc)
            (user0, sys0), t0 = cpu_seconds(proc.pid), time.perf_counter()
            subprocess.run([str(SMTP_SOURCE), "-s", str(args.sessions), "-m", str(args.messages), "-l",
                            str(args.size), "-f", "bench@origin.test", "-t", "user@bench.test",
                            f"{address}:{port}"], env=PEER_ENV, check=True, timeout=900)
            wall = time.perf_counter() - t0
            user1, sys1 = cpu_seconds(proc.pid)
            peak_kb = peak_rss_kb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    per_msg = 1e6 / args.messages
    return {"server": name, "msg_per_s": args.messages / wall, "wall_s": wall,
            "cpu_us_per_msg": (user1 - user0 + sys1 - sys0) * per_msg,
            "user_us_per_msg": (user1 - user0) * per_msg, "kernel_us_per_msg": (sys1 - sys0) * per_msg,
            "peak_rss_mb": peak_kb / 1024}


FIGURES = ("msg_per_s", "cpu_us_per_msg", "user_us_per_msg", "kernel_us_per_msg", "peak_rss_mb")


def summarise(name: str, runs: list[dict]) -> dict:
    """Median of each figure over the rounds, with its range."""
    out = {"server": name, "runs": runs}
    for f in FIGURES:
        values = [r[f] for r in runs]
        out[f] = statistics.median(values)
        out[f + "_range"] = [min(values), max(values)]
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--messages", type=int, default=10000)
    p.add_argument("--sessions", type=int, default=20)
    p.add_argument("--size", type=int, default=10240)
    p.add_argument("--repeat", type=int, default=3, help="rounds; each figure is the median")
    p.add_argument("--json", action="store_true", help="one JSON line instead of the table")
    args = p.parse_args()
    subprocess.run(["bash", str(ROOT / "scripts/install-bench-tools.sh"), str(PEERS)], check=True,
                   stdout=subprocess.DEVNULL)
    servers = [("fakemx", fakemx, "127.0.0.41"), ("Postfix smtp-sink", smtp_sink, "127.0.0.42"),
               ("aiosmtpd", aiosmtpd, "127.0.0.43"), ("floor_sink (reference)", floor_sink, "127.0.0.44"),
               ("fakemx, recording: counts", fakemx_counts, "127.0.0.45")]
    runs: dict[str, list[dict]] = {name: [] for name, _, _ in servers}
    for _ in range(args.repeat):
        for name, start, address in servers:
            runs[name].append(measure(name, start, address, args))
    results = [summarise(name, runs[name]) for name, _, _ in servers]
    ours, sink, aio, floor, _ = results
    ratios = {"rate_vs_smtp_sink": ours["msg_per_s"] / sink["msg_per_s"],
              "cpu_vs_smtp_sink": ours["cpu_us_per_msg"] / sink["cpu_us_per_msg"],
              "cpu_vs_aiosmtpd": ours["cpu_us_per_msg"] / aio["cpu_us_per_msg"],
              "floor_cpu_vs_aiosmtpd": floor["cpu_us_per_msg"] / aio["cpu_us_per_msg"]}
    if args.json:
        print(json.dumps({"results": results, "ratios": ratios}))
        return 0
    print(f"\n{args.messages} messages of {args.size} bytes, smtp-source with {args.sessions} sessions, "
          f"median of {args.repeat} rounds (range)\n")
    print("| server | msg/s | CPU µs per message | user µs | kernel µs | peak RSS MB |\n|---|---|---|---|---|---|")

    def cell(r: dict, f: str) -> str:
        lo, hi = r[f + "_range"]
        return f"{r[f]:.0f} ({lo:.0f}-{hi:.0f})" if args.repeat > 1 else f"{r[f]:.0f}"
    for r in results:
        print(f"| {r['server']} | " + " | ".join(cell(r, f) for f in FIGURES) + " |")
    print(f"\nfakemx: {ratios['rate_vs_smtp_sink']:.2f}x smtp-sink's rate, "
          f"{ratios['cpu_vs_smtp_sink']:.2f}x its CPU per message, {ratios['cpu_vs_aiosmtpd']:.3f}x aiosmtpd's; "
          f"floor_sink: {ratios['floor_cpu_vs_aiosmtpd']:.3f}x aiosmtpd's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
