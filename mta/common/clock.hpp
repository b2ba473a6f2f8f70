// The Clock seam: everything that schedules or timestamps asks a Clock, never the system
// directly, so scenario tests can substitute a ManualClock and run retry schedules in virtual time.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace mxlab {

using TimePoint = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;

  // A virtual clock moves only when told to, so whoever sleeps until a clock time must not sleep on
  // a real timer alone: it registers a watcher, called (on the thread that moved the clock) after
  // every jump, and re-evaluates its deadline. The system clock never calls watchers.
  virtual bool is_virtual() const { return false; }
  using Watcher = std::function<void()>;
  virtual std::uint64_t watch(Watcher) const { return 0; }  // token for unwatch
  // After unwatch returns the watcher is not running and will not be called again.
  virtual void unwatch(std::uint64_t) const {}
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
  static SystemClock& instance() {
    static SystemClock c;
    return c;
  }
};

// Virtual time: a clock that moves only when told to, and tells its watchers (the scheduler) when
// it does, so a five-day retry schedule runs in milliseconds. Thread-safe. Watchers must not call
// watch/unwatch themselves.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint{}) : ns_(start.time_since_epoch().count()) {}
  TimePoint now() const override { return TimePoint{TimePoint::duration{ns_.load()}}; }
  void advance(TimePoint::duration d) {
    ns_ += d.count();
    notify();
  }
  void set(TimePoint t) {
    ns_ = t.time_since_epoch().count();
    notify();
  }

  bool is_virtual() const override { return true; }
  std::uint64_t watch(Watcher w) const override;
  void unwatch(std::uint64_t token) const override;

 private:
  void notify() const;
  std::atomic<TimePoint::duration::rep> ns_;
  mutable std::mutex mu_;
  mutable std::uint64_t next_token_ = 1;
  mutable std::map<std::uint64_t, Watcher> watchers_;
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
