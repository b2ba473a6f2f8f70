// Retry timing with jitter: RetryPolicy's exponential backoff (initial * multiplier^(n-1), capped at
// max_interval) spread by +-jitter from a seeded generator, so many messages deferred together do
// not retry together (KumoMTA jitters its doubling 20-minute interval) and tests stay deterministic.
// Plus the whole schedule up to max_age, for virtual-time tests (RFC 5321 4.5.4.1: give up after 4-5 days).
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "mta/common/clock.hpp"
#include "mta/config/mta_config.hpp"

namespace mxlab::queue {

// splitmix64: tiny, seedable, and the same sequence on every compiler and platform (the standard
// distributions are not), which golden schedules in tests rely on.
class SeededRng {
 public:
  explicit SeededRng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  double unit();  // uniform in [0, 1)

 private:
  std::uint64_t state_;
};

class RetrySchedule {
 public:
  // jitter: fraction of the interval, 0 <= jitter <= 1; each delay is uniform in
  // [base * (1 - jitter), base * (1 + jitter)], never below 1 ms, never above max_age.
  RetrySchedule(const config::RetryConfig& config, double jitter, std::uint64_t seed);

  // The un-jittered interval after `attempts` failed attempts (attempts >= 1; 0 counts as 1).
  Millis base_delay(int attempts) const;
  // The jittered interval; draws one number from the generator.
  Millis delay_after(int attempts);
  // When to try again after the attempt numbered `attempts` failed at `failed_at`, or nullopt when that
  // time is at or past received + max_age: the envelope expires instead (Expiration record + DSN).
  std::optional<TimePoint> next_attempt(TimePoint received, TimePoint failed_at, int attempts);
  TimePoint expires_at(TimePoint received) const { return received + config_.max_age; }

  const config::RetryConfig& config() const { return config_; }
  double jitter() const { return jitter_; }

 private:
  config::RetryConfig config_;
  double jitter_;
  SeededRng rng_;
};

struct AttemptPlan {
  std::vector<TimePoint> attempts;  // first = received (immediate first try), then each retry
  TimePoint expires_at{};           // received + max_age: the envelope expires here
};

// Every attempt time of an envelope that fails every time, each attempt taking `attempt_duration`,
// until the next would fall at or past max_age. `max_attempts` bounds the result (a 1 ms interval
// with a 7-day max_age would otherwise be hundreds of millions of entries).
AttemptPlan plan_attempts(const config::RetryConfig& config, double jitter, std::uint64_t seed, TimePoint received,
                          Millis attempt_duration = Millis{0}, std::size_t max_attempts = 100000);

}  // namespace mxlab::queue
