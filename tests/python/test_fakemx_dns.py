"""Fake DNS extras checked with dig (a resolver nobody here wrote): PTR and TLSA records, the AD
flag, per-name delay, truncation above a size (TC, then TCP), and SERVFAIL that recovers."""
from __future__ import annotations

import shutil
import subprocess
import time
from datetime import timedelta

import pytest

from mxlab import _core

pytestmark = pytest.mark.skipif(shutil.which("dig") is None, reason="dig (dnsutils) not installed")


@pytest.fixture
def dns():
    d = _core.FakeDns([("example.com", "MX", "10 mx1.example.com"),
                       ("mx1.example.com", "A", "127.0.0.2"),
                       ("2.0.0.127.in-addr.arpa", "PTR", "mx1.example.com"),
                       ("_25._tcp.mx1.example.com", "TLSA", "3 1 1 0a0b0c0d")])
    d.start()
    yield d
    d.stop()


def dig(d, *args: str) -> str:
    cmd = ["dig", "@127.0.0.1", "-p", str(d.port), "+tries=1", "+time=2", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout


def test_ptr_record(dns):
    assert "mx1.example.com." in dig(dns, "+short", "-x", "127.0.0.2")


def test_tlsa_record(dns):
    out = dig(dns, "+short", "TLSA", "_25._tcp.mx1.example.com")
    assert out.split()[:3] == ["3", "1", "1"] and out.split()[3].lower() == "0a0b0c0d"


def test_ad_flag_only_when_asked(dns):
    assert " ad" not in dig(dns, "MX", "example.com").split("flags:")[1].split(";")[0]
    dns.set_options(authenticated_data=True)
    assert " ad" in dig(dns, "MX", "example.com").split("flags:")[1].split(";")[0]


def test_servfail_for_the_first_queries_then_recovery(dns):
    dns.set_fault("example.com", "servfail", times=2)
    assert "SERVFAIL" in dig(dns, "MX", "example.com")
    assert "SERVFAIL" in dig(dns, "MX", "example.com")
    out = dig(dns, "MX", "example.com")
    assert "NOERROR" in out and "mx1.example.com." in out


def test_per_name_delay(dns):
    dns.set_fault("example.com", "none", delay=timedelta(milliseconds=700))
    start = time.monotonic()
    assert "mx1.example.com." in dig(dns, "+short", "MX", "example.com")
    assert time.monotonic() - start >= 0.6
    start = time.monotonic()
    dig(dns, "+short", "A", "mx1.example.com")
    assert time.monotonic() - start < 0.6


def test_truncation_above_a_size_forces_tcp(dns):
    for i in range(20):
        dns.add_record("big.example.com", "TXT", f"record number {i} " + "x" * 40)
    dns.set_options(truncate_above=512)
    assert "flags: qr aa tc" in dig(dns, "+ignore", "+noedns", "TXT", "big.example.com").replace(" rd", "")
    out = dig(dns, "+noedns", "TXT", "big.example.com")  # dig retries over TCP
    assert out.count("record number") == 20
    assert dns.query_count(_core.DnsProtocol.Tcp) >= 1
