# The mtad process itself: SIGTERM drains and exits 0 promptly leaving the spool for the next
# start, a bad config file stops it with an error naming file, line and key, and the shipped
# example config passes --check-config. Runs the real mtad binary; waits have deadlines.
import json
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from mail_constants import DOMAIN, MESSAGE, MX1, RECIPIENT, SENDER, defer_everything
from mxlab import Mtad
from mxlab.waits import wait_until

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = ROOT / "examples" / "mtad.yaml"
DRAIN_DEADLINE = 5.0  # seconds from SIGTERM to exit; an idle drain takes milliseconds
RUN_DEADLINE = 10.0   # for mtad runs that must end on their own (config errors)
# Retries come quickly (the restarted mtad must not wait long) but never succeed until the
# MX rules are cleared.
RETRY = {"retry": {"initial_interval": "300ms", "multiplier": 1.0}}


def log_types(log_path: Path, recipient: str) -> list[str]:
    try:
        lines = log_path.read_text().splitlines()
    except FileNotFoundError:
        return []
    records = [json.loads(line) for line in lines if line.strip()]
    return [r["type"] for r in records if r.get("recipient") == recipient]


def run_mtad(binary: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=RUN_DEADLINE,
                          stdin=subprocess.DEVNULL)


@pytest.fixture
def topo(mxlab_topology):
    topo = mxlab_topology()
    topo.add_mx(MX1, rules=defer_everything())
    topo.route(DOMAIN, MX1)
    return topo


def test_sigterm_drains_exits_zero_and_leaves_the_deferred_message_spooled(topo, mxlab_bin):
    config_path, settings = topo.write_mtad_config(RETRY)
    log_path = Path(settings["log"]["path"])
    mx = topo.mx(MX1)

    with Mtad(mxlab_bin("mtad"), config_path) as first:
        topo.send(SENDER, [RECIPIENT], MESSAGE, port=first.smtp_port)
        wait_until(lambda: "TransientFailure" in log_types(log_path, RECIPIENT), 10,
                   "the first delivery attempt to be deferred")
        started = time.monotonic()
        first.process.send_signal(signal.SIGTERM)
        status = first.process.wait(timeout=DRAIN_DEADLINE)
        drain_seconds = time.monotonic() - started

    assert status == 0, first.output()
    assert drain_seconds < DRAIN_DEADLINE
    assert "draining" in first.output() and "stopped" in first.output()
    assert mx.transactions() == [], "the MX deferred everything; nothing may have been delivered"
    assert "Delivery" not in log_types(log_path, RECIPIENT)

    mx.clear_rules()
    with Mtad(mxlab_bin("mtad"), config_path) as second:
        [tx] = mx.wait_for_transactions(1, timeout=10)

    assert second.recovered == 1
    assert tx.rcpt_to == [RECIPIENT]
    assert tx.data.endswith(MESSAGE)


BAD_CONFIGS = {
    "bad_duration": ("hostname: mx.mxlab.test\n"
                     "retry: {initial_interval: soon}\n",
                     2, "retry.initial_interval"),
    "unknown_key": ("hostname: mx.mxlab.test\n"
                    "retry:\n"
                    "  initial_interval: 1s\n"
                    "  initial_intervall: 2s\n",
                    4, "retry.initial_intervall"),
}


@pytest.mark.parametrize("text,line,key", BAD_CONFIGS.values(), ids=BAD_CONFIGS.keys())
@pytest.mark.parametrize("check_only", [False, True], ids=["start", "check_config"])
def test_bad_config_exits_non_zero_naming_file_line_and_key(tmp_path, mxlab_bin, text, line, key, check_only):
    config_path = tmp_path / "mtad.yaml"
    config_path.write_text(text)
    args = ["--config", str(config_path)] + (["--check-config"] if check_only else [])

    proc = run_mtad(mxlab_bin("mtad"), *args)

    assert proc.returncode != 0
    assert f"{config_path}:{line}: {key}" in proc.stderr, proc.stderr
    assert "listening" not in proc.stdout


def test_check_config_accepts_the_example_config(tmp_path, mxlab_bin):
    # Only validation runs, but the copy points its paths at tmp_path so nothing outside it is
    # ever touched; every other setting stays as shipped.
    text = EXAMPLE_CONFIG.read_text()
    copy, replaced = re.subn(r"(?m)^(\s+path:\s*)\S+", lambda m: f"{m.group(1)}{tmp_path / 'x'}", text)
    assert replaced >= 1, "expected spool.path (and log.path) in the example"
    config_path = tmp_path / "mtad.yaml"
    config_path.write_text(copy)

    proc = run_mtad(mxlab_bin("mtad"), "--config", str(config_path), "--check-config")

    assert proc.returncode == 0, proc.stderr
    assert f"{config_path} is valid" in proc.stdout
    assert not (tmp_path / "x").exists(), "--check-config must not create the spool or log"
