# Log records: failures carry KumoMTA's bounce_classification (built-in and configured rules),
# every outcome carries egress_source, the Message-ID header and Postfix's four delays; with
# log.postfix_path the same events appear as Postfix-style lines carrying relay=host[ip]:port,
# delays=a/b/c/d and the receiver's reply (with its "queued as" id), as Postfix log tools expect.
import json
import re
from datetime import timedelta

import pytest

import mxlab
from mail_constants import DOMAIN, GREYLIST_REPLY, MESSAGE, MX1, RECIPIENT, SENDER, greylist_once

FAST = {"retry": {"initial_interval": "200ms", "multiplier": 1.0, "jitter": 0}}
FAST_INTERVAL = timedelta(milliseconds=200)
SLOW = timedelta(milliseconds=50)


@pytest.fixture
def topo(mxlab_topology):
    topo = mxlab_topology()
    topo.add_mx(MX1, rules=[
        greylist_once(),
        mxlab.Rule.reply("rcpt", "550 5.7.1 listed at spamhaus", recipient="spam@example.com"),
        mxlab.Rule.reply("rcpt", "550 5.2.2 mailbox full", recipient="full@example.com"),
        # Slow EHLO and end-of-data replies: the connection setup and transmission delays are visible.
        mxlab.Rule(stage="ehlo", kind="delay", delay=SLOW),
        mxlab.Rule(stage="end_of_data", kind="delay", delay=SLOW),
    ])
    topo.route(DOMAIN, MX1)
    return topo


def test_records_carry_classification_egress_headers_and_delays(topo):
    mta = topo.start_mta(FAST)
    topo.send(SENDER, [RECIPIENT], MESSAGE)
    [delivery] = topo.wait_for_delivery(recipient=RECIPIENT)
    [deferred] = mta.log_records("TransientFailure", RECIPIENT)
    [received] = mta.log_records("Reception", RECIPIENT)

    assert deferred.bounce_classification == "PolicyRelated"  # 4.7.1 in the IANA table
    assert delivery.bounce_classification == "Uncategorized"
    for r in (deferred, delivery):
        assert r.egress_source == "unspecified"
        assert r.headers == {"Message-ID": "<dots-1@source.test>"}
    assert received.headers == {"Message-ID": "<dots-1@source.test>"}

    d = delivery.delays
    assert d.in_queue >= FAST_INTERVAL  # reception to this (second) attempt
    assert d.connection_setup >= SLOW and d.transmission >= SLOW
    assert d.before_queue < timedelta(seconds=5)
    line = json.loads(delivery.to_json())
    assert line["bounce_classification"] == "Uncategorized" and line["egress_source"] == "unspecified"
    assert line["headers"] == {"Message-ID": "<dots-1@source.test>"}
    assert set(line["delays"]) == {"before_queue", "in_queue", "connection_setup", "transmission"}


def test_classification_of_bounces_and_configured_rules(topo):
    rules = {"bounce_rules": {"rules": [{"class": "MailboxFull", "match": "mailbox full"}]}}
    mta = topo.start_mta(mxlab.merge_settings(FAST, rules))
    topo.send(SENDER, ["spam@example.com", "full@example.com"], MESSAGE)
    [spam] = mta.wait_for_log("Bounce", recipient="spam@example.com")
    [full] = mta.wait_for_log("Bounce", recipient="full@example.com")
    assert spam.bounce_classification == "SpamBlock"
    assert full.bounce_classification == "MailboxFull"  # a configured rule wins over the code table


def test_postfix_lines_follow_the_message(topo, tmp_path):
    maillog = tmp_path / "maillog"
    mta = topo.start_mta(mxlab.merge_settings(FAST, {"log": {"postfix_path": str(maillog)}}))
    topo.send(SENDER, [RECIPIENT], MESSAGE)
    [delivery] = topo.wait_for_delivery(recipient=RECIPIENT)
    qid = delivery.id
    port = topo.mx_port
    mxlab.wait_until(lambda: f"{qid}: removed" in maillog.read_text(), 5, "the removed line")
    lines = [l.split(": ", 1)[1] for l in maillog.read_text().splitlines()]
    assert re.match(r"\w{3} [ \d]\d \d\d:\d\d:\d\d mta\.mxlab\.test postfix/smtpd\[\d+\]: ", maillog.read_text())
    assert f"{qid}: client=client.mxlab.test[127.0.0.1]" in lines
    assert f"{qid}: message-id=<dots-1@source.test>" in lines
    assert f"{qid}: from=<{SENDER}>, size={delivery.size}, nrcpt=1 (queue active)" in lines
    deferred = next(l for l in lines if "status=deferred" in l)
    assert deferred.startswith(f"{qid}: to=<{RECIPIENT}>, relay={MX1}[127.0.0.2]:{port}, delay=")
    assert deferred.endswith(f"dsn=4.7.1, status=deferred (host {MX1}[127.0.0.2] said: {GREYLIST_REPLY} "
                             f"(in reply to RCPT TO command))")
    sent = next(l for l in lines if "status=sent" in l)
    m = re.match(rf"{qid}: to=<{RECIPIENT}>, relay={re.escape(MX1)}\[127\.0\.0\.2\]:{port}, delay=[\d.]+, "
                 r"delays=([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+), dsn=2\.0\.0, "
                 rf"status=sent \(250 2\.0\.0 Ok: queued as {re.escape(MX1)}-\S+\)$", sent)
    assert m, sent
    assert float(m.group(2)) >= 0.2  # waited out the retry interval in the queue
    assert lines[-1] == f"{qid}: removed"
