// When to try a deferred envelope again: exponential backoff from RetryConfig
// (initial * multiplier^(attempts-1), capped at max_interval), and when to give up (max_age).
#pragma once
#include "mta/common/clock.hpp"
#include "mta/config/mta_config.hpp"

namespace mxlab::queue {

class RetryPolicy {
 public:
  explicit RetryPolicy(const config::RetryConfig& c) : c_(c) {}
  // Delay before the next try after `attempts` failed attempts (attempts >= 1).
  Millis delay_after(int attempts) const;
  bool expired(TimePoint received, TimePoint now) const { return now - received >= c_.max_age; }

 private:
  config::RetryConfig c_;
};

}  // namespace mxlab::queue
