// The Clock seam: everything that schedules or timestamps asks a Clock, never the system
// directly, so scenario tests can substitute a ManualClock and run retry schedules in virtual time.
#pragma once
#include <atomic>
#include <chrono>
#include <string>

namespace mxlab {

using TimePoint = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
  static SystemClock& instance() {
    static SystemClock c;
    return c;
  }
};

// A clock that moves only when told to; thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint{}) : ns_(start.time_since_epoch().count()) {}
  TimePoint now() const override { return TimePoint{TimePoint::duration{ns_.load()}}; }
  void advance(TimePoint::duration d) { ns_ += d.count(); }
  void set(TimePoint t) { ns_ = t.time_since_epoch().count(); }

 private:
  std::atomic<TimePoint::duration::rep> ns_;
};

// RFC 3339 UTC with milliseconds: "2026-11-22T04:27:24.123Z".
std::string format_rfc3339(TimePoint t);
// RFC 5322 date for Received: headers: "Sun, 22 Nov 2026 04:27:24 +0000".
std::string format_rfc5322(TimePoint t);
// Seconds since the epoch as a double, for JSON records.
inline double to_unix_seconds(TimePoint t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace mxlab
