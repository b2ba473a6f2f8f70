#!/usr/bin/env python3
# `make demo`: a small topology in a few seconds. Fake DNS, two fake MX hosts for example.com
# where the first defers (421 at the greeting twice, then greylisting once), and a third
# domain whose only MX keeps answering 451, so one message stays queued. Then kcli shows it.
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import mxlab

ROOT = pathlib.Path(__file__).resolve().parents[1]
KCLI = pathlib.Path(os.environ.get("MXLAB_BUILD_DIR", ROOT / "build")) / "bin" / "kcli"


def message(sender: str, rcpt: str, n: int) -> bytes:
    return (f"From: <{sender}>\r\nTo: <{rcpt}>\r\nSubject: demo {n}\r\nMessage-ID: <demo-{n}@mxlab.test>\r\n\r\n"
            f"Demo message {n}.\r\n.A line that starts with a dot survives.\r\n").encode()


def show_log(mta, started: float) -> None:
    print(f"\n{'t+ms':>6}  {'record':<16} {'recipient':<22} reply")
    for r in mta.log_records():
        at = r.peer_address.name if r.type.name != "Reception" else "mtad"
        ms = (r.timestamp.timestamp() - started) * 1000 if hasattr(r.timestamp, "timestamp") else 0
        print(f"{ms:6.0f}  {r.type.name:<16} {r.recipient:<22} {r.response.code} {r.response.content} [{at}]")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="mxlab-demo-") as workdir, mxlab.Topology(workdir) as topo:
        mx1 = topo.add_mx("mx1.example.com", rules=[
            mxlab.Rule.reply("connect", "421 4.3.2 mx1 is busy, try another", times=2),
            mxlab.Rule.reply("rcpt", "451 4.7.1 greylisted, come back later", times=1),
        ])
        mx2 = topo.add_mx("mx2.example.com")
        stuck = topo.add_mx("mx.stuck.test", rules=[mxlab.Rule.reply("rcpt", "451 4.3.0 mailbox busy")])
        topo.route("example.com", "mx1.example.com", "mx2.example.com")
        topo.route("stuck.test", "mx.stuck.test")
        mta = topo.start_mta({"retry": {"initial_interval": "300ms", "max_interval": "5s"}})
        print("topology:")
        print(f"  fake DNS        {topo.nameserver}")
        for mx in (mx1, mx2, stuck):
            print(f"  fake MX         {mx.name:<17} {mx.address}:{mx.port}")
        print(f"  mtad            smtp 127.0.0.1:{mta.smtp_port()}  admin http://127.0.0.1:{mta.admin_port}")

        started = time.time()
        recipients = ["bob@example.com", "carol@example.com", "dave@example.com", "erin@stuck.test"]
        print("\nsubmitting:")
        for n, rcpt in enumerate(recipients, 1):
            result = topo.send("alice@origin.test", [rcpt], message("alice@origin.test", rcpt, n))
            print(f"  <{rcpt}>: {result.final_reply.summary()}")

        topo.wait_for_delivery(count=3, timeout=15)
        mta.wait_for_log("TransientFailure", 3, 15.0)
        show_log(mta, started)

        print("\nreceived by the fake MX hosts:")
        for mx in (mx1, mx2, stuck):
            for tx in mx.transactions():
                print(f"  {mx.name:<17} <{tx.mail_from}> -> {', '.join(tx.rcpt_to)} ({len(tx.data)} bytes)")

        print(f"\nkcli --endpoint http://127.0.0.1:{mta.admin_port} queue-summary")
        out = subprocess.run([str(KCLI), "--endpoint", f"http://127.0.0.1:{mta.admin_port}", "queue-summary"],
                             capture_output=True, text=True, timeout=30)
        print(out.stdout + out.stderr)
        return out.returncode


if __name__ == "__main__":
    sys.exit(main())
