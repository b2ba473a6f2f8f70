// Who may use an HTTP control API (mtad's admin API, fakemx's control API): the peer must be in
// trusted_hosts (else 403), and when a token is configured the request must carry it in
// Authorization (else 401): "Bearer <token>", or Basic with the token as password (RFC 7617;
// any user name). Socket-free, so every refusal is table-tested.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "mta/admin/http_message.hpp"
#include "mta/common/cidr.hpp"
#include "mta/common/expected.hpp"

namespace mxlab::admin {

struct AccessRules {
  CidrSet trusted;    // empty = every peer
  std::string token;  // empty = no authentication
};

// The refusal for this request, or nullopt when it may proceed. `authorization` is the header's
// value ("" when absent). 401 replies carry WWW-Authenticate (RFC 9110 11.6.1).
std::optional<Response> check_access(const AccessRules& rules, std::string_view peer_ip,
                                     std::string_view authorization);

// True for 127.0.0.0/8 and ::1 (and ::ffff:127.x): the addresses only this host can reach.
bool is_loopback(std::string_view address);

// A listener beyond loopback without a token lets anyone who can reach it in: refused unless
// the operator said so explicitly (`what` names the setting in the error).
Status check_exposure(std::string_view address, std::string_view token, bool allow_unauthenticated,
                      std::string_view what);

}  // namespace mxlab::admin
