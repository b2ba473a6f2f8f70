// Address syntax building blocks shared by the command parser: RFC 5321 4.1.2 domains and
// 4.1.3 address literals, RFC 6531 UTF-8 well-formedness. Pure predicates, no allocation.
// is_valid_mailbox / is_valid_helo_argument (declared in command.hpp) are built from these.
#pragma once
#include <string_view>

namespace mxlab::smtp {

bool is_ascii(std::string_view s);
// RFC 3629 well-formed UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view s);
// RFC 5321 4.1.2 Domain: sub-domain *("." sub-domain), labels of 1-63 LDH octets, total <= 255
// (4.5.3.1.2). With utf8, non-ASCII octets count as letters (RFC 6531 3.3 U-label, not IDNA-checked).
bool is_valid_domain(std::string_view domain, bool utf8 = false);
// RFC 5321 4.1.3: "[1.2.3.4]" or "[IPv6:...]" including the brackets. General literals with other
// tags are refused: no other tag is registered.
bool is_valid_address_literal(std::string_view literal);

}  // namespace mxlab::smtp
