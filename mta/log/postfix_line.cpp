// Postfix-style log lines (see postfix_line.hpp). The shapes follow what Postfix's smtp, qmgr and
// cleanup daemons write, since log tools match them with fixed regexes.
#include "mta/log/postfix_line.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace mxlab::log {

namespace {

std::string one_line(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\r') continue;
    out.push_back(c == '\n' || c == '\t' ? ' ' : c);
  }
  return out;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

// Postfix names the command a reply answered as "<X> command"; the end-of-data reply is "end of DATA".
std::string command_name(std::string_view command) {
  if (command == "." || starts_with_ci(command, "END OF DATA")) return "end of DATA";
  for (std::string_view verb : {"MAIL FROM", "RCPT TO", "DATA", "BDAT", "EHLO", "HELO", "STARTTLS", "RSET", "QUIT"})
    if (starts_with_ci(command, verb)) return std::string(verb);
  return one_line(command);
}

std::string reply_text(const Response& r) {
  std::string t = std::to_string(r.code);
  if (r.enhanced_code) {
    const auto& e = *r.enhanced_code;
    t += " " + std::to_string(e.cls) + "." + std::to_string(e.subject) + "." + std::to_string(e.detail);
  }
  if (!r.content.empty()) t += " " + one_line(r.content);
  return t;
}

std::string dsn_of(const LogRecord& r) {
  if (const auto& e = r.response.enhanced_code)
    return std::to_string(e->cls) + "." + std::to_string(e->subject) + "." + std::to_string(e->detail);
  switch (r.type) {
    case RecordType::Delivery: return "2.0.0";
    case RecordType::TransientFailure: return "4.0.0";
    default: return "5.0.0";
  }
}

std::string_view status_of(RecordType t) {
  switch (t) {
    case RecordType::Delivery: return "sent";
    case RecordType::TransientFailure: return "deferred";
    case RecordType::Bounce:
    case RecordType::AdminBounce:
    case RecordType::Expiration: return "bounced";
    default: return {};
  }
}

std::string peer_name(const PeerAddress& p) { return p.name.empty() ? p.addr : p.name; }

// Sent mail shows the remote reply; a remote refusal names the host and the command it answered;
// local failures (DNS, connect, expiry, admin bounce) show their own text.
std::string status_text(const LogRecord& r) {
  if (r.type == RecordType::Delivery) return reply_text(r.response);
  const bool remote = !r.peer_address.addr.empty() && r.response.code >= 400 &&
                      (r.type == RecordType::TransientFailure || r.type == RecordType::Bounce);
  if (!remote) return r.response.content.empty() ? reply_text(r.response) : one_line(r.response.content);
  const std::string host = peer_name(r.peer_address) + "[" + r.peer_address.addr + "]";
  if (r.response.command.empty())  // refused at the greeting
    return "host " + host + " refused to talk to me: " + reply_text(r.response);
  return "host " + host + " said: " + reply_text(r.response) + " (in reply to " + command_name(r.response.command) +
         " command)";
}

std::string prefix(std::string_view queue_id) { return std::string(queue_id) + ": "; }

}  // namespace

std::string format_postfix_delay(Millis d) {
  long long ms = d.count() < 0 ? 0 : d.count();
  char buf[32];
  if (ms >= 10000) {
    std::snprintf(buf, sizeof buf, "%lld", ms / 1000);
  } else if (ms >= 1000) {
    long long tenths = (ms % 1000) / 100;
    if (tenths == 0)
      std::snprintf(buf, sizeof buf, "%lld", ms / 1000);
    else
      std::snprintf(buf, sizeof buf, "%lld.%lld", ms / 1000, tenths);
  } else {
    long long cs = ms / 10;  // 10 ms resolution, as Postfix's default delay_logging_resolution_limit
    if (cs == 0)
      std::snprintf(buf, sizeof buf, "0");
    else if (cs % 10 == 0)
      std::snprintf(buf, sizeof buf, "0.%lld", cs / 10);
    else
      std::snprintf(buf, sizeof buf, "0.%02lld", cs);
  }
  return buf;
}

std::string postfix_recipient_line(const LogRecord& r, const PostfixDelays& d, std::uint16_t relay_port) {
  const std::string_view status = status_of(r.type);
  if (status.empty()) return {};
  std::string relay = "none";
  if (!r.peer_address.addr.empty())
    relay = peer_name(r.peer_address) + "[" + r.peer_address.addr + "]:" + std::to_string(relay_port);
  Millis total = d.total();
  if (r.created != TimePoint{} && r.timestamp >= r.created)
    total = std::chrono::duration_cast<Millis>(r.timestamp - r.created);
  std::string line = prefix(r.id) + "to=<" + one_line(r.recipient) + ">, relay=" + relay;
  line += ", delay=" + format_postfix_delay(total);
  line += ", delays=" + format_postfix_delay(d.before_queue) + "/" + format_postfix_delay(d.in_queue) + "/" +
          format_postfix_delay(d.connection_setup) + "/" + format_postfix_delay(d.transmission);
  line += ", dsn=" + dsn_of(r) + ", status=" + std::string(status) + " (" + status_text(r) + ")";
  return line;
}

std::string postfix_client_line(std::string_view queue_id, std::string_view name, std::string_view ip) {
  return prefix(queue_id) + "client=" + std::string(name.empty() ? "unknown" : name) + "[" + std::string(ip) + "]";
}

std::string postfix_message_id_line(std::string_view queue_id, std::string_view message_id) {
  std::string id = one_line(message_id);
  if (!id.starts_with('<')) id = "<" + id + ">";
  return prefix(queue_id) + "message-id=" + id;
}

std::string postfix_queue_active_line(std::string_view queue_id, std::string_view sender, std::uint64_t size,
                                      std::size_t nrcpt) {
  return prefix(queue_id) + "from=<" + one_line(sender) + ">, size=" + std::to_string(size) +
         ", nrcpt=" + std::to_string(nrcpt) + " (queue active)";
}

std::string postfix_expired_line(std::string_view queue_id, std::string_view sender) {
  return prefix(queue_id) + "from=<" + one_line(sender) + ">, status=expired, returned to sender";
}

std::string postfix_removed_line(std::string_view queue_id) { return prefix(queue_id) + "removed"; }

std::string syslog_prefix(TimePoint t, std::string_view host, std::string_view program, int pid) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s %2d %02d:%02d:%02d ", kMonths[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return std::string(buf) + std::string(host) + " " + std::string(program) + "[" + std::to_string(pid) + "]: ";
}

}  // namespace mxlab::log
