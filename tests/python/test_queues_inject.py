# Scheduled queue names from headers (X-Tenant, X-Campaign, X-Routing-Domain; configurable under
# `queues:`), the routing domain deciding the MX lookup, and HTTP injection (POST /api/inject/v1,
# KumoMTA's shape) queueing through the same reception path.
import json
import urllib.error
import urllib.request

import pytest

import mxlab
from mail_constants import DOMAIN, MX1, MX2, RECIPIENT, SENDER

ROUTED = "relay.example.net"


@pytest.fixture
def topo(mxlab_topology):
    topo = mxlab_topology()
    topo.add_mx(MX1)
    topo.add_mx(MX2)
    topo.route(DOMAIN, MX1)
    topo.route(ROUTED, MX2)
    return topo


def message(*headers):
    return ("\r\n".join(["From: <alice@source.test>", "Subject: queues", *headers]) + "\r\n\r\nbody\r\n").encode()


def inject(mta, body):
    req = urllib.request.Request(f"http://127.0.0.1:{mta.admin_port}/api/inject/v1", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def test_headers_name_the_scheduled_queue(topo):
    mta = topo.start_mta()
    topo.send(SENDER, [RECIPIENT], message("X-Tenant: acme", "X-Campaign: spring"))
    [rec] = mta.wait_for_log("Reception")
    assert rec.queue == f"spring:acme@{DOMAIN}"
    assert rec.meta == {"tenant": "acme", "campaign": "spring"}
    [delivery] = topo.wait_for_delivery()
    assert delivery.queue == f"spring:acme@{DOMAIN}"


def test_routing_domain_decides_the_mx(topo):
    mta = topo.start_mta()
    topo.send(SENDER, [RECIPIENT], message("X-Tenant: acme", f"X-Routing-Domain: {ROUTED.upper()}"))
    [delivery] = topo.wait_for_delivery()
    assert delivery.queue == f"acme@{DOMAIN}!{ROUTED}"
    assert delivery.peer_address.name == MX2  # MX of the routing domain, not of example.com
    assert topo.mx(MX1).transactions() == []


def test_configured_header_names(topo):
    mta = topo.start_mta({"queues": {"tenant_header": "X-Customer", "campaign_header": ""}})
    topo.send(SENDER, [RECIPIENT], message("X-Customer: globex", "X-Campaign: ignored"))
    [rec] = mta.wait_for_log("Reception")
    assert rec.queue == f"globex@{DOMAIN}"


def test_bad_queue_header_is_refused_with_a_rejection_record(topo):
    mta = topo.start_mta()
    result = topo.send(SENDER, [RECIPIENT], message("X-Tenant: a:b"), check=False)
    assert not result.accepted
    assert result.final_reply.code == 550 and "X-Tenant header: bad tenant 'a:b'" in result.final_reply.summary()
    [rej] = mta.wait_for_log("Rejection")
    assert rej.recipient == RECIPIENT and rej.response.code == 550


def test_inject_raw_content(topo):
    mta = topo.start_mta()
    status, body = inject(mta, {"envelope_sender": SENDER, "recipients": [{"email": RECIPIENT}],
                                "content": "Subject: injected\nMessage-ID: <inj-1@source.test>\n\nhello\n",
                                "tenant": "acme", "campaign": "launch"})
    assert status == 200, body
    assert body["success_count"] == 1 and body["fail_count"] == 0 and len(body["ids"]) == 1
    [rec] = mta.wait_for_log("Reception")
    assert rec.reception_protocol == "HTTP" and rec.id == body["ids"][0]
    assert rec.queue == f"launch:acme@{DOMAIN}"
    assert rec.headers["Message-ID"] == "<inj-1@source.test>"
    [tx] = topo.mx(MX1).wait_for_transactions(1)
    assert tx.mail_from == SENDER and tx.rcpt_to == [RECIPIENT]
    assert b"Subject: injected\r\n" in tx.data and tx.data.endswith(b"\r\nhello\r\n")
    [delivery] = topo.wait_for_delivery()
    assert delivery.headers["Message-ID"] == "<inj-1@source.test>"


def test_inject_builder_one_message_per_recipient(topo):
    mta = topo.start_mta()
    status, body = inject(mta, {
        "envelope_sender": SENDER,
        "recipients": [{"email": RECIPIENT, "name": "Bob"}, {"email": "carol@example.com"}],
        "content": {"subject": "hi", "text_body": "plain", "html_body": "<p>html</p>",
                    "from": {"email": "news@source.test", "name": "News"}, "headers": {"X-Campaign": "c1"}},
        "routing_domain": ROUTED})
    assert status == 200, body
    assert body["success_count"] == 2
    txs = topo.mx(MX2).wait_for_transactions(2)
    assert sorted(r for tx in txs for r in tx.rcpt_to) == sorted([RECIPIENT, "carol@example.com"])
    bob = next(tx for tx in txs if tx.rcpt_to == [RECIPIENT])
    assert b'To: "Bob" <bob@example.com>\r\n' in bob.data
    assert b'From: "News" <news@source.test>\r\n' in bob.data
    assert b"multipart/alternative" in bob.data and b"<p>html</p>" in bob.data
    recs = mta.wait_for_log("Reception", 2)
    assert {r.queue for r in recs} == {f"c1:@{DOMAIN}!{ROUTED}"}


@pytest.mark.parametrize("body, error", [
    ({"recipients": [{"email": RECIPIENT}], "content": "x"}, "envelope_sender is required"),
    ({"envelope_sender": SENDER, "recipients": [], "content": "x"}, "recipients is required"),
    ({"envelope_sender": SENDER, "recipients": [{"name": "x"}], "content": "x"}, "recipients[0].email is required"),
    ({"envelope_sender": SENDER, "recipients": [{"email": "not an address"}], "content": "x"},
     "recipients: bad address 'not an address'"),
    ({"envelope_sender": SENDER, "recipients": [{"email": RECIPIENT}]}, "content is required"),
    ({"envelope_sender": SENDER, "recipients": [{"email": RECIPIENT}], "content": {"subject": "s"}},
     "content needs text_body or html_body"),
    ({"envelope_sender": SENDER, "recipients": [{"email": RECIPIENT}], "content": {"text_body": "t", "attachments": []}},
     "content.attachments is not supported"),
    ({"envelope_sender": SENDER, "recipients": [{"email": RECIPIENT}], "content": "x", "tenant": "a b"},
     "inject: bad tenant 'a b'"),
    ({"envelope_sender": SENDER, "recipients": [{"email": RECIPIENT}], "content": "x", "routing_domain": "bad_domain"},
     "inject: bad routing_domain 'bad_domain'"),
])
def test_inject_refuses_bad_requests(topo, body, error):
    mta = topo.start_mta()
    status, reply = inject(mta, body)
    assert status == 400
    assert error in json.dumps(reply)
    assert mta.log_records("Reception") == []


def test_refused_recipient_is_a_rejection_record(topo):
    mta = topo.start_mta({"limits": {"max_recipients": 1}})
    result = topo.send(SENDER, [RECIPIENT, "carol@example.com"], message(), check=False)
    assert result.accepted  # the first recipient was taken
    [rej] = mta.wait_for_log("Rejection")
    assert rej.recipient == "carol@example.com" and rej.sender == SENDER
    assert rej.response.code == 452 and rej.response.command == "RCPT TO:<carol@example.com>"
    assert rej.reception_protocol == "ESMTP" and rej.peer_address.addr.startswith("127.0.0.1:")
    assert '"type":"Rejection"' in rej.to_json()
