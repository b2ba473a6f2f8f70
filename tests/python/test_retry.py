# Retry: a recipient the MX defers with 451 is retried after the configured interval and
# delivered; the log records the TransientFailure and then the Delivery for that recipient.
from datetime import timedelta

import pytest

from mail_constants import DOMAIN, GREYLIST_REPLY, MESSAGE, MX1, RECIPIENT, SENDER, greylist_once

RETRY_INTERVAL = timedelta(milliseconds=100)
FAST_RETRY = {"retry": {"initial_interval": "100ms", "multiplier": 1.0, "jitter": 0}}  # exact: the test checks the gap


@pytest.fixture
def topo(mxlab_topology):
    topo = mxlab_topology()
    topo.add_mx(MX1, rules=[greylist_once()])
    topo.route(DOMAIN, MX1)
    topo.start_mta(FAST_RETRY)
    return topo


def test_deferred_recipient_is_delivered_on_retry(topo):
    topo.send(SENDER, [RECIPIENT], MESSAGE)

    [tx] = topo.mx(MX1).wait_for_transactions(1, timeout=10)
    assert tx.rcpt_to == [RECIPIENT]
    assert tx.data.endswith(MESSAGE)


def test_log_has_transient_failure_then_delivery(topo):
    topo.send(SENDER, [RECIPIENT], MESSAGE)

    topo.wait_for_delivery(recipient=RECIPIENT)
    mta = topo.mtas[0]
    outcomes = [r for r in mta.log_records(recipient=RECIPIENT) if r.type.name != "Reception"]
    assert [r.type.name for r in outcomes] == ["TransientFailure", "Delivery"]
    failure, delivery = outcomes
    assert failure.response.code == 451
    assert "greylisted" in failure.response.content
    assert delivery.response.code == 250
    assert delivery.num_attempts > failure.num_attempts


def test_retry_waits_for_the_interval(topo):
    topo.send(SENDER, [RECIPIENT], MESSAGE)

    [delivery] = topo.wait_for_delivery(recipient=RECIPIENT)
    [failure] = topo.mtas[0].log_records("TransientFailure", RECIPIENT)
    # 10 ms of slack for timestamp rounding; the retry must not be immediate.
    assert delivery.timestamp - failure.timestamp >= RETRY_INTERVAL - timedelta(milliseconds=10)
