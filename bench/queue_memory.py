#!/usr/bin/env python3
"""Memory per queued message: N one-recipient messages injected over HTTP (POST /api/inject/v1,
one request per 1,000 recipients) into the real mtad daemon (build/bin/mtad, a subprocess) whose
destination is suspended, so everything stays queued. Reports the growth of mtad's resident set
(VmRSS) and its peak (VmHWM) divided by N. The spool is RocksDB with sync off (memory, not fsync,
is measured; RocksDB's memtables and block cache count against mtad here). An in-process MTA
would also count the Python harness's copy of every log record, which mtad does not keep.

    PYTHONPATH=build/python python3 bench/queue_memory.py [N]
"""
import json
import os
import pathlib
import sys
import tempfile
import time
import urllib.request

import mxlab

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
BATCH = 1000
DOMAIN = "example.com"


def status_kib(key: str, pid: int) -> int:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def post(port: int, path: str, body: dict) -> dict:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.loads(resp.read())


def get(port: int, path: str) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as resp:
        return json.loads(resp.read())


def main() -> None:
    build = pathlib.Path(os.environ.get("MXLAB_BUILD_DIR", pathlib.Path(__file__).resolve().parents[1] / "build"))
    with tempfile.TemporaryDirectory() as tmp, mxlab.Topology(tmp) as topo:
        topo.add_mx("mx1.example.com")
        topo.route(DOMAIN, "mx1.example.com")
        config, _ = topo.write_mtad_config({"spool": {"sync": False}, "log": {"path": ""}})
        with mxlab.Mtad(build / "bin" / "mtad", config) as mtad:
            pid, port = mtad.process.pid, mtad.admin_port
            post(port, "/api/admin/suspend/v1", {"domain": DOMAIN, "reason": "bench", "duration": "1h"})
            content = "From: <bench@source.test>\r\nSubject: queued\r\n\r\n" + "x" * 200 + "\r\n"
            base = status_kib("VmRSS", pid)
            started = time.monotonic()
            for first in range(0, N, BATCH):
                rcpts = [{"email": f"u{i}@{DOMAIN}"} for i in range(first, min(N, first + BATCH))]
                reply = post(port, "/api/inject/v1", {"envelope_sender": "bench@source.test", "recipients": rcpts,
                                                      "content": content})
                assert reply["success_count"] == len(rcpts), reply
            queued = get(port, "/api/admin/show-stats/v1")["scheduler.message"]
            elapsed = time.monotonic() - started
            rss, peak = status_kib("VmRSS", pid), status_kib("VmHWM", pid)
        print(json.dumps({"messages": N, "queued": queued, "inject_seconds": round(elapsed, 1),
                          "rss_growth_bytes_per_message": round((rss - base) * 1024 / N),
                          "peak_rss_mib": round(peak / 1024, 1), "base_rss_mib": round(base / 1024, 1)}))


if __name__ == "__main__":
    main()
