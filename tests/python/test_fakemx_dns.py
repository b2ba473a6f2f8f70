"""Fake DNS extras checked with dig (a resolver nobody here wrote): PTR and TLSA records, the AD
flag (also on a TLSA answer), per-name delay (UDP and TCP), truncation above a size (TC, then TCP),
SERVFAIL that recovers, SERVFAIL/REFUSED/NXDOMAIN over TCP, NXDOMAIN with the SOA in AUTHORITY,
REFUSED over UDP, the "timeout" fault that never answers (UDP and TCP), the null MX (RFC 7505)
and a CNAME chased to its A record."""
from __future__ import annotations

import shutil
import socket
import struct
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


def header_status(out: str) -> str:
    return out.split("status: ")[1].split(",")[0]


def section(out: str, name: str) -> list[list[str]]:  # dig's "name ttl class type rdata..." lines, split
    marker = f";; {name} SECTION:\n"
    if marker not in out:
        return []
    return [line.split() for line in out.split(marker)[1].split("\n\n")[0].splitlines()]


def test_ptr_record(dns):
    assert "mx1.example.com." in dig(dns, "+short", "-x", "127.0.0.2")


def test_tlsa_record(dns):
    out = dig(dns, "+short", "TLSA", "_25._tcp.mx1.example.com")
    assert out.split()[:3] == ["3", "1", "1"] and out.split()[3].lower() == "0a0b0c0d"


def test_ad_flag_only_when_asked(dns):
    assert " ad" not in dig(dns, "MX", "example.com").split("flags:")[1].split(";")[0]
    dns.set_options(authenticated_data=True)
    assert " ad" in dig(dns, "MX", "example.com").split("flags:")[1].split(";")[0]


def test_ad_flag_on_a_tlsa_answer(dns):
    assert " ad" not in dig(dns, "TLSA", "_25._tcp.mx1.example.com").split("flags:")[1].split(";")[0]
    dns.set_options(authenticated_data=True)
    out = dig(dns, "TLSA", "_25._tcp.mx1.example.com")
    assert " ad" in out.split("flags:")[1].split(";")[0]
    (rr,) = section(out, "ANSWER")
    assert rr[3:7] == ["TLSA", "3", "1", "1"] and rr[7].lower() == "0a0b0c0d"


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


@pytest.mark.parametrize("fault,status", [("servfail", "SERVFAIL"), ("refused", "REFUSED"),
                                          ("nxdomain", "NXDOMAIN")])
def test_faults_over_tcp(dns, fault, status):
    dns.set_fault("example.com", fault)
    before = dns.query_count(_core.DnsProtocol.Tcp)
    out = dig(dns, "+tcp", "MX", "example.com")
    assert "(TCP)" in out and header_status(out) == status
    assert section(out, "ANSWER") == []
    if fault == "nxdomain":
        assert "AUTHORITY: 1" in out
        assert [rr[:4] for rr in section(out, "AUTHORITY")] == [["example.com.", "60", "IN", "SOA"]]
    assert dns.query_count(_core.DnsProtocol.Tcp) == before + 1
    assert dns.query_count(_core.DnsProtocol.Udp) == 0


def test_per_name_delay_over_tcp(dns):
    dns.set_fault("example.com", "none", delay=timedelta(milliseconds=700))
    start = time.monotonic()
    out = dig(dns, "+tcp", "+short", "MX", "example.com")
    assert time.monotonic() - start >= 0.6
    assert out.split() == ["10", "mx1.example.com."]
    assert dns.query_count(_core.DnsProtocol.Tcp) == 1
    start = time.monotonic()
    assert dig(dns, "+tcp", "+short", "A", "mx1.example.com").split() == ["127.0.0.2"]
    assert time.monotonic() - start < 0.6


@pytest.mark.parametrize("transport", ["+notcp", "+tcp"])
def test_timeout_fault_never_answers(dns, transport):
    dns.set_fault("example.com", "timeout")
    start = time.monotonic()
    out = dig(dns, transport, "+time=1", "+tries=1", "MX", "example.com")
    elapsed = time.monotonic() - start
    assert "timed out" in out and "no servers could be reached" in out
    assert "status:" not in out and elapsed >= 0.9
    protocol = _core.DnsProtocol.Tcp if transport == "+tcp" else _core.DnsProtocol.Udp
    assert dns.query_count(protocol) >= 1  # the query arrived, the server stayed silent
    assert "127.0.0.2" in dig(dns, transport, "+short", "A", "mx1.example.com")  # other names still answer


@pytest.mark.parametrize("name", ["example.com", "nosuch.example.com"])
def test_nxdomain_over_udp_carries_the_soa(dns, name):
    if name == "example.com":
        dns.set_fault(name, "nxdomain")
    out = dig(dns, "MX", name)
    assert "(UDP)" in out and header_status(out) == "NXDOMAIN"
    assert "ANSWER: 0" in out and "AUTHORITY: 1" in out
    soa = section(out, "AUTHORITY")
    assert len(soa) == 1 and soa[0][:4] == ["example.com.", "60", "IN", "SOA"]
    assert soa[0][4:] == ["ns.example.com.", "hostmaster.example.com.", "1", "3600", "600", "86400", "60"]


def test_negative_answers_name_the_zone_the_scenario_wrote(dns):
    """The SOA's owner is the shortest enclosing name holding records: example.co.uk, not co.uk."""
    dns.add_record("example.co.uk", "MX", "10 mx1.example.com")
    out = dig(dns, "A", "nosuch.example.co.uk")
    assert header_status(out) == "NXDOMAIN"
    assert section(out, "AUTHORITY")[0][:4] == ["example.co.uk.", "60", "IN", "SOA"]
    out = dig(dns, "AAAA", "mx1.example.com")  # no data at a name that exists: the zone's SOA too
    assert header_status(out) == "NOERROR" and section(out, "AUTHORITY")[0][:4] == ["example.com.", "60", "IN", "SOA"]


def test_refused_over_udp(dns):
    dns.set_fault("example.com", "refused")
    out = dig(dns, "MX", "example.com")
    assert "(UDP)" in out and header_status(out) == "REFUSED"
    assert "ANSWER: 0" in out and section(out, "ANSWER") == []
    assert dns.query_count(_core.DnsProtocol.Udp) == 1
    assert header_status(dig(dns, "A", "mx1.example.com")) == "NOERROR"  # only the named name


def test_null_mx(dns):
    dns.add_record("nomail.example.com", "MX", "0 .")
    assert dig(dns, "+short", "MX", "nomail.example.com").split() == ["0", "."]
    out = dig(dns, "MX", "nomail.example.com")
    assert header_status(out) == "NOERROR"
    assert section(out, "ANSWER") == [["nomail.example.com.", "300", "IN", "MX", "0", "."]]


def test_cname_chased_to_its_a_record(dns):
    dns.add_record("alias.example.com", "CNAME", "mx1.example.com")
    out = dig(dns, "A", "alias.example.com")
    assert header_status(out) == "NOERROR"
    assert section(out, "ANSWER") == [["alias.example.com.", "300", "IN", "CNAME", "mx1.example.com."],
                                      ["mx1.example.com.", "300", "IN", "A", "127.0.0.2"]]
    assert dig(dns, "+short", "A", "alias.example.com").split() == ["mx1.example.com.", "127.0.0.2"]


def test_cname_loop_is_servfail_without_repeated_records(dns):
    dns.add_record("loop1.example.com", "CNAME", "loop2.example.com")
    dns.add_record("loop2.example.com", "CNAME", "loop1.example.com")
    out = dig(dns, "A", "loop1.example.com")
    assert header_status(out) == "SERVFAIL"
    assert section(out, "ANSWER") == []


def framed_query(qid: int, name: str, qtype: int = 15) -> bytes:
    """A DNS query (RFC 1035 4.1) with the two-octet TCP length prefix (RFC 7766 8)."""
    question = b"".join(bytes([len(label)]) + label.encode() for label in name.split(".")) + b"\0"
    message = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + question + struct.pack(">HH", qtype, 1)
    return struct.pack(">H", len(message)) + message


def read_framed(sock: socket.socket) -> bytes:
    def exactly(n: int) -> bytes:
        out = b""
        while len(out) < n:
            chunk = sock.recv(n - len(out))
            assert chunk, "connection closed"
            out += chunk
        return out
    return exactly(struct.unpack(">H", exactly(2))[0])


def test_pipelined_tcp_queries_are_answered_as_they_are_ready(dns):
    """RFC 7766 6.2.1.1: a delayed name does not hold up the answer queued behind it on one
    connection."""
    dns.set_fault("example.com", "none", delay=timedelta(milliseconds=800))
    with socket.create_connection(("127.0.0.1", dns.port), timeout=5) as s:
        start = time.monotonic()
        s.sendall(framed_query(1, "example.com") + framed_query(2, "mx1.example.com", qtype=1))
        first = read_framed(s)
        first_at = time.monotonic() - start
        second = read_framed(s)
        second_at = time.monotonic() - start
    assert struct.unpack(">H", first[:2])[0] == 2 and first_at < 0.6  # the undelayed A answer
    assert struct.unpack(">H", second[:2])[0] == 1 and second_at >= 0.7  # the MX, after its delay
