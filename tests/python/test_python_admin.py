"""mxlab.Admin: the admin API from Python (what kcli does, without a subprocess), asserting on
effects: bounce empties the queue with AdminBounce records, suspend holds and cancel releases,
pause smtp refuses new sessions, schedule retries now, remove deletes, and a refused request
raises AdminError with mtad's status and reason."""
import pytest

import mxlab
from mail_constants import DOMAIN, MESSAGE, MX1, SENDER, defer_everything

CAROL, DAVE = f"carol@{DOMAIN}", f"dave@{DOMAIN}"


def deferred_topology(mxlab_topology):
    topo = mxlab_topology()
    topo.add_mx(MX1, rules=defer_everything())
    topo.route(DOMAIN, MX1)
    mta = topo.start_mta({"retry": {"initial_interval": "10m"}})
    for rcpt in (CAROL, DAVE):
        topo.send(SENDER, [rcpt], MESSAGE)
    topo.wait_for_log("TransientFailure", count=2)
    return topo, mta, mxlab.Admin(mta)


def test_show_queue_bounce_and_a_refusal(mxlab_topology):
    topo, mta, admin = deferred_topology(mxlab_topology)
    queued = admin.show_queue()
    assert sorted(r["address"] for m in queued for r in m["recipients"]) == [CAROL, DAVE]

    with pytest.raises(mxlab.AdminError) as info:
        admin.bounce(reason="no selector")
    assert info.value.status == 400 and info.value.reason.startswith("no criteria: give domain")

    reply = admin.bounce(domain=DOMAIN, reason="cleanup")
    assert reply["total_bounced"] == 2
    assert sorted(r.recipient for r in mta.log_records("AdminBounce")) == [CAROL, DAVE]
    assert admin.show_queue() == []
    admin.cancel("bounce", reply["id"])


def test_schedule_retries_now_and_remove_deletes(mxlab_topology):
    topo, mta, admin = deferred_topology(mxlab_topology)
    topo.mx(MX1).clear_rules()
    carol_id = next(m["queue_id"] for m in admin.show_queue() if m["recipients"][0]["address"] == CAROL)
    assert admin.schedule(carol_id) == 1
    topo.wait_for_delivery(recipient=CAROL)
    [dave] = admin.show_queue()
    assert admin.remove(dave["queue_id"]) == 1
    assert admin.show_queue() == []


def test_suspend_holds_and_pause_smtp_refuses_new_sessions(mxlab_topology):
    topo, mta, admin = deferred_topology(mxlab_topology)
    rule = admin.suspend(domain=DOMAIN, reason="maintenance")
    topo.mx(MX1).clear_rules()
    admin.schedule("all")
    assert {r["state"] for m in admin.show_queue() for r in m["recipients"]} == {"suspended"}
    admin.cancel("suspend", rule["id"])
    topo.wait_for_delivery(count=2)

    assert admin.pause("smtp")["smtp"] == "paused"
    refused = topo.send(SENDER, [CAROL], MESSAGE, check=False)
    assert not refused.accepted and refused.final_reply.code == 421
    assert admin.resume("smtp")["smtp"] == "running"
    assert topo.send(SENDER, [CAROL], MESSAGE).accepted
