// Postfix syslog lines into FlowEvents (see flow_event.hpp). The syslog prefix is RFC 3164
// ("Nov 22 04:27:24 host prog[pid]: ") or RFC 3339 ("2025-07-21T10:00:00.12+02:00 host prog[pid]: ");
// the message part is "QID: " plus one of the shapes in docs/FLOW.md.
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "mta/flow/flow_event.hpp"

namespace mxlab::flow {

namespace {

bool digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

int number(std::string_view s) {
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

std::string_view next_token(std::string_view& s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  std::size_t end = s.find(' ');
  std::string_view token = s.substr(0, end);
  s.remove_prefix(end == std::string_view::npos ? s.size() : end);
  return token;
}

std::optional<TimePoint> utc(int year, int month, int day, int hour, int minute, int second, int offset_seconds) {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return unix_time(static_cast<std::int64_t>(timegm(&tm)) - offset_seconds);
}

// "Nov 22 04:27:24" (three tokens) or "2025-07-21T10:00:00[.frac](Z|+hh:mm)" (one token).
std::optional<TimePoint> parse_timestamp(std::string_view& s, int year) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::string_view first = next_token(s);
  for (int m = 0; m < 12; ++m) {
    if (first != kMonths[m]) continue;
    std::string_view day = next_token(s), clock = next_token(s);
    if (!digits(day) || clock.size() != 8 || clock[2] != ':' || clock[5] != ':') return std::nullopt;
    return utc(year, m + 1, number(day), number(clock.substr(0, 2)), number(clock.substr(3, 2)),
               number(clock.substr(6, 2)), 0);
  }
  if (first.size() < 19 || first[4] != '-' || first[7] != '-' || first[10] != 'T') return std::nullopt;
  int offset = 0;
  std::string_view zone = first.substr(19);
  while (!zone.empty() && (zone.front() == '.' || std::isdigit(static_cast<unsigned char>(zone.front()))))
    zone.remove_prefix(1);  // fractional seconds
  if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-')) {
    offset = (number(zone.substr(1, 2)) * 3600 + number(zone.substr(4, 2)) * 60) * (zone[0] == '-' ? -1 : 1);
  }
  return utc(number(first.substr(0, 4)), number(first.substr(5, 2)), number(first.substr(8, 2)),
             number(first.substr(11, 2)), number(first.substr(14, 2)), number(first.substr(17, 2)), offset);
}

std::string unbracket(std::string_view v) {
  if (v.size() >= 2 && v.front() == '<' && v.back() == '>') return std::string(v.substr(1, v.size() - 2));
  return std::string(v);
}

// "host[ip]:port" / "host[ip]" / "none" / "local" -> (name, addr)
void parse_relay(std::string_view v, FlowEvent& e) {
  if (v == "none") return;
  std::size_t open = v.find('['), close = v.find(']');
  if (open == std::string_view::npos || close < open) {
    e.relay_name = std::string(v);
    return;
  }
  e.relay_name = std::string(v.substr(0, open));
  e.relay_addr = std::string(v.substr(open + 1, close - open - 1));
}

std::optional<log::Delays> parse_delays(std::string_view v) {
  std::vector<Millis> parts;
  while (!v.empty()) {
    std::size_t slash = v.find('/');
    std::string part(v.substr(0, slash));
    auto ms = millis_of_seconds(std::strtod(part.c_str(), nullptr));
    if (!ms) return std::nullopt;  // NaN, negative, or absurd (fuzz)
    parts.push_back(*ms);
    v.remove_prefix(slash == std::string_view::npos ? v.size() : slash + 1);
  }
  if (parts.size() != 4) return std::nullopt;
  return log::Delays{parts[0], parts[1], parts[2], parts[3]};
}

// "to=<r>, relay=.., delay=.., delays=.., dsn=.., status=sent (text)"
bool parse_recipient(std::string_view rest, FlowEvent& e) {
  std::size_t status_at = rest.find(", status=");
  if (status_at == std::string_view::npos) return false;
  std::string_view fields = rest.substr(0, status_at), status = rest.substr(status_at + 9);
  while (!fields.empty()) {
    std::size_t comma = fields.find(", ");
    std::string_view field = fields.substr(0, comma);
    fields.remove_prefix(comma == std::string_view::npos ? fields.size() : comma + 2);
    std::size_t eq = field.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = field.substr(0, eq), value = field.substr(eq + 1);
    if (key == "to") e.recipient = unbracket(value);
    else if (key == "relay") parse_relay(value, e);
    else if (key == "delays") e.delays = parse_delays(value);
    else if (key == "dsn") e.dsn = std::string(value);
  }
  std::string_view word = status.substr(0, status.find(' '));
  if (word == "sent") e.kind = EventKind::Sent;
  else if (word == "deferred") e.kind = EventKind::Deferred;
  else if (word == "bounced") e.kind = EventKind::Bounced;
  else if (word == "expired") e.kind = EventKind::Expired;
  else return false;
  std::size_t open = status.find('(');
  if (open != std::string_view::npos && status.back() == ')')
    e.reply = std::string(status.substr(open + 1, status.size() - open - 2));
  if (e.kind == EventKind::Sent) e.queued_as = queued_as(e.reply);
  return true;
}

// The part after "QID: ".
bool parse_message(std::string_view rest, FlowEvent& e) {
  if (rest.starts_with("client=")) {
    e.kind = EventKind::Received;
    std::string_view client = rest.substr(7);
    e.client = std::string(client.substr(0, client.find(',')));
    return true;
  }
  if (rest.starts_with("message-id=")) {
    e.kind = EventKind::MessageId;
    e.message_id = std::string(rest.substr(11));
    return true;
  }
  if (rest == "removed") {
    e.kind = EventKind::Removed;
    return true;
  }
  if (rest.starts_with("from=<")) {
    std::size_t close = rest.find('>');
    if (close == std::string_view::npos) return false;
    e.sender = std::string(rest.substr(6, close - 6));
    if (rest.find("status=expired") != std::string_view::npos) e.kind = EventKind::Expired;
    else if (rest.find("(queue active)") != std::string_view::npos) e.kind = EventKind::Queued;
    else return false;
    return true;
  }
  if (rest.starts_with("to=<")) return parse_recipient(rest, e);
  return false;
}

}  // namespace

std::optional<FlowEvent> parse_postfix_line(std::string_view line, std::string_view host, int year) {
  FlowEvent e;
  auto time = parse_timestamp(line, year);
  if (!time) return std::nullopt;
  next_token(line);                        // the syslog host: the source decides which host this is
  std::string_view program = next_token(line);
  if (program.empty() || program.back() != ':') return std::nullopt;
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  std::size_t colon = line.find(": ");
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view qid = line.substr(0, colon);
  for (char c : qid)
    if (!std::isalnum(static_cast<unsigned char>(c))) return std::nullopt;
  if (qid == "NOQUEUE" || qid == "warning" || qid == "error" || qid == "fatal" || qid == "panic") return std::nullopt;
  if (!parse_message(line.substr(colon + 2), e)) return std::nullopt;
  e.host = std::string(host);
  e.time = *time;
  e.queue_id = std::string(qid);
  return e;
}

}  // namespace mxlab::flow
