// Mailbox, domain and address-literal syntax (RFC 5321 4.1.2, 4.1.3; RFC 6531 3.3 for UTF-8).
// The grammar is checked octet by octet; no DNS, no IDNA mapping: deciding whether a domain exists
// or whether a U-label is valid IDNA belongs to later stages.
#include "mta/protocol/address.hpp"

#include <cstdint>
#include <string_view>

#include "mta/protocol/command.hpp"

namespace mxlab::smtp {
namespace {

bool is_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_hex(unsigned char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// RFC 5321 4.1.2 atext (RFC 5322 3.2.3), widened by RFC 6531 to UTF8-non-ascii.
bool is_atext(unsigned char c, bool utf8) {
  if (is_alpha(c) || is_digit(c)) return true;
  if (c >= 0x80) return utf8;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) != std::string_view::npos;
}

// Number of bytes of the UTF-8 sequence at s[i], or 0 when it is malformed.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (n == 0 || c > 0xF4 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  unsigned char c1 = b(i + 1);
  if (c == 0xE0 && c1 < 0xA0) return 0;   // overlong 3-byte form
  if (c == 0xED && c1 >= 0xA0) return 0;  // UTF-16 surrogates
  if (c == 0xF0 && c1 < 0x90) return 0;   // overlong 4-byte form
  if (c == 0xF4 && c1 >= 0x90) return 0;  // above U+10FFFF
  return n;
}

// RFC 5321 4.1.2 Dot-string = Atom *("." Atom).
bool is_dot_string(std::string_view s, bool utf8) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '.' ? s[i - 1] == '.' : !is_atext(c, utf8)) return false;
  }
  return true;
}

// RFC 5321 4.1.2 Quoted-string: DQUOTE *(qtextSMTP / quoted-pairSMTP) DQUOTE.
bool is_quoted_string(std::string_view s, bool utf8) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      if (i + 2 >= s.size()) return false;  // the escape would swallow the closing quote
      auto n = static_cast<unsigned char>(s[++i]);
      if (n < 32 || n > 126) return false;
    } else if (c == '"' || c < 32 || c == 127 || (c >= 0x80 && !utf8)) {
      return false;
    }
  }
  return true;
}

// Index of the '@' between local part and domain, honouring a quoted local part.
std::size_t find_domain_at(std::string_view a) {
  if (a.empty() || a.front() != '"') return a.find('@');
  for (std::size_t i = 1; i < a.size(); ++i) {
    if (a[i] == '\\') ++i;
    else if (a[i] == '"') return i + 1 < a.size() && a[i + 1] == '@' ? i + 1 : std::string_view::npos;
  }
  return std::string_view::npos;
}

bool is_ipv4(std::string_view s) {
  int parts = 0;
  while (true) {
    std::size_t n = 0;
    int value = 0;
    while (n < s.size() && is_digit(s[n]) && n < 3) value = value * 10 + (s[n++] - '0');
    if (n == 0 || value > 255) return false;
    ++parts;
    s.remove_prefix(n);
    if (s.empty()) return parts == 4;
    if (s.front() != '.' || parts == 4) return false;
    s.remove_prefix(1);
  }
}

// Counts 16-bit groups in a ':'-separated run (an embedded IPv4 tail counts as two); -1 if invalid.
int ipv6_groups(std::string_view s, bool may_end_in_ipv4) {
  if (s.empty()) return 0;
  int groups = 0;
  while (true) {
    std::size_t colon = s.find(':');
    std::string_view g = s.substr(0, colon);
    if (colon == std::string_view::npos && may_end_in_ipv4 && g.find('.') != std::string_view::npos)
      return is_ipv4(g) ? groups + 2 : -1;
    if (g.empty() || g.size() > 4) return -1;
    for (char c : g)
      if (!is_hex(c)) return -1;
    ++groups;
    if (colon == std::string_view::npos) return groups;
    s.remove_prefix(colon + 1);
  }
}

// RFC 4291 2.2 text forms (full, "::"-compressed, IPv4-embedded), as RFC 5321 4.1.3 references.
bool is_ipv6(std::string_view s) {
  std::size_t dc = s.find("::");
  if (dc == std::string_view::npos) return ipv6_groups(s, true) == 8;
  if (s.find("::", dc + 1) != std::string_view::npos) return false;
  int left = ipv6_groups(s.substr(0, dc), false);
  int right = ipv6_groups(s.substr(dc + 2), true);
  return left >= 0 && right >= 0 && left + right <= 7;
}

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if ((s[i] | 0x20) != (prefix[i] | 0x20)) return false;
  return true;
}

}  // namespace

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = utf8_sequence(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

bool is_valid_domain(std::string_view d, bool utf8) {
  if (d.empty() || d.size() > 255) return false;
  std::size_t start = 0;
  while (start <= d.size()) {
    std::size_t dot = d.find('.', start);
    std::string_view label = d.substr(start, dot == std::string_view::npos ? d.npos : dot - start);
    // sub-domain = Let-dig [Ldh-str]: no leading or trailing hyphen.
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char ch : label) {
      auto c = static_cast<unsigned char>(ch);
      if (!(is_alpha(c) || is_digit(c) || c == '-' || (utf8 && c >= 0x80))) return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return !utf8 || is_valid_utf8(d);
}

bool is_valid_address_literal(std::string_view lit) {
  if (lit.size() < 3 || lit.front() != '[' || lit.back() != ']') return false;
  std::string_view inner = lit.substr(1, lit.size() - 2);
  if (iequals_prefix(inner, "IPv6:")) return is_ipv6(inner.substr(5));
  return is_ipv4(inner);
}

bool is_valid_mailbox(std::string_view address, bool utf8) {
  if (utf8 ? !is_valid_utf8(address) : !is_ascii(address)) return false;
  std::size_t at = find_domain_at(address);
  if (at == std::string_view::npos || at == 0) return false;
  std::string_view local = address.substr(0, at);
  std::string_view domain = address.substr(at + 1);
  // Local parts over 64 octets (4.5.3.1.1) are accepted: VERP and SRS senders exceed it in practice.
  bool local_ok = local.front() == '"' ? is_quoted_string(local, utf8) : is_dot_string(local, utf8);
  if (!local_ok) return false;
  return domain.starts_with('[') ? is_valid_address_literal(domain) : is_valid_domain(domain, utf8);
}

bool is_valid_helo_argument(std::string_view domain) {
  if (!is_ascii(domain)) return false;
  return domain.starts_with('[') ? is_valid_address_literal(domain) : is_valid_domain(domain);
}

}  // namespace mxlab::smtp
