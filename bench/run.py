#!/usr/bin/env python3
"""`make bench`: every figure in docs/BENCHMARKS.md, each next to its real peer in the same run.

Relay throughput through mtad into a fake MX (10 KB messages, 20 concurrent senders), with our
sender and with Postfix's smtp-source; the fake MX alone against Postfix's smtp-sink under the
same smtp-source load; mtad start-up time; and the Python fixture's boot-deliver-teardown time.
Then bench/sink_bench.py, bench/postfix_relay.py (mtad vs a private Postfix relay) and the crash run.
"""
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

from bench_common import BIN, BUILD, PEER_ENV, PEERS, ROOT, SMTP_SINK, SMTP_SOURCE, free_port, wait_listening

MESSAGES, SENDERS, SIZE = 2000, 20, 10240


def relay_bench(*args: str) -> dict:
    out = subprocess.run([str(BIN / "relay_bench"), "--messages", str(MESSAGES), "--senders", str(SENDERS),
                          "--size", str(SIZE), *args], capture_output=True, text=True, timeout=600, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def trace_bench() -> list[dict]:
    """Relay with no / a fast / a stalled trace subscriber (twice each, interleaved), then the hub's event rate."""
    out = subprocess.run([str(BIN / "trace_bench"), "--messages", str(MESSAGES), "--senders", str(SENDERS),
                          "--size", str(SIZE)], capture_output=True, text=True, timeout=1800, check=True)
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def smtp_sink_rate() -> float:
    """Postfix smtp-sink receiving the same smtp-source load the fake MX gets."""
    address = "127.0.0.9"
    port = free_port(address)
    as_root = ["-u", "nobody"] if os.geteuid() == 0 else []  # smtp-sink refuses to run as root
    sink = subprocess.Popen([str(SMTP_SINK), *as_root, f"{address}:{port}", "256"], env=PEER_ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(address, port, sink, timeout=10)
        t0 = time.perf_counter()
        subprocess.run([str(SMTP_SOURCE), "-s", str(SENDERS), "-m", str(MESSAGES), "-l", str(SIZE),
                        "-f", "bench@origin.test", "-t", "user@bench.test", f"{address}:{port}"],
                       env=PEER_ENV, check=True, timeout=600)
        return MESSAGES / (time.perf_counter() - t0)
    finally:
        sink.terminate()
        sink.wait(timeout=10)


def mtad_startup_ms(runs: int = 10) -> float:
    """Time from exec to the 'listening' line, empty spool, median of `runs`."""
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as d:
            cfg = pathlib.Path(d) / "mtad.yaml"
            cfg.write_text(f"spool: {{path: {d}/spool}}\nlisteners: [{{address: 127.0.0.1, port: 0}}]\n"
                           f"admin: {{port: 0}}\nresolver: {{nameservers: ['127.0.0.1:53']}}\n")
            t0 = time.perf_counter()
            proc = subprocess.Popen([str(BIN / "mtad"), "--config", str(cfg)], stdout=subprocess.PIPE, text=True)
            line = proc.stdout.readline()
            times.append((time.perf_counter() - t0) * 1000)
            proc.terminate()
            proc.wait(timeout=10)
            assert "listening" in line, line
    return statistics.median(times)


def fixture_cycle_ms(runs: int = 10) -> float:
    """DNS + 3 MX + mtad in-process, deliver one message, tear down: median of `runs`."""
    sys.path.insert(0, str(BUILD / "python"))
    import mxlab  # noqa: E402

    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            with mxlab.Topology(d) as topo:
                for i in (1, 2, 3):
                    topo.add_mx(f"mx{i}.example.com")
                topo.route("example.com", "mx1.example.com", "mx2.example.com", "mx3.example.com")
                topo.start_mta()
                topo.send("a@origin.test", ["b@example.com"], b"Subject: bench\r\n\r\nhello\r\n")
                topo.wait_for_delivery(timeout=10)
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> int:
    subprocess.run(["bash", str(ROOT / "scripts/install-bench-tools.sh"), str(PEERS)], check=True)
    rows = []
    ours = relay_bench()
    rows.append(("mtad relay, fsync spool, our senders", f"{ours['relayed_per_s']:.0f} msg/s", ""))
    with_source = relay_bench("--smtp-source", str(SMTP_SOURCE))
    rows.append(("mtad relay, fsync spool, smtp-source load", f"{with_source['relayed_per_s']:.0f} msg/s", ""))
    nosync = relay_bench("--nosync")
    rows.append(("mtad relay, no fsync, our senders", f"{nosync['relayed_per_s']:.0f} msg/s",
                 f"fsync costs {100 * (1 - ours['relayed_per_s'] / nosync['relayed_per_s']):.0f}%"))
    sink = relay_bench("--sink-only", "--smtp-source", str(SMTP_SOURCE))
    peer = smtp_sink_rate()
    rows.append(("fakemx sink, smtp-source load", f"{sink['relayed_per_s']:.0f} msg/s",
                 f"{sink['relayed_per_s'] / peer:.2f}x Postfix smtp-sink"))
    rows.append(("Postfix smtp-sink, smtp-source load", f"{peer:.0f} msg/s", "peer"))
    rows.append(("mtad relay vs smtp-sink (same load)", "", f"{with_source['relayed_per_s'] / peer:.2f}x"))
    runs = trace_bench()
    best = {m: max(r["relayed_per_s"] for r in runs if r.get("subscriber") == m) for m in ("none", "fast", "stalled")}
    for m in ("fast", "stalled"):
        rows.append((f"mtad relay, one {m} trace subscriber (client+server)", f"{best[m]:.0f} msg/s",
                     f"{100 * (best[m] / best['none'] - 1):+.1f}% vs {best['none']:.0f} msg/s untraced"))
    rate = next(r for r in runs if r["mode"] == "event-rate")
    rows.append(("trace hub: events one subscriber receives", f"{rate['received_per_s']:.0f} events/s",
                 f"{rate['dropped']} dropped, identity {'holds' if rate['balanced'] else 'BROKEN'}"))
    rows.append(("mtad start-up, empty spool (median of 10)", f"{mtad_startup_ms():.0f} ms", ""))
    rows.append(("fixture: DNS + 3 MX + mtad, deliver 1, teardown (median of 10)", f"{fixture_cycle_ms():.0f} ms", ""))
    print(f"\n{MESSAGES} messages of {SIZE} bytes, {SENDERS} concurrent senders, one connection per message\n")
    print("| measurement | result | comparison |\n|---|---|---|")
    for name, value, note in rows:
        print(f"| {name} | {value} | {note} |")
    # fakemx as a sink vs smtp-sink and aiosmtpd (issue 3's targets).
    subprocess.run([sys.executable, str(ROOT / "bench/sink_bench.py")], check=True)
    # mtad vs a private Postfix relaying the same smtp-source load to the same sink (needs root).
    subprocess.run([sys.executable, str(ROOT / "bench/postfix_relay.py"), "--runs", "3"], check=True)
    # The 20-kill crash run.
    crash_env = dict(os.environ, MXLAB_CRASH_ROUNDS=os.environ.get("MXLAB_CRASH_ROUNDS", "20"),
                     PYTHONPATH=str(BUILD / "python"), MXLAB_BUILD_DIR=str(BUILD))
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
                    str(ROOT / "tests/python/test_crash_blast.py")], env=crash_env, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
