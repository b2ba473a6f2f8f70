#!/usr/bin/env python3
"""`make bench-fixture`: what one test's topology costs. Fake DNS + 3 MX + mtad, deliver one
message, tear everything down; the median of RUNS cycles, three ways:

  in-process, spool on tmpfs   what the mxlab_topology fixture does (mxlab_spool_root)
  in-process, spool on disk    the same topology with its spool under the build directory
  separate processes           `fakemx serve` + the mtad binary, as KumoMTA's integration tests
                               run a source and a sink daemon per test

Prints a Markdown table (docs/BENCHMARKS.md) and one JSON line with the figures.
"""
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUILD = pathlib.Path(os.environ.get("MXLAB_BUILD_DIR", ROOT / "build")).resolve()
BIN = BUILD / "bin"
sys.path.insert(0, str(BUILD / "python"))
import mxlab  # noqa: E402
from mxlab.topology import spool_parent  # noqa: E402

RUNS = int(os.environ.get("RUNS", "20"))
MESSAGE = b"Subject: bench\r\n\r\nhello\r\n"
MX_NAMES = ("mx1.example.com", "mx2.example.com", "mx3.example.com")
SERVE_ZONE = """\
dns:
  example.com: ["MX 10 mx1.example.com", "MX 20 mx2.example.com", "MX 30 mx3.example.com"]
  mx1.example.com: "A 127.0.0.2"
  mx2.example.com: "A 127.0.0.3"
  mx3.example.com: "A 127.0.0.4"
hosts:
  mx1.example.com: {address: 127.0.0.2}
  mx2.example.com: {address: 127.0.0.3}
  mx3.example.com: {address: 127.0.0.4}
"""


def in_process_cycle(parent: pathlib.Path) -> float:
    """One cycle of the fixture's work; returns milliseconds."""
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="mxlab-bench-", dir=parent))
    try:
        t0 = time.perf_counter()
        with mxlab.Topology(workdir) as topo:
            for name in MX_NAMES:
                topo.add_mx(name)
            topo.route("example.com", *MX_NAMES)
            topo.start_mta()
            topo.send("a@origin.test", ["b@example.com"], MESSAGE)
            topo.wait_for_delivery(timeout=10)
        return (time.perf_counter() - t0) * 1000
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def read_line(proc: subprocess.Popen, pattern: str, what: str) -> re.Match:
    """Reads the child's stdout until a line matches (the child exits or prints within 10 s)."""
    for line in proc.stdout:
        m = re.search(pattern, line)
        if m:
            return m
    raise RuntimeError(f"{what} exited before printing {pattern!r}")


def separate_process_cycle(parent: pathlib.Path) -> float:
    """fakemx serve + mtad as processes; delivery observed through fakemx's control API wait."""
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="mxlab-bench-", dir=parent))
    procs = []
    try:
        scenario = workdir / "serve.yaml"
        scenario.write_text(SERVE_ZONE)
        t0 = time.perf_counter()
        fakemx = subprocess.Popen([str(BIN / "fakemx"), "serve", str(scenario)], stdout=subprocess.PIPE, text=True)
        procs.append(fakemx)
        dns = read_line(fakemx, r"^dns (\S+)", "fakemx")[1]
        mx_port = read_line(fakemx, r"^mx \S+ \S+:(\d+)", "fakemx")[1]
        control = read_line(fakemx, r"^control (http://\S+)/api/fakemx/v1/", "fakemx")[1]
        config = workdir / "mtad.yaml"
        config.write_text(f"hostname: mta.mxlab.test\nspool: {{path: {workdir}/spool}}\n"
                          f"listeners: [{{address: 127.0.0.1, port: 0}}]\nadmin: {{port: 0}}\n"
                          f"resolver: {{nameservers: ['{dns}']}}\ndelivery: {{port: {mx_port}}}\n")
        mtad = subprocess.Popen([str(BIN / "mtad"), "--config", str(config)], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        procs.append(mtad)
        smtp_port = int(read_line(mtad, r"listening smtp=\S+:(\d+)", "mtad")[1])
        result = mxlab.send_message("127.0.0.1", smtp_port, "a@origin.test", ["b@example.com"], MESSAGE)
        assert result.accepted, result
        with urllib.request.urlopen(f"{control}/api/fakemx/v1/wait?host=mx1.example.com&count=1&timeout=10s",
                                    timeout=15) as reply:
            assert reply.status == 200
        for p in reversed(procs):
            p.terminate()
            p.wait(timeout=10)
        return (time.perf_counter() - t0) * 1000
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def median_ms(cycle, parent: pathlib.Path) -> float:
    cycle(parent)  # warm-up: first imports, page cache
    return statistics.median(cycle(parent) for _ in range(RUNS))


def main() -> int:
    tmpfs = spool_parent() or pathlib.Path(tempfile.gettempdir())
    disk = BUILD / "bench-spool"
    disk.mkdir(exist_ok=True)
    rows = {
        "in_process_tmpfs_ms": median_ms(in_process_cycle, tmpfs),
        "in_process_disk_ms": median_ms(in_process_cycle, disk),
        "separate_processes_ms": median_ms(separate_process_cycle, tmpfs),
    }
    print(f"\nfake DNS + 3 MX + mtad, deliver one message, tear down (median of {RUNS}; spool parent {tmpfs})\n")
    print("| setup | median |\n|---|---|")
    print(f"| in-process, spool on tmpfs (mxlab_topology) | {rows['in_process_tmpfs_ms']:.1f} ms |")
    print(f"| in-process, spool on disk ({disk}) | {rows['in_process_disk_ms']:.1f} ms |")
    print(f"| separate processes: fakemx serve + mtad | {rows['separate_processes_ms']:.1f} ms |")
    print(json.dumps({k: round(v, 1) for k, v in rows.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
