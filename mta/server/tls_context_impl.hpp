// The definition behind the opaque server::TlsContext: an Asio SSL context configured for the
// server role. Included only by the session engine's .cpp files.
#pragma once
#include <boost/asio/ssl/context.hpp>

#include "mta/server/tls_context.hpp"

namespace mxlab::server {

class TlsContext {
 public:
  TlsContext() : ctx(boost::asio::ssl::context::tls_server) {}
  mutable boost::asio::ssl::context ctx;  // SSL_CTX is internally locked; streams only read it
};

}  // namespace mxlab::server
