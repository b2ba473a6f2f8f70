// The outbound SMTP client session (RFC 5321, RFC 2920 PIPELINING, RFC 3207 STARTTLS): connect
// with a deadline, greet, EHLO (HELO fallback), STARTTLS as the TLS policy asks, one transaction, QUIT. Every wait has a deadline from
// ClientTimeouts. Included only by delivery code: it pulls in Asio.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "mta/delivery/outcome.hpp"
#include "mta/delivery/tls_client.hpp"
#include "mta/trace/trace_sink.hpp"

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
};

boost::asio::awaitable<ClientResult> run_client_session(const ClientRequest& request, const ClientTimeouts& timeouts,
                                                        trace::TraceSink* trace = nullptr);

}  // namespace mxlab::delivery
