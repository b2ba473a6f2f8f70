"""What the bench scripts share: where the build and the unpacked Postfix peers are, and how to
start a server on a free port and wait (with a deadline) until it listens."""
from __future__ import annotations

import os
import pathlib
import socket
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUILD = pathlib.Path(os.environ.get("MXLAB_BUILD_DIR", ROOT / "build"))
BIN = BUILD / "bin"
PEERS = BUILD / "peers"
SMTP_SOURCE = PEERS / "usr/sbin/smtp-source"
SMTP_SINK = PEERS / "usr/sbin/smtp-sink"
POSTFIX_LIB = PEERS / "usr/lib/postfix"
PEER_ENV = dict(os.environ, LD_LIBRARY_PATH=str(POSTFIX_LIB))


def free_port(address: str) -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def wait_listening(address: str, port: int, proc: subprocess.Popen, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((address, port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"{proc.args[0]} did not start listening on {address}:{port}")
            time.sleep(0.02)
