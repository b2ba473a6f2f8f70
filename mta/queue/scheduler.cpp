// The scheduler (see scheduler.hpp). Work items are (message, domain) pairs ordered by due
// time; one attempt per pair is in flight at a time. Spool updates and removals go to the
// SpoolWriter, which keeps them in order per message and group commits them.
#include "mta/queue/scheduler.hpp"

// GCC 12 reports -Wmismatched-new-delete where attempt()'s coroutine frame is freed: Asio
// allocates and frees frames with its own matching operators, so this is a false positive of
// its inlining across the frame's operator new and delete. Off for this file only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <boost/asio.hpp>
#include <map>
#include <set>
#include <spdlog/spdlog.h>

#include "mta/common/metric_names.hpp"
#include "mta/delivery/dsn.hpp"
#include "mta/delivery/domain_attempt.hpp"
#include "mta/protocol/message_header.hpp"
#include "mta/queue/queue_names.hpp"
#include "mta/queue/scheduler_impl.hpp"

namespace mxlab::queue {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using spool::EnvelopeState;
using spool::MessageRecord;

namespace {
constexpr std::size_t kMaxInFlight = 256;
const std::string kEgressSource(kDefaultEgressSource);

// Runs f() on the blocking pool and resumes on the caller's executor with its result.
template <class Executor, class F>
awaitable<std::invoke_result_t<F>> run_on(Executor pool, F f) {
  using R = std::invoke_result_t<F>;
  auto home = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<decltype(use_awaitable), void(R)>(
      [&](auto handler) {
        asio::post(pool, [handler = std::move(handler), f = std::move(f), home]() mutable {
          R r = f();
          asio::post(home, [handler = std::move(handler), r = std::move(r)]() mutable { handler(std::move(r)); });
        });
      },
      use_awaitable);
}

log::Response to_response(const smtp::Reply& r, const std::string& command) {
  return {r.code, r.enhanced, r.text(), command};
}
}  // namespace

void Scheduler::Impl::schedule(const MessageRecord& rec) {
  std::map<std::string, TimePoint> next;
  for (const auto& env : rec.envelopes) {
    if (env.state != EnvelopeState::Pending) continue;
    auto dom = spool::domain_of(env.recipient);
    if (busy.count({rec.id, dom})) continue;
    auto [it, inserted] = next.try_emplace(dom, env.next_attempt);
    if (!inserted) it->second = std::min(it->second, env.next_attempt);
  }
  for (auto& [dom, when] : next) set_due(rec.id, dom, when);
}

void Scheduler::Impl::set_due(MessageId id, const std::string& domain, TimePoint when) {
  WorkKey key{id, domain};
  if (auto it = due_at.find(key); it != due_at.end()) {
    due.erase({it->second, id, domain});
    it->second = when;
  } else {
    due_at.emplace(key, when);
  }
  due.insert({when, id, domain});
}

void Scheduler::Impl::drop(MessageId id) {
  for (auto it = due_at.lower_bound({id, std::string()}); it != due_at.end() && it->first.first == id;) {
    due.erase({it->second, id, it->first.second});
    it = due_at.erase(it);
  }
  messages.erase(id);
}

void Scheduler::Impl::launch_due() {
  TimePoint now = d.clock.now();
  while (!stopping && !paused && !due.empty() && due.begin()->due <= now && busy.size() < kMaxInFlight) {
    WorkItem item = *due.begin();
    due.erase(due.begin());
    due_at.erase({item.id, item.domain});
    auto it = messages.find(item.id);
    if (it == messages.end() || busy.count({item.id, item.domain})) continue;
    const MessageRecord& rec = it->second;
    bool pending = std::any_of(rec.envelopes.begin(), rec.envelopes.end(), [&](const spool::EnvelopeRecord& e) {
      return runnable(e) && spool::domain_of(e.recipient) == item.domain;
    });
    if (!pending) continue;
    // Held (suspended) or recovered past max_age: expire without an attempt.
    if (now >= retry.expires_at(rec.received)) {
      MessageRecord& held_rec = it->second;
      for (auto& env : held_rec.envelopes)
        if (env.state == EnvelopeState::Pending && spool::domain_of(env.recipient) == item.domain)
          expire(held_rec, env, "queued longer than max_age", now);
      held.erase({item.id, item.domain});
      settle(held_rec);
      continue;
    }
    // A suspension holds the work item until it expires or is cancelled.
    if (const AdminRule* s = suspensions.match(item.domain, rec.meta, now)) {
      held.insert({item.id, item.domain});
      set_due(item.id, item.domain, s->expires);
      continue;
    }
    if (auto site = site_of_domain.find(item.domain); site != site_of_domain.end()) {
      if (const AdminRule* r = ready_hold(site->second, now)) {
        held.insert({item.id, item.domain});
        set_due(item.id, item.domain, r->expires);
        continue;
      }
    }
    held.erase({item.id, item.domain});
    busy.insert({item.id, item.domain});
    asio::co_spawn(d.io, attempt(item.id, item.domain), asio::detached);
  }
}

awaitable<void> Scheduler::Impl::loop() {
  auto self = shared_from_this();
  while (!stopping) {
    launch_due();
    auto wait = std::chrono::milliseconds(3600 * 1000);
    // On a virtual clock the next due time comes when the clock is moved (its watcher cancels the
    // timer), not after real time passes; only work already due is re-checked promptly.
    bool sleep_on_clock = !d.clock.is_virtual() || (!due.empty() && due.begin()->due <= d.clock.now());
    if (!due.empty() && busy.size() < kMaxInFlight && sleep_on_clock) {
      auto until = due.begin()->due - d.clock.now();
      wait = std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(until), Millis(0), wait);
    }
    timer.expires_after(wait);
    co_await timer.async_wait(asio::as_tuple(use_awaitable));
  }
}

awaitable<void> Scheduler::Impl::attempt(MessageId id, std::string domain) {
  auto self = shared_from_this();
  const TimePoint started = d.clock.now();
  auto& spool = d.spool;
  auto pool = d.blocking.get_executor();  // a named local: no temporaries in co_await (GCC 12)
  auto data = co_await run_on(pool, [&spool, id] { return spool.load_data(id); });
  if (!messages.count(id)) {  // removed by an operator while the data was read
    busy.erase({id, domain});
    finished();
    co_return;
  }
  MessageRecord& rec = messages.at(id);
  delivery::DomainAttemptRequest req;
  req.domain = routing_domain(domain, rec.meta);  // the MX lookup follows the routing domain
  req.mail_from = rec.sender;
  for (const auto& env : rec.envelopes)
    if (runnable(env) && spool::domain_of(env.recipient) == domain) req.rcpt_to.push_back(env.recipient);
  const auto& dc = d.config.delivery;
  req.port = dc.port;
  const EgressChoice egress_choice = egress.pick(meta_value(rec.meta, "tenant"));
  const std::string& source = egress_choice.source;
  req.source_address = egress_choice.source_address;
  req.ehlo_name = !egress_choice.ehlo_domain.empty() ? egress_choice.ehlo_domain
                  : dc.ehlo_name.empty()             ? d.config.hostname
                                                     : dc.ehlo_name;
  req.max_mx_addresses = dc.max_mx_addresses;
  req.max_recipients_per_transaction = static_cast<std::size_t>(dc.max_recipients_per_transaction);
  req.timeouts = {dc.connect_timeout, dc.command_timeout, dc.data_timeout};
  auto tls_policy = tls.for_domain(domain);
  if (tls_policy) req.tls = tls_policy.value();
  req.connections = &connections;
  trace::ClientTraceFacts facts;  // strings only: events and conn_meta are built only while traced
  if (d.trace) {
    facts.egress_pool = egress_choice.pool;
    facts.egress_source = source;
    facts.ready_queue_name = [source](std::string_view site) { return ready_queue_name(source, site); };
    facts.message_id = format_message_id(id);
    facts.sender = rec.sender;
    facts.recipients = req.rcpt_to;
    facts.domain = domain;
    facts.routing_domain = meta_value(rec.meta, "routing_domain");
    facts.campaign = meta_value(rec.meta, "campaign");
    facts.tenant = meta_value(rec.meta, "tenant");
    facts.queue_name = scheduled_queue_name(domain, rec.meta);
    req.trace_facts = &facts;
  }
  req.sessions = d.sessions;
  req.message_id = format_message_id(id);
  TimePoint hold_until{};
  std::string slot;  // the ready queue whose connection_limit slot this attempt holds
  req.hold = [this, &hold_until, &slot, &source, id, &domain](const std::string& site) {
    const std::string ready = ready_queue_name(source, site);
    const AdminRule* r = ready_hold(ready, d.clock.now());
    if (r) {
      hold_until = r->expires;
      return true;
    }
    if (!take_slot(ready, id, domain)) return true;  // waits for a running attempt to finish
    slot = ready;
    return false;
  };

  delivery::DomainAttempt result;
  if (!data || !tls_policy) {
    auto reply = !data ? smtp::make_reply(451, "4.3.0", "spool read failed: " + data.error())
                       : smtp::make_reply(451, "4.7.5", tls_policy.error());
    for (auto& r : req.rcpt_to) result.outcomes.push_back({r, delivery::Fate::Deferred, reply});
    result.site = domain;
  } else {
    req.data = &data.value();
    result = co_await delivery::attempt_domain(d.resolver, req, d.trace);
  }
  busy.erase({id, domain});
  if (!slot.empty()) release_slot(slot);
  if (result.held) {  // its ready queue is suspended, or at its connection_limit: nothing recorded
    site_of_domain[domain] = ready_queue_name(source, result.site);
    if (messages.count(id) && hold_until != TimePoint{}) {
      held.insert({id, domain});
      set_due(id, domain, hold_until);
    }
    finished();
    co_return;
  }
  auto found = messages.find(id);  // re-find: the map may have changed while we waited
  if (found == messages.end()) {   // removed by an operator during the attempt
    finished();
    co_return;
  }
  MessageRecord& after = found->second;
  AttemptFacts attempt_facts{ready_queue_name(source, result.site), egress_choice, {}, {}};
  site_of_domain[domain] = attempt_facts.ready_queue;
  TimePoint now = d.clock.now();
  std::optional<std::optional<TimePoint>> retry_at;
  if (data) attempt_facts.message_id = smtp::header_value(data.value(), "Message-ID").value_or(std::string());
  // Postfix's delays=a/b/c/d: reception, waiting in the queue (to this attempt's start), then the
  // attempt's connection setup and transmission.
  attempt_facts.delays = log::Delays{after.before_queue, std::chrono::duration_cast<Millis>(started - after.received),
                             result.connection_setup, result.transmission};
  for (const auto& o : result.outcomes) {
    for (auto& env : after.envelopes) {
      if (runnable(env) && env.recipient == o.recipient) {
        record_outcome(after, env, o, attempt_facts, now, retry_at);
        break;
      }
    }
  }
  apply_bounces(after);  // a bounce posted during the attempt covers what is still pending
  bool done = after.done();
  settle(after);
  if (!done) schedule(after);
  finished();
}

log::LogRecord Scheduler::Impl::base_record(const MessageRecord& rec, const spool::EnvelopeRecord& env,
                                            TimePoint now, const std::string& message_id) const {
  log::LogRecord lr;
  if (!message_id.empty()) lr.headers["Message-ID"] = message_id;
  lr.id = format_message_id(rec.id);
  lr.envelope_id = format_envelope_id(env.id);
  lr.sender = rec.sender;
  lr.recipient = env.recipient;
  lr.queue = scheduled_queue_name(spool::domain_of(env.recipient), rec.meta);
  lr.size = rec.size;
  lr.timestamp = now;
  lr.created = rec.received;
  lr.num_attempts = env.attempts;
  lr.meta = rec.meta;
  return lr;
}

void Scheduler::Impl::record_outcome(MessageRecord& rec, spool::EnvelopeRecord& env,
                                     const delivery::RecipientOutcome& o, const AttemptFacts& facts,
                                     TimePoint now, std::optional<std::optional<TimePoint>>& retry_at) {
  env.attempts++;
  env.last_attempt = now;
  log::LogRecord lr = base_record(rec, env, now, facts.message_id);
  lr.site = facts.ready_queue;
  lr.response = to_response(o.reply, o.command);
  lr.peer_address = {o.peer_name, o.peer_address};
  lr.delivery_protocol = "ESMTP";
  lr.egress_pool = facts.egress.pool;
  lr.egress_source = facts.egress.source;
  lr.tls_protocol_version = o.tls_version;
  lr.tls_cipher = o.tls_cipher;
  lr.delays = facts.delays;
  if (o.fate != delivery::Fate::Delivered) lr.bounce_classification = classifier.classify(o.reply);
  std::string service = ready_service_label(facts.ready_queue);
  switch (o.fate) {
    case delivery::Fate::Delivered:
      env.state = EnvelopeState::Delivered;
      lr.type = log::RecordType::Delivery;
      d.metrics.add(metric::kDelivered, 1, service);
      counters.delivered++;
      break;
    case delivery::Fate::Bounced:
      env.state = EnvelopeState::Bounced;
      env.last_error = o.reply.summary();
      env.last_peer = o.peer_name;
      env.notify_sender = true;
      lr.type = log::RecordType::Bounce;
      d.metrics.add(metric::kFailures, 1, service);
      counters.permfail++;
      break;
    case delivery::Fate::Deferred:
      env.last_error = o.reply.summary();
      env.last_peer = o.peer_name;
      lr.type = log::RecordType::TransientFailure;
      d.metrics.add(metric::kTransientFailures, 1, service);
      counters.tempfail++;
      if (!retry_at) retry_at = retry.next_attempt(rec.received, now, env.attempts);
      if (*retry_at) env.next_attempt = **retry_at;
      break;
  }
  d.log.write(lr);
  if (o.fate == delivery::Fate::Deferred && !*retry_at)
    expire(rec, env, "next retry would be past max_age; last error: " + o.reply.summary(), now, facts.message_id);
}

void Scheduler::Impl::expire(MessageRecord& rec, spool::EnvelopeRecord& env, const std::string& why,
                             TimePoint now, const std::string& message_id) {
  env.state = EnvelopeState::Expired;
  env.notify_sender = true;
  counters.expired++;
  log::LogRecord lr = base_record(rec, env, now, message_id);
  lr.type = log::RecordType::Expiration;
  lr.site = site_of_domain.count(spool::domain_of(env.recipient)) ? site_of_domain[spool::domain_of(env.recipient)] : "";
  // KumoMTA's Expiration response: 551 5.4.7 (delivery time expired, RFC 3463).
  lr.response = {551, smtp::EnhancedCode{5, 4, 7},
                 "Delivery expired after " + std::to_string(env.attempts) + " attempts: " + why, ""};
  lr.bounce_classification = classifier.classify(551, lr.response.enhanced_code, lr.response.content);
  d.log.write(lr);
}

void Scheduler::Impl::persist(const MessageRecord& rec) {
  // The latest state of a message wins; batches are written in order, one fsync each, on the
  // writer's own thread (not behind inbound stores on the blocking pool). A failed write is
  // tried again until the spool takes it; until then the spool keeps the previous record.
  writer.submit(rec);
}

bool Scheduler::Impl::take_slot(const std::string& ready_queue, MessageId id, const std::string& domain) {
  const int limit = d.config.delivery.connection_limit;
  int& active = active_per_ready[ready_queue];
  if (limit > 0 && active >= limit) {
    waiting_per_ready[ready_queue].push_back({id, domain});
    return false;
  }
  ++active;
  return true;
}

void Scheduler::Impl::release_slot(const std::string& ready_queue) {
  if (--active_per_ready[ready_queue] <= 0) active_per_ready.erase(ready_queue);
  auto w = waiting_per_ready.find(ready_queue);
  while (w != waiting_per_ready.end() && !w->second.empty()) {
    WorkKey next = w->second.front();
    w->second.pop_front();
    if (!messages.count(next.first) || busy.count(next)) continue;  // removed meanwhile, or already running
    set_due(next.first, next.second, d.clock.now());  // finished() re-evaluates due work
    break;
  }
  if (w != waiting_per_ready.end() && w->second.empty()) waiting_per_ready.erase(w);
}

void Scheduler::Impl::finished() {
  if (stopping && busy.empty() && on_idle) {
    auto done = std::move(on_idle);
    on_idle = nullptr;
    done();
  }
  timer.cancel();  // re-evaluate due work
}

namespace {
// The configured rules were checked when the config was read; should they still fail to compile,
// classification falls back to the built-in rules rather than refusing to deliver.
delivery::BounceClassifier make_classifier(const config::BounceRulesConfig& rules) {
  auto c = delivery::BounceClassifier::from_config(rules);
  if (c.ok()) return std::move(c).value();
  spdlog::error("bounce_rules: {}; using the built-in rules", c.error());
  return delivery::BounceClassifier::with_defaults();
}
}  // namespace

Scheduler::Scheduler(SchedulerDeps deps)
    : impl_(std::make_shared<Impl>(deps, make_classifier(deps.config.bounce_rules))) {
  impl_->d.metrics.declare(metric::kScheduledCount, MetricType::Gauge, "number of messages in the scheduled queue",
                           metric::kQueueLabel);
  impl_->d.metrics.declare(metric::kReadyCount, MetricType::Gauge, "number of messages in the ready queue",
                           metric::kServiceLabel);
  impl_->d.metrics.declare(metric::kConnectionCount, MetricType::Gauge, "number of active connections",
                           metric::kServiceLabel);
  impl_->d.metrics.declare(metric::kDelivered, MetricType::Counter, "total number of messages delivered",
                           metric::kServiceLabel);
  impl_->d.metrics.declare(metric::kTransientFailures, MetricType::Counter,
                           "total number of message delivery attempts that transiently failed", metric::kServiceLabel);
  impl_->d.metrics.declare(metric::kFailures, MetricType::Counter,
                           "total number of message delivery attempts that permanently failed", metric::kServiceLabel);
}

Scheduler::~Scheduler() {
  if (impl_->clock_watch) impl_->d.clock.unwatch(impl_->clock_watch);
}

MessageId Scheduler::Impl::new_id() {
  MessageId id;
  do {
    id = random_u32();
  } while (messages.count(id) || reserved.count(id) || writer.contains(id));
  reserved.insert(id);
  return id;
}

void Scheduler::Impl::add(MessageRecord record) {
  MessageId id = record.id;
  reserved.erase(id);
  for (const auto& env : record.envelopes) counters.incoming += env.state == EnvelopeState::Pending;
  auto [it, inserted] = messages.insert_or_assign(id, std::move(record));
  // Mail matching an active admin bounce is bounced on arrival (KumoMTA semantics).
  if (apply_bounces(it->second) > 0) {
    settle(it->second);
    if (!messages.count(id)) return;
  }
  schedule(it->second);
  timer.cancel();
}

void Scheduler::add(MessageRecord record) { impl_->add(std::move(record)); }
MessageId Scheduler::reserve_id() { return impl_->new_id(); }
void Scheduler::release_id(MessageId id) { impl_->reserved.erase(id); }

// A message whose removal is not yet durable still owns its id (a new message must not take it).
bool Scheduler::contains(MessageId id) const {
  return impl_->messages.count(id) > 0 || impl_->reserved.count(id) > 0 || impl_->writer.contains(id);
}

void Scheduler::flush_spool() { impl_->writer.flush(); }

void Scheduler::start() {
  if (impl_->d.clock.is_virtual() && !impl_->clock_watch) {
    // The clock moved: wake the loop on the io thread to launch what became due.
    std::weak_ptr<Impl> weak = impl_;
    impl_->clock_watch = impl_->d.clock.watch([weak, &io = impl_->d.io] {
      asio::post(io, [weak] {
        if (auto self = weak.lock()) self->timer.cancel();
      });
    });
  }
  asio::co_spawn(impl_->d.io, impl_->loop(), asio::detached);
}

void Scheduler::stop(std::function<void()> done) {
  impl_->stopping = true;
  impl_->timer.cancel();
  impl_->connections.close_all();
  if (impl_->busy.empty()) {
    done();
  } else {
    impl_->on_idle = std::move(done);
  }
}

std::size_t Scheduler::in_flight() const { return impl_->busy.size(); }

std::vector<MessageRecord> Scheduler::snapshot() const {
  std::vector<MessageRecord> out;
  for (const auto& [id, rec] : impl_->messages) out.push_back(rec);
  return out;
}

void Scheduler::refresh_metrics() {
  auto& i = *impl_;
  std::map<std::string, double> scheduled, ready;
  for (const auto& [id, rec] : i.messages) {
    for (const auto& env : rec.envelopes) {
      if (env.state != EnvelopeState::Pending) continue;
      auto dom = spool::domain_of(env.recipient);
      if (i.busy.count({id, dom})) {
        auto site = i.site_of_domain.count(dom) ? i.site_of_domain[dom] : ready_queue_name(kEgressSource, dom);
        ready[ready_service_label(site)] += 1;
      } else {
        scheduled[scheduled_queue_name(dom, rec.meta)] += 1;
      }
    }
  }
  auto publish = [&](const char* name, std::map<std::string, double>& now, std::set<std::string>& before) {
    for (const auto& old : before)
      if (!now.count(old)) i.d.metrics.erase_series(name, old);
    before.clear();
    for (const auto& [label, v] : now) {
      i.d.metrics.set(name, v, label);
      before.insert(label);
    }
  };
  publish(metric::kScheduledCount, scheduled, i.gauge_labels[0]);
  publish(metric::kReadyCount, ready, i.gauge_labels[1]);
}

}  // namespace mxlab::queue
