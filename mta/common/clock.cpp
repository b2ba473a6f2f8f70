// Time formatting shared by log records and Received: headers.
#include "mta/common/clock.hpp"

#include <ctime>
#include <cstdio>

namespace mxlab {

namespace {
std::tm utc(TimePoint t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return tm;
}
}  // namespace

std::uint64_t ManualClock::watch(Watcher w) const {
  std::lock_guard lock(mu_);
  watchers_.emplace(next_token_, std::move(w));
  return next_token_++;
}

void ManualClock::unwatch(std::uint64_t token) const {
  std::lock_guard lock(mu_);  // waits for a notify() in progress
  watchers_.erase(token);
}

void ManualClock::notify() const {
  std::lock_guard lock(mu_);
  for (const auto& [token, w] : watchers_) w();
}

std::string format_rfc3339(TimePoint t) {
  std::tm tm = utc(t);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  if (ms < 0) ms += 1000;
  char buf[96];  // room for any int in each field (the compiler checks the worst case)
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

std::string format_rfc5322(TimePoint t) {
  std::tm tm = utc(t);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

}  // namespace mxlab
