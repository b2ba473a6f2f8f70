"""fakemx TLS faults seen by real clients: openssl s_client for the certificate variants, Python's
ssl/smtplib for STARTTLS, implicit TLS and the protocol faults, raw sockets for BDAT (smtplib has
no BDAT). Each test fails without the server engine's TLS/CHUNKING support."""
import shutil
import socket
import smtplib
import ssl
import subprocess

import pytest

import mxlab

from tls_hosts import TLS_NAME as HOST_NAME, start_tls_host
NEEDS_OPENSSL = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI not installed")
STARTTLS_454 = "454 4.7.0 TLS not available due to local problem"


@pytest.fixture
def ca_file(tmp_path):
    path = tmp_path / "ca.pem"
    mxlab.write_test_ca(str(path))
    return str(path)


@pytest.fixture
def tls_host():
    """Factory: tls_host(address, mode=..., **TlsConfig fields) -> a started MxHost."""
    started = []

    def make(address, **kwargs):
        started.append(start_tls_host(address, **kwargs))
        return started[-1]

    yield make
    for host in started:
        host.stop()


def client_context(ca_file):
    ctx = ssl.create_default_context(cafile=ca_file)  # verifies chain and host name, TLS >= 1.2
    return ctx


def s_client(host, ca_file, *extra):
    cmd = ["openssl", "s_client", "-starttls", "smtp", "-connect", f"{host.address}:{host.port}",
           "-servername", HOST_NAME, "-verify_hostname", HOST_NAME, "-CAfile", ca_file, *extra]
    done = subprocess.run(cmd, input=b"QUIT\r\n", capture_output=True, timeout=20)
    return done.returncode, (done.stdout + done.stderr).decode(errors="replace")


@NEEDS_OPENSSL
@pytest.mark.parametrize("variant, address, verify", [
    (mxlab.CertVariant.Valid, "127.0.0.71", "0 (ok)"),
    (mxlab.CertVariant.Expired, "127.0.0.72", "10 (certificate has expired)"),
    (mxlab.CertVariant.NotYetValid, "127.0.0.73", "9 (certificate is not yet valid)"),
    (mxlab.CertVariant.WrongHost, "127.0.0.74", "62 (hostname mismatch)"),
    (mxlab.CertVariant.SelfSigned, "127.0.0.75", "18 (self-signed certificate)"),
    (mxlab.CertVariant.UntrustedRoot, "127.0.0.76", "21 (unable to verify the first certificate)"),
    (mxlab.CertVariant.IncompleteChain, "127.0.0.77", "21 (unable to verify the first certificate)"),
])
def test_certificate_variant_verification_seen_by_openssl(tls_host, ca_file, variant, address, verify):
    host = tls_host(address, certificate=variant)
    _, out = s_client(host, ca_file)
    assert f"Verify return code: {verify}" in out, out
    status, strict = s_client(host, ca_file, "-verify_return_error")
    assert (status == 0) == (variant == mxlab.CertVariant.Valid), strict


def test_smtplib_starttls_delivers_over_verified_tls(tls_host, ca_file):
    host = tls_host("127.0.0.78")
    with smtplib.SMTP(host.address, host.port, timeout=10) as smtp:
        smtp.ehlo("client.test")
        assert smtp.has_extn("starttls")
        smtp.starttls(context=client_context(ca_file))  # server_hostname is the address: IP SAN
        smtp.ehlo("client.test")
        assert not smtp.has_extn("starttls")
        smtp.sendmail("a@client.test", ["b@example.com"], b"Subject: tls\r\n\r\nbody\r\n")
    assert host.wait_for_transactions(1, timeout=10)[0].data.endswith(b"body\r\n")


def test_command_pipelined_after_starttls_is_discarded(tls_host, ca_file):
    host = tls_host("127.0.0.79")
    with socket.create_connection((host.address, host.port), timeout=10) as raw:
        f = raw.makefile("rb")
        f.readline()
        raw.sendall(b"EHLO c\r\n")
        while f.readline()[3:4] == b"-":
            pass
        raw.sendall(b"STARTTLS\r\nMAIL FROM:<injected@evil.test>\r\n")
        assert f.readline().startswith(b"220 ")
        with client_context(ca_file).wrap_socket(raw, server_hostname=host.address) as tls:
            tls.sendall(b"MAIL FROM:<a@client.test>\r\n")
            # The first reply over TLS answers this MAIL, refused: the session restarted after STARTTLS.
            assert tls.recv(512).startswith(b"503 5.5.1")


def test_implicit_tls_greets_after_the_handshake(tls_host, ca_file):
    host = tls_host("127.0.0.80", mode=mxlab.TlsMode.Implicit)
    with smtplib.SMTP_SSL(host.address, host.port, timeout=10, context=client_context(ca_file)) as smtp:
        code, _ = smtp.noop()
        assert code == 250


def test_tls10_cap_fails_against_a_client_requiring_tls12(tls_host, ca_file):
    host = tls_host("127.0.0.81", max_version="1.0")
    with smtplib.SMTP(host.address, host.port, timeout=10) as smtp:
        with pytest.raises(ssl.SSLError):
            smtp.starttls(context=client_context(ca_file))


def test_starttls_answered_454(tls_host, ca_file):
    host = tls_host("127.0.0.82", starttls_reply=STARTTLS_454)
    with smtplib.SMTP(host.address, host.port, timeout=10) as smtp:
        with pytest.raises(smtplib.SMTPResponseException) as err:
            smtp.starttls(context=client_context(ca_file))
        assert err.value.smtp_code == 454
        assert smtp.noop()[0] == 250  # the session carries on in plaintext


def test_starttls_220_then_plaintext_handshake_never_completes(tls_host, ca_file):
    host = tls_host("127.0.0.83", starttls_then_plaintext=True, idle_timeout=1.0)
    with smtplib.SMTP(host.address, host.port, timeout=10) as smtp:
        with pytest.raises((ssl.SSLError, OSError)):
            smtp.starttls(context=client_context(ca_file))


def test_handshake_abort_closes_mid_handshake(tls_host, ca_file):
    host = tls_host("127.0.0.84", handshake_abort=True)
    with smtplib.SMTP(host.address, host.port, timeout=10) as smtp:
        with pytest.raises((ssl.SSLError, OSError)):
            smtp.starttls(context=client_context(ca_file))


def test_bdat_chunks_over_raw_socket(tls_host):
    host = tls_host("127.0.0.85", mode=mxlab.TlsMode.None_, chunking=True)
    with socket.create_connection((host.address, host.port), timeout=10) as raw:
        f = raw.makefile("rb")
        f.readline()
        raw.sendall(b"EHLO c\r\n")
        ehlo = [f.readline()]
        while ehlo[-1][3:4] == b"-":
            ehlo.append(f.readline())
        assert any(b"CHUNKING" in line for line in ehlo)
        raw.sendall(b"MAIL FROM:<a@client.test>\r\nRCPT TO:<b@example.com>\r\n")
        assert f.readline().startswith(b"250")
        assert f.readline().startswith(b"250")
        raw.sendall(b"BDAT 9\r\nline one\nBDAT 6 LAST\r\n.\r\nend")  # pipelined, raw bytes
        assert f.readline().startswith(b"250 ")
        assert f.readline().startswith(b"250 2.0.0")
    assert host.wait_for_transactions(1, timeout=10)[0].data == b"line one\n.\r\nend"
