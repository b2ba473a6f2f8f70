"""Crash safety under load (issue 8): mtad is loaded by `fakemx blast`, SIGKILLed at random
moments, restarted on the same spool, again and again; a final mtad drains the queue. Every
message mtad answered 250 must reach the fake MX; a message may arrive twice only when the kill
caught it in flight (its attempt running, or its end not yet durable in the spool), so duplicates
stay at most the in-flight count read just before each kill.

MXLAB_CRASH_ROUNDS sets the number of kills (3 in `make test`, 20 in `make bench`);
MXLAB_CRASH_SEED replays a run."""
from __future__ import annotations

import json
import os
import random
import re
import threading
import urllib.request
from collections import Counter

from mail_constants import DOMAIN, MX1
from mxlab import Mtad, _core, wait_until

ROUNDS = int(os.environ.get("MXLAB_CRASH_ROUNDS", "3"))
MESSAGES_PER_ROUND = 4000  # more than a round can send: the kill, not the count, ends each load
QUEUE_ID = re.compile(rb"with E?SMTP id ([0-9a-f]{8});")


def show_stats(mtad: Mtad) -> dict:
    url = f"http://127.0.0.1:{mtad.admin_port}/api/admin/show-stats/v1"
    with urllib.request.urlopen(url, timeout=2) as reply:
        return json.loads(reply.read())


def in_flight(stats: dict) -> tuple[int, int]:
    """(envelopes mid-attempt, attempt results not yet durable): what a kill may repeat."""
    return stats["scheduler.envelope.inflight"], stats["scheduler.spool.pending"]


def test_sigkill_under_blast_loses_nothing_acknowledged(mxlab_topology, mxlab_bin, tmp_path):
    seed = int(os.environ.get("MXLAB_CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    topo = mxlab_topology()
    mx = topo.add_mx(MX1)
    topo.route(DOMAIN, MX1)
    config_path, _ = topo.write_mtad_config({"retry": {"initial_interval": "200ms", "multiplier": 1.0}})

    acknowledged: list[str] = []
    bound = 0
    kills = []
    for round_no in range(ROUNDS):
        ids = tmp_path / f"ids-{round_no}"
        mtad = Mtad(mxlab_bin("mtad"), config_path).start()
        summary: dict = {}
        load = threading.Thread(target=lambda: summary.update(_core.blast(
            "127.0.0.1", mtad.smtp_port, connections=8, messages=MESSAGES_PER_ROUND, per_connection=25,
            size=2048, rcpt_to=f"r{{n}}@{DOMAIN}", timeout=5.0, ids_file=str(ids))))
        load.start()
        # A random moment: once the MX has taken a random number of further messages.
        target = len(mx.transactions()) + rng.randrange(20, 300)
        wait_until(lambda: len(mx.transactions()) >= target or not load.is_alive(), 60,
                   f"round {round_no}: {target} messages at the MX")
        flight = in_flight(show_stats(mtad))
        mtad.kill()
        load.join(timeout=60)
        assert not load.is_alive(), "blast did not end after mtad died"
        assert summary["accepted"] < MESSAGES_PER_ROUND, "the kill came after the load ended"
        bound += sum(flight)
        kills.append(flight)
        acknowledged += ids.read_text().split()

    # A last mtad on the same spool delivers whatever is still queued.
    with Mtad(mxlab_bin("mtad"), config_path) as final:
        wait_until(lambda: show_stats(final)["scheduler.message"] == 0, 60, "the final mtad to drain its queue")

    delivered = Counter()
    for tx in mx.transactions():
        m = QUEUE_ID.search(tx.data)
        assert m, f"no mtad Received: header in {tx.data[:300]!r}"
        delivered[m.group(1).decode()] += 1
    missing = [i for i in acknowledged if i not in delivered]
    duplicates = sum(n - 1 for n in delivered.values())
    report = (f"seed {seed}: {ROUNDS} kills, {len(acknowledged)} acknowledged, {sum(delivered.values())} "
              f"deliveries, {duplicates} duplicates, in flight at the kills (attempts, results not durable) "
              f"{kills} (sum {bound})")
    print(report)
    assert len(acknowledged) > ROUNDS * 10, report
    assert not missing, f"{len(missing)} acknowledged messages never delivered, e.g. {missing[:5]}; {report}"
    assert duplicates <= bound, report
