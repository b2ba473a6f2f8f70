// ESMTP parameter rules, one table row per keyword: which verb takes it, whether it carries a
// value, and how the value is checked. Values are kept as sent (xtext is not decoded here).
// Sources: RFC 1870 SIZE, RFC 6152 BODY, RFC 6531 SMTPUTF8, RFC 3461 DSN, RFC 4954 5 AUTH.
#include "mta/protocol/esmtp_params.hpp"

#include <array>
#include <cstdint>
#include <string>

namespace mxlab::smtp {
namespace {

bool is_alnum(char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  return true;
}

// RFC 1870: size-value = 1*20DIGIT; also refuse what does not fit in 64 bits.
bool check_size(std::string_view v) {
  if (v.empty() || v.size() > 20) return false;
  std::uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (n > (UINT64_MAX - d) / 10) return false;
    n = n * 10 + d;
  }
  return true;
}

// RFC 6152: only 7BIT and 8BITMIME; BINARYMIME (RFC 3030) is not advertised.
bool check_body(std::string_view v) { return iequals(v, "7BIT") || iequals(v, "8BITMIME"); }
bool check_ret(std::string_view v) { return iequals(v, "FULL") || iequals(v, "HDRS"); }

// RFC 3461 4: xtext = *( xchar / hexchar ), hexchar = "+" 2HEXDIG (upper case).
bool check_xtext(std::string_view v) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == '+') {
      if (i + 2 >= v.size()) return false;  // needs two hex digits
      for (int k = 1; k <= 2; ++k) {
        char h = v[i + k];
        if (!((h >= '0' && h <= '9') || (h >= 'A' && h <= 'F'))) return false;
      }
      i += 2;
    } else if (c < 33 || c > 126 || c == '=') {
      return false;
    }
  }
  return true;
}

bool check_envid(std::string_view v) { return !v.empty() && v.size() <= 100 && check_xtext(v); }

// RFC 3461 4.1: "NEVER" alone, or a comma list of SUCCESS, FAILURE, DELAY.
bool check_notify(std::string_view v) {
  if (iequals(v, "NEVER")) return true;
  while (true) {
    std::size_t comma = v.find(',');
    std::string_view item = v.substr(0, comma);
    if (!(iequals(item, "SUCCESS") || iequals(item, "FAILURE") || iequals(item, "DELAY"))) return false;
    if (comma == std::string_view::npos) return true;
    v.remove_prefix(comma + 1);
  }
}

// RFC 3461 4.2: ORCPT=addr-type ";" xtext, addr-type an atom such as "rfc822" or "utf-8".
bool check_orcpt(std::string_view v) {
  std::size_t semi = v.find(';');
  if (semi == 0 || semi == std::string_view::npos) return false;
  for (char c : v.substr(0, semi))
    if (!is_alnum(c) && c != '-') return false;
  return semi + 1 < v.size() && check_xtext(v.substr(semi + 1));
}

// RFC 4954 5: AUTH=<> or AUTH=xtext mailbox.
bool check_auth(std::string_view v) { return v == "<>" || (!v.empty() && check_xtext(v)); }

struct ParamRule {
  std::string_view keyword;
  Verb verb;
  bool (*check)(std::string_view);  // nullptr: the keyword takes no value
};

constexpr std::array<ParamRule, 8> kRules{{
    {"SIZE", Verb::Mail, check_size},
    {"BODY", Verb::Mail, check_body},
    {"SMTPUTF8", Verb::Mail, nullptr},
    {"RET", Verb::Mail, check_ret},
    {"ENVID", Verb::Mail, check_envid},
    {"AUTH", Verb::Mail, check_auth},
    {"NOTIFY", Verb::Rcpt, check_notify},
    {"ORCPT", Verb::Rcpt, check_orcpt},
}};

Reply bad_param(std::string_view why) { return make_reply(501, "5.5.4", why); }

// RFC 5321 4.1.2: esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"),
// esmtp-value = 1*(%d33-60 / %d62-126).
bool is_keyword(std::string_view k) {
  if (k.empty() || !is_alnum(k.front())) return false;
  for (char c : k)
    if (!is_alnum(c) && c != '-') return false;
  return true;
}

bool is_value(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v)
    if (c < 33 || c > 126 || c == '=') return false;
  return true;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

Expected<EsmtpParam, Reply> parse_one(Verb verb, std::string_view token) {
  std::size_t eq = token.find('=');
  std::string_view key = token.substr(0, eq);
  if (!is_keyword(key)) return unexpected(bad_param("Error: bad parameter syntax"));
  EsmtpParam p{upper(key), std::nullopt};
  if (eq != std::string_view::npos) {
    std::string_view value = token.substr(eq + 1);
    if (!is_value(value)) return unexpected(bad_param("Error: bad parameter syntax"));
    p.value = std::string(value);
  }
  const ParamRule* rule = nullptr;
  for (const auto& r : kRules)
    if (r.keyword == p.keyword && r.verb == verb) rule = &r;
  // RFC 5321 4.1.1.11: an unrecognized or unimplemented MAIL/RCPT parameter gets 555.
  if (rule == nullptr) return unexpected(make_reply(555, "5.5.4", "Unsupported option: " + p.keyword));
  bool value_ok = rule->check == nullptr ? !p.value : (p.value && rule->check(*p.value));
  if (!value_ok) return unexpected(bad_param("Bad " + p.keyword + " parameter value"));
  return p;
}

}  // namespace

Expected<std::vector<EsmtpParam>, Reply> parse_esmtp_params(Verb verb, std::string_view text) {
  std::vector<EsmtpParam> params;
  while (true) {
    std::size_t start = text.find_first_not_of(' ');
    if (start == std::string_view::npos) return params;
    text.remove_prefix(start);
    std::size_t end = text.find(' ');
    auto p = parse_one(verb, text.substr(0, end));
    if (!p) return unexpected(p.error());
    for (const auto& seen : params)
      if (seen.keyword == p->keyword) return unexpected(bad_param("Error: duplicate " + seen.keyword + " parameter"));
    params.push_back(std::move(p).value());
    if (end == std::string_view::npos) return params;
    text.remove_prefix(end);
  }
}

}  // namespace mxlab::smtp
