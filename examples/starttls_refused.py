#!/usr/bin/env python3
"""STARTTLS refused, two ways, driven step by step with mxlab.SmtpSession against fake MX hosts:

  1. the receiver advertises STARTTLS but answers it 454: an opportunistic client carries on in
     plaintext in the same session and the message is delivered;
  2. the receiver answers 220 and then aborts the handshake: the session is lost (SmtpTlsError),
     so the client reconnects and delivers without TLS, as RFC 3207 opportunistic senders do.

Each step asserts what the receiver recorded. Exit status 0 when both hold.

    PYTHONPATH=build/python python3 examples/starttls_refused.py
"""
import datetime
import sys

import mxlab

MESSAGE = b"From: <alice@origin.test>\r\nTo: <bob@tls.test>\r\nSubject: starttls\r\n\r\nhello\r\n"


def start_host(address: str, **tls_fields) -> "mxlab.MxHost":
    cfg = mxlab.MxHostConfig(name="mx.tls.test", address=address)
    cfg.server.idle_timeout = datetime.timedelta(seconds=5)
    tls = mxlab.TlsConfig()
    tls.mode = mxlab.TlsMode.Starttls
    for key, value in tls_fields.items():
        setattr(tls, key, value)
    cfg.tls = tls
    host = mxlab.MxHost(cfg)
    host.start()
    return host


def send(s: "mxlab.SmtpSession") -> None:
    s.mail("alice@origin.test", expect=250)
    s.rcpt("bob@tls.test", expect=250)
    s.data(MESSAGE, expect=250)
    s.quit(expect=221)


def refused_with_454() -> None:
    host = start_host("127.0.0.61", starttls_reply="454 4.7.0 TLS not available due to local problem")
    try:
        with mxlab.SmtpSession(timeout=5) as s:
            s.connect(host.address, host.port, expect=220)
            s.ehlo(expect=250)
            assert s.has_capability("STARTTLS"), s.capabilities
            reply = s.starttls()
            print(f"1. STARTTLS answered: {reply.summary()}; continuing in plaintext")
            assert reply.code == 454 and not s.tls_active
            send(s)
        tx = host.transactions()
        assert len(tx) == 1 and not tx[0].tls, tx
        print("   delivered without TLS in the same session")
    finally:
        host.stop()


def handshake_aborted() -> None:
    host = start_host("127.0.0.62", handshake_abort=True)
    try:
        with mxlab.SmtpSession(timeout=5) as s:
            s.connect(host.address, host.port, expect=220)
            s.ehlo(expect=250)
            try:
                s.starttls()
                raise AssertionError("the handshake should have failed")
            except mxlab.SmtpTlsError as e:
                print(f"2. STARTTLS handshake failed: {e}")
        with mxlab.SmtpSession(timeout=5) as s:  # opportunistic fallback: a new plaintext session
            s.connect(host.address, host.port, expect=220)
            s.ehlo(expect=250)
            send(s)
        assert len(host.wait_for_transactions(1, 5.0)) == 1
        print("   reconnected and delivered without TLS")
    finally:
        host.stop()


def main() -> int:
    refused_with_454()
    handshake_aborted()
    print("STARTTLS fallbacks behave as configured")
    return 0


if __name__ == "__main__":
    sys.exit(main())
