// Non-delivery reports: when a message has nothing pending and some recipients failed by delivery
// or expiry, one RFC 3464 DSN covering all of them (every domain) goes to the envelope sender,
// never to the null sender (RFC 5321 6.1). The DSN is stored before the original's removal is
// submitted, so a crash loses neither; then it is queued like any received message.
#include <algorithm>
#include <boost/asio.hpp>
#include <spdlog/spdlog.h>

#include "mta/delivery/dsn.hpp"
#include "mta/queue/scheduler_impl.hpp"

namespace mxlab::queue {

namespace asio = boost::asio;
using spool::EnvelopeState;
using spool::MessageRecord;

namespace {

bool wants_dsn(const MessageRecord& rec) {
  if (rec.sender.empty()) return false;
  return std::any_of(rec.envelopes.begin(), rec.envelopes.end(),
                     [](const spool::EnvelopeRecord& e) { return e.notify_sender; });
}

// "550 5.1.1 text" -> 5.1.1; a reply without an enhanced code maps to its class (X.0.0).
smtp::EnhancedCode status_of(const spool::EnvelopeRecord& env) {
  if (env.state == EnvelopeState::Expired) return {4, 4, 7};  // delivery time expired (RFC 3463)
  std::string_view s = env.last_error;
  if (s.size() > 4 && s[3] == ' ') {
    std::string_view rest = s.substr(4);
    if (auto code = smtp::EnhancedCode::parse(rest.substr(0, rest.find(' ')))) return *code;
  }
  return {s.empty() || s[0] != '4' ? 5 : 4, 0, 0};
}

delivery::DsnRequest dsn_request(const MessageRecord& rec, const std::string& hostname, TimePoint now) {
  delivery::DsnRequest r;
  r.envelope_sender = rec.sender;
  r.reporting_mta = hostname;
  r.arrival_date = rec.received;
  r.date = now;
  r.message_id = format_message_id(rec.id) + "." + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count()) + "@" + hostname;
  for (const auto& env : rec.envelopes) {
    if (!env.notify_sender) continue;
    delivery::DsnRecipient rc;
    rc.final_recipient = env.recipient;
    rc.action = delivery::DsnAction::Failed;
    rc.status = status_of(env);
    rc.diagnostic = env.last_error;
    rc.remote_mta = env.last_peer;
    if (env.attempts > 0) rc.last_attempt = env.last_attempt;
    r.recipients.push_back(std::move(rc));
  }
  return r;
}

}  // namespace

void Scheduler::Impl::settle(MessageRecord& rec) {
  if (rec.done() && wants_dsn(rec)) {
    queue_dsn(rec);
  } else {
    persist(rec);
  }
  if (!rec.done()) return;
  drop(rec.id);
}

void Scheduler::Impl::queue_dsn(const MessageRecord& rec) {
  TimePoint now = d.clock.now();
  MessageRecord dsn;
  dsn.id = new_id();
  dsn.received = now;
  dsn.received_from = "local";
  dsn.helo = d.config.hostname;
  spool::EnvelopeRecord env;
  env.id = make_envelope_id(dsn.id, random_u32());
  env.recipient = rec.sender;
  env.next_attempt = now;
  dsn.envelopes.push_back(std::move(env));
  delivery::DsnRequest request = dsn_request(rec, d.config.hostname, now);
  std::weak_ptr<Impl> weak = shared_from_this();
  reserved.insert(rec.id);  // the original keeps its id until its removal is submitted
  // The DSN is stored durably on the blocking pool first; only then is the original's removal
  // handed to the spool writer, so a crash in between retries the original rather than losing both.
  asio::post(d.blocking, [weak, &spool = d.spool, &io = d.io, original = rec, dsn = std::move(dsn),
                          request = std::move(request)]() mutable {
    auto data = spool.load_data(original.id);
    request.original_message = data ? *data : std::string();
    std::optional<std::string> text = delivery::build_dsn(request);
    bool stored = false;
    if (text) {
      dsn.size = text->size();
      Status st = spool.store(dsn, *text);
      stored = st.ok();
      if (!stored) spdlog::error("DSN for message {}: spool store failed: {}", format_message_id(original.id), st.error);
    }
    asio::post(io, [weak, original = std::move(original), stored, dsn = std::move(dsn)]() mutable {
      auto self = weak.lock();
      if (!self) return;
      self->persist(original);  // done: removes it
      self->reserved.erase(original.id);
      if (!stored) {
        self->reserved.erase(dsn.id);
        return;
      }
      log::LogRecord lr;
      lr.type = log::RecordType::Reception;
      lr.id = format_message_id(dsn.id);
      lr.envelope_id = format_envelope_id(dsn.envelopes[0].id);
      lr.recipient = dsn.envelopes[0].recipient;
      lr.size = dsn.size;
      lr.timestamp = dsn.received;
      lr.created = dsn.received;
      lr.reception_protocol = "DSN";
      lr.response = {250, smtp::EnhancedCode{2, 0, 0},
                     "Ok: queued as " + lr.id + " (non-delivery notification for " + format_message_id(original.id) +
                         ")",
                     ""};
      self->d.log.write(lr);
      self->add(std::move(dsn));
    });
  });
}

}  // namespace mxlab::queue
