"""How much a fake MX keeps (the host key `recording:`): everything by default, envelopes without
data or transcripts, or only counts (a load sink that does not grow), seen through smtplib."""
from __future__ import annotations

import json
import smtplib

import pytest

from mxlab import _core

MESSAGE = b"Subject: recording levels\r\n\r\n" + (b"x" * 78 + b"\r\n") * 25


@pytest.fixture
def mx():
    host = _core.MxHost(_core.MxHostConfig(name="mx1.example.com", address="127.0.0.2"))
    host.start()
    yield host
    host.stop()


def send_two(host: _core.MxHost) -> None:
    for rcpt in ("bob@example.com", "carol@example.com"):
        with smtplib.SMTP(host.address, host.port, timeout=5) as c:
            c.sendmail("alice@origin.test", [rcpt], MESSAGE)


def test_full_is_the_default_and_keeps_data_and_transcripts(mx):
    assert mx.recording == "full"
    send_two(mx)
    txs = mx.wait_for_transactions(2)
    assert [bytes(t.data) for t in txs] == [MESSAGE, MESSAGE] and [t.size for t in txs] == [len(MESSAGE)] * 2
    assert any(line.upper().startswith("MAIL FROM:") for line in mx.wait_for_sessions(2)[0].lines("C"))


def test_envelopes_keep_who_and_how_big_but_no_data_or_transcript(mx):
    mx.recording = "envelopes"
    send_two(mx)
    txs = mx.wait_for_transactions(2)
    assert [t.rcpt_to for t in txs] == [["bob@example.com"], ["carol@example.com"]]
    assert [t.size for t in txs] == [len(MESSAGE)] * 2 and all(bytes(t.data) == b"" for t in txs)
    sessions = mx.wait_for_sessions(2)
    assert all(s.closed and s.helo and s.lines("C") == [] and s.lines("S") == [] for s in sessions)
    assert json.loads(mx.recording_json())["transactions"][0]["size"] == len(MESSAGE)


def test_counts_keep_only_how_many(mx):
    mx.recording = "counts"
    send_two(mx)
    assert mx.wait_for_transactions(2) == []  # waits on the count; nothing kept
    assert mx.wait_for_sessions(2) == []
    recording = json.loads(mx.recording_json())
    assert (recording["recording"], recording["accepted"], recording["closed_sessions"]) == ("counts", 2, 2)
    assert recording["sessions"] == [] and recording["transactions"] == []


def test_unknown_level_is_refused(mx):
    with pytest.raises(ValueError, match="expected full, envelopes or counts, got 'all'"):
        mx.recording = "all"
