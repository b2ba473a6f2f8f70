// Builds RFC 3464 delivery status notifications: multipart/report (RFC 6522) with a human-readable
// part, the message/delivery-status part and the original's headers (text/rfc822-headers) or the
// whole original (message/rfc822). Output is deterministic for a given request (golden tests).
#include "mta/delivery/dsn.hpp"

#include <array>
#include <cstdint>
#include <cstdio>

namespace mxlab::delivery {

namespace {

constexpr std::string_view kCrlf = "\r\n";

// Header values and report fields are one line: control characters (CR, LF, TAB, NUL...) become
// spaces so a hostile reply text cannot inject fields or end the part (RFC 3464 section 2.1.2).
std::string one_line(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? ' ' : c);
  }
  std::size_t b = out.find_first_not_of(' ');
  if (b == std::string::npos) return {};
  std::size_t e = out.find_last_not_of(' ');
  return out.substr(b, e - b + 1);
}

// `prefix` + value as one logical line, folded at spaces before column 78 where possible
// (RFC 5322 section 2.2.3); continuation lines start with a space. Ends with CRLF.
std::string fold(std::string_view prefix, std::string_view raw_value) {
  const std::string value = one_line(raw_value);
  std::string line(prefix);
  std::size_t col = line.size();
  std::size_t pos = 0;
  bool first = true;
  while (pos < value.size()) {
    std::size_t sp = value.find(' ', pos);
    std::size_t len = sp == std::string::npos ? value.size() - pos : sp - pos;
    std::string_view word = std::string_view(value).substr(pos, len);
    pos += len + 1;
    if (word.empty()) continue;
    if (!first && col + 1 + word.size() > 78) {
      line += "\r\n ";
      col = 1;
    } else if (!first) {
      line += ' ';
      ++col;
    }
    line += word;
    col += word.size();
    first = false;
  }
  line += kCrlf;
  return line;
}

void add_field(std::string& out, std::string_view name, std::string_view value) {
  out += fold(std::string(name) + ": ", value);
}

// Converts LF and lone CR line ends to CRLF.
std::string to_crlf(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 32);
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\r') {
      out += kCrlf;
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      out += kCrlf;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool has_8bit(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 1469598103934665603ULL) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// A boundary that occurs nowhere in the enclosed content (RFC 2046 section 5.1.1), derived from
// the request so the same request always yields the same bytes.
std::string choose_boundary(const DsnRequest& r, std::string_view content) {
  std::uint64_t seed = fnv1a(r.message_id, fnv1a(r.envelope_sender, fnv1a(format_rfc5322(r.date))));
  for (int salt = 0;; ++salt) {
    std::string b = "=_mxlab_dsn_" + hex64(fnv1a(std::to_string(salt), seed));
    if (content.find(b) == std::string_view::npos) return b;
  }
}

bool any_failed(const DsnRequest& r) {
  for (const auto& rc : r.recipients)
    if (rc.action == DsnAction::Failed) return true;
  return false;
}

std::string human_part(const DsnRequest& r) {
  std::string t;
  t += "This is the mail system at host " + one_line(r.reporting_mta) + ".\r\n\r\n";
  if (any_failed(r)) {
    t += "I'm sorry to have to inform you that your message could not\r\n";
    t += "be delivered to one or more recipients. ";
    t += r.return_content == DsnReturn::Full ? "It is attached below.\r\n\r\n" : "Its headers are attached below.\r\n\r\n";
  } else {
    t += "Your message could not be delivered yet to one or more recipients.\r\n";
    t += "The mail system will keep trying; you do not need to resend it.\r\n\r\n";
  }
  for (const auto& rc : r.recipients) {
    std::string line = "<" + one_line(rc.final_recipient) + ">: " + std::string(to_string(rc.action));
    if (!rc.remote_mta.empty()) line += ", host " + one_line(rc.remote_mta) + " said";
    if (!rc.diagnostic.empty()) line += ": " + one_line(rc.diagnostic);
    t += fold("", line);
    t += kCrlf;
  }
  return t;
}

std::string per_recipient(const DsnRecipient& rc) {
  std::string f;
  if (!rc.original_recipient.empty()) add_field(f, "Original-Recipient", "rfc822; " + rc.original_recipient);
  add_field(f, "Final-Recipient", "rfc822; " + rc.final_recipient);
  add_field(f, "Action", to_string(rc.action));
  add_field(f, "Status", rc.status.str());
  if (!rc.remote_mta.empty()) add_field(f, "Remote-MTA", "dns; " + rc.remote_mta);
  if (!rc.diagnostic.empty()) add_field(f, "Diagnostic-Code", "smtp; " + rc.diagnostic);
  if (rc.last_attempt) add_field(f, "Last-Attempt-Date", format_rfc5322(*rc.last_attempt));
  if (rc.will_retry_until && rc.action == DsnAction::Delayed)
    add_field(f, "Will-Retry-Until", format_rfc5322(*rc.will_retry_until));
  return f;
}

std::string status_part(const DsnRequest& r) {
  std::string s;
  add_field(s, "Reporting-MTA", "dns; " + r.reporting_mta);
  if (!r.original_envelope_id.empty()) add_field(s, "Original-Envelope-Id", r.original_envelope_id);
  add_field(s, "Arrival-Date", format_rfc5322(r.arrival_date));
  for (const auto& rc : r.recipients) {
    s += kCrlf;
    s += per_recipient(rc);
  }
  return s;
}

void add_part(std::string& out, std::string_view boundary, std::string_view description,
              std::string_view content_type, std::string_view body) {
  out += "--" + std::string(boundary) + "\r\n";
  out += "Content-Description: " + std::string(description) + "\r\n";
  out += "Content-Type: " + std::string(content_type) + "\r\n";
  if (has_8bit(body)) out += "Content-Transfer-Encoding: 8bit\r\n";
  out += kCrlf;
  out += body;
  if (body.size() < 2 || body.substr(body.size() - 2) != kCrlf) out += kCrlf;
  out += kCrlf;
}

}  // namespace

std::string_view to_string(DsnAction a) {
  static constexpr std::array<std::string_view, 5> kNames = {"failed", "delayed", "delivered", "relayed",
                                                             "expanded"};
  return kNames[static_cast<std::size_t>(a)];
}

std::string header_section(std::string_view message) {
  const std::string crlf = to_crlf(message);
  if (crlf.starts_with("\r\n")) return {};
  std::size_t end = crlf.find("\r\n\r\n");
  return end == std::string::npos ? crlf : crlf.substr(0, end + 2);
}

std::optional<std::string> build_dsn(const DsnRequest& r) {
  if (r.envelope_sender.empty() || r.recipients.empty()) return std::nullopt;

  const std::string human = human_part(r);
  const std::string status = status_part(r);
  const bool full = r.return_content == DsnReturn::Full;
  const std::string returned = full ? to_crlf(r.original_message) : header_section(r.original_message);
  const std::string boundary = choose_boundary(r, human + status + returned);
  const std::string id = r.message_id.empty()
                             ? hex64(fnv1a(returned, fnv1a(format_rfc5322(r.date)))) + "@" + one_line(r.reporting_mta)
                             : one_line(r.message_id);

  std::string m;
  add_field(m, "From", "Mail Delivery System <MAILER-DAEMON@" + r.reporting_mta + ">");
  add_field(m, "To", "<" + r.envelope_sender + ">");
  add_field(m, "Subject", any_failed(r) ? "Undelivered Mail Returned to Sender" : "Delayed Mail (still being retried)");
  add_field(m, "Date", format_rfc5322(r.date));
  add_field(m, "Message-ID", "<" + id + ">");
  add_field(m, "Auto-Submitted", "auto-replied");  // RFC 3834 section 5
  add_field(m, "MIME-Version", "1.0");
  m += "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"" + boundary + "\"\r\n";
  m += kCrlf;
  m += "This is a MIME-encapsulated message.\r\n\r\n";
  add_part(m, boundary, "Notification", "text/plain; charset=us-ascii", human);
  add_part(m, boundary, "Delivery report", "message/delivery-status", status);
  if (full)
    add_part(m, boundary, "Undelivered Message", "message/rfc822", returned);
  else
    add_part(m, boundary, "Undelivered Message Headers", "text/rfc822-headers", returned);
  m += "--" + boundary + "--\r\n";
  return m;
}

}  // namespace mxlab::delivery
