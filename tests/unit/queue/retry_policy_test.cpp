// Retry schedule (RetryPolicy): the interval doubles from initial_interval, stops growing at
// max_interval, never outlasts max_age, and an envelope expires exactly at max_age
// (RFC 5321 4.5.4.1: retry intervals and give-up time are configuration).
#include "mta/queue/retry_policy.hpp"

#include <gtest/gtest.h>

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

TEST(RetryPolicy, FirstRetryWaitsTheInitialInterval) {
  queue::RetryPolicy p(retry(100ms, 2.0, 0ms, 1h));
  EXPECT_EQ(p.delay_after(1), 100ms);
  EXPECT_EQ(p.delay_after(0), 100ms);  // "no failure yet" is treated as the first
}

TEST(RetryPolicy, IntervalDoublesAfterEachFailure) {
  queue::RetryPolicy p(retry(100ms, 2.0, 0ms, 1h));
  EXPECT_EQ(p.delay_after(2), 200ms);
  EXPECT_EQ(p.delay_after(3), 400ms);
  EXPECT_EQ(p.delay_after(4), 800ms);
  EXPECT_EQ(p.delay_after(11), 102400ms);
}

TEST(RetryPolicy, MultiplierOneKeepsTheIntervalConstant) {
  queue::RetryPolicy p(retry(250ms, 1.0, 0ms, 1h));
  for (int attempts = 1; attempts <= 10; ++attempts) EXPECT_EQ(p.delay_after(attempts), 250ms) << attempts;
}

TEST(RetryPolicy, MaxIntervalCapsTheGrowth) {
  queue::RetryPolicy p(retry(100ms, 2.0, 300ms, 1h));
  EXPECT_EQ(p.delay_after(1), 100ms);
  EXPECT_EQ(p.delay_after(2), 200ms);
  EXPECT_EQ(p.delay_after(3), 300ms);
  EXPECT_EQ(p.delay_after(4), 300ms);
  EXPECT_EQ(p.delay_after(1000), 300ms);
}

TEST(RetryPolicy, DefaultsFollowKumoMtaTwentyMinutesDoubling) {
  queue::RetryPolicy p{config::RetryConfig{}};
  EXPECT_EQ(p.delay_after(1), 20min);
  EXPECT_EQ(p.delay_after(2), 40min);
  EXPECT_EQ(p.delay_after(3), 80min);
}

TEST(RetryPolicy, UncappedIntervalNeverWaitsPastMaxAge) {
  // Without a cap 2^999 would overflow any integer; the wait stops at the expiry instead.
  queue::RetryPolicy p(retry(100ms, 2.0, 0ms, 10s));
  EXPECT_LE(p.delay_after(1000), 10s + 1ms);
  EXPECT_GE(p.delay_after(1000), 10s);
}

TEST(RetryPolicy, ExpiresExactlyAtMaxAge) {
  queue::RetryPolicy p(retry(100ms, 2.0, 0ms, 5s));
  const TimePoint received = TimePoint{} + 1000h;
  EXPECT_FALSE(p.expired(received, received));
  EXPECT_FALSE(p.expired(received, received + 5s - 1ms));
  EXPECT_TRUE(p.expired(received, received + 5s));
  EXPECT_TRUE(p.expired(received, received + 1h));
}

}  // namespace
