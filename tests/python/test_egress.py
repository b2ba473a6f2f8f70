"""Egress sources and pools (KumoMTA's define_egress_source / define_egress_pool) and the per-ready-queue
connection_limit: a delivery leaves from its pool's next source (local address and EHLO name, weighted
round robin), the source names the ready queue and the log record, and no more than connection_limit
deliveries run at once per ready queue."""
from datetime import timedelta

import pytest

import mxlab
from mxlab import trace

from mail_constants import DOMAIN, MESSAGE, MX1, SENDER

EGRESS = {
    "sources": {
        "ip-a": {"source_address": "127.0.0.5", "ehlo_domain": "a.sender.test"},
        "ip-b": {"source_address": "127.0.0.6"},
        "ip-c": {"source_address": "127.0.0.7", "ehlo_domain": "c.sender.test"},
    },
    "pools": {
        "shared": {"sources": [{"name": "ip-a"}, {"name": "ip-b"}]},
        "acme": {"sources": [{"name": "ip-c"}]},
    },
    "pool": "shared",
    "tenant_pools": {"acme": "acme"},
}


def rcpt(i: int) -> str:
    return f"user{i}@{DOMAIN}"


def start(mxlab_topology, settings, rules=None):
    topo = mxlab_topology()
    mx = topo.add_mx(MX1, rules=rules or [])
    topo.route(DOMAIN, MX1)
    mta = topo.start_mta(settings)
    return topo, mx, mta


def test_pool_sources_take_turns_with_their_address_and_ehlo_name(mxlab_topology):
    topo, mx, mta = start(mxlab_topology, {"egress": EGRESS, "delivery": {"idle_timeout": "0s"}})
    for i in range(4):
        topo.send(SENDER, [rcpt(i)], MESSAGE)
        topo.wait_for_delivery(recipient=rcpt(i))

    sessions = mx.wait_for_sessions(4, timeout=5)
    peers = [s.peer.rsplit(":", 1)[0] for s in sessions]
    assert peers == ["127.0.0.5", "127.0.0.6", "127.0.0.5", "127.0.0.6"]
    helos = {s.peer.rsplit(":", 1)[0]: s.helo for s in sessions}
    assert helos == {"127.0.0.5": "a.sender.test", "127.0.0.6": mxlab.topology.MTA_HOSTNAME}

    records = [mta.log_records("Delivery", rcpt(i))[0] for i in range(4)]
    assert [r.egress_pool for r in records] == ["shared"] * 4
    assert [r.egress_source for r in records] == ["ip-a", "ip-b", "ip-a", "ip-b"]
    assert records[0].site == f"ip-a->{MX1}@smtp_client"


def test_the_client_trace_carries_the_chosen_source(mxlab_topology):
    topo, mx, mta = start(mxlab_topology, {"egress": EGRESS, "delivery": {"idle_timeout": "0s"}})
    with trace.subscribe(mta, "client", egress_source="ip-b") as t, trace.subscribe(mta, "client") as everything:
        for i in range(4):
            topo.send(SENDER, [rcpt(i)], MESSAGE)
            topo.wait_for_delivery(recipient=rcpt(i))
        everything.wait_for_closed(4)
        t.drain()
    metas = [e.conn_meta for evs in t.sessions().values() for e in evs if e.kind == "MessageObtained"]
    assert len(metas) == 2
    assert all(m["egress_pool"] == "shared" and m["source_address"] == "127.0.0.6" for m in metas)
    assert {m["ready_queue_name"] for m in metas} == {f"ip-b->{MX1}@smtp_client"}


def test_a_tenant_uses_its_own_pool(mxlab_topology):
    topo, mx, mta = start(mxlab_topology, {"egress": EGRESS})
    topo.send(SENDER, [rcpt(0)], b"X-Tenant: acme\r\nSubject: t\r\n\r\nhi\r\n")
    [delivery] = topo.wait_for_delivery(recipient=rcpt(0))
    assert (delivery.egress_pool, delivery.egress_source) == ("acme", "ip-c")
    [session] = mx.sessions()
    assert session.peer.startswith("127.0.0.7:") and session.helo == "c.sender.test"


def test_an_unknown_source_in_a_pool_is_a_config_error_naming_the_key():
    bad = {"egress": {"sources": {"ip-a": {"source_address": "127.0.0.5"}},
                      "pools": {"shared": {"sources": [{"name": "ip-z"}]}}}}
    with pytest.raises(mxlab.ConfigError) as info:
        mxlab.mta_config(bad, "egress.yaml")
    assert info.value.key == "egress.pools.shared.sources[0].name"
    assert "unknown egress source 'ip-z'" in str(info.value)


SLOW_DATA = [mxlab.Rule(stage="end_of_data", kind="delay", delay=timedelta(milliseconds=500))]


def send_burst(topo, count: int) -> None:
    for i in range(count):
        topo.send(SENDER, [rcpt(i)], MESSAGE)
    for i in range(count):
        topo.wait_for_delivery(recipient=rcpt(i), timeout=30)


def test_connection_limit_caps_concurrent_deliveries_per_ready_queue(mxlab_topology):
    topo, mx, _ = start(mxlab_topology, {"delivery": {"connection_limit": 2}}, SLOW_DATA)
    send_burst(topo, 6)
    assert mx.connections == 2  # two at once, the rest waited and then reused them
    assert sum(s.transactions for s in mx.sessions()) == 6


def test_without_a_connection_limit_the_burst_opens_more_connections(mxlab_topology):
    topo, mx, _ = start(mxlab_topology, {"delivery": {"connection_limit": 0}}, SLOW_DATA)
    send_burst(topo, 6)
    assert mx.connections > 2
