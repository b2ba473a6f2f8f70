#!/usr/bin/env python3
"""Trace load and drop testing: `fakemx blast` drives an in-process MTA (relaying into a fake MX)
at a chosen rate while trace subscribers consume at chosen speeds, then prints produced / delivered / dropped /
filtered per subscriber and checks produced == delivered + dropped + filtered exactly.

    PYTHONPATH=build/python python3 bench/trace_load.py --messages 500 --rate 200 \
        --subscriber fast:0 --subscriber slow:0.01 --subscriber stalled:inf --capacity 256

A subscriber ``name:delay`` takes one event every ``delay`` seconds (0 = as fast as it can,
inf = never). ``--filter domain=example.com`` applies to every subscriber. Exit status 1 when an
identity fails or mail was lost.
"""
import argparse
import math
import sys
import tempfile
import threading
import time

from mxlab import Topology, _core, trace



def consume(t: trace.Trace, delay: float, stop: threading.Event) -> None:
    if math.isinf(delay):
        stop.wait()
        return
    while not stop.is_set():
        if t.next(0.1) is not None and delay > 0:
            time.sleep(delay)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=300)
    ap.add_argument("--rate", type=float, default=100.0, help="messages per second submitted (0 = as fast as possible)")
    ap.add_argument("--senders", type=int, default=4, help="concurrent SMTP connections")
    ap.add_argument("--size", type=int, default=2048, help="message size in bytes")
    ap.add_argument("--direction", choices=("client", "server"), default="client")
    ap.add_argument("--capacity", type=int, default=4096)
    ap.add_argument("--subscriber", action="append", default=[], metavar="NAME:DELAY")
    ap.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args()
    specs = [s.split(":", 1) for s in (args.subscriber or ["fast:0", "stalled:inf"])]
    filters: dict[str, list[str]] = {}
    for f in args.filter:
        key, value = f.split("=", 1)
        filters.setdefault(key, []).append(value)

    with tempfile.TemporaryDirectory() as tmp, Topology(tmp) as topo:
        topo.add_mx("mx1.example.com")
        topo.route("example.com", "mx1.example.com")
        mta = topo.start_mta()
        stop = threading.Event()
        subs = [(name, trace.subscribe(mta, args.direction, capacity=args.capacity, name=name, **filters))
                for name, _ in specs]
        threads = [threading.Thread(target=consume, args=(t, float(d), stop), daemon=True)
                   for (_, t), (_, d) in zip(subs, specs)]
        for th in threads:
            th.start()
        t0 = time.perf_counter()
        load = _core.blast("127.0.0.1", mta.smtp_port(), connections=args.senders, messages=args.messages,
                           per_connection=10, size=args.size, rate=args.rate, starttls=False,
                           rcpt_to="user{n}@example.com")
        if load["accepted"] != args.messages:
            print(f"blast: only {load['accepted']} of {args.messages} accepted: {load}")
            return 1
        topo.wait_for_delivery(args.messages, timeout=120)
        elapsed = time.perf_counter() - t0
        stop.set()
        for th in threads:
            th.join(timeout=5)
        ok = True
        print(f"relayed {args.messages} messages in {elapsed:.2f}s ({args.messages / elapsed:.1f}/s); "
              f"{mta.trace_hub.totals(args.direction)['produced']} {args.direction} events built")
        print(f"{'SUBSCRIBER':<12} {'PRODUCED':>9} {'DELIVERED':>9} {'DROPPED':>8} {'FILTERED':>8} {'NOTICES':>7}  IDENTITY")
        for name, t in subs:
            c = t.close()
            holds = c["produced"] == c["delivered"] + c["dropped"] + c["filtered"] and c["queued"] == 0
            ok &= holds
            print(f"{name:<12} {c['produced']:>9} {c['delivered']:>9} {c['dropped']:>8} {c['filtered']:>8} "
                  f"{c['notices']:>7}  {'ok' if holds else 'BROKEN'}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
