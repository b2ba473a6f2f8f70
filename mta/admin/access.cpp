// Access checks for the HTTP APIs (see access.hpp). The token comparison does not stop at the
// first differing byte, so response timing does not reveal how much of a guess was right.
#include "mta/admin/access.hpp"

#include "mta/common/base64.hpp"

#include <array>
#include <cctype>
#include <cstdint>

namespace mxlab::admin {

namespace {

// `expected` is never empty (no token means no check).
bool same_secret(std::string_view given, std::string_view expected) {
  std::size_t diff = given.size() ^ expected.size();
  for (std::size_t i = 0; i < given.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ expected[i % expected.size()]);
  return diff == 0;
}

bool starts_with_scheme(std::string_view header, std::string_view scheme, std::string_view& rest) {
  if (header.size() <= scheme.size() || header[scheme.size()] != ' ') return false;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i]) return false;
  }
  rest = header.substr(scheme.size() + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return true;
}

// The credential the header presents: the bearer token, or the Basic password.
std::optional<std::string> presented_secret(std::string_view header) {
  std::string_view rest;
  if (starts_with_scheme(header, "bearer", rest)) return std::string(rest);
  if (starts_with_scheme(header, "basic", rest)) {
    auto decoded = base64_decode(rest);
    if (!decoded) return std::nullopt;
    auto colon = decoded->find(':');
    if (colon == std::string::npos) return std::nullopt;
    return decoded->substr(colon + 1);
  }
  return std::nullopt;
}

}  // namespace

std::optional<Response> check_access(const AccessRules& rules, std::string_view peer_ip,
                                     std::string_view authorization) {
  if (!rules.trusted.empty() && !rules.trusted.contains(peer_ip)) {
    return error_response(403, "peer " + std::string(peer_ip) + " is not in trusted_hosts");
  }
  if (rules.token.empty()) return std::nullopt;
  std::string why;
  if (authorization.empty()) {
    why = "authentication required: send Authorization: Bearer <token> (kcli --token)";
  } else if (auto secret = presented_secret(authorization); !secret) {
    why = "unsupported or malformed Authorization header (use Bearer or Basic)";
  } else if (!same_secret(*secret, rules.token)) {
    why = "invalid credentials";
  } else {
    return std::nullopt;
  }
  Response r = error_response(401, why);
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"mxlab\", Basic realm=\"mxlab\"");
  return r;
}

bool is_loopback(std::string_view address) {
  auto ip = parse_ip(address);
  if (!ip) return false;
  if (!ip->v6) return ip->bytes[0] == 127;
  std::array<std::uint8_t, 16> one{};
  one[15] = 1;
  return ip->bytes == one;
}

Status check_exposure(std::string_view address, std::string_view token, bool allow_unauthenticated,
                      std::string_view what) {
  if (is_loopback(address) || !token.empty() || allow_unauthenticated) return Status::success();
  return Status::failure(std::string(what) + ": refusing to listen on " + std::string(address) +
                         " without a token: anyone who can reach it could read and change the queue "
                         "(set a token, listen on loopback, or allow_unauthenticated: true)");
}

}  // namespace mxlab::admin
