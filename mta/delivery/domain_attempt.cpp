// MX iteration and failure classification for one domain (see domain_attempt.hpp).
// Site failures (connect, greeting, EHLO, I/O errors) and 4xx message failures move on to the
// next address; anything else ends the attempt with per-recipient fates.
#include "mta/delivery/domain_attempt.hpp"

#include <algorithm>
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

// Outcomes from a session carry its TLS facts (the log's tls_protocol_version / tls_cipher).
void note_tls(DomainAttempt& out, const ClientResult& r) {
  for (auto& o : out.outcomes) {
    o.tls_version = r.tls_version;
    o.tls_cipher = r.tls_cipher;
  }
}

// A broken handshake under an opportunistic mode is retried in plaintext on a new connection to
// the same address (Postfix's "may" level; KumoMTA's opportunistic_tls_reconnect_on_failed_handshake).
// A certificate that fails verification is not: that host is skipped, as under the required modes.
bool retry_in_plaintext(const ClientResult& r, const ClientTls& tls) {
  return r.tls_failure == TlsFailure::Handshake && !tls_required(tls.mode);
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

std::vector<trace::MxPlanEntry> plan_entries(const MxPlan& plan) {
  std::vector<trace::MxPlanEntry> out;
  for (const auto& t : plan.targets) out.push_back({t.host, t.preference, t.addresses});
  return out;
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

// One transaction at one address: on an idle cached connection when there is one, else on a new
// connection. A cached connection the server closed while it sat idle fails at MAIL with an I/O
// error or 421 before anything was accepted; it is dropped and the transaction runs on a new one.
// The trace follows a connection only while this session uses it: a parked one has no tracer.
awaitable<ClientResult> deliver_at(const ClientRequest& creq, const DomainAttemptRequest& req, DomainAttempt& out,
                                   trace::ClientTrace& tracer) {
  ConnectionCache* cache = req.connections;
  if (cache) {
    const std::string key = connection_key(creq);
    ClientConnectionPtr cached = cache->take(key);
    if (cached) {
      tracer.reusing(creq.host_name, creq.address, creq.port, local_address(*cached));
      attach_trace(*cached, &tracer);
      ClientResult reused = co_await run_transaction(*cached, creq, req.timeouts);
      bool stale = reused.failed_at == ClientStage::Mail && (reused.io_error || reused.reply.code == 421);
      attach_trace(*cached, nullptr);
      if (!stale) {
        cache->give_back(std::move(cached));
        co_return reused;
      }
    }
  }
  ++out.connections;
  ClientResult result;
  tracer.connecting(creq.host_name, creq.address, creq.port);
  trace::ClientTrace* session_trace = &tracer;  // a named local (GCC 12 co_await temporaries)
  ClientConnectionPtr fresh = co_await open_connection(creq, req.timeouts, result, session_trace);
  if (!fresh) co_return result;
  result = co_await run_transaction(*fresh, creq, req.timeouts);
  if (cache) {
    attach_trace(*fresh, nullptr);
    cache->give_back(std::move(fresh));
  } else {
    co_await quit_connection(*fresh, req.timeouts);
  }
  co_return result;
}

// Walks the MX plan for one transaction's recipients until a result ends the attempt; every
// address failing softly leaves the last failure deferring all of them.
awaitable<void> walk_plan(const MxPlan& plan, const DomainAttemptRequest& req, const std::vector<std::string>& rcpts,
                          DomainAttempt& out, trace::ClientTrace& tracer,
                          const std::chrono::steady_clock::time_point& started) {
  for (const auto& target : plan.targets) {
    for (const auto& address : target.addresses) {
      ClientRequest creq;
      creq.address = address;
      creq.host_name = target.host;
      creq.tls = req.tls;
      creq.port = req.port;
      creq.source_address = req.source_address;
      creq.ehlo_name = req.ehlo_name;
      creq.mail_from = req.mail_from;
      creq.rcpt_to = rcpts;
      creq.data = req.data;
      creq.sessions = req.sessions;
      creq.message_id = req.message_id;
      creq.site = out.site;
      ClientResult result = co_await deliver_at(creq, req, out, tracer);
      if (retry_in_plaintext(result, req.tls)) {
        creq.plaintext_only = true;
        result = co_await deliver_at(creq, req, out, tracer);
      }
      set_timings(out, started, result.transaction_started);
      bool over = apply_result(out, result, target.host, address);
      note_tls(out, result);
      if (over) co_return;
    }
  }
}

}  // namespace

awaitable<DomainAttempt> attempt_domain(dns::Resolver& resolver, const DomainAttemptRequest& req,
                                        trace::TraceSink* trace) {
  DomainAttempt out;
  const auto started = std::chrono::steady_clock::now();
  for (const auto& r : req.rcpt_to) out.outcomes.push_back({r});
  MxPlan plan = co_await resolve_mx_plan(resolver, req.domain, req.max_mx_addresses);
  for (const auto& t : plan.targets) out.site += (out.site.empty() ? "" : ",") + t.host;
  trace::ClientTrace tracer(trace, req.trace_facts);
  tracer.begin(plan.targets.empty() ? req.domain : out.site,
               tracer.on() ? plan_entries(plan) : std::vector<trace::MxPlanEntry>{});
  if (plan.targets.empty()) {
    tracer.diagnostic("error", "no MX plan for " + req.domain + ": " + plan.failure.summary());
    set_all(out, plan.failure.permanent() ? Fate::Bounced : Fate::Deferred, plan.failure, "", "", "");
    out.site = req.domain;
    set_timings(out, started, {});
    co_return out;
  }
  if (req.hold && req.hold(out.site)) {
    out.held = true;
    co_return out;
  }
  // Recipients beyond the per-transaction limit go in further transactions (Postfix
  // smtp_destination_recipient_limit), each walking the MX plan on its own; with connection reuse
  // they follow one another on the same connection.
  const std::size_t per = std::max<std::size_t>(1, req.max_recipients_per_transaction);
  std::vector<RecipientOutcome> all;
  for (std::size_t first = 0; first < req.rcpt_to.size(); first += per) {
    auto begin = req.rcpt_to.begin() + static_cast<std::ptrdiff_t>(first);
    const auto count = static_cast<std::ptrdiff_t>(std::min(per, req.rcpt_to.size() - first));
    const std::vector<std::string> batch(begin, begin + count);
    out.outcomes.clear();
    for (const auto& r : batch) out.outcomes.push_back({r});
    co_await walk_plan(plan, req, batch, out, tracer, started);
    all.insert(all.end(), out.outcomes.begin(), out.outcomes.end());
  }
  out.outcomes = std::move(all);
  co_return out;
}

}  // namespace mxlab::delivery
