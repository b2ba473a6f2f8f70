# kcli's operator commands against a running MTA and fake MX hosts, asserting on effects (the
# delivery log, the queue snapshot, what the MX received, the SMTP greeting), not only output.
# Runs the real kcli binary; every wait has a deadline.
import json
import socket

from kcli_fixture import kcli  # noqa: F401 (fixture)
from mail_constants import DOMAIN, MESSAGE, MX1, SENDER, defer_everything, greylist_once
from mxlab.waits import wait_until

LONG_RETRY = {"retry": {"initial_interval": "10m"}}  # deferred mail stays queued for the test
PAUSED_GREETING = "421 4.3.2"
CAROL, DAVE, ERIN = "carol@example.com", "dave@example.com", "erin@example.com"


def deferring_topology(mxlab_topology):
    topo = mxlab_topology()
    topo.add_mx(MX1, rules=defer_everything())
    topo.route(DOMAIN, MX1)
    return topo, topo.start_mta(LONG_RETRY)


def accepting_topology(mxlab_topology, rules=(), overrides=None):
    topo = mxlab_topology()
    topo.add_mx(MX1, rules=list(rules))
    topo.route(DOMAIN, MX1)
    return topo, topo.start_mta(overrides or {})


def queued_envelopes(mta):
    return {e.envelope_id: e for m in mta.queue_snapshot() for e in m.envelopes}


def greeting(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.settimeout(5)
        return s.recv(512).decode()


def test_bounce_removes_matching_mail_and_reports_the_real_count(mxlab_topology, kcli):
    topo, mta = deferring_topology(mxlab_topology)
    for rcpt in (CAROL, DAVE):
        topo.send(SENDER, [rcpt], MESSAGE)
    topo.wait_for_log("TransientFailure", count=2)

    out = kcli(mta, "bounce", "--domain", DOMAIN, "--reason", "purge", "--json")

    reply = json.loads(out.stdout)
    assert reply["total_bounced"] == 2
    assert reply["bounced"] == {DOMAIN: 2}
    records = topo.wait_for_log("AdminBounce", count=2)
    assert {r.recipient for r in records} == {CAROL, DAVE}
    assert mta.queue_snapshot() == []


def test_bounce_keeps_bouncing_new_mail_until_cancelled(mxlab_topology, kcli):
    topo, mta = deferring_topology(mxlab_topology)
    kcli(mta, "bounce", "--domain", DOMAIN, "--reason", "campaign aborted", "--duration", "1h")
    topo.send(SENDER, [CAROL], MESSAGE)
    topo.wait_for_log("AdminBounce", count=1, recipient=CAROL)
    listed = json.loads(kcli(mta, "bounce-list", "--json").stdout)
    assert len(listed) == 1 and listed[0]["total_bounced"] == 1

    kcli(mta, "bounce-cancel", "--id", listed[0]["id"])
    topo.send(SENDER, [DAVE], MESSAGE)

    topo.wait_for_log("TransientFailure", count=1, recipient=DAVE)
    assert [e.recipient for e in queued_envelopes(mta).values()] == [DAVE]
    assert json.loads(kcli(mta, "bounce-list", "--json").stdout) == []


def test_bounce_without_a_selector_is_refused(mxlab_topology, kcli):
    topo, mta = deferring_topology(mxlab_topology)
    out = kcli(mta, "bounce", "--reason", "oops", check=False)
    assert out.returncode != 0
    assert "selector" in out.stderr


def test_suspend_holds_delivery_and_cancel_releases_it(mxlab_topology, kcli):
    topo, mta = accepting_topology(mxlab_topology)
    out = kcli(mta, "suspend", "--domain", DOMAIN, "--reason", "maintenance", "--duration", "1h", "--json")
    suspension = json.loads(out.stdout)["id"]
    topo.send(SENDER, [CAROL], MESSAGE)

    wait_until(lambda: [e for e in queued_envelopes(mta).values() if e.recipient == CAROL], 5, "CAROL queued")
    shown = wait_until(lambda: "suspended" in kcli(mta, "show-queue").stdout, 5, "show-queue to say suspended")
    assert shown
    assert mta.log_records("Delivery") == [] and topo.mx(MX1).transactions() == []

    kcli(mta, "suspend-cancel", "--id", suspension)
    topo.wait_for_delivery(recipient=CAROL, timeout=5)


def test_pause_smtp_refuses_new_sessions_with_421_until_resumed(mxlab_topology, kcli):
    topo, mta = accepting_topology(mxlab_topology)
    kcli(mta, "pause", "smtp")
    assert greeting(mta.smtp_port()).startswith(PAUSED_GREETING)
    assert "SMTP paused" in kcli(mta, "status").stdout

    kcli(mta, "resume", "smtp")
    assert greeting(mta.smtp_port()).startswith("220")
    topo.send(SENDER, [CAROL], MESSAGE)
    topo.wait_for_delivery(recipient=CAROL)


def test_pause_mta_holds_delivery_until_resumed(mxlab_topology, kcli):
    topo, mta = accepting_topology(mxlab_topology)
    kcli(mta, "pause", "mta")
    topo.send(SENDER, [CAROL], MESSAGE)
    wait_until(lambda: "suspended" in kcli(mta, "show-queue").stdout, 5, "the envelope held by the pause")
    assert "MTA paused" in kcli(mta, "status").stdout
    assert mta.log_records("Delivery") == []

    kcli(mta, "resume", "mta")
    topo.wait_for_delivery(recipient=CAROL, timeout=5)


def test_schedule_retries_a_deferred_message_at_once(mxlab_topology, kcli):
    topo, mta = accepting_topology(mxlab_topology, rules=[greylist_once()], overrides=LONG_RETRY)
    topo.send(SENDER, [CAROL], MESSAGE)
    topo.wait_for_log("TransientFailure", recipient=CAROL)
    [message] = mta.queue_snapshot()

    out = kcli(mta, "schedule", message.id)

    assert out.stdout.startswith("1 envelope(s) scheduled")
    topo.wait_for_delivery(recipient=CAROL, timeout=5)  # the retry interval is 10 minutes


def test_remove_deletes_exactly_the_named_envelope(mxlab_topology, kcli):
    topo, mta = deferring_topology(mxlab_topology)
    topo.send(SENDER, [CAROL, DAVE], MESSAGE)
    topo.wait_for_log("TransientFailure", count=2)
    carol = next(e for e in queued_envelopes(mta).values() if e.recipient == CAROL)

    kcli(mta, "remove", carol.envelope_id)

    assert [e.recipient for e in queued_envelopes(mta).values()] == [DAVE]
    assert mta.log_records("Bounce") == [] and mta.log_records("AdminBounce") == []


def test_remove_of_an_unknown_id_fails_naming_the_endpoint(mxlab_topology, kcli):
    topo, mta = deferring_topology(mxlab_topology)
    out = kcli(mta, "remove", "0badc0de", check=False)
    assert out.returncode != 0
    assert "/api/admin/remove/v1" in out.stderr and "404" in out.stderr


def test_show_queue_matches_the_queue_snapshot(mxlab_topology, kcli):
    topo, mta = deferring_topology(mxlab_topology)
    topo.send(SENDER, [CAROL, DAVE], MESSAGE)
    topo.send(SENDER, [ERIN], MESSAGE)
    topo.wait_for_log("TransientFailure", count=3)
    snapshot = queued_envelopes(mta)

    lines = kcli(mta, "show-queue", "--json").stdout.splitlines()
    shown = {r["envelope_id"]: r for line in lines for r in json.loads(line)["recipients"]}
    table = kcli(mta, "show-queue").stdout

    assert len(lines) == 2
    assert set(shown) == set(snapshot)
    for evpid, env in snapshot.items():
        assert shown[evpid]["address"] == env.recipient
        assert shown[evpid]["num_attempts"] == env.attempts == 1
        assert shown[evpid]["delay_reason"] == env.last_error
        assert evpid in table


def test_inspect_message_shows_envelopes_and_body(mxlab_topology, kcli):
    topo, mta = deferring_topology(mxlab_topology)
    topo.send(SENDER, [CAROL], MESSAGE)
    topo.wait_for_log("TransientFailure")
    [message] = mta.queue_snapshot()

    reply = json.loads(kcli(mta, "inspect-message", message.id, "--want-body", "--json").stdout)

    assert reply["id"] == message.id
    assert reply["message"]["recipient"] == CAROL
    assert "Subject: dots" in reply["message"]["data"]
    sched = json.loads(kcli(mta, "inspect-sched-q", DOMAIN, "--json").stdout)
    assert sched["num_scheduled"] == 1 and sched["messages"][0]["id"] == message.id


def test_show_stats_counts_deliveries_and_failures(mxlab_topology, kcli):
    topo, mta = accepting_topology(mxlab_topology, rules=[greylist_once()], overrides={"retry": {"initial_interval": "100ms"}})
    topo.send(SENDER, [CAROL], MESSAGE)
    topo.wait_for_delivery(recipient=CAROL)

    stats = dict(line.split("=", 1) for line in kcli(mta, "show-stats").stdout.splitlines())

    assert stats["scheduler.delivery.ok"] == "1"
    assert stats["scheduler.delivery.tempfail"] == "1"
    assert stats["scheduler.envelope.incoming"] == "1"
    assert int(stats["smtp.session.total"]) >= 1
