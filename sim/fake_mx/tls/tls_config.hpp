// How a fake MX host does TLS, and how it gets it wrong: the certificate it presents, STARTTLS or
// implicit TLS, version caps, cipher lists, and protocol faults (handshake aborted, STARTTLS
// refused with 454, STARTTLS answered 220 with no handshake after). apply_tls() turns it into
// the shared server engine's options.
#pragma once
#include <memory>
#include <string>

#include "mta/common/expected.hpp"
#include "mta/server/session_policy.hpp"
#include "mta/server/smtp_server.hpp"
#include "sim/fake_mx/tls/cert_factory.hpp"

namespace mxlab::fakemx {

struct TlsConfig {
  enum class Mode { None, Starttls, Implicit };
  Mode mode = Mode::None;  // the default host speaks no TLS
  tls::CertVariant certificate = tls::CertVariant::Valid;
  std::string host_name;     // name in the certificate; empty = the host's name
  std::string min_version;   // "1.0" .. "1.3"; empty = library default
  std::string max_version;   // e.g. "1.0" against a client that requires 1.2
  std::string ciphers;       // TLS <= 1.2 list, e.g. one the client lacks ("no shared cipher")
  std::string ciphersuites;  // TLS 1.3 suites
  bool handshake_abort = false;          // close the connection after the ClientHello
  std::string starttls_reply;            // e.g. "454 4.7.0 TLS not available"; empty = 220
  bool starttls_then_plaintext = false;  // answer 220, then never handshake
};

std::string_view to_string(TlsConfig::Mode m);  // "none", "starttls", "implicit"
std::optional<TlsConfig::Mode> parse_tls_mode(std::string_view name);

// Sets options.tls / implicit_tls / tls_fault for a host called host_name on ip_address.
Status apply_tls(const TlsConfig& tls, const std::string& host_name, const std::string& ip_address,
                 server::ServerOptions& options);

// Answers STARTTLS with a fixed reply (TlsConfig::starttls_reply) and asks `inner` for the rest.
class StarttlsReplyPolicy final : public server::SessionPolicy {
 public:
  StarttlsReplyPolicy(server::SessionPolicy& inner, smtp::Reply reply) : inner_(inner), reply_(std::move(reply)) {}
  server::Action decide(const server::StageContext& ctx) override;
  server::Action decide_data(const server::StageContext& ctx, std::size_t bytes) override {
    return inner_.decide_data(ctx, bytes);
  }
  void session_closed(const server::SessionInfo& session) override { inner_.session_closed(session); }

 private:
  server::SessionPolicy& inner_;
  smtp::Reply reply_;
};

}  // namespace mxlab::fakemx
