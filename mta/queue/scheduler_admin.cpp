// Operator actions on the scheduler: admin bounces and suspensions, views for show-queue and
// inspect-*, retry-now (smtpctl schedule), remove, pause. All run on the io thread, so each one
// sees and leaves the queue consistent; spool writes go through the same serial strand.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "mta/queue/queue_names.hpp"
#include "mta/queue/scheduler_impl.hpp"

namespace mxlab::queue {

using spool::EnvelopeState;
using spool::MessageRecord;

namespace {
// KumoMTA's administrative bounce reply: 551 5.6.0, reason in the text.
log::Response admin_bounce_response(const std::string& reason) {
  return {551, smtp::EnhancedCode{5, 6, 0}, "Administrative bounce: " + reason, ""};
}

struct Target {
  bool all = false;
  MessageId message = 0;
  std::optional<EnvelopeId> envelope;
};

std::optional<Target> parse_target(std::string_view id) {
  if (id == "all") return Target{true, 0, std::nullopt};
  if (id.size() == 16) {
    if (auto e = parse_envelope_id(id)) return Target{false, message_of(*e), *e};
  } else if (id.size() == 8) {
    if (auto m = parse_message_id(id)) return Target{false, *m, std::nullopt};
  }
  return std::nullopt;
}

bool covers(const Target& t, const MessageRecord& rec, const spool::EnvelopeRecord& env) {
  if (t.all) return true;
  if (rec.id != t.message) return false;
  return !t.envelope || env.id == *t.envelope;
}
}  // namespace

std::size_t Scheduler::Impl::apply_bounces(MessageRecord& rec, AdminRule* only) {
  if (!only && bounces.rules().empty()) return 0;
  TimePoint now = d.clock.now();
  std::size_t n = 0;
  for (auto& env : rec.envelopes) {
    if (env.state != EnvelopeState::Pending) continue;
    auto dom = spool::domain_of(env.recipient);
    if (busy.count({rec.id, dom})) continue;
    AdminRule* rule = only ? (only->selector.matches(dom, rec.meta) ? only : nullptr) : bounces.match(dom, rec.meta, now);
    if (!rule) continue;
    env.state = EnvelopeState::Bounced;
    std::string queue = scheduled_queue_name(dom, rec.meta);
    rule->bounced[queue]++;
    rule->total_bounced++;
    counters.admin_bounced++;
    ++n;
    if (rule->suppress_logging) continue;
    log::LogRecord lr;
    lr.type = log::RecordType::AdminBounce;
    lr.id = format_message_id(rec.id);
    lr.envelope_id = format_envelope_id(env.id);
    lr.sender = rec.sender;
    lr.recipient = env.recipient;
    lr.queue = queue;
    lr.size = rec.size;
    lr.response = admin_bounce_response(rule->reason);
    lr.timestamp = now;
    lr.created = rec.received;
    lr.num_attempts = env.attempts;
    lr.meta = rec.meta;
    d.log.write(lr);
  }
  return n;
}


EnvelopeView Scheduler::Impl::view_of(const MessageRecord& rec, const spool::EnvelopeRecord& env) const {
  EnvelopeView v;
  auto dom = spool::domain_of(env.recipient);
  v.envelope_id = format_envelope_id(env.id);
  v.recipient = env.recipient;
  v.queue = scheduled_queue_name(dom, rec.meta);
  v.state = std::string(spool::to_string(env.state));
  if (env.state == EnvelopeState::Pending) {
    if (paused_envelopes.count(env.id)) v.state = "paused";
    else if (busy.count({rec.id, dom})) v.state = "inflight";
    else if (paused || suspensions.covers(dom, rec.meta, d.clock.now())) v.state = "suspended";
    else if (auto site = site_of_domain.find(dom);
             site != site_of_domain.end() && ready_hold(site->second, d.clock.now()))
      v.state = "suspended";
  }
  v.attempts = env.attempts;
  v.next_attempt = env.next_attempt;
  v.last_attempt = env.last_attempt;
  v.last_error = env.last_error;
  return v;
}

const AdminRule* Scheduler::Impl::ready_hold(const std::string& ready_queue, TimePoint now) const {
  for (const auto& r : ready_suspensions.rules())
    if (r.ready_queue == ready_queue && r.expires > now) return &r;
  return nullptr;
}

AdminRule Scheduler::add_rule(AdminRule rule) {
  auto& i = *impl_;
  TimePoint now = i.d.clock.now();
  RuleSet& set = i.rules_of(rule.kind);
  set.expire(now);
  AdminRule& r = set.add(std::move(rule));
  spdlog::info("admin: {} {} created: {}", to_string(r.kind), r.id, r.reason);
  if (r.kind == RuleKind::Bounce) {
    std::vector<MessageId> touched;
    for (auto& [id, rec] : i.messages) {
      for (const auto& env : rec.envelopes) {
        auto dom = spool::domain_of(env.recipient);
        if (env.state == EnvelopeState::Pending && i.busy.count({id, dom}) && r.selector.matches(dom, rec.meta)) {
          r.in_flight++;
        }
      }
      if (i.apply_bounces(rec, &r) > 0) touched.push_back(id);
    }
    for (MessageId id : touched) i.settle(i.messages.at(id));
  }
  AdminRule copy = r;
  i.timer.cancel();
  return copy;
}

std::vector<AdminRule> Scheduler::rules(RuleKind kind) {
  auto& i = *impl_;
  RuleSet& set = i.rules_of(kind);
  set.expire(i.d.clock.now());
  return set.rules();
}

bool Scheduler::cancel_rule(RuleKind kind, std::string_view id) {
  auto& i = *impl_;
  RuleSet& set = i.rules_of(kind);
  if (!set.cancel(id)) return false;
  spdlog::info("admin: {} {} cancelled", to_string(kind), id);
  if (kind != RuleKind::Bounce) {  // release held mail now; what another rule covers is held again
    TimePoint now = i.d.clock.now();
    auto held = std::move(i.held);
    i.held.clear();
    for (const auto& [mid, dom] : held)
      if (i.messages.count(mid) && !i.busy.count({mid, dom})) i.set_due(mid, dom, now);
    i.timer.cancel();
  }
  return true;
}

std::vector<MessageView> Scheduler::views() const {
  std::vector<MessageView> out;
  out.reserve(impl_->messages.size());
  for (const auto& [id, rec] : impl_->messages) {
    MessageView m{format_message_id(id), rec.sender, rec.received, rec.size, rec.meta, {}, std::nullopt};
    for (const auto& env : rec.envelopes) m.envelopes.push_back(impl_->view_of(rec, env));
    out.push_back(std::move(m));
  }
  return out;
}

Expected<MessageView, Scheduler::IdError> Scheduler::view(std::string_view message_id) const {
  auto t = parse_target(message_id);
  if (!t || t->all) return unexpected(IdError::Malformed);
  auto it = impl_->messages.find(t->message);
  if (it == impl_->messages.end()) return unexpected(IdError::Unknown);
  const MessageRecord& rec = it->second;
  MessageView m{format_message_id(rec.id), rec.sender, rec.received, rec.size, rec.meta, {}, std::nullopt};
  for (const auto& env : rec.envelopes)
    if (!t->envelope || env.id == *t->envelope) m.envelopes.push_back(impl_->view_of(rec, env));
  if (m.envelopes.empty()) return unexpected(IdError::Unknown);
  return m;
}

Expected<std::size_t, Scheduler::IdError> Scheduler::schedule_now(std::string_view id) {
  auto& i = *impl_;
  auto t = parse_target(id);
  if (!t) return unexpected(IdError::Malformed);
  if (!t->all && !i.messages.count(t->message)) return unexpected(IdError::Unknown);
  TimePoint now = i.d.clock.now();
  std::size_t n = 0;
  for (auto& [mid, rec] : i.messages) {
    if (!t->all && mid != t->message) continue;
    std::size_t before = n;
    for (auto& env : rec.envelopes) {
      if (env.state != EnvelopeState::Pending || !covers(*t, rec, env)) continue;
      env.next_attempt = now;
      ++n;
      auto dom = spool::domain_of(env.recipient);
      if (!i.busy.count({mid, dom})) i.set_due(mid, dom, now);
    }
    if (n > before) i.persist(rec);
  }
  if (!t->all && n == 0) return unexpected(IdError::Unknown);
  spdlog::info("admin: schedule {}: {} envelope(s) due now", id, n);
  i.timer.cancel();
  return n;
}

Expected<std::size_t, Scheduler::IdError> Scheduler::remove(std::string_view id) {
  auto& i = *impl_;
  auto t = parse_target(id);
  if (!t) return unexpected(IdError::Malformed);
  if (!t->all && !i.messages.count(t->message)) return unexpected(IdError::Unknown);
  std::size_t n = 0;
  std::vector<MessageId> touched;
  for (auto& [mid, rec] : i.messages) {
    if (!t->all && mid != t->message) continue;
    auto removed = std::erase_if(rec.envelopes, [&](const spool::EnvelopeRecord& env) {
      if (env.state != EnvelopeState::Pending || !covers(*t, rec, env)) return false;
      spdlog::info("admin: removed envelope {} <{}>", format_envelope_id(env.id), env.recipient);
      return true;
    });
    if (removed > 0) touched.push_back(mid);
    n += removed;
  }
  if (!t->all && n == 0) return unexpected(IdError::Unknown);
  i.counters.removed += n;
  for (MessageId mid : touched) {
    MessageRecord& rec = i.messages.at(mid);
    i.settle(rec);
    if (i.messages.count(mid)) i.schedule(i.messages.at(mid));
  }
  i.timer.cancel();
  return n;
}

Expected<std::size_t, Scheduler::IdError> Scheduler::pause_envelopes(std::string_view id, bool paused) {
  auto& i = *impl_;
  auto t = parse_target(id);
  if (!t) return unexpected(IdError::Malformed);
  if (!t->all && !i.messages.count(t->message)) return unexpected(IdError::Unknown);
  std::size_t n = 0, matched = 0;
  for (auto& [mid, rec] : i.messages) {
    if (!t->all && mid != t->message) continue;
    std::size_t before = n;
    for (const auto& env : rec.envelopes) {
      if (env.state != EnvelopeState::Pending || !covers(*t, rec, env)) continue;
      ++matched;
      n += paused ? i.paused_envelopes.insert(env.id).second : i.paused_envelopes.erase(env.id);
    }
    if (!paused && n > before) i.schedule(rec);
  }
  if (!t->all && matched == 0) return unexpected(IdError::Unknown);
  spdlog::info("admin: {} {}: {} envelope(s)", paused ? "pause" : "resume", id, n);
  i.timer.cancel();
  return n;
}

Expected<RebindResult> Scheduler::rebind(const RebindRequest& req) {
  auto& i = *impl_;
  for (const auto& [key, value] : req.data) {  // checked before anything changes
    if (key.empty()) return unexpected(std::string("data: empty key"));
    std::map<std::string, std::string> probe;
    if (auto err = set_queue_part(probe, key, value, "data." + key); !err.empty()) return unexpected(err);
  }
  const TimePoint now = i.d.clock.now();
  RebindResult result;
  for (auto& [mid, rec] : i.messages) {
    std::vector<std::string> matched_domains;
    for (const auto& env : rec.envelopes) {
      auto dom = spool::domain_of(env.recipient);
      if (env.state == EnvelopeState::Pending && req.selector.matches(dom, rec.meta)) matched_domains.push_back(dom);
    }
    if (matched_domains.empty()) continue;
    ++result.matched;
    const auto before = rec.meta;
    for (const auto& [key, value] : req.data) set_queue_part(rec.meta, key, value, key);
    const bool moved = scheduled_queue_name("", before) != scheduled_queue_name("", rec.meta);
    if (rec.meta != before) i.persist(rec);
    if (!moved && !req.always_flush) continue;
    if (moved) ++result.moved;
    for (auto& env : rec.envelopes) {
      auto dom = spool::domain_of(env.recipient);
      if (env.state != EnvelopeState::Pending) continue;
      // A move re-queues the whole message (its queue names all changed); a flush only what matched.
      if (!moved && std::find(matched_domains.begin(), matched_domains.end(), dom) == matched_domains.end()) continue;
      env.next_attempt = now;
      ++result.flushed;
      if (!i.busy.count({mid, dom})) i.set_due(mid, dom, now);
      if (!moved || req.suppress_logging) continue;
      log::LogRecord lr;
      lr.type = log::RecordType::AdminRebind;
      lr.id = format_message_id(rec.id);
      lr.envelope_id = format_envelope_id(env.id);
      lr.sender = rec.sender;
      lr.recipient = env.recipient;
      lr.queue = scheduled_queue_name(dom, rec.meta);
      lr.size = rec.size;
      lr.response = {250, smtp::EnhancedCode{2, 0, 0}, "Administrative rebind from " + scheduled_queue_name(dom, before) +
                                                           ": " + req.reason, ""};
      lr.timestamp = now;
      lr.created = rec.received;
      lr.num_attempts = env.attempts;
      lr.meta = rec.meta;
      i.d.log.write(lr);
    }
  }
  spdlog::info("admin: rebind ({}): {} message(s) matched, {} moved, {} envelope(s) due now", req.reason,
               result.matched, result.moved, result.flushed);
  i.timer.cancel();
  return result;
}

void Scheduler::set_paused(bool paused) {
  impl_->paused = paused;
  spdlog::info("admin: delivery {}", paused ? "paused" : "resumed");
  impl_->timer.cancel();
}

SchedulerStats Scheduler::stats() const {
  const auto& i = *impl_;
  SchedulerStats s = i.counters;
  s.paused = i.paused;
  s.messages = i.messages.size();
  s.spool_pending = i.writer.pending();
  for (const auto& [id, rec] : i.messages) {
    for (const auto& env : rec.envelopes) {
      if (env.state != EnvelopeState::Pending) continue;
      s.envelopes++;
      if (i.busy.count({id, spool::domain_of(env.recipient)})) s.inflight++;
    }
  }
  return s;
}

}  // namespace mxlab::queue
