// MAIL/RCPT ESMTP parameters (RFC 5321 4.1.2 Mail-parameters / Rcpt-parameters): tokenizing and
// checking the keywords mxlab knows. Used by the command parser; kept apart so the per-keyword
// rules live in one table.
#pragma once
#include <string_view>
#include <vector>

#include "mta/common/expected.hpp"
#include "mta/protocol/command.hpp"
#include "mta/protocol/reply.hpp"

namespace mxlab::smtp {

// Parses the text after the closing '>' of a MAIL or RCPT path (leading spaces allowed).
// Errors: 501 5.5.4 for bad syntax or values, 555 5.5.4 for keywords unknown to the verb.
Expected<std::vector<EsmtpParam>, Reply> parse_esmtp_params(Verb verb, std::string_view text);

}  // namespace mxlab::smtp
