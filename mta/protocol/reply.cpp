// SMTP reply value, wire encoding and incremental parsing (RFC 5321 4.2, 4.2.1 multiline form;
// RFC 3463 enhanced codes, RFC 2034 3 for their placement on every line of a reply).
// The parser is strict about the code and separator and lenient about the text.
#include "mta/protocol/reply.hpp"

#include <charconv>

namespace mxlab::smtp {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// RFC 3463 2: class "." subject "." detail, subject and detail 1*3digit, class 2, 4 or 5.
std::optional<int> parse_part(std::string_view s) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Splits a leading "X.Y.Z" off `text` when its class matches the reply code (RFC 2034 3);
// the code must be followed by a space or end the line.
std::optional<EnhancedCode> take_enhanced(std::string_view& text, int code) {
  std::size_t end = text.find(' ');
  auto ec = EnhancedCode::parse(text.substr(0, end));
  if (!ec || ec->cls != code / 100) return std::nullopt;
  text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
  return ec;
}

}  // namespace

std::string EnhancedCode::str() const {
  return std::to_string(cls) + '.' + std::to_string(subject) + '.' + std::to_string(detail);
}

std::optional<EnhancedCode> EnhancedCode::parse(std::string_view s) {
  std::size_t d1 = s.find('.');
  if (d1 == std::string_view::npos) return std::nullopt;
  std::size_t d2 = s.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return std::nullopt;
  auto cls = parse_part(s.substr(0, d1));
  auto subject = parse_part(s.substr(d1 + 1, d2 - d1 - 1));
  auto detail = parse_part(s.substr(d2 + 1));
  if (!cls || !subject || !detail || s.substr(0, d1).size() != 1) return std::nullopt;
  if (*cls != 2 && *cls != 4 && *cls != 5) return std::nullopt;
  return EnhancedCode{*cls, *subject, *detail};
}

std::string Reply::text() const {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i) out += '\n';
    out += lines[i];
  }
  return out;
}

std::string Reply::encode() const {
  std::string prefix = std::to_string(code);
  std::string ec = enhanced ? enhanced->str() : std::string();
  std::size_t n = lines.empty() ? 1 : lines.size();
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    std::string_view line = lines.empty() ? std::string_view{} : std::string_view(lines[i]);
    out += prefix;
    out += i + 1 == n ? ' ' : '-';
    out += ec;
    if (!ec.empty() && !line.empty()) out += ' ';
    out += line;
    out += "\r\n";
  }
  // A final line with neither enhanced code nor text is sent as bare "NNN" (RFC 5321 4.2), except
  // an AUTH challenge: "334" SP [base64] (RFC 4954 4) keeps its space even when empty.
  if (ec.empty() && (lines.empty() || lines.back().empty()) && code != 334) out.erase(out.size() - 3, 1);
  return out;
}

std::string Reply::summary() const {
  std::string out = std::to_string(code);
  if (enhanced) out += ' ' + enhanced->str();
  for (const auto& l : lines)
    if (!l.empty()) out += ' ' + l;
  return out;
}

Reply make_reply(int code, std::string_view enhanced, std::string_view text) {
  Reply r{code, EnhancedCode::parse(enhanced), {}};
  // Multi-line text ("a\nb") becomes one reply line per text line.
  while (true) {
    std::size_t nl = text.find('\n');
    r.lines.emplace_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return r;
}

ReplyParser::State ReplyParser::feed(std::string_view line) {
  if (!started_) current_ = Reply{};
  if (line.ends_with('\r')) line.remove_suffix(1);  // tolerate a caller that split on LF only
  int code = 0;
  bool digits = line.size() >= 3 && is_digit(line[0]) && is_digit(line[1]) && is_digit(line[2]);
  if (digits) std::from_chars(line.data(), line.data() + 3, code);
  auto fail = [this](std::string why) {
    error_ = std::move(why);
    started_ = false;
    return State::Failed;
  };
  if (!digits || code < 200 || code > 599) return fail("malformed reply code: " + std::string(line.substr(0, 3)));
  if (started_ && code != current_.code) return fail("reply code changed within a multiline reply");
  if (line.size() > 3 && line[3] != ' ' && line[3] != '-') return fail("bad separator after reply code");
  bool last = line.size() == 3 || line[3] == ' ';
  std::string_view text = line.size() > 3 ? line.substr(4) : std::string_view{};
  if (!started_) {
    current_.code = code;
    current_.enhanced = take_enhanced(text, code);
  } else if (current_.enhanced) {
    take_enhanced(text, code);  // continuation lines repeat the code (RFC 2034 3); strip it too
  }
  current_.lines.emplace_back(text);
  started_ = !last;
  return last ? State::Done : State::NeedMore;
}

Reply ReplyParser::take() {
  Reply r = std::move(current_);
  current_ = Reply{};
  started_ = false;
  return r;
}

std::optional<Reply> parse_reply(std::string_view text) {
  ReplyParser parser;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    switch (parser.feed(line)) {
      case ReplyParser::State::Failed: return std::nullopt;
      case ReplyParser::State::NeedMore: continue;
      case ReplyParser::State::Done: return text.empty() ? std::optional<Reply>(parser.take()) : std::nullopt;
    }
  }
  return std::nullopt;  // the final line never arrived
}

}  // namespace mxlab::smtp
