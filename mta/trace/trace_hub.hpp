// TraceHub: the TraceSink behind the trace endpoints. Each subscriber has its own filter and a
// bounded buffer; publishing never blocks or waits for a subscriber: a full buffer drops the
// event and counts it. Counters are exact: for every subscriber, at every moment,
//   produced = delivered + dropped + filtered + queued
// (queued is 0 once the subscription is closed: what was left in its buffer counts as dropped).
// A subscriber that lost events gets one in-band notice with the exact count before its next event.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "mta/common/metrics.hpp"
#include "mta/trace/trace_filter.hpp"
#include "mta/trace/trace_sink.hpp"

namespace mxlab::trace {

struct TraceCounts {
  std::uint64_t produced = 0;   // events offered to the subscriber (built while it was subscribed)
  std::uint64_t delivered = 0;  // taken from its buffer
  std::uint64_t dropped = 0;    // buffer full, or still buffered when the subscription closed
  std::uint64_t filtered = 0;   // refused by its filter
  std::uint64_t queued = 0;     // in its buffer now
  std::uint64_t notices = 0;    // "missed N events" notices delivered (not counted as events)
  boost::json::object to_json() const;
  bool balanced() const { return produced == delivered + dropped + filtered + queued; }
};

inline constexpr std::size_t kDefaultTraceCapacity = 4096;

struct SubscribeOptions {
  Direction direction = Direction::Client;
  TraceFilter filter{};
  std::size_t capacity = kDefaultTraceCapacity;  // events buffered before drops start
  std::string name{};                            // shown in metrics; default "<direction>-<id>"
};

class TraceHub;
struct HubState;  // shared by the hub and its subscriptions: either may be destroyed first

class TraceSubscription : public std::enable_shared_from_this<TraceSubscription> {
 public:
  ~TraceSubscription();
  TraceSubscription(const TraceSubscription&) = delete;
  TraceSubscription& operator=(const TraceSubscription&) = delete;

  // The next event (a "missed N events" notice first when some were lost), or null when the
  // buffer is empty. next() waits up to `timeout`; it returns null at once after close().
  std::shared_ptr<const TraceEvent> try_next();
  std::shared_ptr<const TraceEvent> next(std::chrono::milliseconds timeout);
  // `ready` runs on the publishing thread, with no lock held, when the buffer goes from empty
  // to not empty, and once on close(). It must not block (post to your own executor).
  void on_ready(std::function<void()> ready);
  // Stops the subscription: no more events are offered, what is still buffered counts as dropped.
  void close();
  bool closed() const;

  TraceCounts counts() const;
  std::uint64_t id() const { return id_; }
  const std::string& name() const { return name_; }
  Direction direction() const { return direction_; }

 private:
  friend class TraceHub;
  friend struct HubState;
  struct Item {
    std::shared_ptr<const TraceEvent> event;
    std::uint64_t lost_before = 0;  // drops between the previous buffered event and this one
  };
  TraceSubscription(std::shared_ptr<HubState> hub, std::uint64_t id, SubscribeOptions options);
  std::shared_ptr<const TraceEvent> take_locked();  // hub mutex held

  const std::shared_ptr<HubState> hub_;
  const std::uint64_t id_;
  const Direction direction_;
  const std::string name_;
  const TraceFilter filter_;
  const std::size_t capacity_;
  // Guarded by the hub's mutex:
  std::deque<Item> buffer_;
  std::uint64_t lost_pending_ = 0;  // drops since the last buffered event
  TraceCounts counts_;
  bool closed_ = false;
  std::function<void()> ready_;
  std::condition_variable cv_;
};

class TraceHub final : public TraceSink {
 public:
  TraceHub();
  ~TraceHub() override;  // closes the subscriptions still open

  bool absorb_if_saturated(Direction d, const ConnMeta* meta) override;
  bool enabled(Direction d) const override;
  void publish(TraceEvent event) override;

  // The subscription stays registered until it is closed or destroyed; the hub must outlive it.
  std::shared_ptr<TraceSubscription> subscribe(SubscribeOptions options);

  // Per direction, over every subscriber past and present; `produced` here is the number of
  // events built (each offered to every subscriber of that direction).
  TraceCounts totals(Direction d) const;
  std::size_t subscribers(Direction d) const;
  // Writes the counters into `registry` (trace_* metrics, see docs/TRACE.md).
  void export_metrics(MetricsRegistry& registry) const;

 private:
  std::shared_ptr<HubState> state_;
  mutable std::set<std::string> exported_;  // per-subscriber series written by export_metrics
};

}  // namespace mxlab::trace
