"""The HTTP control API, driven with urllib: change rules mid-test, read recordings, wait for N
messages, reset, patch DNS faults. And `fakemx serve` plus `fakemx run --record` end to end, and a bad
scenario file refused by `fakemx run` naming its file, line and key."""
from __future__ import annotations

import json
import os
import pathlib
import signal
import smtplib
import subprocess
import urllib.error
import urllib.request

import pytest

from mxlab import _core

ROOT = pathlib.Path(__file__).resolve().parents[2]


def call(api_port: int, method: str, path: str, body: str | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(f"http://127.0.0.1:{api_port}/api/fakemx/v1{path}", method=method,
                                 data=body.encode() if body is not None else None)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.fixture
def running(tmp_path):
    mx = _core.MxHost(_core.MxHostConfig(name="mx1.example.com", address="127.0.0.2"))
    mx.start()
    dns = _core.FakeDns([("example.com", "MX", "10 mx1.example.com")])
    dns.start()
    api = _core.ControlApi([mx], dns)
    api.start()
    yield mx, dns, api.port
    api.stop()
    mx.stop()
    dns.stop()


def test_rules_replaced_over_http_take_effect(running):
    mx, _, port = running
    status, _ = call(port, "PUT", "/rules?host=mx1.example.com",
                     '{"rules": [{"stage": "rcpt", "reply": "451 4.7.1 changed by the test"}]}')
    assert status == 200
    with smtplib.SMTP(mx.address, mx.port, timeout=5) as c:
        c.ehlo("client.test")
        c.mail("a@origin.test")
        assert c.rcpt("b@example.com")[0] == 451
    status, body = call(port, "PUT", "/rules?host=mx1.example.com", '{"rules": [{"stage": "bogus"}]}')
    assert status == 400 and "rules[0].stage" in body["reason"]


def test_wait_recording_and_reset(running):
    mx, _, port = running
    status, body = call(port, "GET", "/wait?host=mx1.example.com&count=1&timeout=200ms")
    assert status == 408 and body["transactions"] == 0
    with smtplib.SMTP(mx.address, mx.port, timeout=5) as c:
        c.sendmail("a@origin.test", ["b@example.com"], b"Subject: x\r\n\r\nx\r\n")
    status, body = call(port, "GET", "/wait?host=mx1.example.com&count=1&timeout=5s")
    assert status == 200 and body["transactions"] == 1
    status, rec = call(port, "GET", "/recording?host=mx1.example.com")
    assert rec["hosts"][0]["transactions"][0]["mail_from"] == "a@origin.test"
    assert call(port, "POST", "/reset")[0] == 200
    assert mx.transactions() == []


def test_dns_fault_over_http(running):
    _, dns, port = running
    assert call(port, "PUT", "/dns/fault?name=example.com&fault=servfail&times=1")[0] == 200
    out = subprocess.run(["dig", "@127.0.0.1", "-p", str(dns.port), "+tries=1", "+time=2", "MX", "example.com"],
                         capture_output=True, text=True, timeout=20).stdout
    assert "SERVFAIL" in out


def fakemx() -> pathlib.Path:
    return pathlib.Path(os.environ.get("MXLAB_BUILD_DIR", ROOT / "build")) / "bin" / "fakemx"


def test_behaviour_changed_over_http_takes_effect(running):
    mx, _, port = running
    status, body = call(port, "PUT", "/behaviour?host=mx1.example.com", '{"greylist": {"attempts": 2}}')
    assert status == 200 and body["greylist"] == {"enabled": True, "delay_ms": 0, "attempts": 2}
    assert body["tarpit"] is False  # keys left out keep their values
    codes = []
    for _ in range(3):
        with smtplib.SMTP(mx.address, mx.port, timeout=5) as c:
            c.ehlo("client.test")
            c.mail("a@origin.test")
            codes.append(c.rcpt("b@example.com")[0])
    assert codes == [451, 451, 250]
    status, body = call(port, "PUT", "/behaviour?host=mx1.example.com", '{"greylist": false, "tarpti": true}')
    assert status == 400 and "tarpti" in body["reason"]
    assert mx.behaviour.greylist.enabled  # a refused body changes nothing
    assert call(port, "PUT", "/behaviour", "{}")[0] == 404  # one host must be named


def test_dns_query_log_over_http(running):
    _, dns, port = running
    subprocess.run(["dig", "@127.0.0.1", "-p", str(dns.port), "+tries=1", "+time=2", "+tcp", "MX", "example.com"],
                   capture_output=True, timeout=20)
    status, body = call(port, "GET", "/dns/queries")
    assert status == 200 and body["queries"] == [{"name": "example.com", "type": "MX", "protocol": "tcp"}]


@pytest.mark.parametrize("path, reason", [
    ("/wait?host=mx1.example.com&count=lots", "count: expected a whole number, got 'lots'"),
    ("/dns/fault?name=example.com&fault=servfail&times=-1", "times: expected a whole number, got '-1'"),
    ("/dns/fault?name=example.com&delay=soon", "delay: expected a duration such as 500ms, got 'soon'"),
])
def test_bad_numbers_are_refused_with_the_reason(running, path, reason):
    method = "GET" if path.startswith("/wait") else "PUT"
    status, body = call(running[2], method, path)
    assert status == 400 and body["reason"] == reason


def test_fakemx_serve_with_control_api_writes_the_recording(tmp_path):
    scenario = tmp_path / "serve.yaml"
    scenario.write_text("hosts:\n  mx1.example.com:\n    address: 127.0.0.4\n")
    record = tmp_path / "rec.json"
    proc = subprocess.Popen([str(fakemx()), "serve", str(scenario), "--record", str(record)],
                            stdout=subprocess.PIPE, text=True)
    try:
        lines = {}
        while "control" not in lines:
            line = proc.stdout.readline()
            assert line, "fakemx serve exited early"
            key, _, rest = line.partition(" ")
            lines[key] = rest.strip()
        mx_port = int(lines["mx"].split(":")[-1])
        api_port = int(lines["control"].split(":")[2].split("/")[0])
        with smtplib.SMTP("127.0.0.4", mx_port, timeout=5) as c:
            c.sendmail("a@origin.test", ["b@example.com"], b"Subject: x\r\n\r\nx\r\n")
        assert call(api_port, "GET", "/wait?host=mx1.example.com&count=1&timeout=5s")[0] == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    doc = json.loads(record.read_text())
    assert doc["hosts"][0]["transactions"][0]["rcpt_to"] == ["b@example.com"]


BAD_HOST = """\
name: bad_scenario
dns:
  example.com: "MX 10 mx1.example.com"
hosts:
  mx1.example.com:
    address: 127.0.0.2
    {line7}
messages: [{{from: a@origin.test, to: [b@example.com]}}]
"""


@pytest.mark.parametrize("line7, message", [
    ("tarpti: true", "hosts.mx1.example.com.tarpti: unknown key (did you mean 'tarpit'?)"),
    ("max_recipients: lots", "hosts.mx1.example.com.max_recipients: bad integer 'lots'"),
    ("rules: [{stage: bogus, reply: 451 4.7.1 later}]", "hosts.mx1.example.com.rules[0].stage: unknown stage"),
])
def test_fakemx_run_refuses_a_bad_scenario_naming_file_line_and_key(tmp_path, line7, message):
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(BAD_HOST.format(line7=line7))
    assert scenario.read_text().splitlines()[6].strip() == line7  # the bad key is on line 7
    proc = subprocess.run([str(fakemx()), "run", str(scenario), "--workdir", str(tmp_path / "work")],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"fakemx: {scenario}:7: {message}" in proc.stderr
    assert proc.stdout == ""  # refused before anything was started


def test_fakemx_run_record_writes_hosts_sessions_and_transactions(tmp_path):
    record = tmp_path / "rec.json"
    proc = subprocess.run([str(fakemx()), "run", str(ROOT / "sim" / "scenarios" / "end_to_end_delivery.yaml"),
                           "--workdir", str(tmp_path / "work"), "--record", str(record)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS" in proc.stdout
    doc = json.loads(record.read_text())
    [host] = doc["hosts"]
    assert host["host"] == "mx1.example.com"
    [tx] = host["transactions"]
    assert tx["mail_from"] == "alice@origin.test" and tx["rcpt_to"] == ["bob@example.com"]
    assert tx["reply"].startswith("250 ") and "Subject: end to end" in tx["data"]
    assert tx["size"] == len(tx["data"].encode())
    [session] = [s for s in host["sessions"] if s["id"] == tx["session"]]
    assert session["transactions"] == 1 and session["closed"]
