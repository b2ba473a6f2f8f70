// The outbound SMTP client session (RFC 5321, RFC 2920 PIPELINING, RFC 3207 STARTTLS): connect
// with a deadline, greet, EHLO (HELO fallback), STARTTLS as the TLS policy asks, one transaction, QUIT. Every wait has a deadline from
// ClientTimeouts. Included only by delivery code: it pulls in Asio.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "mta/delivery/outcome.hpp"
#include "mta/delivery/tls_client.hpp"
#include "mta/trace/client_trace.hpp"

namespace mxlab {
class SessionTable;
}

namespace mxlab::delivery {

struct ClientTimeouts {
  std::chrono::milliseconds connect{30000};
  std::chrono::milliseconds command{300000};
  std::chrono::milliseconds data{600000};
};

struct ClientRequest {
  std::string address;  // MX address (IPv4 or IPv6 text)
  std::string host_name;  // MX host name: TLS SNI and the name its certificate must carry
  std::uint16_t port = 25;
  std::string source_address;  // local bind address; empty = any
  std::string ehlo_name = "localhost";
  std::string mail_from;  // empty = <>
  std::vector<std::string> rcpt_to;
  const std::string* data = nullptr;  // message with CRLF line ends (not stuffed)
  bool body_8bit = false;
  ClientTls tls;                // no context: STARTTLS is never attempted
  bool plaintext_only = false;  // the plaintext retry after a failed opportunistic handshake
  SessionTable* sessions = nullptr;  // live session table row (kcli sessions), when set
  std::string message_id;            // shown in that row
  std::string site;                  // the destination's MX host set, for that row
};

// An open connection between transactions (greeted, EHLO done, TLS as the policy asked); opaque.
class ClientConnection;
struct ClientConnectionDeleter {
  void operator()(ClientConnection* c) const;
};
using ClientConnectionPtr = std::unique_ptr<ClientConnection, ClientConnectionDeleter>;

// Connect, greeting, EHLO, STARTTLS. Null (and `result` says why) when the host cannot be used.
boost::asio::awaitable<ClientConnectionPtr> open_connection(const ClientRequest& request,
                                                            const ClientTimeouts& timeouts, ClientResult& result,
                                                            trace::ClientTrace* trace = nullptr);
// One transaction (MAIL .. end of data) on an open connection.
boost::asio::awaitable<ClientResult> run_transaction(ClientConnection& connection, const ClientRequest& request,
                                                     const ClientTimeouts& timeouts);
// QUIT (bounded wait for its reply) and close.
boost::asio::awaitable<void> quit_connection(ClientConnection& connection, const ClientTimeouts& timeouts);
// True after a completed transaction on a connection still open: it can carry another.
bool reusable(const ClientConnection& connection);
int transactions_carried(const ClientConnection& connection);
// Connections are interchangeable when these match: address, port, source, EHLO name, TLS policy.
std::string connection_key(const ClientRequest& request);
const std::string& connection_key(const ClientConnection& connection);
// The delivery session whose trace sees the connection's traffic; null while it sits idle in the cache.
void attach_trace(ClientConnection& connection, trace::ClientTrace* trace);
std::string local_address(const ClientConnection& connection);

// open_connection + run_transaction + quit_connection.
boost::asio::awaitable<ClientResult> run_client_session(const ClientRequest& request, const ClientTimeouts& timeouts,
                                                        trace::ClientTrace* trace = nullptr);

}  // namespace mxlab::delivery
