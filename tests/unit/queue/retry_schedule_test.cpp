// Jittered retry schedule: the same seed gives the same schedule, jitter stays inside its band,
// jitter 0 is RetryPolicy exactly, and a whole 5-day schedule is planned in virtual time.
#include "mta/queue/retry_schedule.hpp"

#include <gtest/gtest.h>

#include <set>

#include "mta/queue/retry_policy.hpp"

using namespace mxlab;
using namespace std::chrono_literals;

namespace {

config::RetryConfig retry(Millis initial, double multiplier, Millis max_interval, Millis max_age) {
  config::RetryConfig c;
  c.initial_interval = initial;
  c.multiplier = multiplier;
  c.max_interval = max_interval;
  c.max_age = max_age;
  return c;
}

const TimePoint kT0 = TimePoint{} + 1'764'000'000s;

}  // namespace

TEST(SeededRng, SameSeedSameSequenceOnEveryPlatform) {
  queue::SeededRng a(42), b(42), c(43);
  std::uint64_t first = a.next();
  EXPECT_EQ(first, b.next());
  EXPECT_NE(first, c.next());
  // splitmix64 reference value for seed 0, first output.
  queue::SeededRng zero(0);
  EXPECT_EQ(zero.next(), 0xe220a8397b1dcdafULL);
}

TEST(SeededRng, UnitIsInZeroOne) {
  queue::SeededRng r(7);
  for (int i = 0; i < 10000; ++i) {
    double u = r.unit();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

TEST(RetrySchedule, ZeroJitterIsThePlainPolicy) {
  auto cfg = retry(100ms, 2.0, 1s, 1h);
  queue::RetrySchedule s(cfg, 0.0, 1);
  queue::RetryPolicy p(cfg);
  for (int n = 1; n <= 12; ++n) EXPECT_EQ(s.delay_after(n), p.delay_after(n)) << n;
}

TEST(RetrySchedule, JitterStaysInsideItsBand) {
  queue::RetrySchedule s(retry(20min, 2.0, 0ms, 7 * 24h), 0.2, 99);
  for (int n = 1; n <= 8; ++n) {
    const auto base = s.base_delay(n);
    for (int i = 0; i < 200; ++i) {
      auto d = s.delay_after(n);
      EXPECT_GE(d.count(), base.count() * 8 / 10) << n;
      EXPECT_LE(d.count(), base.count() * 12 / 10) << n;
    }
  }
}

TEST(RetrySchedule, JitterActuallySpreadsRetries) {
  queue::RetrySchedule s(retry(20min, 2.0, 0ms, 7 * 24h), 0.1, 5);
  std::set<Millis::rep> seen;
  for (int i = 0; i < 50; ++i) seen.insert(s.delay_after(1).count());
  EXPECT_GT(seen.size(), 40u);
}

TEST(RetrySchedule, NeverBelowOneMillisecond) {
  queue::RetrySchedule s(retry(1ms, 1.0, 0ms, 1h), 1.0, 3);
  for (int i = 0; i < 1000; ++i) EXPECT_GE(s.delay_after(1), 1ms);
}

TEST(RetrySchedule, NextAttemptIsNulloptOncePastMaxAge) {
  queue::RetrySchedule s(retry(1h, 1.0, 0ms, 3h), 0.0, 1);
  EXPECT_EQ(s.next_attempt(kT0, kT0, 1), kT0 + 1h);
  EXPECT_EQ(s.next_attempt(kT0, kT0 + 1h, 2), kT0 + 2h);
  EXPECT_EQ(s.next_attempt(kT0, kT0 + 2h, 3), std::nullopt);  // would land exactly at expiry
  EXPECT_EQ(s.expires_at(kT0), kT0 + 3h);
}

TEST(PlanAttempts, PostfixLikeFiveDaysWithoutJitter) {
  // Postfix: first retry 300 s, doubling, capped at 4000 s, give up after 5 days.
  auto plan = queue::plan_attempts(retry(300s, 2.0, 4000s, 5 * 24h), 0.0, 1, kT0);
  ASSERT_GE(plan.attempts.size(), 6u);
  EXPECT_EQ(plan.attempts[0], kT0);
  EXPECT_EQ(plan.attempts[1], kT0 + 300s);
  EXPECT_EQ(plan.attempts[2], kT0 + 900s);
  EXPECT_EQ(plan.attempts[3], kT0 + 2100s);
  EXPECT_EQ(plan.attempts[4], kT0 + 4500s);  // 2400 s interval
  EXPECT_EQ(plan.attempts[5], kT0 + 8500s);  // capped at 4000 s
  EXPECT_EQ(plan.expires_at, kT0 + 120h);
  // 8500 s + k * 4000 s < 432000 s  ->  k <= 105
  EXPECT_EQ(plan.attempts.size(), 6u + 105u);
  EXPECT_LT(plan.attempts.back(), plan.expires_at);
}

TEST(PlanAttempts, SameSeedSameScheduleDifferentSeedDifferentSchedule) {
  auto cfg = retry(20min, 2.0, 0ms, 7 * 24h);
  auto a = queue::plan_attempts(cfg, 0.25, 11, kT0);
  auto b = queue::plan_attempts(cfg, 0.25, 11, kT0);
  auto c = queue::plan_attempts(cfg, 0.25, 12, kT0);
  EXPECT_EQ(a.attempts, b.attempts);
  EXPECT_NE(a.attempts, c.attempts);
  for (std::size_t i = 1; i < a.attempts.size(); ++i) EXPECT_GT(a.attempts[i], a.attempts[i - 1]);
  EXPECT_LT(a.attempts.back(), a.expires_at);
}

TEST(PlanAttempts, AttemptDurationShiftsEachRetry) {
  auto plan = queue::plan_attempts(retry(10s, 1.0, 0ms, 1min), 0.0, 1, kT0, 2s);
  std::vector<TimePoint> want = {kT0, kT0 + 12s, kT0 + 24s, kT0 + 36s, kT0 + 48s};
  EXPECT_EQ(plan.attempts, want);
}

TEST(PlanAttempts, MaxAttemptsBoundsTinyIntervals) {
  auto plan = queue::plan_attempts(retry(1ms, 1.0, 0ms, 7 * 24h), 0.0, 1, kT0, 0ms, 1000);
  EXPECT_EQ(plan.attempts.size(), 1000u);
}
