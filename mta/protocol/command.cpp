// SMTP command parsing and encoding (RFC 5321 4.1): a verb table with one argument parser per
// row, each returning the exact reply for a malformed line. Octet checks (NUL, CR, LF, 8-bit)
// happen before any verb logic so no later stage ever sees a smuggled line terminator.
#include "mta/protocol/command.hpp"

#include <array>
#include <cstdint>
#include <string>

#include "mta/protocol/address.hpp"
#include "mta/protocol/esmtp_params.hpp"

namespace mxlab::smtp {
namespace {

using Result = Expected<Command, Reply>;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  return true;
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool has_space(std::string_view s) { return s.find_first_of(" \t") != std::string_view::npos; }

Reply bad_command(std::string_view why) { return make_reply(500, "5.5.2", why); }
Reply bad_argument(std::string_view why) { return make_reply(501, "5.5.4", why); }
Reply bad_syntax(Verb v, std::string_view usage) {
  return bad_argument("Syntax: " + std::string(to_string(v)) + std::string(usage));
}

// RFC 5321 2.3.8: CR and LF only appear together as the line terminator; a CR or LF inside a
// command line is an attempt to smuggle a second line. NUL and other controls are never valid.
std::optional<Reply> check_octets(std::string_view line) {
  for (char ch : line) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '\0') return bad_command("Error: NUL character in command");
    if (c == '\r' || c == '\n') return bad_command("Error: bare <CR> or <LF> in command");
    if ((c < 32 && c != '\t') || c == 127) return bad_command("Error: control character in command");
  }
  return std::nullopt;
}

bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (out > (UINT64_MAX - d) / 10) return false;
    out = out * 10 + d;
  }
  return true;
}

// Aggregate designated initializers would warn under -Wextra; build commands field by field.
Command with_argument(Verb v, std::string_view arg) {
  Command c;
  c.verb = v;
  c.argument = std::string(arg);
  return c;
}

Result parse_no_argument(Verb v, std::string_view arg) {
  if (!arg.empty()) return unexpected(bad_syntax(v, ""));
  return with_argument(v, {});
}

Result parse_optional_argument(Verb v, std::string_view arg) {  // NOOP [SP String]
  return with_argument(v, arg);
}

Result parse_required_argument(Verb v, std::string_view arg) {  // VRFY SP String
  if (arg.empty()) return unexpected(bad_syntax(v, " address"));
  return with_argument(v, arg);
}

// RFC 5321 4.1.1.1: EHLO SP ( Domain / address-literal ), nothing else on the line.
Result parse_helo(Verb v, std::string_view arg) {
  if (arg.empty() || has_space(arg)) return unexpected(bad_syntax(v, " hostname"));
  if (!is_valid_helo_argument(arg)) return unexpected(bad_argument("Error: invalid hostname"));
  return with_argument(v, arg);
}

// RFC 3030 2: bdat-cmd = "BDAT" SP chunk-size [ SP end-marker ], end-marker = "LAST".
Result parse_bdat(Verb v, std::string_view arg) {
  std::size_t sp = arg.find_first_of(" \t");
  std::string_view size = arg.substr(0, sp);
  std::string_view rest = sp == std::string_view::npos ? std::string_view{} : trim(arg.substr(sp));
  Command c = with_argument(v, {});
  if (!parse_u64(size, c.chunk_size) || !(rest.empty() || iequals(rest, "LAST")))
    return unexpected(bad_syntax(v, " chunk-size [LAST]"));
  c.last_chunk = !rest.empty();
  return c;
}

bool is_sasl_mech(std::string_view m) {  // RFC 4422 3.1: 1*20 (ALPHA / DIGIT / "-" / "_")
  if (m.empty() || m.size() > 20) return false;
  for (char c : m) {
    bool ok = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool is_base64(std::string_view s) {  // RFC 4954 4: initial-response = base64 / "="
  if (s == "=") return true;
  if (s.empty() || s.size() % 4 != 0) return false;
  std::size_t pad = s.ends_with("==") ? 2 : s.ends_with('=') ? 1 : 0;
  for (char c : s.substr(0, s.size() - pad)) {
    bool ok = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '+' || c == '/';
    if (!ok) return false;
  }
  return true;
}

// RFC 4954 4: AUTH SP sasl-mech [SP initial-response]. `argument` keeps the raw text.
Result parse_auth(Verb v, std::string_view arg) {
  std::size_t sp = arg.find_first_of(" \t");
  std::string_view mech = arg.substr(0, sp);
  std::string_view initial = sp == std::string_view::npos ? std::string_view{} : trim(arg.substr(sp));
  bool ok = is_sasl_mech(mech) && (initial.empty() || (!has_space(initial) && is_base64(initial)));
  if (!ok) return unexpected(bad_syntax(v, " mechanism [initial-response]"));
  return with_argument(v, arg);
}

Reply bad_address(Verb v) {
  // RFC 3463 3.2: X.1.7 bad sender mailbox syntax, X.1.3 bad destination mailbox syntax.
  return v == Verb::Mail ? make_reply(501, "5.1.7", "Bad sender address syntax")
                         : make_reply(501, "5.1.3", "Bad recipient address syntax");
}

// Index of the '>' closing the path that starts at arg[0] == '<'; a quoted local part may hold '>'.
std::size_t find_path_end(std::string_view arg) {
  bool quoted = false;
  for (std::size_t i = 1; i < arg.size(); ++i) {
    if (quoted && arg[i] == '\\') ++i;
    else if (arg[i] == '"') quoted = !quoted;
    else if (arg[i] == '>' && !quoted) return i;
  }
  return std::string_view::npos;
}

// RFC 5321 4.1.2 A-d-l = At-domain *( "," At-domain ) ":" -- accepted and ignored (C.2, 3.3).
std::optional<std::string_view> strip_source_route(std::string_view path) {
  if (!path.starts_with('@')) return path;
  std::size_t colon = path.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view route = path.substr(0, colon);
  while (!route.empty()) {
    std::size_t comma = route.find(',');
    std::string_view hop = route.substr(0, comma);
    if (!hop.starts_with('@') || !is_valid_domain(hop.substr(1))) return std::nullopt;
    route = comma == std::string_view::npos ? std::string_view{} : route.substr(comma + 1);
    if (comma != std::string_view::npos && route.empty()) return std::nullopt;
  }
  return path.substr(colon + 1);
}

// Fills address/null_path from the text between '<' and '>'. UTF-8 is accepted here only
// (RFC 6531 3.3); whether SMTPUTF8 was requested is the session's decision.
std::optional<Reply> parse_path(Command& c, std::string_view path) {
  if (!is_ascii(path) && !is_valid_utf8(path)) return bad_command("Error: bad UTF-8 syntax");
  if (path.empty()) {
    if (c.verb != Verb::Mail) return bad_address(c.verb);  // the null path is MAIL-only
    c.null_path = true;
    return std::nullopt;
  }
  auto mailbox = strip_source_route(path);
  if (!mailbox) return bad_address(c.verb);
  // RFC 5321 4.1.1.3: RCPT TO:<Postmaster> (any case) without a domain must be accepted.
  bool postmaster = c.verb == Verb::Rcpt && iequals(*mailbox, "postmaster");
  if (!postmaster && !is_valid_mailbox(*mailbox, true)) return bad_address(c.verb);
  c.address = std::string(*mailbox);
  return std::nullopt;
}

// RFC 5321 4.1.1.2-3: "MAIL FROM:" Reverse-path [SP Mail-parameters], "RCPT TO:" Forward-path
// [SP Rcpt-parameters]. One space after the colon is tolerated, as Postfix does.
Result parse_mail_rcpt(Verb v, std::string_view arg) {
  std::string_view prefix = v == Verb::Mail ? "FROM:" : "TO:";
  std::string_view usage = v == Verb::Mail ? " FROM:<address>" : " TO:<address>";
  if (!iequals(arg.substr(0, prefix.size()), prefix)) return unexpected(bad_syntax(v, usage));
  arg.remove_prefix(prefix.size());
  if (arg.starts_with(' ')) arg.remove_prefix(1);
  std::size_t close = arg.starts_with('<') ? find_path_end(arg) : std::string_view::npos;
  if (close == std::string_view::npos) return unexpected(bad_syntax(v, usage));
  std::string_view rest = arg.substr(close + 1);
  if (!rest.empty() && rest.front() != ' ') return unexpected(bad_syntax(v, usage));
  if (!is_ascii(rest)) return unexpected(bad_command("Error: non-ASCII character in command"));
  Command c = with_argument(v, {});
  if (auto err = parse_path(c, arg.substr(1, close - 1))) return unexpected(*err);
  auto params = parse_esmtp_params(v, rest);
  if (!params) return unexpected(params.error());
  c.params = std::move(params).value();
  return c;
}

struct VerbRow {
  std::string_view name;
  Verb verb;
  Result (*parse)(Verb, std::string_view);
};

// One row per verb, in enum order so to_string can index it.
constexpr std::array<VerbRow, 12> kVerbs{{
    {"HELO", Verb::Helo, parse_helo},
    {"EHLO", Verb::Ehlo, parse_helo},
    {"MAIL", Verb::Mail, parse_mail_rcpt},
    {"RCPT", Verb::Rcpt, parse_mail_rcpt},
    {"DATA", Verb::Data, parse_no_argument},
    {"BDAT", Verb::Bdat, parse_bdat},
    {"RSET", Verb::Rset, parse_no_argument},
    {"NOOP", Verb::Noop, parse_optional_argument},
    {"QUIT", Verb::Quit, parse_no_argument},
    {"STARTTLS", Verb::Starttls, parse_no_argument},
    {"VRFY", Verb::Vrfy, parse_required_argument},
    {"AUTH", Verb::Auth, parse_auth},
}};

std::string encode_path(const Command& c, std::string_view prefix) {
  std::string out(prefix);
  out += '<';
  out += c.address;
  out += '>';
  for (const auto& p : c.params) {
    out += ' ';
    out += p.keyword;
    if (p.value) out += '=' + *p.value;
  }
  return out;
}

}  // namespace

std::string_view to_string(Verb v) {
  auto i = static_cast<std::size_t>(v);
  return i < kVerbs.size() ? kVerbs[i].name : "UNKNOWN";
}

const EsmtpParam* Command::param(std::string_view keyword) const {
  for (const auto& p : params)
    if (iequals(p.keyword, keyword)) return &p;
  return nullptr;
}

Expected<Command, Reply> parse_command(std::string_view line) {
  if (auto bad = check_octets(line)) return unexpected(*bad);
  line = trim(line);  // Postfix tolerates surrounding white space; so do we.
  if (line.empty()) return unexpected(bad_command("Error: bad syntax"));
  std::size_t sp = line.find_first_of(" \t");
  std::string_view name = line.substr(0, sp);
  std::string_view arg = sp == std::string_view::npos ? std::string_view{} : trim(line.substr(sp));
  for (const auto& row : kVerbs) {
    if (!iequals(name, row.name)) continue;
    // 8-bit text is only legal inside a MAIL/RCPT path (RFC 6531 3.3), checked there.
    bool path_verb = row.verb == Verb::Mail || row.verb == Verb::Rcpt;
    if (!path_verb && !is_ascii(arg)) return unexpected(bad_command("Error: non-ASCII character in command"));
    return row.parse(row.verb, arg);
  }
  return unexpected(bad_command("Error: command not recognized"));
}

std::string encode(const Command& c) {
  std::string out;
  switch (c.verb) {
    case Verb::Mail: out = encode_path(c, "MAIL FROM:"); break;
    case Verb::Rcpt: out = encode_path(c, "RCPT TO:"); break;
    case Verb::Bdat:
      out = "BDAT " + std::to_string(c.chunk_size) + (c.last_chunk ? " LAST" : "");
      break;
    default:
      out = std::string(to_string(c.verb));
      if (!c.argument.empty()) out += ' ' + c.argument;
  }
  return out + "\r\n";
}

Command make_ehlo(std::string domain) { return with_argument(Verb::Ehlo, domain); }

Command make_mail(std::string address, std::vector<EsmtpParam> params) {
  Command c = make_rcpt(std::move(address), std::move(params));
  c.verb = Verb::Mail;
  c.null_path = c.address.empty();
  return c;
}

Command make_rcpt(std::string address, std::vector<EsmtpParam> params) {
  Command c = with_argument(Verb::Rcpt, {});
  c.address = std::move(address);
  c.params = std::move(params);
  return c;
}

Command make_simple(Verb v) { return with_argument(v, {}); }

}  // namespace mxlab::smtp
