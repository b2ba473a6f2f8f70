// KumoMTA's trace event JSON (see trace_event_json.hpp).
#include "mta/trace/trace_event_json.hpp"

#include <boost/json.hpp>
#include <ctime>

namespace mxlab::trace {

namespace json = boost::json;

std::string_view to_string(EventKind k) {
  switch (k) {
    case EventKind::Connected: return "Connected";
    case EventKind::Read: return "Read";
    case EventKind::Write: return "Write";
    case EventKind::Diagnostic: return "Diagnostic";
    case EventKind::Closed: return "Closed";
    case EventKind::BeginSession: return "BeginSession";
    case EventKind::MessageObtained: return "MessageObtained";
    case EventKind::MessageDisposition: return "MessageDisposition";
    case EventKind::Callback: return "Callback";
  }
  return "?";
}

namespace {

bool abbreviated(const TraceEvent& e, bool terse) {
  if (!terse || e.payload.size() <= kTerseThreshold) return false;
  return e.direction == Direction::Client ? e.kind == EventKind::Write : e.kind == EventKind::Read;
}

json::object tagged(std::string_view tag, json::value v) {
  json::object o;
  o[tag] = std::move(v);
  return o;
}

}  // namespace

json::value payload_json(const TraceEvent& e, bool terse) {
  std::string_view name = to_string(e.kind);
  switch (e.kind) {
    case EventKind::Read:
    case EventKind::Write:
      if (abbreviated(e, terse)) {
        json::object a{{"snippet", e.payload.substr(0, kTerseSnippet)}, {"len", e.payload.size()}};
        return tagged(e.kind == EventKind::Read ? "AbbreviatedRead" : "AbbreviatedWrite", std::move(a));
      }
      return tagged(name, json::string(e.payload));
    case EventKind::Diagnostic: {
      json::object d = e.detail;
      if (!d.contains("level")) d["level"] = "info";
      d["message"] = e.payload;
      return tagged(name, std::move(d));
    }
    case EventKind::Callback:
    case EventKind::MessageDisposition: return tagged(name, e.detail);
    default: return json::string(name);
  }
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto micros = duration_cast<microseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06lldZ", static_cast<long long>(micros % 1000000));
  return buf;
}

json::object event_json(const TraceEvent& e, bool terse) {
  json::object o;
  o["conn_meta"] = e.meta ? *e.meta : json::object();
  o["payload"] = payload_json(e, terse);
  o["when"] = rfc3339(e.when);
  return o;
}

std::string event_text(const TraceEvent& e, bool terse) { return json::serialize(event_json(e, terse)); }

TraceEvent lost_notice(Direction d, std::uint64_t lost) {
  TraceEvent e;
  e.direction = d;
  e.kind = EventKind::Diagnostic;
  e.payload = "Tracer Lagged behind and missed " + std::to_string(lost) + " events";
  e.detail = {{"level", "warn"}, {"lost", lost}};
  e.when = std::chrono::system_clock::now();
  return e;
}

}  // namespace mxlab::trace
