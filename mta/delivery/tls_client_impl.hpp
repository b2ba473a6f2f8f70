// The definition behind delivery::ClientTlsContext (an Asio SSL client context) and the
// handshake helper the client session runs after a 220 to STARTTLS. Private to mta/delivery.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <chrono>
#include <string>

#include "mta/delivery/tls_client.hpp"

namespace mxlab::delivery {

class ClientTlsContext {
 public:
  ClientTlsContext() : ctx(boost::asio::ssl::context::tls_client) {}
  mutable boost::asio::ssl::context ctx;  // SSL_CTX is internally locked; streams only read it
};

using SslStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>;

struct HandshakeResult {
  TlsFailure failure = TlsFailure::None;
  std::string error;  // why, for the synthetic reply
  std::string version, cipher;
};

// Handshakes as a client against `host_name` (SNI; with `verify`, the certificate must chain to
// the context's anchors and name the host: RFC 6125 via OpenSSL's host check).
boost::asio::awaitable<HandshakeResult> client_handshake(SslStream& stream, const std::string& host_name, bool verify,
                                                         std::chrono::milliseconds deadline);

}  // namespace mxlab::delivery
