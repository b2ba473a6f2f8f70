// TraceHub and TraceSubscription (see trace_hub.hpp). One mutex guards the subscriber list and
// every buffer: publish holds it for a filter check and a deque push per subscriber, never for
// I/O; `ready` callbacks run after it is released.
#include "mta/trace/trace_hub.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "mta/trace/trace_event_json.hpp"

namespace mxlab::trace {

namespace json = boost::json;

json::object TraceCounts::to_json() const {
  return {{"produced", produced}, {"delivered", delivered}, {"dropped", dropped},
          {"filtered", filtered}, {"queued", queued},       {"notices", notices}};
}

struct HubState {
  static std::size_t index(Direction d) { return d == Direction::Server ? 0 : 1; }
  void remove(TraceSubscription& s);  // mu held

  std::mutex mu;
  std::vector<TraceSubscription*> subs;
  std::atomic<std::size_t> active[2]{};
  std::uint64_t next_id = 1;
  std::uint64_t events[2]{};  // events built per direction
  TraceCounts retired[2];     // counts of closed subscriptions
};

namespace {
void add_counts(TraceCounts& into, const TraceCounts& c) {
  into.produced += c.produced;
  into.delivered += c.delivered;
  into.dropped += c.dropped;
  into.filtered += c.filtered;
  into.queued += c.queued;
  into.notices += c.notices;
}
}  // namespace

TraceSubscription::TraceSubscription(std::shared_ptr<HubState> hub, std::uint64_t id, SubscribeOptions o)
    : hub_(std::move(hub)),
      id_(id),
      direction_(o.direction),
      name_(o.name.empty() ? std::string(to_string(o.direction)) + "-" + std::to_string(id) : std::move(o.name)),
      filter_(std::move(o.filter)),
      capacity_(std::max<std::size_t>(o.capacity, 1)) {}

TraceSubscription::~TraceSubscription() { close(); }

std::shared_ptr<const TraceEvent> TraceSubscription::take_locked() {
  if (!buffer_.empty() && buffer_.front().lost_before > 0) {
    auto lost = std::exchange(buffer_.front().lost_before, 0);
    ++counts_.notices;
    return std::make_shared<const TraceEvent>(lost_notice(direction_, lost));
  }
  if (buffer_.empty()) {
    if (lost_pending_ == 0) return nullptr;
    ++counts_.notices;
    return std::make_shared<const TraceEvent>(lost_notice(direction_, std::exchange(lost_pending_, 0)));
  }
  auto event = std::move(buffer_.front().event);
  buffer_.pop_front();
  --counts_.queued;
  ++counts_.delivered;
  return event;
}

std::shared_ptr<const TraceEvent> TraceSubscription::try_next() {
  std::lock_guard lock(hub_->mu);
  return take_locked();
}

std::shared_ptr<const TraceEvent> TraceSubscription::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(hub_->mu);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto e = take_locked()) return e;
    if (closed_) return nullptr;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) return take_locked();
  }
}

void TraceSubscription::on_ready(std::function<void()> ready) {
  std::lock_guard lock(hub_->mu);
  ready_ = std::move(ready);
}

void TraceSubscription::close() {
  std::function<void()> ready;
  {
    std::lock_guard lock(hub_->mu);
    if (closed_) return;
    closed_ = true;
    hub_->remove(*this);
    ready = std::move(ready_);
  }
  cv_.notify_all();
  if (ready) ready();
}

bool TraceSubscription::closed() const {
  std::lock_guard lock(hub_->mu);
  return closed_;
}

TraceCounts TraceSubscription::counts() const {
  std::lock_guard lock(hub_->mu);
  return counts_;
}

TraceHub::TraceHub() : state_(std::make_shared<HubState>()) {}

// Subscriptions may still be held (a Python object, a coroutine frame): they end, but stay valid.
TraceHub::~TraceHub() {
  std::vector<std::shared_ptr<TraceSubscription>> open;
  {
    std::lock_guard lock(state_->mu);
    for (auto* s : state_->subs) {
      if (auto alive = s->weak_from_this().lock()) open.push_back(std::move(alive));
    }
  }
  for (auto& s : open) s->close();
}

bool TraceHub::enabled(Direction d) const {
  return state_->active[HubState::index(d)].load(std::memory_order_relaxed) > 0;
}

bool TraceHub::absorb_if_saturated(Direction d, const ConnMeta* meta) {
  if (!enabled(d)) return false;
  HubState& st = *state_;
  std::lock_guard lock(st.mu);
  for (const auto* s : st.subs)
    if (s->direction_ == d && s->buffer_.size() < s->capacity_) return false;
  ++st.events[HubState::index(d)];
  for (auto* s : st.subs) {  // publish's accounting for a full buffer
    if (s->direction_ != d) continue;
    ++s->counts_.produced;
    if (!s->filter_.matches(meta)) {
      ++s->counts_.filtered;
    } else {
      ++s->counts_.dropped;
      ++s->lost_pending_;
    }
  }
  return true;
}

std::size_t TraceHub::subscribers(Direction d) const { return state_->active[HubState::index(d)].load(); }

std::shared_ptr<TraceSubscription> TraceHub::subscribe(SubscribeOptions options) {
  std::lock_guard lock(state_->mu);
  auto direction = options.direction;
  std::shared_ptr<TraceSubscription> s(new TraceSubscription(state_, state_->next_id++, std::move(options)));
  state_->subs.push_back(s.get());
  ++state_->active[HubState::index(direction)];
  return s;
}

// Closing: what is still buffered will never be delivered, so it counts as dropped.
void HubState::remove(TraceSubscription& s) {
  auto it = std::find(subs.begin(), subs.end(), &s);
  if (it == subs.end()) return;
  subs.erase(it);
  --active[index(s.direction_)];
  s.counts_.dropped += s.counts_.queued;
  s.counts_.queued = 0;
  s.buffer_.clear();
  s.lost_pending_ = 0;
  add_counts(retired[index(s.direction_)], s.counts_);
}

void TraceHub::publish(TraceEvent event) {
  if (event.when == std::chrono::system_clock::time_point{}) event.when = std::chrono::system_clock::now();
  auto shared = std::make_shared<const TraceEvent>(std::move(event));
  const Direction d = shared->direction;
  std::vector<std::function<void()>> wake;
  HubState& st = *state_;
  {
    std::lock_guard lock(st.mu);
    ++st.events[HubState::index(d)];
    for (auto* s : st.subs) {
      if (s->direction_ != d) continue;
      ++s->counts_.produced;
      if (!s->filter_.matches(shared->meta.get())) {
        ++s->counts_.filtered;
        continue;
      }
      if (s->buffer_.size() >= s->capacity_) {
        ++s->counts_.dropped;
        ++s->lost_pending_;
        continue;
      }
      bool was_empty = s->buffer_.empty();
      s->buffer_.push_back({shared, std::exchange(s->lost_pending_, 0)});
      ++s->counts_.queued;
      if (was_empty) {
        s->cv_.notify_one();
        if (s->ready_) wake.push_back(s->ready_);
      }
    }
  }
  for (auto& f : wake) f();
}

TraceCounts TraceHub::totals(Direction d) const {
  std::lock_guard lock(state_->mu);
  TraceCounts t = state_->retired[HubState::index(d)];
  for (auto* s : state_->subs)
    if (s->direction_ == d) add_counts(t, s->counts_);
  t.produced = state_->events[HubState::index(d)];
  return t;
}

void TraceHub::export_metrics(MetricsRegistry& r) const {
  static const struct {
    const char* what;  // trace_events_<what>{direction}, trace_subscriber_<what>{subscriber}
    const char* help;
    std::uint64_t TraceCounts::*field;
  } kFields[] = {
      {"delivered", "trace events taken by subscribers", &TraceCounts::delivered},
      {"dropped", "trace events dropped because a subscriber's buffer was full", &TraceCounts::dropped},
      {"filtered", "trace events refused by a subscriber's filter", &TraceCounts::filtered},
  };
  auto total = [](const char* what) { return std::string("trace_events_") + what; };
  auto per = [](const char* what) { return std::string("trace_subscriber_") + what; };
  r.declare("trace_events_produced", MetricType::Counter, "trace events built (only while subscribed)", "direction");
  r.declare("trace_subscribers", MetricType::Gauge, "open trace subscriptions", "direction");
  for (const auto& f : kFields) {
    r.declare(total(f.what), MetricType::Counter, f.help, "direction");
    r.declare(per(f.what), MetricType::Counter, std::string(f.help) + ", per open subscription", "subscriber");
  }
  for (Direction d : {Direction::Server, Direction::Client}) {
    TraceCounts t = totals(d);
    auto label = to_string(d);
    r.set("trace_events_produced", static_cast<double>(t.produced), label);
    r.set("trace_subscribers", static_cast<double>(subscribers(d)), label);
    for (const auto& f : kFields) r.set(total(f.what), static_cast<double>(t.*f.field), label);
  }
  std::lock_guard lock(state_->mu);
  std::set<std::string> live;
  for (auto* s : state_->subs) {
    live.insert(s->name_);
    for (const auto& f : kFields) r.set(per(f.what), static_cast<double>(s->counts_.*f.field), s->name_);
  }
  for (const auto& gone : exported_) {
    if (live.count(gone)) continue;
    for (const auto& f : kFields) r.erase_series(per(f.what), gone);
  }
  exported_ = std::move(live);
}

}  // namespace mxlab::trace
