#!/usr/bin/env python3
"""Admin API latency with a large queue: N messages (default 100,000) are injected into a paused
in-process MTA (delivery paused, spool without fsync) with Postfix's smtp-source, then
queue-summary, show-queue, qshape and sessions are timed, both as the raw HTTP call and as the
real kcli command (process start included); median of 5 each. Prints a markdown table.

    PYTHONPATH=build/python python3 bench/admin_queue.py [--messages 100000]
"""
import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUILD = pathlib.Path(os.environ.get("MXLAB_BUILD_DIR", ROOT / "build"))
PEERS = BUILD / "peers"
SMTP_SOURCE = PEERS / "usr/sbin/smtp-source"
PEER_ENV = dict(os.environ, LD_LIBRARY_PATH=str(PEERS / "usr/lib/postfix"))
KCLI = BUILD / "bin" / "kcli"


def median_ms(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def admin_queue_rows(messages: int) -> list:
    sys.path.insert(0, str(BUILD / "python"))
    import mxlab  # noqa: E402

    if not SMTP_SOURCE.exists():
        subprocess.run(["bash", str(ROOT / "scripts/install-bench-tools.sh"), str(PEERS)], check=True)
    rows = []
    with tempfile.TemporaryDirectory() as d, mxlab.Topology(d) as topo:
        mta = topo.start_mta({"spool": {"sync": False}})
        endpoint = f"http://127.0.0.1:{mta.admin_port}"
        kcli = [str(KCLI), "--endpoint", endpoint]
        subprocess.run(kcli + ["pause", "mta"], check=True, capture_output=True)
        t0 = time.perf_counter()
        subprocess.run([str(SMTP_SOURCE), "-s", "20", "-m", str(messages), "-l", "1024", "-f", "bench@origin.test",
                        "-t", "user@bench.test", f"127.0.0.1:{mta.smtp_port()}"],
                       env=PEER_ENV, check=True, timeout=3600)
        inject_s = time.perf_counter() - t0
        deadline = time.time() + 60
        while len(mta.queue_snapshot()) < messages:  # the last 250s precede their enqueue by a hair
            if time.time() > deadline:
                raise RuntimeError("not every message was queued")
            time.sleep(0.1)
        rows.append((f"inject {messages} x 1 KB into a paused mtad (smtp-source, 20 sessions, no fsync)",
                     f"{messages / inject_s:.0f} msg/s", ""))

        def http(path):
            with urllib.request.urlopen(endpoint + path, timeout=120) as r:
                return len(r.read())

        size = http("/api/admin/show-queue/v1")
        for label, path in [("GET /metrics.json (what queue-summary reads)", "/metrics.json"),
                            ("GET /api/admin/show-queue/v1", "/api/admin/show-queue/v1"),
                            ("GET /api/admin/qshape/v1", "/api/admin/qshape/v1"),
                            ("GET /api/admin/sessions/v1", "/api/admin/sessions/v1")]:
            rows.append((label, f"{median_ms(lambda: http(path)):.0f} ms",
                         f"{size / 1e6:.0f} MB reply" if "show-queue" in path else ""))
        for args in (["queue-summary"], ["show-queue"], ["show-queue", "--json"], ["qshape"]):
            ms = median_ms(lambda: subprocess.run(kcli + args, check=True, stdout=subprocess.DEVNULL))
            rows.append((f"kcli {' '.join(args)} (process included)", f"{ms:.0f} ms", ""))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    rows = admin_queue_rows(args.messages)
    print(f"\n{args.messages} messages queued, delivery paused; median of 5\n")
    print("| measurement | result | note |\n|---|---|---|")
    for name, value, note in rows:
        print(f"| {name} | {value} | {note} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
