# Virtual time: an MTA started with virtual_time=True runs its scheduler on a ManualClock, so a
# five-day retry schedule (KumoMTA's 20 minutes, doubling) runs in well under a second of wall
# time; every attempt happens exactly when plan_retries says, and the envelope expires after the
# last attempt that fits in max_age.
import time
from datetime import timedelta

import pytest

import mxlab
from mail_constants import DEFER_REPLY, DOMAIN, MESSAGE, MX1, RECIPIENT, SENDER

FIVE_DAYS = {"retry": {"initial_interval": "20m", "multiplier": 2.0, "max_age": "5d", "jitter": 0.2, "seed": 42}}
EXACT = {"retry": {"initial_interval": "20m", "multiplier": 2.0, "max_age": "5d", "jitter": 0}}


def deferring_topology(mxlab_topology, settings):
    topo = mxlab_topology()
    topo.add_mx(MX1, rules=[mxlab.Rule.reply("rcpt", DEFER_REPLY)])
    topo.route(DOMAIN, MX1)
    return topo, topo.start_mta(settings, virtual_time=True)


def run_every_attempt(mta, message_id, count):
    """Advances virtual time to each queued retry of the message and waits for its TransientFailure
    record; stops once the message has left the queue (expired)."""
    for n in range(1, count + 1):
        mta.wait_for_log("TransientFailure", n, recipient=RECIPIENT, timeout=5)
        queued = [m for m in mta.queue_snapshot() if m.id == message_id]
        if not queued:
            break
        mta.advance_to(queued[0].envelopes[0].next_attempt)
    return mta.log_records("TransientFailure", RECIPIENT)


def test_five_day_schedule_runs_in_virtual_time(mxlab_topology):
    topo, mta = deferring_topology(mxlab_topology, FIVE_DAYS)
    started = time.monotonic()
    topo.send(SENDER, [RECIPIENT], MESSAGE)
    [reception] = mta.wait_for_log("Reception")
    plan = mxlab.plan_retries(FIVE_DAYS, reception.created)
    assert len(plan.attempts) >= 8

    failures = run_every_attempt(mta, reception.id, len(plan.attempts))
    [expired] = mta.wait_for_log("Expiration", recipient=RECIPIENT, timeout=5)
    wall = time.monotonic() - started

    assert [r.timestamp for r in failures] == plan.attempts
    assert [r.num_attempts for r in failures] == list(range(1, len(plan.attempts) + 1))
    assert plan.attempts[-1] < plan.expires_at == reception.created + timedelta(days=5)
    assert expired.timestamp == plan.attempts[-1]  # the next retry would be past max_age
    assert expired.response.code == 551 and str(expired.response.enhanced_code) == "5.4.7"
    assert len(topo.mx(MX1).sessions()) == len(plan.attempts)
    assert reception.id not in [m.id for m in mta.queue_snapshot()]  # only its DSN may still be queued
    assert wall < 5, f"five virtual days took {wall:.1f}s of wall time"


def test_without_jitter_each_interval_doubles(mxlab_topology):
    topo, mta = deferring_topology(mxlab_topology, EXACT)
    topo.send(SENDER, [RECIPIENT], MESSAGE)
    [reception] = mta.wait_for_log("Reception")
    failures = run_every_attempt(mta, reception.id, 9)
    times = [reception.created] + [r.timestamp for r in failures]
    gaps = [b - a for a, b in zip(times[1:], times[2:])]
    # 20m, 40m, ... 2560m: 5100 minutes in all; the next gap (5120m) would end past five days.
    assert gaps == [timedelta(minutes=20 * 2 ** i) for i in range(8)]
    mta.wait_for_log("Expiration", timeout=5)


def test_jitter_spreads_intervals_within_bounds():
    settings = {"retry": {"initial_interval": "10m", "multiplier": 1.0, "max_age": "1d", "jitter": 0.2, "seed": 7}}
    plan = mxlab.plan_retries(settings, mxlab.ManualClock().now())
    gaps = [b - a for a, b in zip(plan.attempts, plan.attempts[1:])]
    assert all(timedelta(minutes=8) <= g <= timedelta(minutes=12) for g in gaps)
    assert len(set(gaps)) > len(gaps) // 2  # actually spread, not one value
    assert plan.attempts == mxlab.plan_retries(settings, plan.attempts[0]).attempts  # the seed replays it


def test_time_stands_still_until_advanced(mxlab_topology):
    topo, mta = deferring_topology(mxlab_topology, {"retry": {"initial_interval": "100ms", "jitter": 0}})
    topo.send(SENDER, [RECIPIENT], MESSAGE)
    mta.wait_for_log("TransientFailure")
    before = mta.now()
    time.sleep(0.3)  # three real intervals pass: no retry may start in virtual time
    assert mta.now() == before
    assert len(mta.log_records("TransientFailure")) == 1
    mta.advance(0.1)
    mta.wait_for_log("TransientFailure", 2, timeout=5)


def test_advance_needs_virtual_time(mxlab_topology):
    topo = mxlab_topology()
    mta = topo.start_mta()
    assert not mta.virtual_time
    with pytest.raises(ValueError, match="virtual_time=True"):
        mta.advance(1)


def test_plan_retries_needs_a_seed_with_jitter():
    with pytest.raises(ValueError, match="retry.seed"):
        mxlab.plan_retries({"retry": {"jitter": 0.2}}, mxlab.ManualClock().now())
