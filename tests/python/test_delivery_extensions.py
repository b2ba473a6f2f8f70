"""ESMTP extensions on the way out: 8-bit content only to servers offering 8BITMIME (RFC 6152),
UTF-8 addresses only with SMTPUTF8 (RFC 6531), SIZE= declared and a server's fixed limit honoured
(RFC 1870), CHUNKING used when offered (RFC 3030). Each test reads the fake MX's transcript."""
import pytest

import mxlab

from mail_constants import DOMAIN, MX1, RECIPIENT, SENDER

ASCII_MESSAGE = b"Subject: plain\r\n\r\nplain ascii body\r\n"
EIGHT_BIT_MESSAGE = "Subject: caf\u00e9\r\n\r\nna\u00efve r\u00e9sum\u00e9\r\n".encode()
UTF8_RECIPIENT = "j\u00fcrgen@" + DOMAIN


def server(**fields) -> "mxlab.ServerOptions":
    opts = mxlab.ServerOptions()
    opts.hostname = MX1
    for key, value in fields.items():
        setattr(opts, key, value)
    return opts


@pytest.fixture
def world(mxlab_topology):
    """world(**ServerOptions fields) -> (topology, mx): one MX for example.com, one MTA."""
    def make(**fields):
        topo = mxlab_topology()
        mx = topo.add_mx(MX1, server=server(**fields))
        topo.route(DOMAIN, MX1)
        topo.start_mta()
        return topo, mx
    return make


def client_lines(mx) -> list:
    return [line for s in mx.sessions() for line in s.lines("C")]


def test_8bit_message_to_a_server_without_8bitmime_is_bounced_not_sent(world):
    topo, mx = world(eightbitmime=False)
    topo.send(SENDER, [RECIPIENT], EIGHT_BIT_MESSAGE)

    [bounce] = topo.wait_for_log("Bounce", recipient=RECIPIENT)
    assert (bounce.response.code, str(bounce.response.enhanced_code)) == (554, "5.6.3")
    assert "does not offer 8BITMIME" in bounce.response.content
    assert mx.transactions() == []
    assert not any(line.startswith("MAIL") for line in client_lines(mx))


def test_8bit_message_is_declared_body_8bitmime(world):
    topo, mx = world()
    topo.send(SENDER, [RECIPIENT], EIGHT_BIT_MESSAGE)

    [tx] = mx.wait_for_transactions(1, timeout=10)
    assert tx.data.endswith(EIGHT_BIT_MESSAGE)
    [mail] = [line for line in client_lines(mx) if line.startswith("MAIL")]
    assert " BODY=8BITMIME" in mail


def test_ascii_message_is_not_declared_8bit(world):
    topo, mx = world(eightbitmime=False)
    topo.send(SENDER, [RECIPIENT], ASCII_MESSAGE)

    mx.wait_for_transactions(1, timeout=10)
    [mail] = [line for line in client_lines(mx) if line.startswith("MAIL")]
    assert "BODY=" not in mail


def test_utf8_recipient_goes_with_smtputf8(world):
    topo, mx = world()
    topo.send(SENDER, [UTF8_RECIPIENT], ASCII_MESSAGE)

    [tx] = mx.wait_for_transactions(1, timeout=10)
    assert tx.rcpt_to == [UTF8_RECIPIENT]
    [mail] = [line for line in client_lines(mx) if line.startswith("MAIL")]
    assert mail.endswith(" SMTPUTF8")


def test_utf8_recipient_to_a_server_without_smtputf8_is_bounced(world):
    topo, mx = world(smtputf8=False)
    topo.send(SENDER, [UTF8_RECIPIENT], ASCII_MESSAGE)

    [bounce] = topo.wait_for_log("Bounce", recipient=UTF8_RECIPIENT)
    assert (bounce.response.code, str(bounce.response.enhanced_code)) == (553, "5.6.7")
    assert mx.transactions() == []


def test_size_is_declared_and_a_fixed_limit_is_honoured(world):
    topo, mx = world(max_message_size=4096)
    topo.send(SENDER, [RECIPIENT], ASCII_MESSAGE)
    topo.send(SENDER, ["big@" + DOMAIN], b"Subject: big\r\n\r\n" + (b"y" * 78 + b"\r\n") * 80)

    [tx] = mx.wait_for_transactions(1, timeout=10)
    [bounce] = topo.wait_for_log("Bounce", recipient="big@" + DOMAIN)
    assert (bounce.response.code, str(bounce.response.enhanced_code)) == (552, "5.3.4")
    [mail] = [line for line in client_lines(mx) if line.startswith("MAIL")]
    assert f" SIZE={len(tx.data)}" in mail


def test_chunking_sends_one_bdat_last_chunk(world):
    topo, mx = world(chunking=True)
    topo.send(SENDER, [RECIPIENT], ASCII_MESSAGE)

    [tx] = mx.wait_for_transactions(1, timeout=10)
    assert tx.data.endswith(ASCII_MESSAGE)
    lines = client_lines(mx)
    assert f"BDAT {len(tx.data)} LAST" in lines
    assert "DATA" not in lines


def test_without_chunking_data_is_used(world):
    topo, mx = world()
    topo.send(SENDER, [RECIPIENT], ASCII_MESSAGE)

    mx.wait_for_transactions(1, timeout=10)
    lines = client_lines(mx)
    assert "DATA" in lines
    assert not any(line.startswith("BDAT") for line in lines)
