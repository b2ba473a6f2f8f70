"""AUTH (RFC 4954) on a fake MX, and refused messages in the recording, seen by Python's smtplib.

A fake MX that advertises AUTH runs the exchange a stock client expects (PLAIN, LOGIN) and
accepts any credentials, records who authenticated, and refuses AUTH when a rule at the `auth`
stage says so. A message refused at end of data is kept apart from accepted ones, with the
reply it got."""
from __future__ import annotations

import json
import smtplib

import pytest

from mxlab import _core

HOST = "127.0.0.2"
SENDER = "alice@origin.test"
MESSAGE = b"Subject: auth test\r\n\r\nhello\r\n"


@pytest.fixture
def make_mx():
    started: list[_core.MxHost] = []

    def make(rules=(), mechanisms=("PLAIN", "LOGIN")):
        server = _core.ServerOptions()
        server.hostname = "mx1.example.com"
        server.auth_mechanisms = list(mechanisms)
        host = _core.MxHost(_core.MxHostConfig(name="mx1.example.com", address=HOST, rules=list(rules), server=server))
        host.start()
        started.append(host)
        return host

    yield make
    for host in started:
        host.stop()


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_login_with_each_mechanism_is_accepted_and_recorded(make_mx, mechanism):
    mx = make_mx(mechanisms=(mechanism,))
    with smtplib.SMTP(mx.address, mx.port, timeout=5) as c:
        c.ehlo("client.test")
        code, text = c.login("carol", "secret")
        assert (code, text) == (235, b"2.7.0 Authentication successful")
        c.sendmail(SENDER, ["bob@example.com"], MESSAGE)
    tx = mx.wait_for_transactions(1)[0]
    assert tx.authenticated and tx.auth_user == "carol"
    session = mx.wait_for_sessions(1)[0]
    assert session.authenticated and session.auth_user == "carol"
    assert f"auth_user\":\"carol\"" in mx.recording_json()


def test_rule_at_the_auth_stage_refuses_the_login(make_mx):
    mx = make_mx(rules=[_core.Rule.reply("auth", "535 5.7.8 Authentication credentials invalid")])
    with smtplib.SMTP(mx.address, mx.port, timeout=5) as c:
        c.ehlo("client.test")
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            c.login("carol", "wrong")
        assert refused.value.smtp_code == 535
    assert not mx.wait_for_sessions(1)[0].authenticated


def test_auth_not_advertised_is_not_implemented(make_mx):
    mx = make_mx(mechanisms=())
    with smtplib.SMTP(mx.address, mx.port, timeout=5) as c:
        c.ehlo("client.test")
        assert not c.has_extn("auth")
        assert c.docmd("AUTH", "PLAIN AGNhcm9sAHNlY3JldA==")[0] == 502


def test_message_refused_at_end_of_data_is_recorded_apart_with_its_reply(make_mx):
    mx = make_mx(rules=[_core.Rule.reply("end_of_data", "554 5.7.1 message content rejected", times=1)])
    with smtplib.SMTP(mx.address, mx.port, timeout=5) as c:
        c.ehlo("client.test")
        with pytest.raises(smtplib.SMTPDataError) as refused:
            c.sendmail(SENDER, ["bob@example.com"], MESSAGE)
        assert refused.value.smtp_code == 554
        c.sendmail(SENDER, ["dave@example.com"], MESSAGE)  # the rule acted once
    accepted = mx.wait_for_transactions(1)
    assert [t.rcpt_to for t in accepted] == [["dave@example.com"]]
    [rejected] = mx.refused()
    assert rejected.rcpt_to == ["bob@example.com"] and rejected.mail_from == SENDER
    assert rejected.reply == "554 5.7.1 message content rejected"
    assert bytes(rejected.data) == MESSAGE
    assert [t["reply"] for t in json.loads(mx.recording_json())["refused"]] == [rejected.reply]
