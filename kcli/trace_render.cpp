// Transcript rendering for the trace commands (see trace_render.hpp).
#include "kcli/trace_render.hpp"

#include <boost/json.hpp>
#include <cstdio>
#include <ctime>

#include "kcli/command_util.hpp"

namespace mxlab::kcli {

namespace json = boost::json;

namespace {

constexpr const char* kReset = "\x1b[0m";
constexpr int kSessionColors[] = {36, 35, 33, 32, 34, 91, 96, 95};
constexpr int kReadColor = 32, kWriteColor = 34, kEventColor = 1, kWarnColor = 33;

// "2026-01-02T03:04:05.000006Z" -> time point (UTC); nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_when(const std::string& s) {
  std::tm tm{};
  int micros = 0;
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec, &micros) < 6) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return std::chrono::system_clock::from_time_t(timegm(&tm)) + std::chrono::microseconds(micros);
}

// Splits protocol bytes into lines without their CRLF; a trailing partial line is kept.
std::vector<std::string> lines_of(std::string_view bytes) {
  std::vector<std::string> out;
  while (!bytes.empty()) {
    auto eol = bytes.find('\n');
    std::string_view line = bytes.substr(0, eol);
    if (line.ends_with('\r')) line.remove_suffix(1);
    out.emplace_back(line);
    if (eol == std::string_view::npos) break;
    bytes.remove_prefix(eol + 1);
  }
  return out;
}

std::string describe_session_event(std::string_view name, const json::object& meta, bool client) {
  std::string out = "=== " + std::string(name);
  auto add = [&](const char* label, const char* key) {
    std::string v = text_of(meta, key);
    if (!v.empty()) out += std::string(" ") + label + "=" + v;
  };
  if (name == "BeginSession") {
    add("ready_queue", "ready_queue_name");
    add("egress_source", "egress_source");
    if (auto* plan = meta.if_contains("mx_plan"); plan && plan->is_array()) {
      std::string hosts;
      for (const auto& p : plan->as_array()) hosts += (hosts.empty() ? "" : ",") + text_of(p, "host");
      out += " mx_plan=" + hosts;
    }
  } else if (name == "Connected" && client) {
    add("mx_host", "mx_host");
    add("mx_address", "mx_address");
    add("source", "source_address");
  } else if (name == "Connected") {
    add("from", "received_from");
    add("via", "received_via");
  } else if (name == "MessageObtained") {
    add("id", "message_id");
    add("sender", "sender");
    if (auto* r = meta.if_contains("recipient"); r && !r->is_null())
      out += " recipient=" + (r->is_string() ? std::string(r->as_string()) : json::serialize(*r));
    add("queue", "queue_name");
  }
  return out;
}

}  // namespace

std::string TraceRenderer::key_of(const json::object& meta) const {
  std::string id = text_of(meta, o_.client ? "id" : "received_from");
  return id;
}

std::string TraceRenderer::paint(int color, const std::string& text) const {
  if (!o_.color || color == 0) return text;
  return "\x1b[" + std::to_string(color) + "m" + text + kReset;
}

std::string TraceRenderer::prefix(const std::string& key, SessionView& s, const std::string& when) const {
  auto t = parse_when(when);
  if (!s.start && t) s.start = t;
  double elapsed = t && s.start ? std::chrono::duration<double>(*t - *s.start).count() : 0.0;
  char buf[32];
  std::snprintf(buf, sizeof buf, " %8.3fs ", elapsed);
  std::string tag = o_.client ? key.substr(0, 8) : key;
  return paint(s.color, "[" + tag + "]") + buf;
}

std::string TraceRenderer::render(const json::value& event) {
  if (!event.is_object() || finished_) return {};
  const auto& e = event.as_object();
  static const json::object kEmpty;
  const json::object& meta =
      e.if_contains("conn_meta") && e.at("conn_meta").is_object() ? e.at("conn_meta").as_object() : kEmpty;
  const json::value* payload = e.if_contains("payload");
  if (!payload) return {};
  std::string when = text_of(e, "when");
  std::string name = payload->is_string() ? std::string(payload->as_string())
                     : payload->is_object() && !payload->as_object().empty()
                         ? std::string(payload->as_object().begin()->key())
                         : std::string();
  const json::value* body = payload->is_object() && !payload->as_object().empty()
                                ? &payload->as_object().begin()->value()
                                : nullptr;
  std::string key = key_of(meta);
  if (key.empty()) {  // hub notices ("missed N events") belong to no session
    std::string msg = body ? text_of(*body, "message") : name;
    return paint(kWarnColor, "*** " + msg) + "\n";
  }
  bool opening = name == (o_.client ? "BeginSession" : "Connected");
  auto [it, fresh] = sessions_.try_emplace(key);
  SessionView& s = it->second;
  if (fresh) {
    s.shown = !o_.only_new || opening;
    s.color = kSessionColors[next_color_++ % std::size(kSessionColors)];
    if (s.shown && o_.only_one) {
      if (chosen_) s.shown = false;
      else chosen_ = key;
    }
  }
  if (!s.shown) return {};
  std::string head = prefix(key, s, when);
  std::string out;
  if (name == "Read" || name == "Write") {
    bool mta_wrote = name == "Write";
    std::string arrow = mta_wrote ? "-> " : "<- ";
    for (const auto& line : lines_of(body && body->is_string() ? std::string_view(body->as_string()) : ""))
      out += head + paint(mta_wrote ? kWriteColor : kReadColor, arrow + line) + "\n";
  } else if (name == "AbbreviatedWrite" || name == "AbbreviatedRead") {
    bool mta_wrote = name == "AbbreviatedWrite";
    std::string snippet = body ? text_of(*body, "snippet") : "";
    auto first = lines_of(snippet);
    std::string text = (mta_wrote ? "-> " : "<- ") + std::string("(") + std::to_string(body ? int_of(*body, "len") : 0) +
                       " bytes) " + (first.empty() ? "" : first.front()) + "...";
    out += head + paint(mta_wrote ? kWriteColor : kReadColor, text) + "\n";
  } else if (name == "Diagnostic") {
    std::string level = body ? text_of(*body, "level") : "";
    out += head + paint(kWarnColor, "*** " + (level.empty() ? "" : level + ": ") + (body ? text_of(*body, "message") : "")) + "\n";
  } else if (name == "Callback" || name == "MessageDisposition") {
    out += head + paint(kEventColor, "=== " + name + " " + (body ? json::serialize(*body) : "")) + "\n";
  } else {
    out += head + paint(kEventColor, describe_session_event(name, meta, o_.client)) + "\n";
  }
  if (name == "Closed" && o_.only_one && chosen_ == key) finished_ = true;
  return out;
}

std::string render_trace_summary(const json::value& summary) {
  const json::value& c = summary.is_object() && summary.as_object().contains("summary") ? summary.at("summary") : summary;
  return "trace summary: produced=" + std::to_string(int_of(c, "produced")) +
         " delivered=" + std::to_string(int_of(c, "delivered")) + " dropped=" + std::to_string(int_of(c, "dropped")) +
         " filtered=" + std::to_string(int_of(c, "filtered")) + " notices=" + std::to_string(int_of(c, "notices"));
}

}  // namespace mxlab::kcli
