# smtpctl's views through the real kcli binary against a real MTA and fake MX: monitor's counters
# match the delivery log, qshape matches the queue. Every wait has a deadline.
import json

from kcli_fixture import kcli  # noqa: F401 (fixture)
from mail_constants import DOMAIN, MESSAGE, MX1, SENDER, defer_everything
from mxlab import _core

CAROL, DAVE, ERIN = "carol@example.com", "dave@example.com", "erin@example.com"


def test_monitor_counters_match_the_delivery_log(mxlab_topology, kcli):
    topo = mxlab_topology()
    topo.add_mx(MX1, rules=[_core.Rule.reply("rcpt", "550 5.1.1 no such user", recipient=ERIN)])
    topo.route(DOMAIN, MX1)
    mta = topo.start_mta()
    for rcpt in (CAROL, DAVE, ERIN):
        topo.send(SENDER, [rcpt], MESSAGE)
    topo.wait_for_delivery(count=2)
    topo.wait_for_log("Bounce", count=2)  # erin's, then the DSN's: the sender's domain has no DNS

    out = kcli(mta, "monitor", "--count", "2", "--interval", "0.2").stdout.splitlines()

    assert out[1].split()[:4] == ["curr", "conn", "disc", "curr"]
    first, second = (list(map(int, line.split())) for line in out[2:4])
    curr, conn, disc, queued, enq, deq, ok, tmpfail, prmfail = first[:9]
    assert ok == len(mta.log_records("Delivery")) == 2
    assert prmfail == len(mta.log_records("Bounce")) == 2
    assert enq == 4 and deq == 4 and queued == 0 and conn == 3  # three messages and the DSN for erin
    assert second[1:] == [0] * (len(second) - 1)  # nothing happened between the two rows


def test_qshape_counts_queued_envelopes_by_domain_and_age(mxlab_topology, kcli):
    topo = mxlab_topology()
    topo.add_mx(MX1, rules=defer_everything())
    topo.route(DOMAIN, MX1)
    mta = topo.start_mta({"retry": {"initial_interval": "10m"}})
    topo.send(SENDER, [CAROL, DAVE], MESSAGE)
    topo.send(SENDER, [ERIN], MESSAGE)
    topo.wait_for_log("TransientFailure", count=3)

    reply = json.loads(kcli(mta, "qshape", "--json").stdout)
    table = kcli(mta, "qshape").stdout.splitlines()

    assert reply["buckets"] == [5, 10, 20, 40, 80, 160, 320, 640, 1280]
    assert reply["total"]["counts"][0] == 3
    [row] = reply["domains"]
    assert row["domain"] == DOMAIN and row["total"] == 3
    assert table[1].split()[:3] == ["TOTAL", "3", "3"]
    assert table[2].split()[:3] == [DOMAIN, "3", "3"]


def test_top_draws_counters_sessions_and_queues(mxlab_topology, kcli):
    topo = mxlab_topology()
    topo.add_mx(MX1, rules=defer_everything())
    topo.route(DOMAIN, MX1)
    mta = topo.start_mta({"retry": {"initial_interval": "10m"}})
    topo.send(SENDER, [CAROL], MESSAGE)
    topo.wait_for_log("TransientFailure")

    screens = kcli(mta, "top", "--count", "2", "--update-interval", "100ms").stdout

    assert screens.count("mtad: smtp running, mta running") == 2
    assert "scheduler.envelope (queued)" in screens and DOMAIN in screens
    assert kcli(mta, "top", "--update-interval", "soon", check=False).returncode != 0


def test_set_log_filter_changes_the_level_and_refuses_nonsense(mxlab_topology, kcli):
    topo = mxlab_topology()
    mta = topo.start_mta()
    assert kcli(mta, "set-log-filter", "mtad=debug").stdout == "log level debug\n"
    bad = kcli(mta, "set-log-filter", "mtad=loud", check=False)
    assert bad.returncode != 0 and "unknown level 'loud'" in bad.stderr
    kcli(mta, "set-log-filter", "info")


def queued(mta):
    return {e.recipient: e for m in mta.queue_snapshot() for e in m.envelopes}


def test_pause_envelope_holds_exactly_that_envelope_until_resumed(mxlab_topology, kcli):
    topo = mxlab_topology()
    topo.add_mx(MX1)
    topo.route(DOMAIN, MX1)
    mta = topo.start_mta()
    kcli(mta, "pause", "mta")
    topo.send(SENDER, [CAROL, DAVE], MESSAGE)
    [message] = mta.queue_snapshot()
    carol = queued(mta)[CAROL].envelope_id

    assert kcli(mta, "pause", "envelope", carol).stdout == "1 envelope(s) paused\n"
    kcli(mta, "resume", "mta")
    topo.wait_for_delivery(recipient=DAVE)
    shown = [json.loads(line) for line in kcli(mta, "show-queue", "--json").stdout.splitlines()]
    assert [(r["address"], r["state"]) for m in shown for r in m["recipients"] if r["state"] != "delivered"] == \
        [(CAROL, "paused")]
    assert mta.log_records("Delivery") and all(r.recipient == DAVE for r in mta.log_records("Delivery"))

    assert kcli(mta, "resume", message.id).stdout == "1 envelope(s) resumed\n"
    topo.wait_for_delivery(recipient=CAROL, timeout=5)


def test_pause_all_pauses_smtp_and_mta_and_bad_ids_are_refused(mxlab_topology, kcli):
    topo = mxlab_topology()
    mta = topo.start_mta()
    assert kcli(mta, "pause", "all").stdout == "MTA paused\nSMTP paused\n"
    assert kcli(mta, "resume", "all").stdout == "MTA running\nSMTP running\n"
    bad = kcli(mta, "pause", "envelope", "xyz", check=False)
    assert bad.returncode != 0 and "400" in bad.stderr
    assert kcli(mta, "pause", "envelope", check=False).returncode != 0
