"""Fake MX behaviour driven by clients nobody here wrote: Python's smtplib, swaks and Postfix's
smtp-source.

Each test starts one fake MX with one behaviour and checks the reply a stock client sees, so
removing the behaviour makes its test fail. Covered: rules (recipient/sender matching, skip and
times, per-session, seeded probability, multiline replies, live rule changes), disconnects at MAIL
and mid-DATA, a 5xx early reply mid-DATA (after_bytes), a TCP reset at MAIL, the address
conventions, greylisting (first attempt, by attempt count, by a real delay), connection limits and
EHLO knobs, the read bandwidth throttle, AUTH (PLAIN and LOGIN accepted and recorded, refused by
a rule at the auth stage), recording (messages refused at end of data kept apart; the full,
envelopes and counts levels), and load from smtp-source (skipped when Postfix is not unpacked
under the build's peers/)."""
from __future__ import annotations

import json
import os
import shutil
import smtplib
import socket
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest

import mxlab
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


def lines_message(subject: str, size: int) -> bytes:
    """A CRLF message of about `size` bytes whose numbered lines show any loss or reordering."""
    head = f"Subject: {subject}\r\n\r\n".encode()
    body = b"".join(b"%05d " % i + b"abcdefghij" * 7 + b"\r\n" for i in range(size // 78 + 1))
    return head + body


def sendmail_refusal(host: _core.MxHost, rcpt: str) -> tuple[int, bytes] | None:
    """One smtplib.sendmail on a fresh connection: None when accepted, else the RCPT refusal."""
    with smtp(host) as c:
        try:
            c.sendmail(SENDER, [rcpt], MESSAGE)
        except smtplib.SMTPRecipientsRefused as e:
            return e.recipients[rcpt]
    return None


def postfix_peer(name: str) -> Path | None:
    """A Postfix tool unpacked under the build's peers/ (scripts/install-bench-tools.sh) or on PATH,
    as test_foreign_peers finds smtp-sink."""
    build = Path(os.environ.get("MXLAB_BUILD_DIR") or Path(mxlab.__file__).resolve().parents[2])
    for path in (build / "peers/usr/sbin" / name, Path(shutil.which(name) or "/nonexistent")):
        if path.exists():
            return path
    return None


SMTP_SOURCE = postfix_peer("smtp-source")


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


def test_reset_at_mail_is_a_tcp_reset_not_a_clean_close(make_mx):
    reset = make_mx([_core.Rule(stage="mail", kind="reset")])
    closed = make_mx([_core.Rule(stage="mail", kind="disconnect")], address="127.0.0.3")
    seen = {}
    for name, mx in (("reset", reset), ("disconnect", closed)):
        c = smtp(mx)
        with pytest.raises(smtplib.SMTPServerDisconnected) as e:
            c.mail(SENDER)
        c.close()
        seen[name] = e.value
    # smtplib wraps the failed read: ECONNRESET for the RST, a plain EOF for the FIN.
    assert isinstance(seen["reset"].__context__, ConnectionResetError), repr(seen["reset"])
    assert seen["disconnect"].__context__ is None and str(seen["disconnect"]) == "Connection unexpectedly closed"
    assert reset.transactions() == [] and closed.transactions() == []


def test_disconnect_in_data_before_the_final_dot(make_mx):
    mx = make_mx([_core.Rule(stage="data", kind="disconnect", after_bytes=1024)])
    with pytest.raises((smtplib.SMTPServerDisconnected, ConnectionError)):
        with smtp(mx) as c:
            c.sendmail(SENDER, ["b@example.com"], MESSAGE + (b"x" * 98 + b"\r\n") * 20_000)
    assert mx.transactions() == []


def test_early_5xx_reply_mid_data_refuses_the_message(make_mx):
    mx = make_mx([_core.Rule.reply("data", "550 5.3.4 content refused mid-transfer", after_bytes=1024)])
    message = lines_message("early reply", 8 * 1024)
    with smtp(mx) as c:
        with pytest.raises(smtplib.SMTPDataError) as e:
            c.sendmail(SENDER, ["b@example.com"], message)
        assert (e.value.smtp_code, e.value.smtp_error) == (550, b"5.3.4 content refused mid-transfer")
        assert c.noop()[0] == 250  # the session goes on: the rest of the message was dropped
    assert mx.transactions() == []
    # The 550 goes out while the message is still arriving, not in answer to the final dot.
    with smtp(mx, timeout=2) as c:
        c.mail(SENDER)
        c.rcpt("b@example.com")
        assert c.docmd("DATA")[0] == 354
        c.send(message[:2048])
        assert c.getreply() == (550, b"5.3.4 content refused mid-transfer")
        c.send(message[2048:] + b".\r\n")
        assert c.noop()[0] == 250
    assert mx.transactions() == []
    [first, second] = mx.wait_for_sessions(2, timeout=5)
    for session in (first, second):
        assert "550 5.3.4 content refused mid-transfer" in session.lines("S")
        assert not any(line.startswith("250 2.0.0 Ok: queued") for line in session.lines("S"))


def test_after_bytes_counts_each_message_on_its_own(make_mx):
    mx = make_mx([_core.Rule(stage="data", kind="reply", code=550, enhanced="5.3.4", text="too much",
                             after_bytes=1024)])
    small = lines_message("small", 600)
    with smtp(mx) as c:
        for _ in range(3):  # 3 x ~650 bytes: each message stays under 1024, the session does not
            assert c.sendmail(SENDER, ["b@example.com"], small) == {}
    assert len(mx.wait_for_transactions(3, timeout=5)) == 3


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


def test_greylisting_by_attempt_count_accepts_the_fourth_sendmail(make_mx):
    mx = make_mx(behaviour=_core.BehaviourOptions(greylist=_core.GreylistOptions(attempts=3)))
    refusals = [sendmail_refusal(mx, "b@example.com") for _ in range(3)]
    assert [(code, text[:6]) for code, text in refusals] == [(451, b"4.7.1 ")] * 3
    assert mx.transactions() == []
    assert sendmail_refusal(mx, "b@example.com") is None
    [tx] = mx.wait_for_transactions(1, timeout=5)
    assert (tx.mail_from, tx.rcpt_to, tx.data) == (SENDER, ["b@example.com"], MESSAGE)


def test_greylisting_by_real_delay_accepts_a_retry_only_after_it(make_mx):
    delay = 0.5
    mx = make_mx(behaviour=_core.BehaviourOptions(
        greylist=_core.GreylistOptions(delay=timedelta(seconds=delay))))
    started = time.monotonic()  # before the first attempt: the greylist's clock starts later
    first = sendmail_refusal(mx, "b@example.com")
    assert first is not None and (first[0], first[1][:6]) == (451, b"4.7.1 ")
    deadline = started + delay + 3
    refused = 1
    while (refusal := sendmail_refusal(mx, "b@example.com")) is not None:
        assert refusal[0] == 451 and time.monotonic() < deadline, f"still {refusal} after {refused} tries"
        refused += 1
        time.sleep(0.05)  # a client's retry interval; the greylist delay is what is waited out
    accepted_after = time.monotonic() - started
    assert accepted_after >= delay, f"accepted {accepted_after:.3f}s after the first attempt"
    assert refused >= 2, "no retry came before the delay was over"
    [tx] = mx.wait_for_transactions(1, timeout=5)
    assert tx.rcpt_to == ["b@example.com"]


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


def test_read_throttle_slows_a_sendmail_and_keeps_the_message_intact(make_mx):
    rate = 8192  # bytes a second: ~1 s for the message below
    server = _core.ServerOptions()
    server.hostname = "mx1.example.com"
    server.read_bytes_per_second = rate
    mx = make_mx(server=server)
    message = lines_message("throttled", 8 * 1024)
    with smtp(mx, timeout=10) as c:
        started = time.monotonic()
        assert c.sendmail(SENDER, ["b@example.com"], message) == {}
        elapsed = time.monotonic() - started
    # Every read is followed by a pause of bytes/rate, and the 250 comes only after the read
    # holding the final dot: the message alone costs len/rate seconds.
    assert elapsed >= 0.8 * len(message) / rate, f"{len(message)} bytes in {elapsed:.3f}s at {rate} B/s"
    [tx] = mx.wait_for_transactions(1, timeout=5)
    assert tx.data == message


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
    doc = json.loads(path.read_text())
    assert doc["transactions"][0]["rcpt_to"] == ["b@example.com"]
    assert doc["sessions"][0]["transcript"][1]["dir"] in ("S", "C")
    mx.reset()
    assert mx.sessions() == [] and mx.transactions() == []


def test_message_refused_at_end_of_data_is_recorded_apart_with_its_reply(make_mx):
    mx = make_mx([_core.Rule.reply("end_of_data", "554 5.7.1 message content rejected", times=1)])
    with smtp(mx) as c:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            c.sendmail(SENDER, ["bob@example.com"], MESSAGE)
        assert refused.value.smtp_code == 554
        c.sendmail(SENDER, ["dave@example.com"], MESSAGE)  # the rule acted once
    assert [t.rcpt_to for t in mx.wait_for_transactions(1)] == [["dave@example.com"]]
    [rejected] = mx.refused()
    assert rejected.rcpt_to == ["bob@example.com"] and rejected.mail_from == SENDER
    assert rejected.reply == "554 5.7.1 message content rejected"
    assert bytes(rejected.data) == MESSAGE
    assert [t["reply"] for t in json.loads(mx.recording_json())["refused"]] == [rejected.reply]


LEVELS_MESSAGE = b"Subject: recording levels\r\n\r\n" + (b"x" * 78 + b"\r\n") * 25


def send_two(mx: _core.MxHost) -> None:
    for rcpt in ("bob@example.com", "carol@example.com"):
        with smtp(mx) as c:
            c.sendmail(SENDER, [rcpt], LEVELS_MESSAGE)


def test_recording_full_is_the_default_and_keeps_data_and_transcripts(make_mx):
    mx = make_mx()
    assert mx.recording == "full"
    send_two(mx)
    txs = mx.wait_for_transactions(2)
    assert [bytes(t.data) for t in txs] == [LEVELS_MESSAGE] * 2 and [t.size for t in txs] == [len(LEVELS_MESSAGE)] * 2
    assert any(line.upper().startswith("MAIL FROM:") for line in mx.wait_for_sessions(2)[0].lines("C"))


def test_recording_envelopes_keep_who_and_how_big_but_no_data_or_transcript(make_mx):
    mx = make_mx()
    mx.recording = "envelopes"
    send_two(mx)
    txs = mx.wait_for_transactions(2)
    assert [t.rcpt_to for t in txs] == [["bob@example.com"], ["carol@example.com"]]
    assert [t.size for t in txs] == [len(LEVELS_MESSAGE)] * 2 and all(bytes(t.data) == b"" for t in txs)
    sessions = mx.wait_for_sessions(2)
    assert all(s.closed and s.helo and s.lines("C") == [] and s.lines("S") == [] for s in sessions)
    assert json.loads(mx.recording_json())["transactions"][0]["size"] == len(LEVELS_MESSAGE)


def test_recording_counts_keep_only_how_many(make_mx):
    mx = make_mx()
    mx.recording = "counts"
    send_two(mx)
    assert mx.wait_for_transactions(2) == []  # waits on the count; nothing kept
    assert mx.wait_for_sessions(2) == []
    recording = json.loads(mx.recording_json())
    assert (recording["recording"], recording["accepted"], recording["closed_sessions"]) == ("counts", 2, 2)
    assert recording["sessions"] == [] and recording["transactions"] == []
    with pytest.raises(ValueError, match="expected full, envelopes or counts, got 'all'"):
        mx.recording = "all"


# ---- AUTH (RFC 4954) ------------------------------------------------------------------------

def auth_server(*mechanisms: str) -> _core.ServerOptions:
    server = _core.ServerOptions()
    server.hostname = "mx1.example.com"
    server.auth_mechanisms = list(mechanisms)
    return server


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_login_with_each_mechanism_is_accepted_and_recorded(make_mx, mechanism):
    mx = make_mx(server=auth_server(mechanism))
    with smtp(mx) as c:
        assert c.login("carol", "secret") == (235, b"2.7.0 Authentication successful")
        c.sendmail(SENDER, ["bob@example.com"], MESSAGE)
    tx = mx.wait_for_transactions(1)[0]
    assert tx.authenticated and tx.auth_user == "carol"
    session = mx.wait_for_sessions(1)[0]
    assert session.authenticated and session.auth_user == "carol"
    assert '"auth_user":"carol"' in mx.recording_json()


def test_rule_at_the_auth_stage_refuses_the_login(make_mx):
    mx = make_mx([_core.Rule.reply("auth", "535 5.7.8 Authentication credentials invalid")],
                 server=auth_server("PLAIN", "LOGIN"))
    with smtp(mx) as c:
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            c.login("carol", "wrong")
        assert refused.value.smtp_code == 535
    assert not mx.wait_for_sessions(1)[0].authenticated


def test_rule_answering_auth_235_authenticates_without_an_exchange(make_mx):
    mx = make_mx([_core.Rule.reply("auth", "235 2.7.0 welcome, whoever you are")], server=auth_server("LOGIN"))
    with smtp(mx) as c:
        assert c.login("carol", "anything") == (235, b"2.7.0 welcome, whoever you are")
        c.sendmail(SENDER, ["bob@example.com"], MESSAGE)  # the next line is a command, not a response
    assert mx.wait_for_transactions(1)[0].authenticated


def test_auth_line_may_be_longer_than_a_command_line(make_mx):
    """RFC 4954 4: AUTH lines up to 12288 octets (an OAuth token); other commands keep 1000."""
    import base64
    mx = make_mx(server=auth_server("PLAIN"))
    token = base64.b64encode(b"\0carol\0" + b"t" * 6000).decode()
    with smtp(mx) as c:
        assert c.docmd("AUTH", "PLAIN " + token)[0] == 235
        assert c.docmd("NOOP", "x" * 5000) == (500, b"5.5.2 Error: line too long")
        assert c.noop()[0] == 250


def test_message_with_a_bare_lf_is_refused_and_recorded_with_its_data(make_mx):
    mx = make_mx()
    with socket.create_connection((mx.address, mx.port), timeout=5) as s:
        f = s.makefile("rb")
        f.readline()
        s.sendall(b"EHLO client.test\r\n")
        while f.readline()[3:4] == b"-":
            pass
        s.sendall(b"MAIL FROM:<a@origin.test>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n")
        assert [f.readline()[:3] for _ in range(3)] == [b"250", b"250", b"354"]
        s.sendall(b"Subject: smuggled\r\n\r\nfirst\nsecond\r\n.\r\n")
        assert f.readline() == b"500 5.5.2 Error: bare <LF> received\r\n"
    [refused] = mx.refused()
    assert refused.reply == "500 5.5.2 Error: bare <LF> received" and b"first" in bytes(refused.data)
    assert mx.transactions() == []


def test_auth_not_advertised_is_not_implemented(make_mx):
    mx = make_mx(server=auth_server())
    with smtp(mx) as c:
        assert not c.has_extn("auth")
        assert c.docmd("AUTH", "PLAIN AGNhcm9sAHNlY3JldA==")[0] == 502


@pytest.mark.skipif(shutil.which("swaks") is None, reason="swaks not installed")
def test_swaks_sees_tempfail_convention_and_delivers_otherwise(make_mx):
    mx = make_mx()
    base = ["swaks", "--server", f"{mx.address}:{mx.port}", "--from", SENDER, "--timeout", "5"]
    bad = subprocess.run(base + ["--to", "tempfail@example.com"], capture_output=True, text=True, timeout=30)
    assert bad.returncode != 0 and "451 4.3.0" in bad.stdout
    good = subprocess.run(base + ["--to", "b@example.com"], capture_output=True, text=True, timeout=30)
    assert good.returncode == 0, good.stdout
    assert mx.wait_for_transactions(1, timeout=5)[0].rcpt_to == ["b@example.com"]


@pytest.mark.skipif(SMTP_SOURCE is None, reason="Postfix smtp-source not unpacked (scripts/install-bench-tools.sh)")
def test_smtp_source_load_is_recorded_message_by_message(make_mx):
    mx = make_mx()
    sender, rcpt = "load@origin.test", "sink@example.com"
    env = dict(os.environ, LD_LIBRARY_PATH=str(SMTP_SOURCE.parents[1] / "lib/postfix"))
    run = subprocess.run([str(SMTP_SOURCE), "-s", "5", "-m", "50", "-l", "2048", "-f", sender, "-t", rcpt,
                          f"{mx.address}:{mx.port}"], env=env, capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    txs = mx.wait_for_transactions(50, timeout=10)
    assert len(txs) == 50
    assert all((tx.mail_from, tx.rcpt_to) == (sender, [rcpt]) for tx in txs)
    assert all(tx.reply.startswith("250 2.0.0") for tx in txs)
    bodies = [tx.data.split(b"\r\n\r\n", 1)[1] for tx in txs]
    assert all(len(body) >= 2048 for body in bodies), sorted({len(b) for b in bodies})
    message_ids = {line for tx in txs for line in tx.data.split(b"\r\n") if line.startswith(b"Message-Id:")}
    assert len(message_ids) == 50  # 50 different messages, none recorded twice
    assert len({tx.session_id for tx in txs}) == 50  # smtp-source's default: a connection per message
