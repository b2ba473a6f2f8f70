// Builds a server TLS context from PEM text (see tls_context.hpp). Version caps below TLS 1.2 need
// OpenSSL 3's security level 0 (its default level 1 refuses SHA-1 based TLS 1.0/1.1 handshakes).
#include "mta/server/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "mta/server/tls_context_impl.hpp"

namespace mxlab::server {

namespace {

std::string openssl_error(const std::string& what) {
  unsigned long e = ERR_get_error();
  char buf[256] = "unknown error";
  if (e) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return what + ": " + buf;
}

// "1.2" -> TLS1_2_VERSION; 0 = default; -1 = bad value.
int parse_version(const std::string& v) {
  if (v.empty()) return 0;
  if (v == "1.0") return TLS1_VERSION;
  if (v == "1.1") return TLS1_1_VERSION;
  if (v == "1.2") return TLS1_2_VERSION;
  if (v == "1.3") return TLS1_3_VERSION;
  return -1;
}

}  // namespace

Expected<std::shared_ptr<const TlsContext>> make_tls_context(const TlsSettings& s) {
  int min = parse_version(s.min_version), max = parse_version(s.max_version);
  if (min < 0) return unexpected("bad TLS min_version '" + s.min_version + "' (1.0, 1.1, 1.2 or 1.3)");
  if (max < 0) return unexpected("bad TLS max_version '" + s.max_version + "' (1.0, 1.1, 1.2 or 1.3)");
  auto holder = std::make_shared<TlsContext>();
  SSL_CTX* ctx = holder->ctx.native_handle();
  boost::system::error_code ec;
  holder->ctx.use_certificate_chain(boost::asio::buffer(s.certificate_chain_pem), ec);
  if (ec) return unexpected("TLS certificate chain: " + ec.message());
  holder->ctx.use_private_key(boost::asio::buffer(s.private_key_pem), boost::asio::ssl::context::pem, ec);
  if (ec) return unexpected("TLS private key: " + ec.message());
  if (SSL_CTX_check_private_key(ctx) != 1) return unexpected(openssl_error("TLS key does not match certificate"));
  bool legacy = (min && min < TLS1_2_VERSION) || (max && max < TLS1_2_VERSION);
  if (legacy) SSL_CTX_set_security_level(ctx, 0);
  if (min && SSL_CTX_set_min_proto_version(ctx, min) != 1) return unexpected(openssl_error("TLS min_version"));
  if (max && SSL_CTX_set_max_proto_version(ctx, max) != 1) return unexpected(openssl_error("TLS max_version"));
  std::string ciphers = s.ciphers;
  if (ciphers.empty() && legacy) ciphers = "DEFAULT:@SECLEVEL=0";
  if (!ciphers.empty() && SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1) {
    return unexpected(openssl_error("TLS ciphers '" + ciphers + "'"));
  }
  if (!s.ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx, s.ciphersuites.c_str()) != 1) {
    return unexpected(openssl_error("TLS ciphersuites '" + s.ciphersuites + "'"));
  }
  // Sessions are one-shot in tests; tickets would only add a post-handshake write.
  SSL_CTX_set_num_tickets(ctx, 0);
  return std::shared_ptr<const TlsContext>(std::move(holder));
}

}  // namespace mxlab::server
