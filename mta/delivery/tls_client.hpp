// The outbound side of STARTTLS (RFC 3207): a client TLS context holding the trust anchors, shared
// by every connection that uses the same CA file, and what a TLS mode asks of a connection. The
// context is opaque here so OpenSSL and Asio stay out of this header.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "mta/common/expected.hpp"
#include "mta/config/mta_config.hpp"

namespace mxlab::delivery {

class ClientTlsContext;  // defined in client_session.cpp's TLS helpers (tls_client.cpp)

// ca_file empty = the system's default trust store.
Expected<std::shared_ptr<const ClientTlsContext>> make_client_tls_context(const std::string& ca_file);

// A destination's TLS policy as the client session applies it.
struct ClientTls {
  config::TlsMode mode = config::TlsMode::OpportunisticInsecure;
  std::shared_ptr<const ClientTlsContext> context;  // null = STARTTLS is never attempted
};

inline bool tls_required(config::TlsMode m) {
  return m == config::TlsMode::Required || m == config::TlsMode::RequiredInsecure;
}
inline bool tls_verified(config::TlsMode m) {
  return m == config::TlsMode::Required || m == config::TlsMode::Opportunistic;
}

// The TLS policy of each destination (DeliveryConfig::tls and tls_domains), with one client
// context per CA file, made on first use. Not thread-safe: one owner (the scheduler's io thread).
class ClientTlsPolicies {
 public:
  explicit ClientTlsPolicies(const config::DeliveryConfig& config) : config_(config) {}
  // An error (unreadable CA file) defers the destination's mail with the reason.
  Expected<ClientTls> for_domain(std::string_view domain);

 private:
  const config::DeliveryConfig& config_;
  std::map<std::string, std::shared_ptr<const ClientTlsContext>> contexts_;  // by CA file
};

// Why TLS did not happen on a connection; decides plaintext retry vs next MX (docs/TLS_POLICY.md).
enum class TlsFailure { None, NotOffered, Refused, Handshake, Certificate };

}  // namespace mxlab::delivery
