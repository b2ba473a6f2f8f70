#!/usr/bin/env python3
"""A load burst through mtad with exact accounting: N messages from C concurrent senders into
an in-process mtad relaying to three fake MX hosts (the first defers 20% of RCPTs at random).
Every message must be delivered exactly once: the Delivery records, the transactions the hosts
recorded and the message ids must all agree, and the queue must drain. Prints the rate.

    PYTHONPATH=build/python python3 examples/load_burst.py [MESSAGES] [SENDERS]
"""
import concurrent.futures
import sys
import tempfile
import time

import mxlab

MX = ("mx1.burst.test", "mx2.burst.test", "mx3.burst.test")


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    senders = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    with tempfile.TemporaryDirectory(prefix="mxlab-burst-", dir=mxlab.topology.spool_parent()) as d, \
            mxlab.Topology(d) as topo:
        topo.add_mx(MX[0], rules=[mxlab.Rule.reply("rcpt", "451 4.7.0 slow down", probability=0.2)],
                    behaviour=mxlab.BehaviourOptions(seed=5))
        for name in MX[1:]:
            topo.add_mx(name)
        topo.route("burst.test", *MX)
        topo.start_mta({"retry": {"initial_interval": "100ms", "max_interval": "300ms"}})

        def submit(n: int) -> None:
            body = f"Subject: burst {n}\r\nMessage-ID: <burst-{n}@origin.test>\r\n\r\nmessage {n}\r\n"
            topo.send("load@origin.test", [f"user{n}@burst.test"], body)

        t0 = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(senders) as pool:
            list(pool.map(submit, range(count)))
        accepted = time.perf_counter() - t0
        deliveries = topo.wait_for_delivery(count, timeout=60)
        elapsed = time.perf_counter() - t0

        received = [tx for name in MX for tx in topo.mx(name).transactions()]
        ids = sorted(int(tx.data.split(b"Message-ID: <burst-")[1].split(b"@")[0]) for tx in received)
        deferrals = topo.mtas[0].log_records("TransientFailure")
        print(f"{count} messages from {senders} senders: accepted in {accepted:.2f} s, delivered in {elapsed:.2f} s "
              f"({count / elapsed:.0f} msg/s), {len(deferrals)} deferrals on the way")
        per_host = {name: len(topo.mx(name).transactions()) for name in MX}
        print(f"per host: {per_host}")
        assert len(deliveries) == count, f"{len(deliveries)} Delivery records for {count} messages"
        assert ids == list(range(count)), "a message was lost or delivered twice"
        mxlab.wait_until(lambda: not topo.mtas[0].queue_snapshot(), 10, "the queue to drain")
        print("accounting holds: every message delivered exactly once, queue empty")
    return 0


if __name__ == "__main__":
    sys.exit(main())
