"""Connection reuse: messages to the same MX one after another share one SMTP session (no new
connect, EHLO or STARTTLS), up to delivery.max_deliveries_per_connection; an idle connection is
QUIT after delivery.idle_timeout; one the server closed while idle is replaced without a failure."""
from datetime import timedelta

import mxlab
from mxlab import wait_until

from mail_constants import DOMAIN, MESSAGE, MX1, SENDER


def rcpt(i: int) -> str:
    return f"user{i}@{DOMAIN}"


def send_one_by_one(topo, count: int, first: int = 0) -> None:
    """Each message waits for its own Delivery record: recipients must not repeat in one test."""
    for i in range(first, first + count):
        topo.send(SENDER, [rcpt(i)], MESSAGE)
        topo.wait_for_delivery(recipient=rcpt(i))


def start(mxlab_topology, delivery=None, server=None):
    topo = mxlab_topology()
    mx = topo.add_mx(MX1, server=server)
    topo.route(DOMAIN, MX1)
    topo.start_mta({"delivery": delivery or {}})
    return topo, mx


def test_sequential_messages_share_one_connection_by_default(mxlab_topology):
    topo, mx = start(mxlab_topology)
    send_one_by_one(topo, 3)

    [session] = mx.sessions()
    assert session.transactions == 3
    assert [line for line in session.lines("C") if line.startswith("EHLO")] == [f"EHLO {mxlab.topology.MTA_HOSTNAME}"]
    assert mx.connections == 1


def test_max_deliveries_per_connection_opens_a_new_connection(mxlab_topology):
    topo, mx = start(mxlab_topology, {"max_deliveries_per_connection": 2})
    send_one_by_one(topo, 3)

    assert [s.transactions for s in mx.sessions()] == [2, 1]


def test_idle_timeout_zero_quits_after_each_message(mxlab_topology):
    topo, mx = start(mxlab_topology, {"idle_timeout": "0s"})
    send_one_by_one(topo, 2)

    assert [s.transactions for s in mx.sessions()] == [1, 1]
    assert all(s.lines("C")[-1] == "QUIT" for s in mx.wait_for_sessions(2, timeout=5))


def test_idle_connection_is_quit_after_idle_timeout(mxlab_topology):
    topo, mx = start(mxlab_topology, {"idle_timeout": "300ms"})
    send_one_by_one(topo, 1)

    wait_until(lambda: mx.sessions()[0].closed, 5, "the idle connection to be closed")
    assert mx.sessions()[0].lines("C")[-1] == "QUIT"


def test_connection_closed_by_the_server_while_idle_is_replaced_silently(mxlab_topology):
    server = mxlab.ServerOptions()
    server.hostname = MX1
    server.idle_timeout = timedelta(milliseconds=300)
    topo, mx = start(mxlab_topology, {"idle_timeout": "30s"}, server=server)
    send_one_by_one(topo, 1)
    wait_until(lambda: mx.sessions()[0].closed, 5, "the server's idle timeout")

    send_one_by_one(topo, 2, first=1)  # user1, user2: a repeated user0 would not wait for its delivery
    assert [s.transactions for s in mx.sessions()] == [1, 2]  # the replacement is reused in turn
    assert [r.type.name for r in topo.mtas[0].log_records()].count("TransientFailure") == 0


def test_recipients_beyond_the_limit_go_in_further_transactions_on_one_connection(mxlab_topology):
    topo, mx = start(mxlab_topology, {"max_recipients_per_transaction": 2})
    rcpts = [rcpt(i) for i in range(5)]
    topo.send(SENDER, rcpts, MESSAGE)

    assert len(topo.wait_for_delivery(5)) == 5
    assert [t.rcpt_to for t in mx.transactions()] == [rcpts[0:2], rcpts[2:4], rcpts[4:]]
    assert mx.connections == 1
