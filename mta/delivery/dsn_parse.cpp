// Reads a DSN back: top-level headers, the multipart/report boundary, the message/delivery-status
// part (RFC 3464 section 2: a per-message group, then one group per recipient, blank-line separated)
// and the returned headers. Tolerant of LF-only line ends and folded fields; never throws.
#include <algorithm>
#include <cctype>
#include <utility>

#include "mta/delivery/dsn.hpp"

namespace mxlab::delivery {

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;  // lower-cased name, unfolded value

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  const char* ws = " \t\r\n";
  std::size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  std::size_t e = s.find_last_not_of(ws);
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
  }
  return lines;
}

// Parses header-style fields from lines[begin, end) up to the first blank line; returns the index
// after that blank line (or end). Lines that are neither fields nor continuations are skipped.
std::size_t parse_fields(const std::vector<std::string_view>& lines, std::size_t begin, std::size_t end,
                         Fields& out) {
  std::size_t i = begin;
  for (; i < end; ++i) {
    std::string_view line = lines[i];
    if (trim(line).empty()) return i + 1;
    if ((line[0] == ' ' || line[0] == '\t')) {
      if (!out.empty()) out.back().second += " " + trim(line);
      continue;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    out.emplace_back(lower(trim(line.substr(0, colon))), trim(line.substr(colon + 1)));
  }
  return i;
}

std::string field(const Fields& f, std::string_view name) {
  for (const auto& [n, v] : f)
    if (n == name) return v;
  return {};
}

// "rfc822; a@b" -> "a@b"; a value with no type keeps its text.
std::string strip_type(std::string_view v) {
  std::size_t semi = v.find(';');
  return semi == std::string_view::npos ? trim(v) : trim(v.substr(semi + 1));
}

// Content-Type "type/sub; a=b; c=\"d;e\"" -> media type and lower-cased parameter names.
struct ContentType {
  std::string media;
  std::vector<std::pair<std::string, std::string>> params;
  std::string param(std::string_view name) const {
    for (const auto& [n, v] : params)
      if (n == name) return v;
    return {};
  }
};

ContentType parse_content_type(std::string_view v) {
  ContentType ct;
  std::vector<std::string> pieces;
  std::string cur;
  bool quoted = false;
  for (char c : v) {
    if (c == '"') quoted = !quoted;
    if (c == ';' && !quoted) {
      pieces.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  pieces.push_back(cur);
  ct.media = lower(trim(pieces[0]));
  for (std::size_t i = 1; i < pieces.size(); ++i) {
    std::size_t eq = pieces[i].find('=');
    if (eq == std::string::npos) continue;
    std::string value = trim(std::string_view(pieces[i]).substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    ct.params.emplace_back(lower(trim(std::string_view(pieces[i]).substr(0, eq))), value);
  }
  return ct;
}

struct Part {
  std::size_t begin, end;  // line range, headers included
};

// Body parts between "--boundary" delimiter lines (RFC 2046 section 5.1.1); stops at "--boundary--".
std::vector<Part> split_parts(const std::vector<std::string_view>& lines, std::size_t from, const std::string& boundary) {
  const std::string delim = "--" + boundary;
  const std::string close = delim + "--";
  std::vector<Part> parts;
  std::optional<std::size_t> start;
  for (std::size_t i = from; i < lines.size(); ++i) {
    std::string line = trim(lines[i]);
    if (line != delim && line != close) continue;
    if (start) parts.push_back({*start, i});
    if (line == close) return parts;
    start = i + 1;
  }
  if (start) parts.push_back({*start, lines.size()});  // unterminated last part
  return parts;
}

std::string join_crlf(const std::vector<std::string_view>& lines, std::size_t begin, std::size_t end) {
  std::string out;
  for (std::size_t i = begin; i < end; ++i) {
    out += lines[i];
    out += "\r\n";
  }
  while (out.size() >= 4 && out.ends_with("\r\n\r\n")) out.resize(out.size() - 2);
  return out;
}

ParsedDsnRecipient to_recipient(const Fields& f) {
  ParsedDsnRecipient r;
  r.final_recipient = strip_type(field(f, "final-recipient"));
  r.original_recipient = strip_type(field(f, "original-recipient"));
  r.action = lower(field(f, "action"));
  r.status = field(f, "status");
  r.remote_mta = strip_type(field(f, "remote-mta"));
  r.diagnostic_code = strip_type(field(f, "diagnostic-code"));
  r.last_attempt_date = field(f, "last-attempt-date");
  r.will_retry_until = field(f, "will-retry-until");
  return r;
}

void read_status_part(const std::vector<std::string_view>& lines, std::size_t begin, std::size_t end, ParsedDsn& dsn) {
  Fields per_message;
  std::size_t i = parse_fields(lines, begin, end, per_message);
  dsn.reporting_mta = strip_type(field(per_message, "reporting-mta"));
  dsn.arrival_date = field(per_message, "arrival-date");
  dsn.original_envelope_id = field(per_message, "original-envelope-id");
  while (i < end) {
    Fields group;
    std::size_t next = parse_fields(lines, i, end, group);
    if (!group.empty()) dsn.recipients.push_back(to_recipient(group));
    i = next;
  }
}

}  // namespace

const ParsedDsnRecipient* ParsedDsn::recipient(std::string_view address) const {
  const std::string want = lower(address);
  for (const auto& r : recipients)
    if (lower(r.final_recipient) == want) return &r;
  return nullptr;
}

Expected<ParsedDsn> parse_dsn(std::string_view message) {
  const std::vector<std::string_view> lines = split_lines(message);
  Fields top;
  std::size_t body = parse_fields(lines, 0, lines.size(), top);
  ContentType ct = parse_content_type(field(top, "content-type"));
  if (ct.media != "multipart/report") return unexpected(std::string("not a multipart/report"));
  const std::string boundary = ct.param("boundary");
  if (boundary.empty()) return unexpected(std::string("multipart/report without a boundary"));

  ParsedDsn dsn;
  dsn.subject = field(top, "subject");
  dsn.report_type = lower(ct.param("report-type"));
  bool have_status = false;
  for (const Part& p : split_parts(lines, body, boundary)) {
    Fields headers;
    std::size_t content = parse_fields(lines, p.begin, p.end, headers);
    const std::string media = parse_content_type(field(headers, "content-type")).media;
    if (media == "message/delivery-status" || media == "message/global-delivery-status") {
      read_status_part(lines, content, p.end, dsn);
      have_status = true;
    } else if (media == "text/rfc822-headers" || media == "message/rfc822") {
      std::size_t stop = content;
      while (stop < p.end && !trim(lines[stop]).empty()) ++stop;
      dsn.returned_headers = join_crlf(lines, content, stop);
    }
  }
  if (!have_status) return unexpected(std::string("no message/delivery-status part"));
  if (dsn.recipients.empty()) return unexpected(std::string("no per-recipient fields"));
  return dsn;
}

}  // namespace mxlab::delivery
