"""Fake MX behaviour driven by clients nobody here wrote: Python's smtplib and swaks.

Each test starts one fake MX with one behaviour and checks the reply a stock client sees, so
removing the behaviour makes its test fail."""
from __future__ import annotations

import shutil
import smtplib
import socket
import subprocess
from datetime import timedelta

import pytest

from mxlab import _core

HOST = "127.0.0.2"
MESSAGE = b"Subject: fakemx test\r\n\r\nhello\r\n"
SENDER = "alice@origin.test"


@pytest.fixture
def make_mx():
    """Factory: make_mx(rules=..., server=..., behaviour=..., refuse=...) -> a started MxHost."""
    started: list[_core.MxHost] = []

    def make(rules=(), server=None, behaviour=None, refuse=False, address=HOST):
        host = _core.MxHost(_core.MxHostConfig(name="mx1.example.com", address=address, rules=list(rules),
                                               server=server, behaviour=behaviour, refuse=refuse))
        host.start()
        started.append(host)
        return host

    yield make
    for host in started:
        host.stop()


def smtp(host: _core.MxHost, timeout: float = 5.0) -> smtplib.SMTP:
    client = smtplib.SMTP(host.address, host.port, timeout=timeout)
    client.ehlo("client.test")
    return client


def rcpt_code(host: _core.MxHost, rcpt: str) -> tuple[int, bytes]:
    with smtp(host) as c:
        c.mail(SENDER)
        return c.rcpt(rcpt)


# ---- rules ---------------------------------------------------------------------------------

def test_rule_matches_exact_recipient_only(make_mx):
    mx = make_mx([_core.Rule.reply("rcpt", "550 5.1.1 no such user", recipient="gone@example.com")])
    assert rcpt_code(mx, "gone@example.com")[0] == 550
    assert rcpt_code(mx, "here@example.com")[0] == 250


def test_rule_matches_sender_domain_and_regex(make_mx):
    mx = make_mx([_core.Rule.reply("mail", "553 5.7.1 domain blocked", sender="@spam.test"),
                  _core.Rule.reply("rcpt", "450 4.2.1 tagged", recipient="/\\+tag@/")])
    with smtp(mx) as c:
        assert c.mail("x@SPAM.test")[0] == 553
        assert c.mail(SENDER)[0] == 250
        assert c.rcpt("bob+tag@example.com")[0] == 450
        assert c.rcpt("bob@example.com")[0] == 250


def test_skip_and_times_pick_the_second_attempt(make_mx):
    mx = make_mx([_core.Rule.reply("rcpt", "451 4.3.0 second only", skip=1, times=1)])
    assert [rcpt_code(mx, "b@example.com")[0] for _ in range(3)] == [250, 451, 250]


def test_session_rule_applies_to_the_clients_first_session(make_mx):
    mx = make_mx([_core.Rule.reply("mail", "421 4.7.0 come back later", session=1,
                                   kind="reply_then_disconnect")])
    with smtp(mx) as c:
        code, _ = c.mail(SENDER)
        assert code == 421
    with smtp(mx) as c:
        assert c.mail(SENDER)[0] == 250


def test_probability_is_reproducible_with_a_seed(make_mx):
    def run(seed: int) -> list[int]:
        mx = make_mx([_core.Rule.reply("rcpt", "451 4.3.0 coin", probability=0.5)],
                     behaviour=_core.BehaviourOptions(seed=seed), address="127.0.0.3")
        with smtp(mx) as c:
            c.mail(SENDER)
            codes = [c.rcpt(f"r{i}@example.com")[0] for i in range(24)]
        mx.stop()
        return codes

    first, second = run(11), run(11)
    assert first == second
    assert 451 in first and 250 in first


def test_multiline_reply_reaches_the_client(make_mx):
    mx = make_mx([_core.Rule.reply("rcpt", ["550 5.7.1 policy says no", "see https://example.test/why"])])
    code, text = rcpt_code(mx, "b@example.com")
    assert code == 550
    assert text.splitlines() == [b"5.7.1 policy says no", b"5.7.1 see https://example.test/why"]


def test_rules_change_while_running(make_mx):
    mx = make_mx()
    assert rcpt_code(mx, "b@example.com")[0] == 250
    mx.set_rules_yaml('{rules: [{stage: rcpt, reply: "452 4.3.1 out of space"}]}')
    assert rcpt_code(mx, "b@example.com")[0] == 452


def test_disconnect_at_mail(make_mx):
    mx = make_mx([_core.Rule(stage="mail", kind="disconnect")])
    with pytest.raises(smtplib.SMTPServerDisconnected):
        with smtp(mx) as c:
            c.mail(SENDER)


def test_disconnect_in_data_before_the_final_dot(make_mx):
    mx = make_mx([_core.Rule(stage="data", kind="disconnect", after_bytes=1024)])
    with pytest.raises((smtplib.SMTPServerDisconnected, ConnectionError)):
        with smtp(mx) as c:
            c.sendmail(SENDER, ["b@example.com"], MESSAGE + (b"x" * 98 + b"\r\n") * 20_000)
    assert mx.transactions() == []


# ---- address conventions -------------------------------------------------------------------

@pytest.mark.parametrize("local,code", [("tempfail", 451), ("permfail", 550), ("full", 452), ("550-x", 550),
                                        ("450-later", 450)])
def test_address_conventions(make_mx, local, code):
    mx = make_mx()
    assert rcpt_code(mx, f"{local}@example.com")[0] == code


def test_421_convention_closes_the_connection(make_mx):
    mx = make_mx()
    with smtp(mx) as c:
        c.mail(SENDER)
        assert c.rcpt("421-bye@example.com")[0] == 421
        with pytest.raises(smtplib.SMTPServerDisconnected):
            c.noop()


def test_timeout_convention_never_answers(make_mx):
    mx = make_mx()
    with smtp(mx, timeout=0.5) as c:
        c.mail(SENDER)
        with pytest.raises((socket.timeout, TimeoutError, smtplib.SMTPServerDisconnected)):
            c.rcpt("timeout@example.com")


def test_conventions_can_be_switched_off(make_mx):
    mx = make_mx(behaviour=_core.BehaviourOptions(address_conventions=False))
    assert rcpt_code(mx, "tempfail@example.com")[0] == 250


# ---- greylisting ---------------------------------------------------------------------------

def test_greylisting_refuses_the_first_attempt_then_accepts(make_mx):
    mx = make_mx(behaviour=_core.BehaviourOptions(greylist=_core.GreylistOptions(delay=timedelta(0))))
    code, text = rcpt_code(mx, "b@example.com")
    assert (code, text[:5]) == (451, b"4.7.1")
    assert rcpt_code(mx, "c@example.com")[0] == 451  # another triplet
    assert rcpt_code(mx, "b@example.com")[0] == 250
    mx.reset_greylist()
    assert rcpt_code(mx, "b@example.com")[0] == 451


def test_greylisting_waits_for_the_delay(make_mx):
    mx = make_mx(behaviour=_core.BehaviourOptions(greylist=_core.GreylistOptions(delay=timedelta(hours=1))))
    assert [rcpt_code(mx, "b@example.com")[0] for _ in range(3)] == [451, 451, 451]


# ---- connection level ----------------------------------------------------------------------

def test_refusing_host_closes_the_port(make_mx):
    mx = make_mx(refuse=True)
    assert mx.port > 0
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((mx.address, mx.port), timeout=2)


def test_tarpit_accepts_and_never_sends_a_banner(make_mx):
    mx = make_mx(behaviour=_core.BehaviourOptions(tarpit=True))
    with pytest.raises((socket.timeout, TimeoutError, smtplib.SMTPServerDisconnected)):
        smtplib.SMTP(mx.address, mx.port, timeout=0.5)


def test_max_recipients_gets_452_4_5_3(make_mx):
    server = _core.ServerOptions()
    server.hostname = "mx1.example.com"
    server.max_recipients = 2
    mx = make_mx(server=server)
    with smtp(mx) as c:
        c.mail(SENDER)
        assert [c.rcpt(f"r{i}@example.com")[0] for i in range(3)] == [250, 250, 452]
        assert c.rcpt("r9@example.com")[1].startswith(b"4.5.3")


def test_max_messages_per_connection(make_mx):
    server = _core.ServerOptions()
    server.hostname = "mx1.example.com"
    server.max_messages_per_connection = 1
    mx = make_mx(server=server)
    with smtp(mx) as c:
        c.sendmail(SENDER, ["b@example.com"], MESSAGE)
        assert c.mail(SENDER)[0] == 421


def test_max_connections(make_mx):
    server = _core.ServerOptions()
    server.hostname = "mx1.example.com"
    server.max_connections = 1
    mx = make_mx(server=server)
    with smtp(mx):
        with pytest.raises(smtplib.SMTPConnectError) as e:
            smtplib.SMTP(mx.address, mx.port, timeout=5)
        assert e.value.smtp_code == 421


def test_ehlo_capability_knobs(make_mx):
    server = _core.ServerOptions()
    server.hostname = "mx1.example.com"
    server.pipelining = False
    server.smtputf8 = False
    server.dsn = True
    server.auth_mechanisms = ["PLAIN", "LOGIN"]
    server.max_message_size = 10240
    mx = make_mx(server=server)
    with smtp(mx) as c:
        assert not c.has_extn("pipelining") and not c.has_extn("smtputf8")
        assert c.has_extn("dsn") and c.has_extn("8bitmime")
        assert c.esmtp_features["auth"].split() == ["PLAIN", "LOGIN"]
        assert c.esmtp_features["size"] == "10240"


# ---- recording -----------------------------------------------------------------------------

def test_recording_keeps_sessions_transcripts_and_transactions(make_mx, tmp_path):
    mx = make_mx()
    with smtp(mx) as c:
        c.sendmail(SENDER, ["b@example.com"], MESSAGE)
    sessions = mx.wait_for_sessions(1, timeout=5)
    s = sessions[0]
    assert s.helo == "client.test"
    assert any(line.lower().startswith("mail from:<alice@origin.test>") for line in s.lines("C"))
    assert "<message: 31 bytes>" in s.lines("C")
    assert any(line.startswith("250 2.0.0 Ok: queued") for line in s.lines("S"))
    assert s.transcript[0].at <= s.transcript[-1].at
    tx = mx.transactions()[0]
    assert tx.session_id == s.id and tx.reply.startswith("250 2.0.0")
    path = tmp_path / "rec.json"
    mx.write_recording(str(path))
    import json
    doc = json.loads(path.read_text())
    assert doc["transactions"][0]["rcpt_to"] == ["b@example.com"]
    assert doc["sessions"][0]["transcript"][1]["dir"] in ("S", "C")
    mx.reset()
    assert mx.sessions() == [] and mx.transactions() == []


@pytest.mark.skipif(shutil.which("swaks") is None, reason="swaks not installed")
def test_swaks_sees_tempfail_convention_and_delivers_otherwise(make_mx):
    mx = make_mx()
    base = ["swaks", "--server", f"{mx.address}:{mx.port}", "--from", SENDER, "--timeout", "5"]
    bad = subprocess.run(base + ["--to", "tempfail@example.com"], capture_output=True, text=True, timeout=30)
    assert bad.returncode != 0 and "451 4.3.0" in bad.stdout
    good = subprocess.run(base + ["--to", "b@example.com"], capture_output=True, text=True, timeout=30)
    assert good.returncode == 0, good.stdout
    assert mx.wait_for_transactions(1, timeout=5)[0].rcpt_to == ["b@example.com"]
