# End to end: a message submitted to the MTA reaches the MX host that DNS names for the
# recipient's domain, with envelope and body unchanged, and the log tells the story in order.
import re

import pytest

from mail_constants import DOMAIN, MESSAGE, MX1, MX2, RECIPIENT, SENDER

# Zero or more header fields, each a "Name: value" line plus folded continuation lines (RFC 5322 2.2).
TRACE_HEADERS = re.compile(rb"(?:[!-9;-~]+:[^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*)*")


@pytest.fixture
def topo(mxlab_topology):
    topo = mxlab_topology()
    topo.add_mx(MX1)  # 127.0.0.2, the MX for example.com
    topo.add_mx(MX2)  # 127.0.0.3, resolvable but named by no MX record
    topo.route(DOMAIN, MX1)
    topo.start_mta()
    return topo


def test_message_reaches_the_mx_named_by_dns(topo):
    topo.send(SENDER, [RECIPIENT], MESSAGE)

    [tx] = topo.mx(MX1).wait_for_transactions(1, timeout=10)
    assert tx.mail_from == SENDER
    assert tx.rcpt_to == [RECIPIENT]
    assert topo.mx(MX1).address == "127.0.0.2"


def test_other_mx_hosts_get_nothing(topo):
    topo.send(SENDER, [RECIPIENT], MESSAGE)
    topo.mx(MX1).wait_for_transactions(1, timeout=10)
    topo.wait_for_delivery(recipient=RECIPIENT)

    assert topo.mx(MX2).transactions() == []
    assert topo.mx(MX2).connections == 0


def test_body_arrives_byte_identical_including_dot_lines(topo):
    topo.send(SENDER, [RECIPIENT], MESSAGE)

    [tx] = topo.mx(MX1).wait_for_transactions(1, timeout=10)
    # The MTA may prepend trace header fields (Received:); everything submitted follows unchanged.
    assert tx.data.endswith(MESSAGE)
    assert TRACE_HEADERS.fullmatch(tx.data[: -len(MESSAGE)])


def test_log_has_reception_then_delivery(topo):
    topo.send(SENDER, [RECIPIENT], MESSAGE)

    [delivery] = topo.wait_for_delivery(recipient=RECIPIENT)
    mta = topo.mtas[0]
    assert [r.type.name for r in mta.log_records()] == ["Reception", "Delivery"]
    assert delivery.response.code == 250
    assert delivery.peer_address.addr == "127.0.0.2"
    assert delivery.sender == SENDER
