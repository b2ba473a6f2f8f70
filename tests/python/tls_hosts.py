"""Fake MX hosts with TLS for the tests: one factory, shared by the fakemx TLS and SmtpSession tests."""
import datetime

import mxlab

TLS_NAME = "mx.tls.test"


def start_tls_host(address, mode=mxlab.TlsMode.Starttls, idle_timeout=10.0, chunking=False, **tls_fields):
    """A started MxHost named TLS_NAME on `address`; `tls_fields` set TlsConfig attributes."""
    cfg = mxlab.MxHostConfig(name=TLS_NAME, address=address)
    cfg.server.idle_timeout = datetime.timedelta(seconds=idle_timeout)
    cfg.server.chunking = chunking
    tls = mxlab.TlsConfig()
    tls.mode = mode
    for key, value in tls_fields.items():
        setattr(tls, key, value)
    cfg.tls = tls
    host = mxlab.MxHost(cfg)
    host.start()
    return host
