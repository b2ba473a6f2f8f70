// Exponential backoff (see retry_policy.hpp).
#include "mta/queue/retry_policy.hpp"

#include <cmath>

namespace mxlab::queue {

Millis RetryPolicy::delay_after(int attempts) const {
  double factor = std::pow(c_.multiplier, std::max(0, attempts - 1));
  double ms = static_cast<double>(c_.initial_interval.count()) * factor;
  if (c_.max_interval.count() > 0) ms = std::min(ms, static_cast<double>(c_.max_interval.count()));
  ms = std::min(ms, static_cast<double>(c_.max_age.count()) + 1.0);
  return Millis(static_cast<Millis::rep>(ms));
}

}  // namespace mxlab::queue
