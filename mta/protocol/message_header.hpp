// Reading one header field of a message's header section (RFC 5322 2.2): names match without
// regard to case, folded continuation lines are unfolded (2.2.3), and the search stops at the
// blank line that ends the header. Pure string work.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace mxlab::smtp {

// The unfolded, trimmed body of the first `name:` field; nullopt when the header has none.
std::optional<std::string> header_value(std::string_view message, std::string_view name);

}  // namespace mxlab::smtp
