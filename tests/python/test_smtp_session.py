"""mxlab.SmtpSession, the step-by-step SMTP client, against fake MX hosts and mtad: capabilities
from EHLO, expected codes, pipelining, raw bytes, DATA, STARTTLS and each typed failure."""
import socket
import threading
import time

import pytest

import mxlab
from mail_constants import MESSAGE, MX1, RECIPIENT, SENDER

from tls_hosts import TLS_NAME, start_tls_host


@pytest.fixture
def mx(mxlab_topology):
    """A plain fake MX (127.0.0.2) with the default capabilities."""
    return mxlab_topology().add_mx(MX1)


@pytest.fixture
def tls_mx():
    """Factory: a STARTTLS fake MX with TlsConfig fields; stopped at teardown."""
    started = []

    def make(address, **kwargs):
        started.append(start_tls_host(address, **{"idle_timeout": 2.0, **kwargs}))
        return started[-1]

    yield make
    for host in started:
        host.stop()


def test_ehlo_exposes_capabilities(mx):
    with mxlab.SmtpSession(timeout=5) as s:
        banner = s.connect(mx.address, mx.port, expect=220)
        s.ehlo("client.test", expect=250)

        assert banner.code == 220
        assert s.has_capability("pipelining") and s.has_capability("8BITMIME")
        assert "SIZE" in s.capabilities


def test_full_transaction_reaches_the_mx(mx):
    with mxlab.SmtpSession(timeout=5) as s:
        s.connect(mx.address, mx.port, expect=220)
        s.ehlo(expect=250)
        s.mail(SENDER, expect=250)
        s.rcpt(RECIPIENT, expect=250)
        final = s.data(MESSAGE, expect=250)
        s.quit(expect=221)

    assert final.code == 250
    assert len(mx.wait_for_transactions(1, 5.0)) == 1
    tx = mx.transactions()[0]
    assert tx.mail_from == SENDER and tx.rcpt_to == [RECIPIENT]
    assert tx.data == MESSAGE  # dot lines stuffed on the wire and unstuffed by the MX


def test_unexpected_reply_carries_the_reply(mxlab_topology):
    host = mxlab_topology().add_mx(MX1, rules=[mxlab.Rule.reply("mail", "550 5.7.1 not you")])
    with mxlab.SmtpSession(timeout=5) as s:
        s.connect(host.address, host.port)
        s.ehlo()
        with pytest.raises(mxlab.UnexpectedReply) as err:
            s.mail(SENDER, expect=2)

    assert err.value.reply.code == 550
    assert "not you" in str(err.value)
    assert isinstance(err.value, mxlab.SmtpError)


def test_pipelined_batch_gets_one_reply_per_command(mxlab_topology):
    host = mxlab_topology().add_mx(MX1, rules=[mxlab.Rule.reply("rcpt", "550 5.1.1 no such user", times=1)])
    with mxlab.SmtpSession(timeout=5) as s:
        s.connect(host.address, host.port)
        s.ehlo()
        replies = s.pipeline([f"MAIL FROM:<{SENDER}>", "RCPT TO:<nobody@example.com>", f"RCPT TO:<{RECIPIENT}>"],
                             expect=[250, 550, 250])

    assert [r.code for r in replies] == [250, 550, 250]


def test_raw_bytes_then_read_reply(mx):
    with mxlab.SmtpSession(timeout=5) as s:
        s.connect(mx.address, mx.port)
        s.send_raw(b"NOOP\r\nNOOP\r\n")
        assert s.read_reply(expect=250).code == 250
        assert s.read_reply(expect=250).code == 250


def test_data_answered_with_the_rule_reply(mxlab_topology):
    host = mxlab_topology().add_mx(MX1, rules=[mxlab.Rule.reply("end_of_data", "554 5.7.1 spam")])
    with mxlab.SmtpSession(timeout=5) as s:
        s.connect(host.address, host.port)
        s.ehlo()
        s.mail(SENDER, expect=250)
        s.rcpt(RECIPIENT, expect=250)
        assert s.data(MESSAGE).code == 554


def test_connect_refused_raises_connect_error():
    port = mxlab.topology.free_port()
    with pytest.raises(mxlab.SmtpConnectError):
        mxlab.SmtpSession(timeout=2).connect("127.0.0.1", port)


def test_silent_server_raises_timeout():
    with socket.socket() as listener:  # accepts (kernel backlog) and never speaks
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        s = mxlab.SmtpSession(timeout=0.3)
        t0 = time.monotonic()
        with pytest.raises(mxlab.SmtpTimeout):
            s.connect("127.0.0.1", listener.getsockname()[1])
        assert time.monotonic() - t0 < 3
        with pytest.raises(TimeoutError):  # also the builtin
            s.read_reply()


def test_disconnect_raises_disconnected(mxlab_topology):
    host = mxlab_topology().add_mx(MX1, rules=[mxlab.Rule("mail", mxlab.ActionKind.Disconnect)])
    with mxlab.SmtpSession(timeout=5) as s:
        s.connect(host.address, host.port)
        s.ehlo()
        with pytest.raises(mxlab.SmtpDisconnected):
            s.mail(SENDER)
        assert s.peer_closed


def test_gil_released_while_waiting():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        ticks = []
        stop = threading.Event()

        def tick():
            while not stop.is_set():
                ticks.append(1)
                time.sleep(0.01)

        t = threading.Thread(target=tick)
        t.start()
        try:
            with pytest.raises(mxlab.SmtpTimeout):
                mxlab.SmtpSession(timeout=0.5).connect("127.0.0.1", listener.getsockname()[1])
        finally:
            stop.set()
            t.join()
    assert len(ticks) >= 10  # the other thread ran during the blocking wait


def test_starttls_then_ehlo_over_tls(tls_mx, tmp_path):
    ca = tmp_path / "ca.pem"
    mxlab.write_test_ca(str(ca))
    host = tls_mx("127.0.0.91")
    with mxlab.SmtpSession(timeout=5) as s:
        s.connect(host.address, host.port)
        s.ehlo(expect=250)
        assert s.has_capability("STARTTLS")
        s.starttls(verify=True, ca_file=str(ca), server_name=TLS_NAME, expect=220)
        s.ehlo(expect=250)

        assert s.tls_active and s.tls_version.startswith("TLS")
        assert not s.has_capability("STARTTLS")


def test_starttls_refused_is_a_reply(tls_mx):
    host = tls_mx("127.0.0.92", starttls_reply="454 4.7.0 TLS not available")
    with mxlab.SmtpSession(timeout=5) as s:
        s.connect(host.address, host.port)
        s.ehlo()
        assert s.starttls().code == 454
        assert not s.tls_active
        s.command("NOOP", expect=250)  # still speaking plaintext


def test_handshake_abort_raises_tls_error(tls_mx):
    host = tls_mx("127.0.0.93", handshake_abort=True)
    with mxlab.SmtpSession(timeout=5) as s:
        s.connect(host.address, host.port)
        s.ehlo()
        with pytest.raises(mxlab.SmtpTlsError):
            s.starttls()


def test_against_mtad_pipelining_reception(mxlab_topology):
    topo = mxlab_topology()
    topo.add_mx(MX1)
    topo.route("example.com", MX1)
    mta = topo.start_mta()
    with mxlab.SmtpSession(timeout=5) as s:
        s.connect("127.0.0.1", mta.smtp_port(), expect=220)
        s.ehlo(expect=250)
        assert s.has_capability("PIPELINING")
        s.pipeline([f"MAIL FROM:<{SENDER}>", f"RCPT TO:<{RECIPIENT}>"], expect=2)
        s.data(MESSAGE, expect=250)
    topo.wait_for_delivery()
