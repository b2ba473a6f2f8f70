// RFC 4648 section 4 base64, for HTTP Basic credentials and SMTP AUTH (RFC 4954) exchanges.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace mxlab {

// Padding required; nullopt on any character outside the alphabet or a misplaced '='.
std::optional<std::string> base64_decode(std::string_view in);
std::string base64_encode(std::string_view in);

}  // namespace mxlab
