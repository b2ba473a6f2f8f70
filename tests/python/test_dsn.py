# Bounces (RFC 3464): a message gets ONE delivery status notification covering every recipient
# that failed, across domains, sent when nothing is pending any more; expired recipients report
# 4.4.7. The DSN is queued and delivered like other mail (here to a fake MX for the sender's
# domain) from the null sender, and a message from the null sender never gets one.
import pytest

import mxlab
from mail_constants import DEFER_REPLY, DOMAIN, MESSAGE, MX1, MX2, RECIPIENT, SENDER

SENDER_DOMAIN = "source.test"
SENDER_MX = "mx.source.test"
OTHER_DOMAIN = "other.test"
OTHER_MX = "mx.other.test"
UNKNOWN = "nobody@example.com"
SLOW = "carol@other.test"
NO_SUCH_USER = "550 5.1.1 no such user"
SETTINGS = {"retry": {"initial_interval": "10m", "multiplier": 1.0, "max_age": "1h", "jitter": 0}}


@pytest.fixture
def topo(mxlab_topology):
    topo = mxlab_topology()
    topo.add_mx(MX1, rules=[mxlab.Rule.reply("rcpt", NO_SUCH_USER, recipient=UNKNOWN)])
    topo.add_mx(OTHER_MX, rules=[mxlab.Rule.reply("rcpt", DEFER_REPLY)])
    topo.add_mx(SENDER_MX)
    topo.route(DOMAIN, MX1)
    topo.route(OTHER_DOMAIN, OTHER_MX)
    topo.route(SENDER_DOMAIN, SENDER_MX)
    return topo


def dsn_transactions(topo):
    return [tx for tx in topo.mx(SENDER_MX).transactions() if tx.mail_from == ""]


def test_one_dsn_covers_every_failed_recipient_across_domains(topo):
    mta = topo.start_mta(SETTINGS, virtual_time=True)
    topo.send(SENDER, [RECIPIENT, UNKNOWN, SLOW], MESSAGE)
    mta.wait_for_log("Bounce", recipient=UNKNOWN)
    mta.wait_for_log("TransientFailure", recipient=SLOW)
    mta.wait_for_log("Delivery", recipient=RECIPIENT)
    assert dsn_transactions(topo) == []  # carol is still pending: no DSN yet

    for attempt in range(2, 7):  # every 10 minutes; the retry after the 6th would be past max_age (1h)
        mta.advance(600)
        mta.wait_for_log("TransientFailure", attempt, recipient=SLOW, timeout=5)
    mta.wait_for_log("Expiration", recipient=SLOW, timeout=5)

    [tx] = topo.mx(SENDER_MX).wait_for_transactions(1, timeout=10)
    assert tx.mail_from == "" and tx.rcpt_to == [SENDER]
    dsn = mxlab.parse_dsn(tx.data)
    assert dsn.report_type == "delivery-status"
    assert dsn.reporting_mta == mta.config.hostname
    assert sorted(r.final_recipient for r in dsn.recipients) == sorted([UNKNOWN, SLOW])
    bounced, expired = dsn.recipient(UNKNOWN), dsn.recipient(SLOW)
    assert (bounced.action, bounced.status, bounced.remote_mta) == ("failed", "5.1.1", MX1)
    assert NO_SUCH_USER in bounced.diagnostic_code
    assert (expired.action, expired.status) == ("failed", "4.4.7")
    assert "451" in expired.diagnostic_code
    assert "Message-ID: <dots-1@source.test>" in dsn.returned_headers
    assert dsn.recipient(RECIPIENT) is None  # delivered recipients are not reported

    # The DSN itself went through the queue: a Reception and a Delivery of its own.
    [dsn_in] = [r for r in mta.log_records("Reception") if r.reception_protocol == "DSN"]
    assert dsn_in.recipient == SENDER and dsn_in.sender == ""
    mta.wait_for_log("Delivery", recipient=SENDER)


def test_null_sender_never_gets_a_dsn(topo):
    mta = topo.start_mta(SETTINGS)
    topo.send("", [UNKNOWN], MESSAGE)
    mta.wait_for_log("Bounce", recipient=UNKNOWN)
    # A second, ordinary bounce: once its DSN has arrived, the first one would have too.
    topo.send(SENDER, [UNKNOWN], MESSAGE)
    mta.wait_for_log("Bounce", 2, recipient=UNKNOWN)
    [tx] = topo.mx(SENDER_MX).wait_for_transactions(1, timeout=10)
    assert tx.rcpt_to == [SENDER]
    mta.wait_for_log("Delivery", recipient=SENDER)
    assert len(dsn_transactions(topo)) == 1
    assert [r.reception_protocol for r in mta.log_records("Reception")].count("DSN") == 1


def test_a_bounced_dsn_is_not_bounced_again(topo):
    topo.mx(SENDER_MX).set_rules([mxlab.Rule.reply("rcpt", NO_SUCH_USER)])
    mta = topo.start_mta(SETTINGS)
    topo.send(SENDER, [UNKNOWN], MESSAGE)
    mta.wait_for_log("Bounce", recipient=SENDER)  # the DSN itself bounced at the sender's MX
    mta.wait_for_log("Bounce", recipient=UNKNOWN)
    assert [r.reception_protocol for r in mta.log_records("Reception")].count("DSN") == 1
    assert mta.queue_snapshot() == []
