# The harness itself: MX hosts on distinct loopback addresses share one port, and closing a
# topology stops everything it started, even after a failure.
import socket

import pytest

import mxlab
from mail_constants import MX1, MX2


def test_mx_hosts_share_one_port_on_distinct_addresses(mxlab_topology):
    topo = mxlab_topology()

    first, second = topo.add_mx(MX1), topo.add_mx(MX2)

    assert (first.address, second.address) == ("127.0.0.2", "127.0.0.3")
    assert first.port == second.port == topo.mx_port != 0


def test_close_frees_the_mx_port(mxlab_topology):
    topo = mxlab_topology()
    host = topo.add_mx(MX1)
    address, port = host.address, host.port

    topo.close()

    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((address, port))


def test_context_manager_closes_on_error(tmp_path):
    with pytest.raises(RuntimeError):
        with mxlab.Topology(tmp_path) as topo:
            host = topo.add_mx(MX1)
            raise RuntimeError("test body failed")

    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host.address, host.port))


def test_send_to_a_closed_port_raises_smtp_error():
    port = mxlab.topology.free_port()

    with pytest.raises(mxlab.SmtpError):
        mxlab.send_message("127.0.0.1", port, "a@source.test", ["b@example.com"], b"Subject: x\r\n\r\nx\r\n",
                           timeout=2.0)
