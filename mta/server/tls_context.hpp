// The server's TLS configuration as an opaque, shareable object: ServerOptions holds a
// shared_ptr to it, so STARTTLS (RFC 3207) and implicit TLS (RFC 8314) need no OpenSSL or Asio
// in widely included headers. Built once from PEM text; immutable afterwards.
#pragma once
#include <memory>
#include <string>

#include "mta/common/expected.hpp"

namespace mxlab::server {

class TlsContext;  // defined in tls_context_impl.hpp (holds the OpenSSL context)

struct TlsSettings {
  std::string certificate_chain_pem{};  // leaf first, then any intermediates the server sends
  std::string private_key_pem{};
  std::string min_version{};   // "1.0", "1.1", "1.2", "1.3"; empty = library default
  std::string max_version{};   // same; a cap at "1.0"/"1.1" also lowers the security level so it works
  std::string ciphers{};       // TLS <= 1.2 cipher list (OpenSSL syntax); empty = default
  std::string ciphersuites{};  // TLS 1.3 suites; empty = default
};

// Deliberate TLS misbehaviour for fake MX hosts; mtad always uses None.
enum class TlsFault {
  None,
  AbortHandshake,          // read the ClientHello, then close the connection mid-handshake
  PlaintextAfterStarttls,  // answer STARTTLS with 220, then never handshake: keep speaking plaintext
};

Expected<std::shared_ptr<const TlsContext>> make_tls_context(const TlsSettings& settings);

}  // namespace mxlab::server
