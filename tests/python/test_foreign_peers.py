"""Delivery against peers nobody here wrote: dnsmasq answers the MX and A queries, Postfix's
smtp-sink is the MX and dumps each transaction to a file. Skipped when either is not installed
(dnsmasq-base is in scripts/install-deps.sh; smtp-sink comes from scripts/install-bench-tools.sh)."""
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

import mxlab
from mxlab import wait_until
from mxlab.topology import free_port

DOMAIN = "foreign.test"
MX_NAME = "mx.foreign.test"
MX_ADDRESS = "127.0.0.61"
SENDER = "alice@source.test"


def smtp_sink() -> Path | None:
    build = Path(os.environ.get("MXLAB_BUILD_DIR") or Path(mxlab.__file__).resolve().parents[2])
    for path in (build / "peers/usr/sbin/smtp-sink", Path(shutil.which("smtp-sink") or "/nonexistent")):
        if path.exists():
            return path
    return None


SINK = smtp_sink()
DNSMASQ = shutil.which("dnsmasq") or (Path("/usr/sbin/dnsmasq") if Path("/usr/sbin/dnsmasq").exists() else None)
pytestmark = pytest.mark.skipif(SINK is None or DNSMASQ is None, reason="dnsmasq or Postfix smtp-sink not installed")


def wait_for_port(address: str, port: int, proc: subprocess.Popen, what: str) -> None:
    def listening():
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            socket.create_connection((address, port), timeout=0.2).close()
            return True
        except OSError:
            return False
    wait_until(listening, 10, f"{what} to listen on {address}:{port}")


@pytest.fixture
def dnsmasq():
    port = free_port()
    proc = subprocess.Popen([str(DNSMASQ), "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
                             "--no-hosts", "--bind-interfaces", "--listen-address=127.0.0.1", f"--port={port}",
                             "--pid-file=", f"--mx-host={DOMAIN},{MX_NAME},10",
                             f"--host-record={MX_NAME},{MX_ADDRESS}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        # dnsmasq answers on UDP and TCP; the TCP listener tells us it is up.
        wait_for_port("127.0.0.1", port, proc, "dnsmasq")
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def sink():
    # smtp-sink drops to nobody, who cannot enter pytest's private tmp_path: a world-writable
    # directory directly under /tmp instead.
    dumps = Path(tempfile.mkdtemp(prefix="mxlab-smtp-sink-"))
    dumps.chmod(0o777)
    port = free_port(MX_ADDRESS)
    as_root = ["-u", "nobody"] if os.geteuid() == 0 else []
    env = dict(os.environ, LD_LIBRARY_PATH=str(SINK.parents[1] / "lib/postfix"))
    proc = subprocess.Popen([str(SINK), *as_root, "-d", str(dumps / "%H%M%S"), f"{MX_ADDRESS}:{port}", "16"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(MX_ADDRESS, port, proc, "smtp-sink")
        yield port, dumps
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(dumps, ignore_errors=True)


def test_mx_from_dnsmasq_and_delivery_to_smtp_sink(mxlab_topology, dnsmasq, sink):
    port, dumps = sink
    topo = mxlab_topology()
    topo.start_mta({"resolver": {"nameservers": [dnsmasq]}, "delivery": {"port": port}})
    for i in range(2):  # two messages: the second reuses the first one's connection
        rcpt = f"user{i}@{DOMAIN}"
        topo.send(SENDER, [rcpt], f"Subject: foreign {i}\r\n\r\nmarker-{i}\r\n".encode())
        [delivery] = topo.wait_for_delivery(recipient=rcpt, timeout=15)
        assert delivery.peer_address.name == MX_NAME
        assert delivery.peer_address.addr == MX_ADDRESS
        assert delivery.response.code == 250

    def dumped():
        text = b"".join(p.read_bytes() for p in dumps.iterdir())
        return b"marker-0" in text and b"marker-1" in text and text
    text = wait_until(dumped, 10, "smtp-sink to dump both messages")
    assert f"user0@{DOMAIN}".encode() in text and SENDER.encode() in text
