// SMTP replies (RFC 5321 section 4.2) with RFC 3463 enhanced status codes: a value type, its
// wire encoding, and an incremental parser for multiline replies shared by the client and tests.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mxlab::smtp {

struct EnhancedCode {
  int cls = 0;  // 2, 4 or 5
  int subject = 0;
  int detail = 0;
  std::string str() const;  // "5.1.1"
  static std::optional<EnhancedCode> parse(std::string_view s);  // "5.1.1" -> value
  bool operator==(const EnhancedCode&) const = default;
};

struct Reply {
  int code = 0;                          // 200..599
  std::optional<EnhancedCode> enhanced;  // parsed from the first line when present
  std::vector<std::string> lines;        // text of each line, enhanced code stripped from each

  bool positive() const { return code >= 200 && code < 400; }
  bool transient() const { return code >= 400 && code < 500; }
  bool permanent() const { return code >= 500; }
  std::string text() const;     // lines joined with "\n"
  std::string encode() const;   // "250-first\r\n250 last\r\n" with the enhanced code on every line
  std::string summary() const;  // one line for logs: "451 4.7.1 try later"
  bool operator==(const Reply&) const = default;
};

// Shorthand: make_reply(250, "2.0.0", "Ok") or make_reply(354, "", "End data with <CR><LF>.<CR><LF>").
Reply make_reply(int code, std::string_view enhanced, std::string_view text);

// Incremental reply parser. Feed it lines without CRLF; it returns a Reply once the last line
// ("NNN " or bare "NNN") arrives, or an error for a malformed line (bad code, code changing
// between lines, missing separator).
class ReplyParser {
 public:
  struct Error {
    std::string message;
  };
  enum class State { NeedMore, Done, Failed };
  State feed(std::string_view line);
  // After Done: the reply; the parser resets for the next one.
  Reply take();
  const std::string& error() const { return error_; }

 private:
  Reply current_;
  std::string error_;
  bool started_ = false;
};

// Parses a complete reply from text holding one or more CRLF-terminated lines.
std::optional<Reply> parse_reply(std::string_view text);

}  // namespace mxlab::smtp
