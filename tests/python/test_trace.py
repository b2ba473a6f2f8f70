# Live SMTP traces (issue 6): in-process subscriptions and the real kcli binary against a running
# MTA and fake MX hosts. Each filter includes exactly the sessions it should; a stalled subscriber
# loses events (counted exactly) while mail keeps flowing. Every wait has a deadline.
import json
import subprocess
import time

import pytest

import mxlab

from mail_constants import DOMAIN, MESSAGE, MX1, MX2, SENDER
from mxlab import trace
from mxlab.trace import Match
from mxlab.waits import wait_until

OTHER_DOMAIN = "other.test"
BOB, CAROL = f"bob@{DOMAIN}", f"carol@{OTHER_DOMAIN}"
BIG_MESSAGE = MESSAGE + b"".join(b"filler line %03d to make the message content bulky\r\n" % i for i in range(20))


def two_domain_topology(mxlab_topology, overrides=None):
    """example.com on MX1 (127.0.0.2), other.test on MX2 (127.0.0.3)."""
    topo = mxlab_topology()
    topo.add_mx(MX1)
    topo.add_mx(MX2)
    topo.route(DOMAIN, MX1)
    topo.route(OTHER_DOMAIN, MX2)
    return topo, topo.start_mta(overrides or {})


def delivered_sessions(t):
    """Sessions (by id) that reached MessageObtained, with the domain they carried."""
    return {sid: e.conn_meta["domain"] for sid, evs in t.sessions().items()
            for e in evs if e.kind == "MessageObtained"}


def test_client_trace_is_the_delivery_transcript_with_meta_as_it_becomes_known(mxlab_topology):
    topo, mta = two_domain_topology(mxlab_topology)
    with trace.subscribe(mta, "client") as t:
        topo.send(SENDER, [BOB], MESSAGE)
        t.wait_for(kind="Closed")
        begin, connected, greeting, ehlo, obtained, mail, closed = t.assert_sequence([
            Match(kind="BeginSession"), Match(kind="Connected"), Match(kind="Read", startswith="220"),
            Match(kind="Write", startswith="EHLO"), Match(kind="MessageObtained"),
            Match(kind="Write", contains=f"MAIL FROM:<{SENDER}>"), Match(kind="Closed")])
    assert begin.conn_meta["ready_queue_name"] == f"unspecified->{MX1}@smtp_client"
    assert begin.conn_meta["mx_plan"][0]["host"] == MX1
    assert "mx_host" not in begin.conn_meta and "sender" not in begin.conn_meta
    assert connected.conn_meta["mx_host"] == MX1
    assert connected.conn_meta["mx_address"].startswith("127.0.0.2:")
    assert connected.conn_meta["source_address"] == "127.0.0.1"
    assert "sender" not in ehlo.conn_meta, "per-message facts are unknown before MessageObtained"
    meta = obtained.conn_meta
    assert (meta["sender"], meta["recipient"], meta["domain"], meta["queue_name"]) == (SENDER, BOB, DOMAIN, DOMAIN)
    assert len(meta["message_id"]) == 8
    assert begin.session == closed.session and begin.when <= closed.when


def test_server_trace_has_policy_results_disposition_and_conn_meta(mxlab_topology):
    topo, mta = two_domain_topology(mxlab_topology)
    with trace.subscribe(mta, "server") as t:
        topo.send(SENDER, [BOB], MESSAGE)
        t.wait_for(kind="Closed")
    connected, ehlo, callback, disposition, _ = t.assert_sequence([
        Match(kind="Connected"), Match(kind="Read", startswith="EHLO client.mxlab.test"),
        Match(kind="Callback", where=lambda e: e.data["name"] == "smtp_server_mail"),
        Match(kind="MessageDisposition"), Match(kind="Closed")])
    assert connected.conn_meta["received_from"].startswith("127.0.0.1:")
    assert connected.conn_meta["hostname"] == mta.config.hostname
    assert "ehlo_domain" not in connected.conn_meta
    assert disposition.conn_meta["ehlo_domain"] == "client.mxlab.test"
    d = disposition.data
    assert d["sender"] == SENDER and d["recipient"] == [BOB] and d["will_enqueue"] is True
    assert len(d["id"]) == 8


@pytest.mark.parametrize("filters, expected", [
    ({"domain": OTHER_DOMAIN}, {OTHER_DOMAIN}),
    ({"rcpt_to": BOB}, {DOMAIN}),
    ({"mail_from": "nobody@source.test"}, set()),
    ({"mx_host": MX2}, {OTHER_DOMAIN}),
    ({"mx_addr": "127.0.0.2/32"}, {DOMAIN}),
    ({"mx_addr": ["127.0.0.0/30", "10.0.0.0/8"]}, {DOMAIN, OTHER_DOMAIN}),
    ({"source": "127.0.0.1"}, {DOMAIN, OTHER_DOMAIN}),
    ({"source": "10.0.0.0/8"}, set()),
    ({"egress_source": "unspecified", "egress_pool": "unspecified"}, {DOMAIN, OTHER_DOMAIN}),
    ({"routing_domain": "r.test"}, {DOMAIN, OTHER_DOMAIN}),  # never set on these messages: not filtered
    ({"ready_queue": f"unspecified->{MX1}@smtp_client"}, {DOMAIN}),
])
def test_each_client_filter_includes_exactly_the_sessions_it_should(mxlab_topology, filters, expected):
    topo, mta = two_domain_topology(mxlab_topology)
    with trace.subscribe(mta, "client", **filters) as t, trace.subscribe(mta, "client") as everything:
        topo.send(SENDER, [BOB], MESSAGE)
        topo.send(SENDER, [CAROL], MESSAGE)
        everything.wait_for_closed(2)
        topo.wait_for_delivery(2)
        t.drain()
    assert set(delivered_sessions(t).values()) == expected
    counts = t.close()
    assert counts["produced"] == counts["delivered"] + counts["dropped"] + counts["filtered"]
    assert counts["dropped"] == 0
    assert counts["produced"] == everything.counts()["produced"]


@pytest.mark.parametrize("filters, expected", [
    ({"tenant": "acme"}, {DOMAIN}),
    ({"campaign": "autumn"}, {OTHER_DOMAIN}),
    ({"tenant": ["nobody", "acme"], "campaign": "spring"}, {DOMAIN}),
    ({"tenant": ["acme", "other"]}, {DOMAIN, OTHER_DOMAIN}),
    ({"campaign": "winter"}, set()),
])
def test_tenant_and_campaign_filters_follow_the_message_headers(mxlab_topology, filters, expected):
    topo, mta = two_domain_topology(mxlab_topology)
    with trace.subscribe(mta, "client", **filters) as t, trace.subscribe(mta, "client") as everything:
        topo.send(SENDER, [BOB], b"X-Tenant: acme\r\nX-Campaign: spring\r\n" + MESSAGE)
        topo.send(SENDER, [CAROL], b"X-Tenant: other\r\nX-Campaign: autumn\r\n" + MESSAGE)
        everything.wait_for_closed(2)
        topo.wait_for_delivery(2)
        t.drain()
    assert set(delivered_sessions(t).values()) == expected
    counts = t.close()
    assert counts["produced"] == counts["delivered"] + counts["dropped"] + counts["filtered"]


def test_ready_queue_filter_refuses_the_other_session_from_its_first_event(mxlab_topology):
    topo, mta = two_domain_topology(mxlab_topology)
    with trace.subscribe(mta, "client", ready_queue=f"unspecified->{MX2}@smtp_client") as t, \
            trace.subscribe(mta, "client") as everything:
        topo.send(SENDER, [BOB], MESSAGE)
        everything.wait_for_closed(1)
        t.drain()
        assert t.events == [], "the session to MX1 is known not to match from BeginSession on"
        assert t.counts()["filtered"] == everything.counts()["produced"]


def test_bad_filter_is_a_value_error_naming_the_key(mxlab_topology):
    topo, mta = two_domain_topology(mxlab_topology)
    with pytest.raises(ValueError, match="filter 'mx_addr'"):
        trace.subscribe(mta, "client", mx_addr="10.0.0.0/99")
    with pytest.raises(ValueError, match="unknown trace filter 'colour'"):
        trace.subscribe(mta, "client", colour="red")


def test_stalled_subscriber_loses_counted_events_while_mail_keeps_flowing(mxlab_topology):
    topo, mta = two_domain_topology(mxlab_topology)
    stalled = trace.subscribe(mta, "client", capacity=10, name="stalled")
    fast = trace.subscribe(mta, "client", name="fast")
    n = 40
    load = mxlab.blast("127.0.0.1", mta.smtp_port(), connections=4, messages=n, per_connection=5, starttls=False,
                       rcpt_to="user{n}@" + DOMAIN)
    assert load["accepted"] == n
    topo.wait_for_delivery(n, timeout=30)
    fast.wait_for_closed(n)
    s = stalled.counts()
    assert s["queued"] == 10 and s["delivered"] == 0
    assert s["dropped"] == s["produced"] - 10 > 0
    assert s["produced"] == s["delivered"] + s["dropped"] + s["filtered"] + s["queued"]
    assert fast.counts()["dropped"] == 0
    assert fast.counts()["produced"] == s["produced"]
    notice = stalled.drain()[10]  # ten buffered events, then the notice of the gap
    assert notice.kind == "Diagnostic" and notice.data["lost"] == s["dropped"]
    assert notice.text == f"Tracer Lagged behind and missed {s['dropped']} events"
    final = stalled.close()
    assert final["queued"] == 0 and final["produced"] == final["delivered"] + final["dropped"] + final["filtered"]
    fast.close()


def test_no_subscriber_builds_no_events(mxlab_topology):
    topo, mta = two_domain_topology(mxlab_topology)
    topo.send(SENDER, [BOB], MESSAGE)
    topo.wait_for_delivery(1)
    assert mta.trace_hub.totals("client")["produced"] == 0
    assert mta.trace_hub.totals("server")["produced"] == 0


# ---- the real kcli binary -------------------------------------------------------------------

@pytest.fixture
def kcli_trace(mxlab_bin):
    """Starts `kcli trace-smtp-*` and waits until its subscription is registered."""
    binary = mxlab_bin("kcli")
    procs = []

    def start(mta, command, *args):
        direction = "client" if command == "trace-smtp-client" else "server"
        before = mta.trace_hub.subscribers(direction)
        p = subprocess.Popen([str(binary), "--endpoint", f"http://127.0.0.1:{mta.admin_port}", command, *args],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append(p)
        wait_until(lambda: mta.trace_hub.subscribers(direction) > before or p.poll() is not None, 10,
                   f"kcli {command} to subscribe")
        return p
    yield start
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()


def finish(p, timeout=15):
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out, err


def test_kcli_only_one_exits_after_one_session_with_a_transcript(mxlab_topology, kcli_trace):
    topo, mta = two_domain_topology(mxlab_topology)
    p = kcli_trace(mta, "trace-smtp-client", "--only-one", "--color", "no")
    topo.send(SENDER, [BOB], MESSAGE)
    topo.send(SENDER, [CAROL], MESSAGE)
    code, out, err = finish(p)
    assert code == 0, err
    assert "=== BeginSession" in out and f"-> MAIL FROM:<{SENDER}>" in out and "<- 250" in out
    assert out.rstrip().endswith("=== Closed")
    assert len({line.split("]")[0] for line in out.splitlines() if line.startswith("[")}) == 1, out
    assert "\x1b[" not in out
    # Events of the second session still buffered when kcli leaves count as dropped: the sum holds.
    summary = dict(kv.split("=") for kv in err.split("trace summary: ", 1)[1].split())
    n = {k: int(v) for k, v in summary.items()}
    assert n["produced"] == n["delivered"] + n["dropped"] + n["filtered"], err


def test_kcli_filters_ready_queue_and_mx_addr(mxlab_topology, kcli_trace):
    topo, mta = two_domain_topology(mxlab_topology)
    p = kcli_trace(mta, "trace-smtp-client", "--only-one", "--ready-queue", f"unspecified->{MX2}@smtp_client",
                   "--mx-addr", "127.0.0.3/32", "--mx-addr", "192.168.1.0/24")
    topo.send(SENDER, [BOB], MESSAGE)
    topo.send(SENDER, [CAROL], MESSAGE)
    code, out, err = finish(p)
    assert code == 0, err
    assert f"mx_host={MX2}" in out and CAROL in out
    assert f"RCPT TO:<{BOB}>" not in out and f"mx_host={MX1}" not in out


def test_kcli_terse_abbreviates_message_data(mxlab_topology, kcli_trace):
    topo, mta = two_domain_topology(mxlab_topology)
    p = kcli_trace(mta, "trace-smtp-client", "--only-one", "--terse")
    topo.send(SENDER, [BOB], BIG_MESSAGE)
    code, out, err = finish(p)
    assert code == 0, err
    assert "filler line 010" not in out
    assert " bytes) " in out and "-> MAIL FROM" in out


def test_kcli_trace_server_source_filter_and_color(mxlab_topology, kcli_trace):
    topo, mta = two_domain_topology(mxlab_topology)
    p = kcli_trace(mta, "trace-smtp-server", "--source", "127.0.0.0/8", "--only-one", "--color", "yes")
    topo.send(SENDER, [BOB], MESSAGE)
    code, out, err = finish(p)
    assert code == 0, err
    assert "\x1b[" in out
    assert "EHLO client.mxlab.test" in out and "=== MessageDisposition" in out


def test_kcli_rejects_a_bad_cidr_with_the_servers_reason(mxlab_topology, kcli_trace):
    topo, mta = two_domain_topology(mxlab_topology)
    p = kcli_trace(mta, "trace-smtp-server", "--source", "10.0.0.0/99")
    code, out, err = finish(p)
    assert code != 0
    assert "filter 'source_addr'" in err


def test_metrics_count_trace_events_per_direction_and_subscriber(mxlab_topology):
    import urllib.request
    topo, mta = two_domain_topology(mxlab_topology)
    with trace.subscribe(mta, "client", capacity=1, name="tiny") as t:
        topo.send(SENDER, [BOB], MESSAGE)
        topo.wait_for_delivery(1)
        wait_until(lambda: mta.trace_hub.totals("client")["produced"] > 5, 10, "client events")
        text = urllib.request.urlopen(f"http://127.0.0.1:{mta.admin_port}/metrics", timeout=5).read().decode()
        c = t.counts()
    assert f'trace_subscriber_dropped{{subscriber="tiny"}} {c["dropped"]}' in text
    assert 'trace_subscribers{direction="client"} 1' in text
    assert 'trace_events_produced{direction="client"}' in text
