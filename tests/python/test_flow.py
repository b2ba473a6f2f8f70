# Following a message across hosts: three mtad engines relay edge -> hub -> final -> a fakemx MX,
# each with its own DNS view, and the real kcli trace-message rebuilds the exact path and queue
# ids from their logs: edge through its admin API, hub from its Postfix-style mail log, final
# from its JSON delivery log. DOT renders with Graphviz, OTLP JSON posted to a local collector
# keeps its ids across runs, and a deferred hop shows where the message waits.
import hashlib
import json
import shutil
import subprocess
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import mxlab
from mail_constants import DEFER_REPLY, defer_everything

SENDER = "alice@source.test"
RECIPIENT = "rcpt@dest.test"
DEST = "dest.test"
MX = "mx1.dest.test"
MESSAGE_ID = "<flow-1@source.test>"
MESSAGE = (b"From: Alice <alice@source.test>\r\nTo: <rcpt@dest.test>\r\nSubject: flow\r\n"
           b"Message-ID: <flow-1@source.test>\r\n\r\nfollow me\r\n")
# name -> (host name, address); each relays to the next by its own DNS view of dest.test.
HOPS = {"edge": ("edge.flow.test", "127.0.0.3"), "hub": ("hub.flow.test", "127.0.0.4"),
        "final": ("final.flow.test", "127.0.0.5")}
KCLI_DEADLINE = 30.0


def sha(text: str, hex_digits: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:hex_digits]


class Fleet:
    """The three MTAs, the MX, the fleet file kcli reads, and helpers to run kcli against them."""

    def __init__(self, topo, kcli: Path):
        self.topo, self.kcli, self.dir = topo, kcli, topo.workdir
        workdir = topo.workdir
        self.mx = topo.add_mx(MX)
        topo.route(DEST, MX)
        self.dns = []
        self.mtas = {}
        next_hop = {"edge": "hub", "hub": "final"}
        for name, (host, address) in HOPS.items():
            nameserver = topo.nameserver
            if name in next_hop:  # edge and hub see dest.test's MX as the next relay
                relay, relay_address = HOPS[next_hop[name]]
                dns = mxlab.FakeDns([(DEST, "MX", f"10 {relay}"), (relay, "A", relay_address)])
                dns.start()
                self.dns.append(dns)
                nameserver = dns.nameserver
            self.mtas[name] = topo.start_mta({
                "hostname": host,
                "listeners": [{"address": address, "port": topo.mx_port}],
                "resolver": {"nameservers": [nameserver]},
                "delivery": {"ehlo_name": host},
                "log": {"postfix_path": str(workdir / name / "mail.log")},
            }, name=name)
        self.fleet_file = workdir / "fleet.yaml"
        self.fleet_file.write_text(
            "hosts:\n"
            f"  {HOPS['edge'][0]}: {{addresses: [{HOPS['edge'][1]}], "
            f"admin: \"http://127.0.0.1:{self.mtas['edge'].admin_port}\"}}\n"
            f"  {HOPS['hub'][0]}: {{addresses: [{HOPS['hub'][1]}], logs: [\"{workdir / 'hub' / 'mail.log'}\"]}}\n"
            f"  {HOPS['final'][0]}: {{addresses: [{HOPS['final'][1]}], "
            f"logs: [\"{workdir / 'final' / 'delivery.jsonl'}\"]}}\n"
            f"clusters:\n  edges: [{HOPS['edge'][0]}]\n")

    def close(self):
        self.topo.close()  # MTAs first: they query the DNS servers stopped below
        for dns in self.dns:
            dns.stop()

    def send(self):
        result = mxlab.send_message(HOPS["edge"][1], self.topo.mx_port, SENDER, [RECIPIENT], MESSAGE, timeout=10.0)
        assert result.accepted, result.final_reply.summary()

    def queue_id(self, name: str) -> str:
        [record] = self.mtas[name].wait_for_log("Reception", 1, 10.0, RECIPIENT)
        return record.id

    def kcli_run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        run = subprocess.run([str(self.kcli), "trace-message", "-c", str(self.fleet_file), *args],
                             capture_output=True, text=True, timeout=KCLI_DEADLINE, stdin=subprocess.DEVNULL)
        if check:
            assert run.returncode == 0, run.stderr
        return run

    def trace_json(self, *args: str) -> dict:
        run = self.kcli_run("-H", "edges", "-k", MESSAGE_ID, "--format", "json", *args)
        [flow] = json.loads(run.stdout)["flows"]
        return flow


@pytest.fixture
def fleet(mxlab_topology, mxlab_bin):
    f = Fleet(mxlab_topology(), mxlab_bin("kcli"))
    yield f
    f.close()


class Collector:
    """A local OTLP/HTTP endpoint that keeps every JSON body POSTed to /v1/traces."""

    def __init__(self):
        bodies = self.bodies = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                bodies.append((self.path, self.headers.get("Content-Type"), json.loads(self.rfile.read(length))))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/traces"

    def spans(self, index: int) -> dict:
        """(service, span name) -> span of the index-th POST."""
        out = {}
        for rs in self.bodies[index][2]["resourceSpans"]:
            service = next(a["value"]["stringValue"] for a in rs["resource"]["attributes"] if a["key"] == "service.name")
            for ss in rs["scopeSpans"]:
                for span in ss["spans"]:
                    out[(service, span["name"])] = span
        return out

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def collector():
    c = Collector()
    yield c
    c.close()


def attributes(span: dict) -> dict:
    return {a["key"]: a["value"]["stringValue"] for a in span["attributes"]}


def test_trace_follows_three_mtads_with_exact_queue_ids(fleet):
    fleet.send()
    fleet.mx.wait_for_transactions(1, timeout=10)
    fleet.mtas["final"].wait_for_log("Delivery", 1, 10.0, RECIPIENT)
    ids = {name: fleet.queue_id(name) for name in HOPS}

    flow = fleet.trace_json()

    assert flow["message_id"] == MESSAGE_ID
    assert [(h["host"], h["queue_id"]) for h in flow["hops"]] == [
        (HOPS[name][0], ids[name]) for name in ("edge", "hub", "final")]
    assert [h["state"] for h in flow["hops"]] == ["delivered"] * 3
    assert [h["parent"] for h in flow["hops"]] == [-1, 0, 1]
    [last] = flow["hops"][2]["attempts"]
    assert (last["relay"]["name"], last["relay"]["addr"], last["next_hop"]) == (MX, "127.0.0.2", -1)
    for hop, (name, _) in zip(flow["hops"][:2], [("hub", 0), ("final", 1)]):
        [attempt] = hop["attempts"]
        assert attempt["relay"] == {"name": HOPS[name][0], "addr": HOPS[name][1]}
        assert attempt["queued_as"] == ids[name]
        assert set(attempt["delays"]) == {"before_queue", "in_queue", "connection_setup", "transmission"}

    # Every keyword kind finds the same message; the text view says where it left the fleet.
    for keyword in (SENDER, RECIPIENT, ids["edge"], MESSAGE_ID.strip("<>")):
        run = fleet.kcli_run("-H", HOPS["edge"][0], "-k", keyword)
        assert f"queue {ids['final']}: delivered" in run.stdout, keyword
        assert f"via {MX}[127.0.0.2]" in run.stdout and "(leaves the fleet)" in run.stdout


def test_unknown_keyword_and_bad_arguments_fail_with_a_message(fleet):
    missing = fleet.kcli_run("-H", "edges", "-k", "nobody@nowhere.test", check=False)
    assert missing.returncode == 1
    assert "no message matching 'nobody@nowhere.test'" in missing.stderr
    unknown_host = fleet.kcli_run("-H", "nowhere", "-k", "x", check=False)
    assert unknown_host.returncode == 1 and "unknown host or cluster 'nowhere'" in unknown_host.stderr
    bad_time = fleet.kcli_run("-H", "edges", "-k", "x", "--since", "yesterday", check=False)
    assert bad_time.returncode == 1 and "bad time 'yesterday'" in bad_time.stderr


def test_dot_output_renders_with_graphviz(fleet, tmp_path):
    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("Graphviz dot is not installed (scripts/install-deps.sh installs graphviz)")
    fleet.send()
    fleet.mtas["final"].wait_for_log("Delivery", 1, 10.0, RECIPIENT)
    ids = {name: fleet.queue_id(name) for name in HOPS}
    out = tmp_path / "flow.dot"

    fleet.kcli_run("-H", "edges", "-k", MESSAGE_ID, "-o", str(out))

    text = out.read_text()
    assert f'"{HOPS["edge"][0]}" -> "{HOPS["hub"][0]}" [label="{ids["edge"]}"];' in text
    assert f'"{HOPS["hub"][0]}" -> "{HOPS["final"][0]}" [label="{ids["hub"]}"];' in text
    assert f'"{HOPS["final"][0]}" -> "{MX}" [label="{ids["final"]}"];' in text
    svg = subprocess.run([dot, "-Tsvg", str(out)], capture_output=True, text=True, timeout=KCLI_DEADLINE)
    assert svg.returncode == 0, svg.stderr
    assert "<svg" in svg.stdout and HOPS["hub"][0] in svg.stdout


def test_otlp_export_has_stable_ids_and_a_deferred_hop_shows_where_it_waits(fleet, collector):
    fleet.mx.set_rules(defer_everything())
    fleet.send()
    fleet.mtas["final"].wait_for_log("TransientFailure", 1, 10.0, RECIPIENT)
    ids = {name: fleet.queue_id(name) for name in HOPS}

    waiting = fleet.trace_json("--otlp", collector.url)
    fleet.kcli_run("-H", "edges", "-k", MESSAGE_ID, "--otlp", collector.url, "--follow", "--interval", "1",
                   "--iterations", "1")

    final = waiting["hops"][2]
    assert (final["host"], final["queue_id"], final["state"]) == (HOPS["final"][0], ids["final"], "waiting")
    assert DEFER_REPLY in final["waiting_reason"]
    assert final["attempts"][-1]["relay"]["name"] == MX
    assert [h["state"] for h in waiting["hops"][:2]] == ["delivered", "delivered"]
    dot = fleet.kcli_run("-H", "edges", "-k", MESSAGE_ID, "--format", "dot").stdout
    assert f'"{HOPS["final"][0]}" -> "{MX}" [label="{ids["final"]} (deferred)", style=dashed, color=orange];' in dot

    assert len(collector.bodies) == 2
    path, content_type, _ = collector.bodies[0]
    assert (path, content_type) == ("/v1/traces", "application/json")
    first, second = collector.spans(0), collector.spans(1)
    assert {k: (v["traceId"], v["spanId"], v.get("parentSpanId")) for k, v in first.items()} == \
           {k: (v["traceId"], v["spanId"], v.get("parentSpanId")) for k, v in second.items()}
    trace_id = sha(MESSAGE_ID.strip("<>"), 32)
    assert {span["traceId"] for span in first.values()} == {trace_id}
    for name, (host, _) in HOPS.items():
        span = first[(host, f"{host} {ids[name]}")]
        assert span["spanId"] == sha(f"{host}/{ids[name]}", 16)
        attrs = attributes(span)
        assert (attrs["server.address"], attrs["email.queue_id"], attrs["message.id"]) == (host, ids[name], MESSAGE_ID)
    assert attributes(first[(HOPS["edge"][0], f"{HOPS['edge'][0]} {ids['edge']}")])["email.next_host"] == HOPS["hub"][0]
    waiting_span = first[(HOPS["final"][0], f"{HOPS['final'][0]} {ids['final']}")]
    assert waiting_span["status"]["code"] == 2 and DEFER_REPLY in waiting_span["status"]["message"]
    assert (HOPS["edge"][0], "transmission") in first  # stage spans from the delays

    # The MX accepts the retry: the next run extends the same trace, the final hop now delivered.
    fleet.mx.clear_rules()
    fleet.mtas["final"].wait_for_log("Delivery", 1, 15.0, RECIPIENT)
    delivered = fleet.trace_json("--otlp", collector.url)
    assert delivered["hops"][2]["state"] == "delivered"
    third = collector.spans(2)
    assert third[(HOPS["final"][0], f"{HOPS['final'][0]} {ids['final']}")]["spanId"] == waiting_span["spanId"]
    assert {span["traceId"] for span in third.values()} == {trace_id}


def test_admin_log_endpoint_filters_by_text_and_window(fleet):
    fleet.send()
    edge_id = fleet.queue_id("edge")
    # The edge's last record for the message is its relay to the hub: once it is written, the
    # queries below see the same records (they raced it before).
    fleet.mtas["edge"].wait_for_log("Delivery", 1, 15.0, RECIPIENT)
    base = f"http://127.0.0.1:{fleet.mtas['edge'].admin_port}/api/admin/log/v1"

    with urllib.request.urlopen(f"{base}?contains={edge_id}", timeout=10) as reply:
        assert reply.headers["Content-Type"] == "application/x-ndjson"
        records = [json.loads(line) for line in reply.read().decode().splitlines()]
    assert records and {r["id"] for r in records} == {edge_id}
    assert records[0]["type"] == "Reception" and records[0]["headers"] == {"Message-ID": MESSAGE_ID}
    with urllib.request.urlopen(f"{base}?contains={edge_id.upper()}", timeout=10) as reply:  # any case
        assert [json.loads(line)["id"] for line in reply.read().decode().splitlines()] == [r["id"] for r in records]
    with urllib.request.urlopen(f"{base}?contains={edge_id}&until=1", timeout=10) as reply:
        assert reply.read() == b""
    with pytest.raises(urllib.error.HTTPError) as bad:
        urllib.request.urlopen(f"{base}?since=soon", timeout=10)
    assert bad.value.code == 400
    assert "since must be a non-negative integer" in json.loads(bad.value.read())["reason"]


def test_postfix_style_mail_log_of_mtad(fleet):
    fleet.send()
    fleet.mtas["final"].wait_for_log("Delivery", 1, 10.0, RECIPIENT)
    hub_id, final_id = fleet.queue_id("hub"), fleet.queue_id("final")
    log_path = fleet.dir / "hub" / "mail.log"
    lines = mxlab.wait_until(lambda: (t := log_path.read_text()) and f"{hub_id}: removed" in t and t.splitlines(),
                             10, "hub's Postfix-style log to record the removal")
    ours = [line.split(": ", 1)[1] for line in lines if f"{hub_id}:" in line]
    assert ours[0].startswith(f"{hub_id}: client=")
    assert ours[1] == f"{hub_id}: message-id={MESSAGE_ID}"
    assert ours[2].startswith(f"{hub_id}: from=<{SENDER}>, size=") and ours[2].endswith(", nrcpt=1 (queue active)")
    assert ours[3].startswith(f"{hub_id}: to=<{RECIPIENT}>, relay={HOPS['final'][0]}[{HOPS['final'][1]}]:")
    assert f"status=sent (250 2.0.0 Ok: queued as {final_id})" in ours[3]
    assert ours[4] == f"{hub_id}: removed"
    assert all(" hub.flow.test postfix/" in line for line in lines if f"{hub_id}:" in line)
