# kcli sessions / clear-stats / session-log (seed 004's live session table) with the real kcli
# binary against a real MTA and fake MX: a delivery held at DATA by the MX shows as an outbound
# row in state DATA, a half-finished inbound transaction as an inbound row, and the counters
# follow what happened. Every wait has a deadline.
import json
import socket
from datetime import timedelta

from kcli_fixture import kcli  # noqa: F401 (fixture)
from mail_constants import DOMAIN, MESSAGE, MX1, SENDER
from mxlab import _core
from mxlab.waits import wait_until

CAROL = "carol@example.com"
DATA_DELAY = timedelta(seconds=2)


def sessions(kcli, mta, direction):
    return [r for r in json.loads(kcli(mta, "sessions", "--json").stdout) if r["direction"] == direction]


def stats(kcli, mta):
    return json.loads(kcli(mta, "sessions", "--stats", "--json").stdout)


def smtp_lines(port, *commands):
    """An inbound session left open after `commands` (each answered before the next)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.settimeout(5)
    s.recv(512)
    for c in commands:
        s.sendall(c.encode() + b"\r\n")
        s.recv(512)
    return s


def test_sessions_show_a_delivery_stuck_at_data_and_an_open_inbound_transaction(mxlab_topology, kcli):
    topo = mxlab_topology()
    topo.add_mx(MX1, rules=[_core.Rule(stage="data", kind="delay", delay=DATA_DELAY)])
    topo.route(DOMAIN, MX1)
    mta = topo.start_mta()
    inbound = smtp_lines(mta.smtp_port(), "EHLO client.test", f"MAIL FROM:<{SENDER}>", f"RCPT TO:<{CAROL}>")
    try:
        topo.send(SENDER, [CAROL], MESSAGE)
        [out] = wait_until(lambda: [r for r in sessions(kcli, mta, "out") if r["state"] == "DATA"], 5,
                           "an outbound session waiting for the DATA reply")
        [message] = mta.queue_snapshot()
        assert out["message_id"] == message.id
        assert out["peer"] == f"{topo.mx(MX1).address}:{topo.mx_port}"
        assert out["sender"] == SENDER and out["recipients"] == 1
        [held] = [r for r in sessions(kcli, mta, "in") if r["state"] == "RCPT"]
        assert held["sender"] == SENDER and held["recipients"] == 1
        assert held["local"] == f"127.0.0.1:{mta.smtp_port()}"
        table = kcli(mta, "sessions").stdout
        assert any(line.split()[1:3] == ["OUT", "DATA"] for line in table.splitlines())
        assert any(line.split()[1:3] == ["IN", "RCPT"] for line in table.splitlines())
    finally:
        inbound.close()

    topo.wait_for_delivery(recipient=CAROL, timeout=10)
    # Connection reuse parks the connection for the next message to that host.
    wait_until(lambda: [r["state"] for r in sessions(kcli, mta, "out")] == ["IDLE"], 5,
               "the outbound session to be parked")
    counters = stats(kcli, mta)
    assert counters["outbound"]["connections_ok"] == 1
    assert counters["outbound"]["messages_delivered"] == 1
    assert counters["inbound"]["messages_accepted"] == 1
    log = kcli(mta, "session-log").stdout
    assert "state DATA" in log and "delivered: 250" in log
    mx_address = topo.mx(MX1).address
    [host] = json.loads(kcli(mta, "show-hosts", "--json").stdout)
    assert (host["address"], host["name"], host["nconn"], host["connections"], host["errors"]) == \
        (mx_address, MX1, 1, 1, 0)  # the parked connection is still open
    [route] = json.loads(kcli(mta, "show-routes", "--json").stdout)
    assert route["source"] == "127.0.0.1" and route["address"] == mx_address
    assert mx_address in kcli(mta, "show-routes").stdout


def test_inspect_ready_q_shows_the_connection_and_abort_defers_its_mail(mxlab_topology, kcli):
    topo = mxlab_topology()
    topo.add_mx(MX1, rules=[_core.Rule(stage="data", kind="delay", delay=timedelta(seconds=4))])
    topo.route(DOMAIN, MX1)
    mta = topo.start_mta({"retry": {"initial_interval": "10m"}})
    topo.send(SENDER, [CAROL], MESSAGE)
    [out] = wait_until(lambda: [r for r in sessions(kcli, mta, "out") if r["state"] == "DATA"], 5,
                       "an outbound session waiting for the DATA reply")
    queue = out["ready_queue"]
    assert queue == f"unspecified->{MX1}@smtp_client"

    reply = json.loads(kcli(mta, "inspect-ready-q", queue, "--json").stdout)
    [conn] = reply["connections"]
    assert (conn["session_id"], conn["phase"], conn["state"]) == (out["session_id"], "DeliveringMessage", "DATA")
    assert reply["state"]["connection_count"] == 1
    assert "DeliveringMessage" in kcli(mta, "inspect-ready-q", queue).stdout

    kcli(mta, "abort-ready-q-conn", queue, out["session_id"])
    [failure] = topo.wait_for_log("TransientFailure", recipient=CAROL, timeout=3)
    assert sessions(kcli, mta, "out") == []
    assert [e.recipient for m in mta.queue_snapshot() for e in m.envelopes] == [CAROL]
    missing = kcli(mta, "abort-ready-q-conn", queue, out["session_id"], check=False)
    assert missing.returncode != 0 and "404" in missing.stderr


def test_clear_stats_resets_the_counters_and_pause_counts_denied_peers(mxlab_topology, kcli):
    topo = mxlab_topology()
    topo.add_mx(MX1)
    topo.route(DOMAIN, MX1)
    mta = topo.start_mta()
    topo.send(SENDER, [CAROL], MESSAGE)
    topo.wait_for_delivery(recipient=CAROL)
    wait_until(lambda: stats(kcli, mta)["outbound"]["messages_delivered"] == 1, 5, "the delivery counted")

    before = json.loads(kcli(mta, "clear-stats", "--json").stdout)["before"]
    assert before["inbound"]["connections_ok"] == 1

    assert all(v == 0 for d in ("inbound", "outbound") for v in stats(kcli, mta)[d].values())
    kcli(mta, "pause", "smtp")
    smtp_lines(mta.smtp_port()).close()
    assert stats(kcli, mta)["inbound"]["denied_peers"] == 1
    text = kcli(mta, "sessions", "--stats").stdout
    assert any(line.split() == ["denied_peers", "1", "0"] for line in text.splitlines())


def test_sessions_fails_in_one_line_naming_the_endpoint_when_mtad_is_down(kcli):
    class Gone:
        admin_port = 1  # nothing listens there
    out = kcli(Gone(), "sessions", check=False)
    assert out.returncode != 0
    assert "127.0.0.1:1" in out.stderr and len(out.stderr.strip().splitlines()) == 1
