"""fakemx blast, the load generator: against fake MX hosts (plain, STARTTLS, rules that defer or
reject), a closed port, and through the `fakemx blast` binary. Each count in the summary is
checked against what the server recorded, so a miscount fails here."""
from __future__ import annotations

import json
import os
import pty
import select
import socket
import subprocess
import time
import pytest

import mxlab
from mxlab import _core

HOST = "127.0.0.31"


@pytest.fixture
def mx():
    started = []

    def make(rules=(), tls=False, **server):
        cfg = _core.MxHostConfig(name="sink.test", address=HOST, rules=list(rules))
        for key, value in server.items():
            setattr(cfg.server, key, value)
        if tls:
            cfg.tls = mxlab.TlsConfig()
            cfg.tls.mode = mxlab.TlsMode.Starttls
        host = _core.MxHost(cfg)
        host.start()
        started.append(host)
        return host

    yield make
    for host in started:
        host.stop()


def test_every_message_is_accepted_recorded_and_its_id_written(mx, tmp_path):
    host = mx()
    ids = tmp_path / "ids"
    summary = _core.blast(HOST, host.port, connections=4, messages=50, per_connection=7, size=3000,
                          recipients=2, ids_file=str(ids))
    assert summary["accepted"] == summary["sent"] == 50
    assert summary["deferred"] == summary["rejected"] == summary["errors"] == 0
    assert summary["connections"] == 8  # 50 messages, 7 per connection: 8 sessions
    assert summary["pipelined_sessions"] == 8
    assert summary["latency_ms"]["p50"] > 0
    txs = host.wait_for_transactions(50, timeout=10)
    assert len(txs) == 50
    assert all(len(t.rcpt_to) == 2 for t in txs)
    assert {t.rcpt_to[1] for t in txs} == {"rcpt1@blast.test"}
    assert all(2900 <= len(t.data) <= 3000 for t in txs)
    numbers = sorted(int(t.data.split(b"X-Blast-Id: ")[1].split(b"\r\n")[0]) for t in txs)
    assert numbers == list(range(50))  # each message number exactly once
    written = ids.read_text().split()
    assert sorted(written) == sorted(f"sink.test-{i}" for i in range(1, 51))


def test_pipelining_only_when_offered_and_wanted(mx):
    not_offered = _core.blast(HOST, mx(pipelining=False).port, connections=2, messages=6)
    assert not_offered["accepted"] == 6 and not_offered["pipelined_sessions"] == 0
    not_wanted = _core.blast(HOST, mx().port, messages=2, pipelining=False)
    assert not_wanted["accepted"] == 2 and not_wanted["pipelined_sessions"] == 0


def test_starttls_is_used_when_offered(mx):
    host = mx(tls=True)
    summary = _core.blast(HOST, host.port, connections=2, messages=4, per_connection=2)
    assert summary["accepted"] == 4 and summary["tls_sessions"] == 2
    txs = host.wait_for_transactions(4, timeout=10)
    assert len(txs) == 4 and all(t.tls and t.tls_version.startswith("TLSv1") for t in txs)
    plain = _core.blast(HOST, host.port, messages=1, starttls=False)
    assert plain["accepted"] == 1 and plain["tls_sessions"] == 0


def test_deferred_and_rejected_are_counted_apart(mx):
    host = mx([_core.Rule.reply("rcpt", "451 4.7.1 later", recipient="rcpt0@blast.test"),
               _core.Rule.reply("mail", "550 5.7.1 go away", sender="bad3@origin.test")])
    summary = _core.blast(HOST, host.port, connections=1, messages=4, rcpt_to="rcpt{n}@blast.test",
                          mail_from="bad{n}@origin.test")
    # message 0: its only recipient deferred; message 3: sender rejected; 1 and 2 accepted
    assert (summary["accepted"], summary["deferred"], summary["rejected"]) == (2, 1, 1)
    assert summary["first_error"].startswith("RCPT: 451 4.7.1")
    # every message got as far as MAIL, so each one sent has exactly one outcome
    assert summary["errors"] == 0
    assert summary["sent"] == summary["accepted"] + summary["deferred"] + summary["rejected"] == 4


def test_421_ends_the_session_and_blast_reconnects(mx):
    host = mx(max_messages_per_connection=2)
    summary = _core.blast(HOST, host.port, connections=1, messages=6, per_connection=0)
    # every third MAIL on a connection gets 421: messages 2 and 5 are deferred, the rest delivered
    assert summary["accepted"] == 4 and summary["deferred"] == 2
    assert summary["connections"] == 2


def test_closed_port_counts_errors_and_ends(tmp_path):
    with socket.socket() as s:
        s.bind((HOST, 0))
        port = s.getsockname()[1]  # bound, not listening: connects are refused
        summary = _core.blast(HOST, port, connections=3, messages=9)
    assert summary["errors"] == 9 and summary["accepted"] == 0
    assert "refused" in summary["first_error"]


def test_rate_limit_spreads_the_messages(mx):
    host = mx()
    t0 = time.monotonic()
    summary = _core.blast(HOST, host.port, connections=4, messages=21, rate=100)
    assert summary["accepted"] == 21
    assert time.monotonic() - t0 >= 0.19  # message 20 may start at 0.2 s, not before


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="port"):
        _core.blast(HOST, 0)
    with pytest.raises(ValueError, match="bad address"):
        _core.blast("not-an-address", 25)
    with pytest.raises(ValueError, match="ids file"):
        _core.blast(HOST, 25, ids_file="/nonexistent/dir/ids")


def test_cli_prints_a_json_summary(mx, mxlab_bin, tmp_path):
    host = mx()
    ids = tmp_path / "ids"
    out = subprocess.run([mxlab_bin("fakemx"), "blast", f"{HOST}:{host.port}", "-c", "3", "-n", "12",
                          "--size", "500", "--ids-file", str(ids)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["accepted"] == 12 and summary["errors"] == 0
    assert len(ids.read_text().split()) == 12
    bad = subprocess.run([mxlab_bin("fakemx"), "blast", "nohostport"], capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2 and "ADDRESS:PORT" in bad.stderr


def test_cli_summary_adds_up_and_its_latencies_are_ordered(mx, mxlab_bin):
    """A mixed run through the binary: sent = accepted + deferred + rejected (+ errors, none here:
    every message reaches MAIL), the latency percentiles of the accepted messages are ordered,
    and the rate is positive."""
    host = mx([_core.Rule.reply("rcpt", "452 4.2.2 mailbox full", recipient="/^rcpt[0-4]@/"),
               _core.Rule.reply("mail", "550 5.7.1 go away", sender="/^bad1[0-4]@/")])
    out = subprocess.run([mxlab_bin("fakemx"), "blast", f"{HOST}:{host.port}", "-c", "4", "-n", "40",
                          "--to", "rcpt{n}@blast.test", "--from", "bad{n}@origin.test", "--no-progress"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    # messages 0-4: their only recipient deferred; 10-14: sender rejected; the other 30 accepted
    assert (summary["sent"], summary["accepted"], summary["deferred"], summary["rejected"], summary["errors"]) == \
        (40, 30, 5, 5, 0)
    assert summary["sent"] == summary["accepted"] + summary["deferred"] + summary["rejected"] + summary["errors"]
    latency = summary["latency_ms"]
    assert set(latency) == {"p50", "p90", "p99", "max"}
    assert 0 < latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["max"]
    assert summary["rate"] > 0 and summary["elapsed_s"] > 0
    assert len(host.wait_for_transactions(30, timeout=10)) == 30


def blast_on_a_pty(command: list[str], timeout: float = 30) -> tuple[int, str, str]:
    """Runs `command` with stderr on a pseudo-terminal and stdout on a pipe; returns the exit
    status, stdout and everything written to the terminal."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
    finally:
        os.close(slave)  # the child holds the only other end: reading it fails once the child exits
    deadline = time.monotonic() + timeout
    screen = b""
    try:
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"no end of the terminal output within {timeout} s: {screen!r}"
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the slave side is closed
                break
            if not chunk:
                break
            screen += chunk
        out, _ = proc.communicate(timeout=max(deadline - time.monotonic(), 1))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return proc.returncode, out.decode(), screen.decode()


def test_cli_progress_bar_only_when_stderr_is_a_terminal(mx, mxlab_bin):
    host = mx()
    command = [str(mxlab_bin("fakemx")), "blast", f"{HOST}:{host.port}", "-c", "2", "-n", "20"]
    status, out, screen = blast_on_a_pty(command)
    assert status == 0, screen
    summary = json.loads(out)
    assert summary["accepted"] == 20
    # The clock stops with the last message, not at the bar's next redraw (every 250 ms): 20
    # messages on loopback take a few milliseconds.
    assert summary["elapsed_s"] < 0.2, summary
    assert "[#" in screen and "msg/s" in screen
    assert "[" + "#" * 30 + "] 20/20 accepted 20 " in screen  # the last draw: the run is done
    # --no-progress: a terminal, but no bar
    status, out, screen = blast_on_a_pty(command + ["--no-progress"])
    assert status == 0, screen
    assert json.loads(out)["accepted"] == 20
    assert "msg/s" not in screen and "[" not in screen
    # stderr a pipe: no bar, and stdout still the JSON summary
    piped = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert piped.returncode == 0, piped.stderr
    assert "msg/s" not in piped.stderr and "[" not in piped.stderr and "#" not in piped.stderr
    assert json.loads(piped.stdout)["accepted"] == 20


def test_scenario_tls_host_is_served_with_starttls(mxlab_bin, tmp_path):
    """The scenario key `tls:` reaches the host `fakemx serve` starts: blast upgrades with STARTTLS."""
    scenario = tmp_path / "tls.yaml"
    scenario.write_text(f"hosts:\n  mx.tls.test:\n    address: {HOST}\n    tls: {{certificate: self_signed}}\n")
    serve = subprocess.Popen([mxlab_bin("fakemx"), "serve", str(scenario)], stdout=subprocess.PIPE, text=True)
    try:
        line = next(line for line in serve.stdout if line.startswith("mx "))
        port = int(line.split()[2].rsplit(":", 1)[1])
        summary = _core.blast(HOST, port, connections=1, messages=2)
        assert summary["accepted"] == 2 and summary["tls_sessions"] == 1
    finally:
        serve.terminate()
        serve.wait(timeout=10)
