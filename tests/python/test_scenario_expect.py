"""Scenario expectations through the real `fakemx run`: each kind (recipient outcome, DSN status,
response text, expired, expect_log, expect_queue, expect_received) passes when it holds and
fails with a readable expected/actual diff and exit status 1 when it does not; bad expectation
keys exit 2 naming file, line and key. Also mxlab.run_scenario, the same runner in-process."""
import subprocess
import textwrap

import pytest

import mxlab

ONE_MX = """\
timeout: {timeout}
dns:
  example.com: "MX 10 mx1.example.com"
  mx1.example.com: "A 127.0.0.2"
hosts:
  mx1.example.com:
    address: 127.0.0.2
    rules: {rules}
mta:
  retry: {{initial_interval: 1h, max_age: 1d}}
messages: [{{from: alice@origin.test, to: [bob@example.com, permfail@example.com]}}]
"""


@pytest.fixture
def fakemx_run(tmp_path, mxlab_bin):
    """fakemx_run(expectations_yaml, rules="[]") -> CompletedProcess of `fakemx run`."""
    runs = []

    def run(expectations: str, rules: str = "[]", timeout: str = "1s") -> subprocess.CompletedProcess:
        runs.append(1)
        path = tmp_path / "scenario.yaml"
        path.write_text(ONE_MX.format(rules=rules, timeout=timeout) + textwrap.dedent(expectations))
        return subprocess.run([str(mxlab_bin("fakemx")), "run", str(path), "--workdir", str(tmp_path / f"work{len(runs)}")],
                              capture_output=True, text=True, timeout=60)
    return run


def test_every_kind_of_expectation_holds(fakemx_run):
    proc = fakemx_run("""
        expect:
          - {recipient: bob@example.com, delivered_to: mx1.example.com, dsn_status: 2.0.0, log: [Reception, Delivery]}
          - {recipient: permfail@example.com, bounced: 550, dsn_status: 5.0.0, response: "", log: [Reception, Bounce]}
        expect_log:
          - {type: Delivery, count: 1, host: mx1.example.com, code: 250}
          - {type: Reception, count: 3}  # two recipients, and the DSN for permfail (to alice)
        expect_queue:
          - {count: 0}
        expect_received:
          - {host: mx1.example.com, sender: alice@origin.test, recipient: bob@example.com, contains: ["Received: "]}
    """)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1].startswith("  ") or "PASS" in proc.stdout


def test_wrong_host_shows_expected_and_actual(fakemx_run):
    proc = fakemx_run("""
        expect:
          - {recipient: bob@example.com, delivered_to: mx2.example.com}
    """)
    assert proc.returncode == 1
    assert "bob@example.com\n    expected: delivered to mx2.example.com\n    actual:   Delivery 250" in proc.stdout
    assert "what happened:" in proc.stdout


def test_deferred_with_status_and_response(fakemx_run):
    rules = '[{stage: rcpt, recipient: bob@example.com, reply: "451 4.7.1 greylisted here"}]'
    ok = fakemx_run("""
        expect:
          - {recipient: bob@example.com, deferred: 451, dsn_status: 4.7.1, response: greylisted}
        expect_queue:
          - {recipient: bob@example.com, state: pending, attempts: 1, error: greylisted}
    """, rules)
    assert ok.returncode == 0, ok.stdout
    wrong = fakemx_run("""
        expect:
          - {recipient: bob@example.com, deferred: 451, dsn_status: 4.2.0}
    """, rules)
    assert wrong.returncode == 1
    assert "expected: deferred 451 with status 4.2.0" in wrong.stdout
    assert "actual:   TransientFailure 451 4.7.1 greylisted here at mx1.example.com" in wrong.stdout


def test_expired_expectation(tmp_path, mxlab_bin, fakemx_run):
    rules = '[{stage: rcpt, reply: "451 4.7.0 busy"}]'
    path = tmp_path / "expire.yaml"
    path.write_text(ONE_MX.format(rules=rules, timeout="5s").replace("initial_interval: 1h, max_age: 1d",
                                                                      "initial_interval: 100ms, max_age: 500ms")
                    + "expect: [{recipient: bob@example.com, expired: true}]\n")
    proc = subprocess.run([str(mxlab_bin("fakemx")), "run", str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout
    not_yet = fakemx_run("expect: [{recipient: bob@example.com, expired: true}]\n", rules, timeout="1s")
    assert not_yet.returncode == 1
    assert "expected: expired\n    actual:   TransientFailure 451" in not_yet.stdout


def test_log_count_mismatch_lists_other_records(fakemx_run):
    proc = fakemx_run("""
        expect_log:
          - {type: Bounce, count: 1, code: 551}
    """)
    assert proc.returncode == 1
    assert "expected: 1 Bounce code 551" in proc.stdout
    # permfail's Bounce, and its DSN's: origin.test does not exist (NXDOMAIN)
    assert "actual:   0 matching (2 Bounce in all)" in proc.stdout
    assert "other: permfail@example.com: Bounce 550" in proc.stdout


def test_queue_mismatch_shows_the_queue(fakemx_run):
    proc = fakemx_run("""
        expect_queue:
          - {recipient: bob@example.com, state: pending}
    """, '[{stage: rcpt, recipient: bob@example.com, reply: "452 4.2.2 full"}]')
    assert proc.returncode == 0, proc.stdout
    proc = fakemx_run("""
        expect_queue:
          - {recipient: bob@example.com, state: suspended}
    """, '[{stage: rcpt, recipient: bob@example.com, reply: "452 4.2.2 full"}]')
    assert proc.returncode == 1
    assert 'queue: [bob@example.com pending attempts=1 error="452 4.2.2 full"]' in proc.stdout


def test_received_mismatch_lists_transactions(fakemx_run):
    proc = fakemx_run("""
        expect_received:
          - {host: mx1.example.com, contains: ["X-Not-There"]}
    """)
    assert proc.returncode == 1
    assert 'expected: 1 transaction(s) at mx1.example.com containing "X-Not-There"' in proc.stdout
    assert "got: <alice@origin.test> -> bob@example.com" in proc.stdout


def test_trace_sequences_hold_in_order_within_a_session(fakemx_run):
    proc = fakemx_run("""
        expect_trace:
          - {direction: client, sequence: ["MessageObtained", "Write: MAIL FROM:<alice@origin.test>", "Read: 250"]}
          - {direction: client, sequence: ["Write: RCPT TO:<permfail@example.com>", "Read: 550"], count: 1}
          - {direction: server, sequence: ["Read: EHLO", "Write: 250", "Read: QUIT"]}
    """)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_trace_mismatch_names_the_step_that_did_not_follow(fakemx_run):
    proc = fakemx_run("""
        expect_trace:
          - {direction: client, sequence: ["Write: MAIL FROM", "Write: STARTTLS"]}
    """)
    assert proc.returncode == 1
    assert ('expected: at least 1 client session(s) with, in order: Write "MAIL FROM", Write "STARTTLS"'
            in proc.stdout)
    assert 'the closest matched 1 step(s), then no Write "STARTTLS"' in proc.stdout


@pytest.mark.parametrize("expectations, message", [
    ("expect: [{recipient: a@b.test, delivered_to: mx, bounced: 550}]",
     "expect[0].recipient: give exactly one of delivered_to, deferred, bounced, expired: true"),
    ("expect_log: [{type: Delivered}]", "expect_log[0].type: unknown record type"),
    ("expect_log: [{type: Delivery, count: 1, min_count: 2}]", "give count or min_count, not both"),
    ("expect_queue: [{state: delivered}]", "expect_queue[0].state: expected pending, inflight or suspended"),
    ("expect_received: [{count: 1}]", "expect_received[0].host: missing required key"),
    ("expect: [{recipient: a@b.test, bounced: 550, dsn_status: five}]", "expected an enhanced status code"),
    ("expect: []\nadmin: [{post: api/admin}]", "expected an absolute path"),
    ("expect_trace: [{sequence: [\"Sent: x\"]}]", "unknown event kind 'Sent'"),
    ("expect_trace: [{direction: outbound, sequence: [Read]}]", "expect_trace[0].direction: use client or server"),
])
def test_bad_expectations_exit_2_naming_the_key(fakemx_run, expectations, message):
    proc = fakemx_run(expectations)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr
    assert "scenario.yaml:" in proc.stderr


def test_run_scenario_in_process(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(ONE_MX.format(rules="[]", timeout="3s") +
                    "expect: [{recipient: bob@example.com, delivered_to: mx1.example.com}]\n")
    report = mxlab.run_scenario(str(path), str(tmp_path / "work"))
    assert report.passed and bool(report)
    assert any("bob@example.com: Delivery 250" in e for e in report.events)

    path.write_text("timeout: nonsense\n")
    with pytest.raises(mxlab.ConfigError) as err:
        mxlab.run_scenario(str(path), str(tmp_path / "work"))
    assert err.value.key == "timeout"
