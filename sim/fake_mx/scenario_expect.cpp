// Scenario expectations: the YAML schema (docs/SCENARIOS.md) and the checks (see scenario_expect.hpp).
#include "sim/fake_mx/scenario_expect.hpp"

#include <algorithm>

#include "mta/config/yaml_reader.hpp"

namespace mxlab::fakemx {

using config::yaml::Reader;

namespace {

std::string check_record_type(const std::string& t) {
  if (log::parse_record_type(t)) return "";
  return "unknown record type (use Reception, Delivery, TransientFailure, Bounce, Expiration, AdminBounce, Rejection, AdminRebind)";
}

void read_dsn_status(Reader& r, std::optional<std::string>& out) {
  std::string v;
  if (!r.string("dsn_status", v)) return;
  r.check("dsn_status", smtp::EnhancedCode::parse(v).has_value(), "expected an enhanced status code such as 5.1.1");
  out = v;
}

void read_recipient(Reader& r, std::vector<RecipientExpectation>& out) {
  RecipientExpectation e;
  e.line = r.line();
  r.require("recipient");
  r.string("recipient", e.recipient);
  std::string host;
  int code = 0;
  if (r.string("delivered_to", host)) e.delivered_to = host;
  if (r.integer("deferred", code, 400, 499)) e.deferred = code;
  if (r.integer("bounced", code, 500, 599)) e.bounced = code;
  r.boolean("expired", e.expired);
  int outcomes = e.delivered_to.has_value() + e.deferred.has_value() + e.bounced.has_value() + e.expired;
  r.check("recipient", outcomes == 1, "give exactly one of delivered_to, deferred, bounced, expired: true");
  read_dsn_status(r, e.dsn_status);
  r.string("response", e.response);
  r.strings("log", e.log, check_record_type);
  out.push_back(std::move(e));
}

void read_log(Reader& r, std::vector<LogExpectation>& out) {
  LogExpectation e;
  e.line = r.line();
  r.require("type");
  if (r.string("type", e.type)) {
    auto problem = check_record_type(e.type);
    r.check("type", problem.empty(), problem);
  }
  r.string("recipient", e.recipient);
  int code = 0;
  if (r.integer("code", code, 200, 599)) e.code = code;
  read_dsn_status(r, e.dsn_status);
  r.string("host", e.host);
  r.string("response", e.response);
  r.check("count", !(r.has("count") && r.has("min_count")), "give count or min_count, not both");
  r.integer("count", e.count, std::size_t{0}, std::size_t{1000000});
  if (r.integer("min_count", e.count, std::size_t{1}, std::size_t{1000000})) e.at_least = true;
  out.push_back(std::move(e));
}

void read_queue(Reader& r, std::vector<QueueExpectation>& out) {
  QueueExpectation e;
  e.line = r.line();
  r.string("recipient", e.recipient);
  if (r.string("state", e.state)) {
    static const std::vector<std::string> states = {"pending", "inflight", "suspended"};
    r.check("state", std::find(states.begin(), states.end(), e.state) != states.end(),
            "expected pending, inflight or suspended (finished envelopes leave the queue)");
  }
  int attempts = 0;
  if (r.integer("attempts", attempts, 0, 1000000)) e.attempts = attempts;
  r.string("error", e.error);
  r.integer("count", e.count, std::size_t{0}, std::size_t{1000000});
  out.push_back(std::move(e));
}

void read_received(Reader& r, std::vector<ReceivedExpectation>& out) {
  ReceivedExpectation e;
  e.line = r.line();
  r.require("host");
  r.string("host", e.host);
  r.string("recipient", e.recipient);
  std::string sender;
  if (r.string("sender", sender)) e.sender = sender == "<>" ? "" : sender;
  r.strings("contains", e.contains);
  r.strings("lacks", e.lacks);
  bool tls = false;
  if (r.boolean("tls", tls)) e.tls = tls;
  r.integer("count", e.count, std::size_t{0}, std::size_t{1000000});
  out.push_back(std::move(e));
}

const char* const kTraceKinds[] = {"Connected", "Read", "Write", "Diagnostic", "Closed", "BeginSession",
                                   "MessageObtained", "MessageDisposition", "Callback"};

void read_trace(Reader& r, std::vector<TraceExpectation>& out) {
  TraceExpectation e;
  e.line = r.line();
  if (r.string("direction", e.direction))
    r.check("direction", e.direction == "client" || e.direction == "server", "use client or server");
  r.require("sequence");
  std::vector<std::string> steps;
  r.strings("sequence", steps, [](const std::string& step) -> std::string {
    std::string kind = step.substr(0, step.find(':'));
    for (const char* k : kTraceKinds)
      if (kind == k) return "";
    return "unknown event kind '" + kind + "' (use Read, Write, Diagnostic, Connected, MessageObtained, ...)";
  });
  for (const auto& step : steps) {
    auto colon = step.find(':');
    TraceStep t{step.substr(0, colon), colon == std::string::npos ? "" : step.substr(colon + 1)};
    t.substring.erase(0, t.substring.find_first_not_of(' '));
    e.sequence.push_back(std::move(t));
  }
  r.check("sequence", !e.sequence.empty(), "give at least one step");
  std::size_t count = 0;
  if (r.integer("count", count, std::size_t{0}, std::size_t{1000000})) e.count = count;
  out.push_back(std::move(e));
}

bool contains(const std::string& haystack, const std::string& needle) {
  return needle.empty() || haystack.find(needle) != std::string::npos;
}

std::string enhanced(const log::LogRecord& r) { return r.response.enhanced_code ? r.response.enhanced_code->str() : ""; }

std::string diff(int line, const std::string& what, const std::string& expected, const std::string& actual) {
  return "line " + std::to_string(line) + ": " + what + "\n    expected: " + expected + "\n    actual:   " + actual;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// ---- expect: --------------------------------------------------------------------------------

std::string recipient_wanted(const RecipientExpectation& e) {
  std::string s;
  if (e.delivered_to) s = "delivered to " + *e.delivered_to;
  if (e.deferred) s = "deferred " + std::to_string(*e.deferred);
  if (e.bounced) s = "bounced " + std::to_string(*e.bounced);
  if (e.expired) s = "expired";
  if (e.dsn_status) s += " with status " + *e.dsn_status;
  if (!e.response.empty()) s += " saying \"" + e.response + "\"";
  return s;
}

bool recipient_holds(const RecipientExpectation& e, const std::vector<log::LogRecord>& records) {
  if (!e.log.empty()) {
    std::vector<std::string> types;
    for (const auto& r : records) types.emplace_back(log::to_string(r.type));
    if (types != e.log) return false;
  }
  if (records.empty()) return false;
  const auto& last = records.back();
  using T = log::RecordType;
  if (e.delivered_to && (last.type != T::Delivery || last.peer_address.name != *e.delivered_to)) return false;
  if (e.deferred && (last.type != T::TransientFailure || last.response.code != *e.deferred)) return false;
  if (e.bounced && ((last.type != T::Bounce && last.type != T::AdminBounce) || last.response.code != *e.bounced))
    return false;
  if (e.expired && last.type != T::Expiration) return false;
  if (e.dsn_status && enhanced(last) != *e.dsn_status) return false;
  return contains(last.response.content, e.response);
}

std::string check_recipient(const RecipientExpectation& e, const Observed& o) {
  auto it = o.log_by_recipient.find(e.recipient);
  static const std::vector<log::LogRecord> none;
  const auto& records = it == o.log_by_recipient.end() ? none : it->second;
  if (recipient_holds(e, records)) return {};
  std::vector<std::string> types;
  for (const auto& r : records) types.emplace_back(log::to_string(r.type));
  if (!e.log.empty() && types != e.log)
    return diff(e.line, e.recipient + ": log records", "[" + join(e.log) + "]", "[" + join(types) + "]");
  std::string actual = records.empty() ? "no log record" : describe(records.back());
  return diff(e.line, e.recipient, recipient_wanted(e), actual);
}

// ---- expect_log: ----------------------------------------------------------------------------

bool log_matches(const LogExpectation& e, const log::LogRecord& r) {
  return log::to_string(r.type) == e.type && (e.recipient.empty() || r.recipient == e.recipient) &&
         (!e.code || r.response.code == *e.code) && (!e.dsn_status || enhanced(r) == *e.dsn_status) &&
         (e.host.empty() || r.peer_address.name == e.host) && contains(r.response.content, e.response);
}

std::string check_log(const LogExpectation& e, const Observed& o) {
  std::size_t n = 0, of_type = 0;
  std::vector<std::string> near;  // same type, other fields: what the author probably meant
  for (const auto& [rcpt, records] : o.log_by_recipient) {
    for (const auto& r : records) {
      if (log::to_string(r.type) != e.type) continue;
      ++of_type;
      if (log_matches(e, r)) ++n;
      else if (near.size() < 5) near.push_back(rcpt + ": " + describe(r));
    }
  }
  if (e.at_least ? n >= e.count : n == e.count) return {};
  std::string want = (e.at_least ? "at least " : "") + std::to_string(e.count) + " " + e.type;
  if (!e.recipient.empty()) want += " for " + e.recipient;
  if (e.code) want += " code " + std::to_string(*e.code);
  if (e.dsn_status) want += " status " + *e.dsn_status;
  if (!e.host.empty()) want += " at " + e.host;
  if (!e.response.empty()) want += " saying \"" + e.response + "\"";
  std::string actual = std::to_string(n) + " matching (" + std::to_string(of_type) + " " + e.type + " in all)";
  for (const auto& r : near) actual += "\n      other: " + r;
  return diff(e.line, "log records", want, actual);
}

// ---- expect_queue: --------------------------------------------------------------------------

std::string check_queue(const QueueExpectation& e, const Observed& o) {
  std::size_t n = 0;
  std::vector<std::string> queued;
  for (const auto& m : o.queue) {
    for (const auto& env : m.envelopes) {
      if (env.state == "delivered" || env.state == "bounced" || env.state == "expired") continue;
      queued.push_back(env.recipient + " " + env.state + " attempts=" + std::to_string(env.attempts) +
                       (env.last_error.empty() ? "" : " error=\"" + env.last_error + "\""));
      if ((e.recipient.empty() || env.recipient == e.recipient) && (e.state.empty() || env.state == e.state) &&
          (!e.attempts || env.attempts == *e.attempts) && contains(env.last_error, e.error))
        ++n;
    }
  }
  if (n == e.count) return {};
  std::string want = std::to_string(e.count) + " queued envelope(s)";
  if (!e.recipient.empty()) want += " for " + e.recipient;
  if (!e.state.empty()) want += " " + e.state;
  if (e.attempts) want += " after " + std::to_string(*e.attempts) + " attempt(s)";
  if (!e.error.empty()) want += " with error \"" + e.error + "\"";
  std::string actual = std::to_string(n) + " matching; queue: " + (queued.empty() ? "empty" : "[" + join(queued) + "]");
  return diff(e.line, "queue", want, actual);
}

// ---- expect_received: -----------------------------------------------------------------------

bool received_matches(const ReceivedExpectation& e, const RecordedTransaction& t) {
  if (!e.recipient.empty() && std::find(t.rcpt_to.begin(), t.rcpt_to.end(), e.recipient) == t.rcpt_to.end())
    return false;
  if (e.sender && t.mail_from != *e.sender) return false;
  if (e.tls && t.tls != *e.tls) return false;
  for (const auto& s : e.contains)
    if (!contains(t.data, s)) return false;
  for (const auto& s : e.lacks)
    if (t.data.find(s) != std::string::npos) return false;
  return true;
}

std::string check_received(const ReceivedExpectation& e, const Observed& o) {
  auto it = o.received.find(e.host);
  if (it == o.received.end()) return diff(e.line, "received", "a host named " + e.host, "no such host in the scenario");
  std::size_t n = 0;
  std::vector<std::string> seen;
  for (const auto& t : it->second) {
    if (received_matches(e, t)) ++n;
    seen.push_back("<" + t.mail_from + "> -> " + join(t.rcpt_to) + " (" + std::to_string(t.data.size()) + " bytes" +
                   (t.tls ? ", " + t.tls_version : "") + ")");
  }
  if (n == e.count) return {};
  std::string want = std::to_string(e.count) + " transaction(s) at " + e.host;
  if (!e.recipient.empty()) want += " for " + e.recipient;
  if (e.sender) want += " from <" + *e.sender + ">";
  if (!e.contains.empty()) want += " containing \"" + join(e.contains) + "\"";
  if (!e.lacks.empty()) want += " without \"" + join(e.lacks) + "\"";
  if (e.tls) want += *e.tls ? " over TLS" : " in plaintext";
  std::string actual = std::to_string(n) + " matching of " + std::to_string(seen.size());
  for (const auto& s : seen) actual += "\n      got: " + s;
  return diff(e.line, "received", want, actual);
}

// ---- expect_trace: --------------------------------------------------------------------------

// How many steps of `seq` the session's events show in order.
std::size_t steps_matched(const std::vector<TraceStep>& seq, const std::vector<TracedEvent>& events) {
  std::size_t i = 0;
  for (const auto& ev : events)
    if (i < seq.size() && ev.kind == seq[i].kind && contains(ev.payload, seq[i].substring)) ++i;
  return i;
}

std::string step_text(const TraceStep& s) { return s.substring.empty() ? s.kind : s.kind + " \"" + s.substring + "\""; }

std::string check_trace(const TraceExpectation& e, const Observed& o) {
  const TracedSessions& sessions = e.direction == "client" ? o.client_trace : o.server_trace;
  std::size_t n = 0, best = 0;
  for (const auto& [id, events] : sessions) {
    std::size_t m = steps_matched(e.sequence, events);
    if (m == e.sequence.size()) ++n;
    best = std::max(best, m);
  }
  if (e.count ? n == *e.count : n > 0) return {};
  std::vector<std::string> steps;
  for (const auto& s : e.sequence) steps.push_back(step_text(s));
  std::string want = (e.count ? std::to_string(*e.count) : std::string("at least 1")) + " " + e.direction +
                     " session(s) with, in order: " + join(steps);
  std::string actual = std::to_string(n) + " of " + std::to_string(sessions.size()) + " session(s)";
  if (n == 0 && !sessions.empty() && best < e.sequence.size())
    actual += "; the closest matched " + std::to_string(best) + " step(s), then no " + step_text(e.sequence[best]);
  return diff(e.line, "trace", want, actual);
}

}  // namespace

void read_expectations(Reader& r, Expectations& out, bool required) {
  if (required) {
    r.check("expect",
            r.has("expect") || r.has("expect_log") || r.has("expect_queue") || r.has("expect_received") ||
                r.has("expect_trace"),
            "missing required key: give expect, expect_log, expect_queue, expect_received or expect_trace");
  }
  r.list("expect", [&](Reader& item, std::size_t) { read_recipient(item, out.recipients); });
  r.list("expect_log", [&](Reader& item, std::size_t) { read_log(item, out.log); });
  r.list("expect_queue", [&](Reader& item, std::size_t) { read_queue(item, out.queue); });
  r.list("expect_received", [&](Reader& item, std::size_t) { read_received(item, out.received); });
  r.list("expect_trace", [&](Reader& item, std::size_t) { read_trace(item, out.trace); });
}

std::vector<std::string> check(const Expectations& e, const Observed& o) {
  std::vector<std::string> problems;
  auto add = [&](std::string p) {
    if (!p.empty()) problems.push_back(std::move(p));
  };
  for (const auto& x : e.recipients) add(check_recipient(x, o));
  for (const auto& x : e.log) add(check_log(x, o));
  for (const auto& x : e.queue) add(check_queue(x, o));
  for (const auto& x : e.received) add(check_received(x, o));
  for (const auto& x : e.trace) add(check_trace(x, o));
  return problems;
}

std::string describe(const log::LogRecord& r) {
  std::string s = std::string(log::to_string(r.type));
  if (r.response.code) s += " " + std::to_string(r.response.code);
  if (r.response.enhanced_code) s += " " + r.response.enhanced_code->str();
  if (!r.response.content.empty()) s += " " + r.response.content;
  if (!r.peer_address.name.empty() && r.type != log::RecordType::Reception) s += " at " + r.peer_address.name;
  return s;
}

}  // namespace mxlab::fakemx
