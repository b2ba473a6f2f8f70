// JSON parsing and rendering for the operator endpoints (see admin_json.hpp).
#include "mta/admin/admin_json.hpp"

#include <boost/json.hpp>
#include <cctype>
#include <cstdint>

namespace mxlab::admin {

// JSON text must be UTF-8 (RFC 8259 8.1), but message data, meta values and remote replies are
// whatever the peers sent: each invalid sequence becomes U+FFFD, as a browser would render it.
// (Found by the admin_api fuzz target: a body with an 8-bit legacy charset made invalid JSON.)
std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size();
    for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    if (ok && n > 1) {  // no overlong forms, surrogates or code points past U+10FFFF
      std::uint32_t cp = c & (0x7f >> n);
      for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
      static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= kMin[n] && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
    }
    if (!ok) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}


namespace json = boost::json;

Expected<json::object, Response> parse_body(const Request& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  if (ec) return unexpected(error_response(400, "request body is not JSON: " + ec.message()));
  if (!v.is_object()) return unexpected(error_response(400, "request body must be a JSON object"));
  return std::move(v.as_object());
}

std::optional<std::string> string_field(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

std::optional<std::chrono::milliseconds> parse_duration_text(std::string_view text) {
  static const std::pair<std::string_view, std::int64_t> kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"sec", 1000}, {"m", 60'000}, {"min", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
  std::int64_t total = 0;
  std::size_t i = 0, parts = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i == text.size()) break;
    std::int64_t n = 0;
    std::size_t digits = 0;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i, ++digits) {
      if (n > 1'000'000'000) return std::nullopt;
      n = n * 10 + (text[i] - '0');
    }
    std::size_t u = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view unit = text.substr(u, i - u);
    if (digits == 0) return std::nullopt;
    if (unit.empty()) unit = "s";
    bool known = false;
    for (const auto& [name, factor] : kUnits) {
      if (unit == name) {
        total += n * factor;
        known = true;
      }
    }
    if (!known) return std::nullopt;
    ++parts;
  }
  if (parts == 0) return std::nullopt;
  return std::chrono::milliseconds(total);
}

std::string format_duration(std::chrono::milliseconds d) {
  if (d.count() <= 0) return "0s";
  std::int64_t ms = d.count();
  std::string out;
  auto part = [&](std::int64_t unit, const char* name) {
    if (ms >= unit) {
      if (!out.empty()) out += ' ';
      out += std::to_string(ms / unit) + name;
      ms %= unit;
    }
  };
  part(86'400'000, "d");
  part(3'600'000, "h");
  part(60'000, "m");
  part(1000, "s");
  part(1, "ms");
  return out;
}

namespace {
// An optional string criterion; present-but-not-a-string is an error.
Status take(const json::object& o, std::string_view key, std::optional<std::string>& out) {
  auto* v = o.if_contains(key);
  if (!v || v->is_null()) return Status::success();
  if (!v->is_string()) return Status::failure(std::string(key) + " must be a string");
  out = std::string(v->as_string());
  return Status::success();
}

json::value opt(const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(nullptr); }
}  // namespace

Expected<queue::AdminRule, std::string> parse_rule(const json::object& body, queue::RuleKind kind, TimePoint now) {
  queue::AdminRule r;
  r.kind = kind;
  auto& s = r.selector;
  if (kind == queue::RuleKind::SuspendReady) {
    auto name = string_field(body, "name");
    if (!name || name->empty()) return unexpected(std::string("name (the ready queue) is required"));
    r.ready_queue = *name;
  }
  for (auto [key, field] : {std::pair{"domain", &s.domain}, {"campaign", &s.campaign}, {"tenant", &s.tenant}}) {
    if (auto st = take(body, key, *field); !st) return unexpected(st.error);
  }
  if (kind == queue::RuleKind::Bounce) {
    if (auto st = take(body, "routing_domain", s.routing_domain); !st) return unexpected(st.error);
  } else if (body.contains("routing_domain")) {
    return unexpected(std::string("suspend has no routing_domain selector"));
  }
  if (auto* q = body.if_contains("queue_names"); q && !q->is_null()) {
    if (!q->is_array()) return unexpected(std::string("queue_names must be a list of strings"));
    for (const auto& n : q->as_array()) {
      if (!n.is_string()) return unexpected(std::string("queue_names must be a list of strings"));
      s.queue_names.emplace_back(n.as_string());
    }
  }
  if (auto* e = body.if_contains("everything"); e && !e->is_null()) {
    if (!e->is_bool()) return unexpected(std::string("everything must be true or false"));
    s.everything = e->as_bool();
  }
  if (kind != queue::RuleKind::SuspendReady) {
    if (auto st = queue::validate(s); !st) return unexpected(st.error);
  }
  auto reason = string_field(body, "reason");
  if (!reason || reason->empty()) return unexpected(std::string("reason is required"));
  r.reason = *reason;
  std::chrono::milliseconds duration{5 * 60 * 1000};  // KumoMTA's default
  if (auto* d = body.if_contains("duration"); d && !d->is_null()) {
    auto parsed = d->is_string() ? parse_duration_text(d->as_string()) : std::nullopt;
    if (!parsed || parsed->count() <= 0) return unexpected(std::string("duration must be like \"5m\" or \"1h 30m\""));
    duration = *parsed;
  }
  r.expires = now + duration;
  if (auto* sl = body.if_contains("suppress_logging"); sl && sl->is_bool()) r.suppress_logging = sl->as_bool();
  r.id = queue::make_rule_id();
  return r;
}

Expected<queue::RebindRequest, std::string> parse_rebind(const json::object& body) {
  queue::RebindRequest r;
  auto& s = r.selector;
  for (auto [key, field] : {std::pair{"domain", &s.domain}, {"routing_domain", &s.routing_domain},
                            {"campaign", &s.campaign}, {"tenant", &s.tenant}}) {
    if (auto st = take(body, key, *field); !st) return unexpected(st.error);
  }
  // KumoMTA: no criteria means every queue.
  s.everything = !s.domain && !s.routing_domain && !s.campaign && !s.tenant;
  auto reason = string_field(body, "reason");
  if (!reason || reason->empty()) return unexpected(std::string("reason is required"));
  r.reason = *reason;
  if (auto* d = body.if_contains("data"); d && !d->is_null()) {
    if (!d->is_object()) return unexpected(std::string("data must be an object of strings"));
    for (const auto& [k, v] : d->as_object()) {
      if (!v.is_string()) return unexpected("data." + std::string(k) + " must be a string");
      r.data[std::string(k)] = std::string(v.as_string());
    }
  }
  for (auto [key, field] : {std::pair{"always_flush", &r.always_flush}, {"suppress_logging", &r.suppress_logging}}) {
    if (auto* v = body.if_contains(key); v && !v->is_null()) {
      if (!v->is_bool()) return unexpected(std::string(key) + " must be true or false");
      *field = v->as_bool();
    }
  }
  if (auto* t = body.if_contains("trigger_rebind_event"); t && t->is_bool() && t->as_bool())
    return unexpected(std::string("trigger_rebind_event: mtad has no rebind_message event; its data is merged into "
                                  "the metadata instead (leave the flag off)"));
  return r;
}

json::object rule_json(const queue::AdminRule& r, TimePoint now) {
  json::object o;
  o["id"] = r.id;
  if (r.kind == queue::RuleKind::SuspendReady) {
    o["name"] = r.ready_queue;
    o["reason"] = r.reason;
    o["duration"] = format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(r.expires - now));
    o["expires"] = format_rfc3339(r.expires);
    return o;
  }
  o["campaign"] = opt(r.selector.campaign);
  o["tenant"] = opt(r.selector.tenant);
  o["domain"] = opt(r.selector.domain);
  if (r.kind == queue::RuleKind::Bounce) o["routing_domain"] = opt(r.selector.routing_domain);
  json::array names;
  for (const auto& n : r.selector.queue_names) names.emplace_back(n);
  o["queue_names"] = std::move(names);
  o["everything"] = r.selector.everything;
  o["reason"] = r.reason;
  o["duration"] = format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(r.expires - now));
  o["expires"] = format_rfc3339(r.expires);
  if (r.kind == queue::RuleKind::Bounce) {
    json::object bounced;
    for (const auto& [q, n] : r.bounced) bounced[q] = n;
    o["bounced"] = std::move(bounced);
    o["total_bounced"] = r.total_bounced;
    o["in_flight"] = r.in_flight;
  }
  return o;
}

namespace {
json::object envelope_json(const queue::EnvelopeView& e) {
  json::object o;
  o["envelope_id"] = e.envelope_id;
  o["recipient"] = e.recipient;
  o["queue"] = e.queue;
  o["state"] = e.state;
  o["num_attempts"] = e.attempts;
  o["due"] = e.state == "pending" || e.state == "suspended" || e.state == "inflight" ? json::value(format_rfc3339(e.next_attempt))
                                                                                         : json::value(nullptr);
  o["last_attempt"] = e.attempts > 0 ? json::value(format_rfc3339(e.last_attempt)) : json::value(nullptr);
  o["last_error"] = e.last_error.empty() ? json::value(nullptr) : json::value(valid_utf8(e.last_error));
  return o;
}

json::object meta_json(const std::map<std::string, std::string>& meta) {
  json::object o;
  for (const auto& [k, v] : meta) o[valid_utf8(k)] = valid_utf8(v);
  return o;
}
}  // namespace

json::object inspect_json(const queue::MessageView& m) {
  json::object msg;
  msg["sender"] = m.sender;
  // KumoMTA: a single recipient is a string, several are a list.
  if (m.envelopes.size() == 1) {
    msg["recipient"] = m.envelopes[0].recipient;
  } else {
    json::array rcpts;
    for (const auto& e : m.envelopes) rcpts.emplace_back(e.recipient);
    msg["recipient"] = std::move(rcpts);
  }
  msg["meta"] = meta_json(m.meta);
  if (m.data) msg["data"] = valid_utf8(*m.data);
  msg["received"] = format_rfc3339(m.received);
  msg["size"] = m.size;
  int attempts = 0;
  json::array envs;
  for (const auto& e : m.envelopes) {
    attempts = std::max(attempts, e.attempts);
    envs.push_back(envelope_json(e));
  }
  msg["num_attempts"] = attempts;
  msg["envelopes"] = std::move(envs);
  json::object o;
  o["id"] = m.id;
  o["message"] = std::move(msg);
  return o;
}

json::object queue_entry_json(const queue::MessageView& m, TimePoint now) {
  json::object o;
  o["queue_id"] = m.id;
  o["queue_name"] = m.envelopes.empty() ? "" : m.envelopes.front().queue;
  o["arrival_time"] = std::chrono::duration_cast<std::chrono::seconds>(m.received.time_since_epoch()).count();
  o["message_size"] = m.size;
  o["sender"] = m.sender;
  json::array rcpts;
  for (const auto& e : m.envelopes) {
    json::object r = envelope_json(e);
    r["address"] = e.recipient;
    r["delay_reason"] = valid_utf8(e.last_error);  // postqueue -j's name for the last error
    auto next = std::chrono::duration_cast<std::chrono::seconds>(e.next_attempt - now).count();
    r["next_try_in"] = next > 0 ? next : 0;
    rcpts.push_back(std::move(r));
  }
  o["recipients"] = std::move(rcpts);
  return o;
}

}  // namespace mxlab::admin
