// Jittered exponential backoff and whole-schedule planning (see retry_schedule.hpp).
#include "mta/queue/retry_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace mxlab::queue {

std::uint64_t SeededRng::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double SeededRng::unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

RetrySchedule::RetrySchedule(const config::RetryConfig& config, double jitter, std::uint64_t seed)
    : config_(config), jitter_(std::clamp(std::isfinite(jitter) ? jitter : 0.0, 0.0, 1.0)), rng_(seed) {}

Millis RetrySchedule::base_delay(int attempts) const {
  const double multiplier = std::max(1.0, config_.multiplier);
  // Exponent computed in log space so huge attempt counts saturate instead of overflowing.
  double ms = static_cast<double>(std::max<Millis::rep>(1, config_.initial_interval.count())) *
              std::pow(multiplier, std::max(0, attempts - 1));
  if (config_.max_interval.count() > 0) ms = std::min(ms, static_cast<double>(config_.max_interval.count()));
  ms = std::min(ms, static_cast<double>(config_.max_age.count()) + 1.0);
  return Millis(static_cast<Millis::rep>(ms));
}

Millis RetrySchedule::delay_after(int attempts) {
  const double base = static_cast<double>(base_delay(attempts).count());
  const double u = rng_.unit() * 2.0 - 1.0;  // [-1, 1)
  double ms = std::llround(base * (1.0 + jitter_ * u));
  ms = std::clamp(ms, 1.0, static_cast<double>(config_.max_age.count()) + 1.0);
  return Millis(static_cast<Millis::rep>(ms));
}

std::optional<TimePoint> RetrySchedule::next_attempt(TimePoint received, TimePoint failed_at, int attempts) {
  const TimePoint next = failed_at + delay_after(attempts);
  if (next >= expires_at(received)) return std::nullopt;
  return next;
}

AttemptPlan plan_attempts(const config::RetryConfig& config, double jitter, std::uint64_t seed, TimePoint received,
                          Millis attempt_duration, std::size_t max_attempts) {
  RetrySchedule schedule(config, jitter, seed);
  AttemptPlan plan;
  plan.expires_at = schedule.expires_at(received);
  if (max_attempts == 0 || config.max_age.count() <= 0) return plan;
  TimePoint at = received;
  plan.attempts.push_back(at);
  for (int failed = 1; plan.attempts.size() < max_attempts; ++failed) {
    auto next = schedule.next_attempt(received, at + attempt_duration, failed);
    if (!next) break;
    at = *next;
    plan.attempts.push_back(at);
  }
  return plan;
}

}  // namespace mxlab::queue
