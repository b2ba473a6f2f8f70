# KumoMTA's remaining operator commands through the real kcli binary against a real MTA, fake MX
# and fake DNS: suspend-ready-q holds mail bound for a ready queue (even one never attempted
# before) until cancelled, resolve-egress-path answers from real DNS, provider-summary sums the
# ready queues. Every wait has a deadline.
import json

from kcli_fixture import kcli  # noqa: F401 (fixture)
from mail_constants import DOMAIN, MESSAGE, MX1, MX2, SENDER
from mxlab.waits import wait_until

CAROL, DAVE = "carol@example.com", "dave@example.com"
READY_QUEUE = f"unspecified->{MX1}@smtp_client"


def one_mx(mxlab_topology):
    topo = mxlab_topology()
    topo.add_mx(MX1)
    topo.route(DOMAIN, MX1)
    return topo, topo.start_mta()


def test_suspend_ready_q_holds_mail_for_that_queue_until_cancelled(mxlab_topology, kcli):
    topo, mta = one_mx(mxlab_topology)
    out = kcli(mta, "suspend-ready-q", "--name", READY_QUEUE, "--reason", "provider outage", "--duration", "1h",
               "--json")
    rule = json.loads(out.stdout)["id"]
    topo.send(SENDER, [CAROL], MESSAGE)  # a domain never attempted: held once its MX plan is known

    wait_until(lambda: "suspended" in kcli(mta, "show-queue").stdout, 5, "CAROL held by the ready queue suspension")
    assert topo.mx(MX1).transactions() == [] and mta.log_records("TransientFailure") == []
    [listed] = json.loads(kcli(mta, "suspend-ready-q-list", "--json").stdout)
    assert (listed["id"], listed["name"], listed["reason"]) == (rule, READY_QUEUE, "provider outage")
    assert "name=" + READY_QUEUE in kcli(mta, "suspend-ready-q-list").stdout

    kcli(mta, "suspend-ready-q-cancel", "--id", rule)
    topo.wait_for_delivery(recipient=CAROL, timeout=5)
    assert json.loads(kcli(mta, "suspend-ready-q-list", "--json").stdout) == []


def test_suspend_ready_q_requires_a_name(mxlab_topology, kcli):
    topo, mta = one_mx(mxlab_topology)
    out = kcli(mta, "suspend-ready-q", "--reason", "x", check=False)
    assert out.returncode != 0 and "--name" in out.stderr


def test_resolve_egress_path_answers_from_dns(mxlab_topology, kcli):
    topo = mxlab_topology()
    topo.add_mx(MX1)
    topo.add_mx(MX2)
    topo.route(DOMAIN, MX1, MX2)
    mta = topo.start_mta()

    path = json.loads(kcli(mta, "resolve-egress-path", DOMAIN, "--json").stdout)

    assert [h["host"] for h in path["hosts"]] == [MX1, MX2]
    assert path["hosts"][0]["addresses"] == [topo.mx(MX1).address]
    assert path["ready_queue_name"] == f"unspecified->{MX1},{MX2}@smtp_client"
    assert path["failure"] is None
    assert MX2 in kcli(mta, "resolve-egress-path", DOMAIN).stdout
    missing = json.loads(kcli(mta, "resolve-egress-path", "nowhere.invalid", "--json").stdout)
    assert missing["hosts"] == [] and missing["failure"]


def test_provider_summary_sums_ready_queues_by_provider(mxlab_topology, kcli):
    topo, mta = one_mx(mxlab_topology)
    topo.send(SENDER, [CAROL], MESSAGE)
    topo.send(SENDER, [DAVE], MESSAGE)
    topo.wait_for_delivery(count=2)

    lines = kcli(mta, "provider-summary").stdout.splitlines()

    assert lines[0].split() == ["PROVIDER", "D", "T", "C", "Q"]
    assert lines[1].split()[:2] == [DOMAIN, "2"]
    assert kcli(mta, "provider-summary", "--by-pool").stdout.splitlines()[1].split()[:3] == \
        [DOMAIN, "unspecified", "2"]
