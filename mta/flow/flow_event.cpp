// Log line parsing for the flow tracer (see flow_event.hpp). Postfix shapes follow what its
// cleanup, qmgr and smtp daemons write; mtad records follow mta/log/log_record.hpp.
#include "mta/flow/flow_event.hpp"

#include <boost/json.hpp>

#include <array>
#include <cctype>
#include <charconv>
#include <ctime>

namespace mxlab::flow {

namespace json = boost::json;

namespace {

constexpr std::array<std::pair<EventKind, std::string_view>, 8> kKinds = {{
    {EventKind::Received, "received"}, {EventKind::MessageId, "message-id"}, {EventKind::Queued, "queued"},
    {EventKind::Sent, "sent"},         {EventKind::Deferred, "deferred"},    {EventKind::Bounced, "bounced"},
    {EventKind::Expired, "expired"},   {EventKind::Removed, "removed"},
}};

bool is_id_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::string_view str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

std::int64_t integer(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_int64() ? v->get_int64() : v && v->is_uint64() ? static_cast<std::int64_t>(v->get_uint64()) : 0;
}

Millis seconds_field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  double s = !v ? 0 : v->is_double() ? v->get_double() : v->is_int64() ? static_cast<double>(v->get_int64()) : 0;
  return millis_of_seconds(s).value_or(Millis{0});
}

std::optional<EventKind> kind_of_record(std::string_view type) {
  if (type == "Reception") return EventKind::Received;
  if (type == "Delivery") return EventKind::Sent;
  if (type == "TransientFailure") return EventKind::Deferred;
  if (type == "Bounce" || type == "AdminBounce") return EventKind::Bounced;
  if (type == "Expiration") return EventKind::Expired;
  return std::nullopt;
}

std::string reply_of(const json::object& response) {
  std::string text = std::to_string(integer(response, "code"));
  if (const json::value* e = response.if_contains("enhanced_code"); e && e->is_object()) {
    const auto& eo = e->get_object();
    text += " " + std::to_string(integer(eo, "class")) + "." + std::to_string(integer(eo, "subject")) + "." +
            std::to_string(integer(eo, "detail"));
  }
  std::string_view content = str(response, "content");
  if (!content.empty()) text += " " + std::string(content);
  return text;
}

}  // namespace

std::string_view to_string(EventKind k) {
  for (const auto& [kind, name] : kKinds)
    if (kind == k) return name;
  return "unknown";
}

std::string queued_as(std::string_view reply) {
  constexpr std::string_view marker = "queued as ";
  std::size_t at = reply.find(marker);
  if (at == std::string_view::npos) return {};
  std::size_t begin = at + marker.size(), end = begin;
  while (end < reply.size() && is_id_char(reply[end])) ++end;
  return std::string(reply.substr(begin, end - begin));
}

std::optional<Millis> millis_of_seconds(double seconds) {
  if (!(seconds >= 0 && seconds < 1e9)) return std::nullopt;
  return Millis(static_cast<long long>(seconds * 1000 + 0.5));
}

std::optional<TimePoint> unix_time(std::int64_t seconds) {
  constexpr std::int64_t kLast = 9214646399;  // 2261-12-31T23:59:59Z: the last year nanoseconds can hold
  if (seconds < 0 || seconds > kLast) return std::nullopt;
  return TimePoint{std::chrono::seconds(seconds)};
}

std::optional<FlowEvent> parse_mtad_record(std::string_view line, std::string_view host) {
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::object& o = v.get_object();
  auto kind = kind_of_record(str(o, "type"));
  if (!kind || str(o, "id").empty()) return std::nullopt;
  FlowEvent e;
  e.host = std::string(host);
  e.kind = *kind;
  auto when = unix_time(integer(o, "timestamp"));
  if (!when) return std::nullopt;
  e.time = *when;
  e.queue_id = std::string(str(o, "id"));
  if (const json::value* h = o.if_contains("headers"); h && h->is_object())
    e.message_id = std::string(str(h->get_object(), "Message-ID"));
  e.sender = std::string(str(o, "sender"));
  e.recipient = std::string(str(o, "recipient"));
  std::string name, addr;
  if (const json::value* p = o.if_contains("peer_address"); p && p->is_object()) {
    name = std::string(str(p->get_object(), "name"));
    addr = std::string(str(p->get_object(), "addr"));
  }
  if (e.kind == EventKind::Received) {
    e.client = (name.empty() ? "unknown" : name) + "[" + addr.substr(0, addr.rfind(':')) + "]";
  } else {
    e.relay_name = name;
    e.relay_addr = addr;
  }
  if (const json::value* r = o.if_contains("response"); r && r->is_object()) {
    e.reply = reply_of(r->get_object());
    if (const json::value* ec2 = r->get_object().if_contains("enhanced_code"); ec2 && ec2->is_object()) {
      const auto& eo = ec2->get_object();
      e.dsn = std::to_string(integer(eo, "class")) + "." + std::to_string(integer(eo, "subject")) + "." +
              std::to_string(integer(eo, "detail"));
    }
  }
  if (e.kind == EventKind::Sent) e.queued_as = queued_as(e.reply);
  if (const json::value* d = o.if_contains("delays"); d && d->is_object()) {
    const auto& dobj = d->get_object();
    e.delays = log::Delays{seconds_field(dobj, "before_queue"), seconds_field(dobj, "in_queue"),
                           seconds_field(dobj, "connection_setup"), seconds_field(dobj, "transmission")};
  }
  return e;
}

std::optional<FlowEvent> parse_log_line(std::string_view line, std::string_view host, int year) {
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) line.remove_prefix(1);
  if (line.empty()) return std::nullopt;
  if (line.front() == '{') return parse_mtad_record(line, host);
  return parse_postfix_line(line, host, year);
}

}  // namespace mxlab::flow
