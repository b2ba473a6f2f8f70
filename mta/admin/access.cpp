// Access checks for the HTTP APIs (see access.hpp). The token comparison does not stop at the
// first differing byte, so response timing does not reveal how much of a guess was right.
#include "mta/admin/access.hpp"

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

// RFC 4648 4 base64, padding required; nullopt on any other character.
std::optional<std::string> base64_decode(std::string_view in) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '=') {
      if (i + 2 < in.size() || (i + 1 < in.size() && in[i + 1] != '=')) return std::nullopt;
      break;
    }
    auto v = kAlphabet.find(in[i]);
    if (v == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
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
