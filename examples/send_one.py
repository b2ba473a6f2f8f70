#!/usr/bin/env python3
# Runnable example: starts a fake DNS, one fake MX and an in-process MTA, submits one message
# and prints what the MTA logged and what the MX received. Run with the mxlab package importable.
import tempfile

import mxlab

MESSAGE = b"From: alice@source.test\r\nTo: bob@example.com\r\nSubject: hello\r\n\r\nHello from mxlab.\r\n"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="mxlab-") as workdir, mxlab.Topology(workdir) as topo:
        mx = topo.add_mx("mx1.example.com")
        topo.route("example.com", "mx1.example.com")
        mta = topo.start_mta({"retry": {"initial_interval": "1s"}})
        print(f"MTA listening on 127.0.0.1:{mta.smtp_port()}, MX {mx.name} on {mx.address}:{mx.port}, "
              f"DNS at {topo.nameserver}")

        result = topo.send("alice@source.test", ["bob@example.com"], MESSAGE)
        print(f"submission: {result.final_reply.summary()}")

        topo.wait_for_delivery(timeout=10)
        for record in mta.log_records():
            print(f"log: {record.type.name:<16} <{record.recipient}> {record.response.code} "
                  f"{record.response.content} via {record.peer_address.addr or '-'}")
        for tx in mx.transactions():
            print(f"{tx.host} received from <{tx.mail_from}> for {tx.rcpt_to}: {len(tx.data)} bytes")


if __name__ == "__main__":
    main()
