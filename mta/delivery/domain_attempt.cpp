// MX iteration and failure classification for one domain (see domain_attempt.hpp).
// Site failures (connect, greeting, EHLO, I/O errors) and 4xx message failures move on to the
// next address; anything else ends the attempt with per-recipient fates.
#include "mta/delivery/domain_attempt.hpp"

#include <boost/asio.hpp>

#include "mta/delivery/mx_plan.hpp"

namespace mxlab::delivery {

namespace asio = boost::asio;
using asio::awaitable;

std::string_view to_string(Fate f) {
  switch (f) {
    case Fate::Delivered: return "delivered";
    case Fate::Deferred: return "deferred";
    case Fate::Bounced: return "bounced";
  }
  return "?";
}

Fate fate_of(const smtp::Reply& reply, ClientStage stage) {
  if (reply.positive()) return Fate::Delivered;
  if (stage == ClientStage::Rcpt && reply.code == 552) return Fate::Deferred;
  return reply.permanent() ? Fate::Bounced : Fate::Deferred;
}

namespace {

void set_all(DomainAttempt& out, Fate fate, const smtp::Reply& reply, const std::string& command,
             const std::string& host, const std::string& address) {
  for (auto& o : out.outcomes) o = {o.recipient, fate, reply, command, host, address};
}

// Applies a completed (or RCPT-failed) transaction's replies; true when the attempt is over.
bool apply_result(DomainAttempt& out, const ClientResult& r, const std::string& host, const std::string& address) {
  // A 421 closes the session whatever it answered (RFC 5321 3.8): like an I/O error, it defers
  // every recipient and moves on to the next address, even when it answered a RCPT.
  if (r.io_error || scope_of(r.failed_at) == Scope::Site || r.reply.code == 421) {
    // A 5xx greeting is soft (try the next MX); a 5xx to EHLO and HELO is a hard site refusal.
    bool hard = !r.io_error && r.failed_at == ClientStage::Ehlo && r.reply.permanent();
    set_all(out, hard ? Fate::Bounced : Fate::Deferred, r.reply, r.command, host, address);
    return hard;
  }
  if (r.failed_at == ClientStage::Mail || r.failed_at == ClientStage::Data || r.failed_at == ClientStage::EndOfData) {
    set_all(out, fate_of(r.reply, r.failed_at), r.reply, r.command, host, address);
    if (out.outcomes.front().fate == Fate::Deferred) return false;  // 4xx: next MX
  }
  // Per-recipient replies override for refused recipients (RCPT scope).
  for (std::size_t i = 0; i < out.outcomes.size() && i < r.rcpt_replies.size(); ++i) {
    const auto& rr = r.rcpt_replies[i];
    auto& o = out.outcomes[i];
    if (!rr.positive()) {
      o = {o.recipient, fate_of(rr, ClientStage::Rcpt), rr, "RCPT TO:<" + o.recipient + ">", host, address};
    } else if (r.failed_at == ClientStage::Done) {
      o = {o.recipient, Fate::Delivered, r.reply, r.command, host, address};
    }
  }
  return true;
}

void set_timings(DomainAttempt& out, std::chrono::steady_clock::time_point started,
                 std::chrono::steady_clock::time_point transaction_started) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  const auto now = std::chrono::steady_clock::now();
  const auto split = transaction_started == std::chrono::steady_clock::time_point{} ? now : transaction_started;
  out.connection_setup = duration_cast<milliseconds>(split - started);
  out.transmission = duration_cast<milliseconds>(now - split);
}

}  // namespace

awaitable<DomainAttempt> attempt_domain(dns::Resolver& resolver, const DomainAttemptRequest& req,
                                        trace::TraceSink* trace) {
  DomainAttempt out;
  const auto started = std::chrono::steady_clock::now();
  for (const auto& r : req.rcpt_to) out.outcomes.push_back({r});
  MxPlan plan = co_await resolve_mx_plan(resolver, req.domain, req.max_mx_addresses);
  for (const auto& t : plan.targets) out.site += (out.site.empty() ? "" : ",") + t.host;
  if (plan.targets.empty()) {
    set_all(out, plan.failure.permanent() ? Fate::Bounced : Fate::Deferred, plan.failure, "", "", "");
    out.site = req.domain;
    set_timings(out, started, {});
    co_return out;
  }
  for (const auto& target : plan.targets) {
    for (const auto& address : target.addresses) {
      ClientRequest creq;
      creq.address = address;
      creq.port = req.port;
      creq.source_address = req.source_address;
      creq.ehlo_name = req.ehlo_name;
      creq.mail_from = req.mail_from;
      creq.rcpt_to = req.rcpt_to;
      creq.data = req.data;
      ++out.connections;
      ClientResult result = co_await run_client_session(creq, req.timeouts, trace);
      set_timings(out, started, result.transaction_started);
      if (apply_result(out, result, target.host, address)) co_return out;
    }
  }
  co_return out;  // every address failed softly: the last failure defers all
}

}  // namespace mxlab::delivery
