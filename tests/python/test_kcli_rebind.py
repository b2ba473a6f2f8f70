# kcli rebind (KumoMTA's /api/admin/rebind/v1) against a running MTA and two fake MX hosts:
# a changed routing domain moves deferred mail to another MX at once, with AdminRebind records;
# --always-flush retries matched mail now without moving it; a bad value changes nothing.
import json

from kcli_fixture import kcli  # noqa: F401 (fixture)
from mail_constants import DOMAIN, MESSAGE, MX1, MX2, SENDER, defer_everything

LONG_RETRY = {"retry": {"initial_interval": "10m"}}  # deferred mail stays queued for the test
RELAY = "relay.test"
CAROL, DAVE = f"carol@{DOMAIN}", f"dave@{DOMAIN}"
OTHER = "erin@other.test"


def topology(mxlab_topology):
    """example.com and other.test on MX1, which defers everything; relay.test on MX2, which accepts."""
    topo = mxlab_topology()
    topo.add_mx(MX1, rules=defer_everything())
    topo.add_mx(MX2)
    topo.route(DOMAIN, MX1)
    topo.route("other.test", MX1)
    topo.route(RELAY, MX2)
    mta = topo.start_mta(LONG_RETRY)
    for rcpt in (CAROL, DAVE, OTHER):
        topo.send(SENDER, [rcpt], MESSAGE)
    topo.wait_for_log("TransientFailure", count=3)
    return topo, mta


def test_rebind_to_another_routing_domain_delivers_at_once_through_its_mx(mxlab_topology, kcli):
    topo, mta = topology(mxlab_topology)
    out = kcli(mta, "rebind", "--domain", DOMAIN, "--set", f"routing_domain={RELAY}", "--reason", "move to relay")
    assert out.stdout == "rebind: 2 message(s) matched, 2 moved to another queue, 2 envelope(s) due now\n"

    topo.wait_for_delivery(count=2, timeout=10)
    assert sorted(r for t in topo.mx(MX2).transactions() for r in t.rcpt_to) == [CAROL, DAVE]
    rebinds = mta.log_records("AdminRebind")
    assert sorted(r.recipient for r in rebinds) == [CAROL, DAVE]
    assert all(r.queue == f"{DOMAIN}!{RELAY}" and "move to relay" in r.response.content for r in rebinds)
    assert all(r.meta["routing_domain"] == RELAY for r in rebinds)
    [left] = mta.queue_snapshot()  # erin's message was not matched: still deferred, not rebound
    assert [e.recipient for e in left.envelopes] == [OTHER]


def test_always_flush_retries_matched_mail_now_without_moving_it(mxlab_topology, kcli):
    topo, mta = topology(mxlab_topology)
    topo.mx(MX1).clear_rules()  # the MX recovered; the next retry would be in 10 minutes
    unchanged = json.loads(kcli(mta, "rebind", "--domain", "other.test", "--reason", "no-op", "--json").stdout)
    assert unchanged == {"matched": 1, "moved": 0, "flushed": 0}

    out = json.loads(kcli(mta, "rebind", "--domain", "other.test", "--reason", "flush", "--always-flush",
                          "--json").stdout)
    assert out == {"matched": 1, "moved": 0, "flushed": 1}
    [delivery] = topo.wait_for_delivery(recipient=OTHER, timeout=10)
    assert mta.log_records("AdminRebind") == []  # nothing moved
    assert len(mta.queue_snapshot()) == 2  # carol and dave wait for their retry


def test_a_refused_value_changes_nothing_and_says_why(mxlab_topology, kcli):
    topo, mta = topology(mxlab_topology)
    before = {m.id: m.queue for m in mta.queue_snapshot()}
    out = kcli(mta, "rebind", "--everything", "--set", "tenant=has space", "--reason", "x", check=False)
    assert out.returncode != 0
    assert "data.tenant: bad tenant 'has space'" in out.stderr
    assert {m.id: m.queue for m in mta.queue_snapshot()} == before

    out = kcli(mta, "rebind", "--set", "tenant=t", "--reason", "x", check=False)
    assert out.returncode != 0 and "no selector" in out.stderr
    out = kcli(mta, "rebind", "--everything", "--trigger-rebind-event", "--reason", "x", check=False)
    assert out.returncode != 0 and "trigger_rebind_event" in out.stderr
