// Client TLS contexts and the client handshake (see tls_client.hpp, tls_client_impl.hpp).
// Verification failures are told apart from other handshake failures by the verify result, so
// the caller can retry in plaintext after a broken handshake but never after a bad certificate.
#include "mta/delivery/tls_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>

#include "mta/delivery/tls_client_impl.hpp"

namespace mxlab::delivery {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

Expected<std::shared_ptr<const ClientTlsContext>> make_client_tls_context(const std::string& ca_file) {
  auto holder = std::make_shared<ClientTlsContext>();
  SSL_CTX* ctx = holder->ctx.native_handle();
  int ok = ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx) : SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr);
  if (ok != 1) {
    unsigned long e = ERR_get_error();
    char buf[256] = "unknown error";
    if (e) ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return unexpected("cannot load CA file '" + ca_file + "': " + buf);
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);  // what Postfix's opportunistic levels accept
  return std::shared_ptr<const ClientTlsContext>(std::move(holder));
}

Expected<ClientTls> ClientTlsPolicies::for_domain(std::string_view domain) {
  const config::TlsPolicyConfig& policy = config_.tls_for(domain);
  ClientTls out{policy.mode, nullptr};
  if (policy.mode == config::TlsMode::Disabled) return out;
  auto it = contexts_.find(policy.ca_file);
  if (it == contexts_.end()) {
    auto made = make_client_tls_context(policy.ca_file);
    if (!made) return unexpected(made.error());
    it = contexts_.emplace(policy.ca_file, std::move(made).value()).first;
  }
  out.context = it->second;
  return out;
}

asio::awaitable<HandshakeResult> client_handshake(SslStream& stream, const std::string& host_name, bool verify,
                                                  std::chrono::milliseconds deadline) {
  HandshakeResult out;
  SSL* ssl = stream.native_handle();
  SSL_set_tlsext_host_name(ssl, host_name.c_str());
  if (verify) {
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    SSL_set1_host(ssl, host_name.c_str());
  } else {
    SSL_set_verify(ssl, SSL_VERIFY_NONE, nullptr);
  }
  asio::steady_timer timer(stream.get_executor(), deadline);
  auto r = co_await (stream.async_handshake(asio::ssl::stream_base::client, asio::as_tuple(asio::use_awaitable)) ||
                     timer.async_wait(asio::as_tuple(asio::use_awaitable)));
  long verdict = SSL_get_verify_result(ssl);
  if (verify && verdict != X509_V_OK) {
    out.failure = TlsFailure::Certificate;
    out.error = "TLS certificate of " + host_name + " not trusted: " + X509_verify_cert_error_string(verdict);
  } else if (r.index() == 1) {
    out.failure = TlsFailure::Handshake;
    out.error = "TLS handshake with " + host_name + " timed out";
  } else if (auto [ec] = std::get<0>(r); ec) {
    out.failure = TlsFailure::Handshake;
    out.error = "TLS handshake with " + host_name + " failed: " + ec.message();
  } else {
    out.version = SSL_get_version(ssl);
    out.cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(ssl));
  }
  ERR_clear_error();
  co_return out;
}

}  // namespace mxlab::delivery
