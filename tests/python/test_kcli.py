# kcli against a running MTA: `kcli --endpoint URL queue-summary` shows the scheduled queue
# holding deferred mail and how many messages it holds. Runs the real kcli binary.
import subprocess

import pytest

from mail_constants import DOMAIN, MESSAGE, MX1, SENDER, defer_everything

HOLD_IN_QUEUE = {"retry": {"initial_interval": "10m"}}  # within max_age: deferred, not expired
DEFERRED_RECIPIENTS = ["carol@example.com", "dave@example.com"]


@pytest.fixture
def topo(mxlab_topology):
    topo = mxlab_topology()
    topo.add_mx(MX1, rules=defer_everything())
    topo.route(DOMAIN, MX1)
    topo.start_mta(HOLD_IN_QUEUE)
    return topo


def scheduled_rows(text):
    """{queue: count} from the "SCHEDULED QUEUE  COUNT" table of queue-summary output."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("SCHEDULED QUEUE"))
    rows = {}
    for line in lines[start + 1:]:
        fields = line.split()
        if len(fields) >= 2 and fields[1].isdigit():
            rows[fields[0]] = int(fields[1])
    return rows


def kcli(binary, admin_port, *args):
    return subprocess.run([str(binary), "--endpoint", f"http://127.0.0.1:{admin_port}", *args],
                          capture_output=True, text=True, timeout=30)


def test_queue_summary_shows_scheduled_queue_and_count(topo, mxlab_bin):
    for rcpt in DEFERRED_RECIPIENTS:  # two messages, each deferred once
        topo.send(SENDER, [rcpt], MESSAGE)
    topo.wait_for_log("TransientFailure", count=len(DEFERRED_RECIPIENTS))

    out = kcli(mxlab_bin("kcli"), topo.mtas[0].admin_port, "queue-summary")

    assert out.returncode == 0, out.stderr
    assert scheduled_rows(out.stdout).get(DOMAIN) == len(DEFERRED_RECIPIENTS), out.stdout


def test_queue_summary_fails_cleanly_without_an_mta(mxlab_bin):
    from mxlab.topology import free_port

    out = kcli(mxlab_bin("kcli"), free_port(), "queue-summary")

    assert out.returncode != 0
    assert out.stderr.strip()
