# Crash recovery: a message mtad answered 250 for survives SIGKILL (the spool promised it) and
# is delivered by the next mtad started on the same spool. Runs the real mtad binary.
import pytest

from mail_constants import DOMAIN, MESSAGE, MX1, RECIPIENT, SENDER, defer_everything
from mxlab import Mtad

FAST_RETRY = {"retry": {"initial_interval": "200ms", "multiplier": 1.0}}


@pytest.fixture
def topo(mxlab_topology):
    topo = mxlab_topology()
    topo.add_mx(MX1, rules=defer_everything())
    topo.route(DOMAIN, MX1)
    return topo


def test_spooled_message_is_delivered_after_sigkill_and_restart(topo, mxlab_bin):
    config_path, _ = topo.write_mtad_config(FAST_RETRY)
    mx = topo.mx(MX1)

    with Mtad(mxlab_bin("mtad"), config_path) as first:
        result = topo.send(SENDER, [RECIPIENT], MESSAGE, port=first.smtp_port)
        assert result.final_reply.code == 250
        first.kill()
    assert mx.transactions() == [], "the MX deferred everything; nothing may have been delivered"

    mx.clear_rules()
    with Mtad(mxlab_bin("mtad"), config_path) as second:
        [tx] = mx.wait_for_transactions(1, timeout=15)

    assert second.recovered == 1
    assert tx.mail_from == SENDER
    assert tx.rcpt_to == [RECIPIENT]
    assert tx.data.endswith(MESSAGE)
