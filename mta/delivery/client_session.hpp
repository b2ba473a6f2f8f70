// The outbound SMTP client session (RFC 5321, RFC 2920 PIPELINING): connect with a deadline,
// greet, EHLO (HELO fallback), one transaction, QUIT. Every wait has a deadline from
// ClientTimeouts. Included only by delivery code: it pulls in Asio.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "mta/delivery/outcome.hpp"
#include "mta/trace/client_trace.hpp"

namespace mxlab::delivery {

struct ClientTimeouts {
  std::chrono::milliseconds connect{30000};
  std::chrono::milliseconds command{300000};
  std::chrono::milliseconds data{600000};
};

struct ClientRequest {
  std::string address;  // MX address (IPv4 or IPv6 text)
  std::uint16_t port = 25;
  std::string source_address;  // local bind address; empty = any
  std::string ehlo_name = "localhost";
  std::string mail_from;  // empty = <>
  std::vector<std::string> rcpt_to;
  const std::string* data = nullptr;  // message with CRLF line ends (not stuffed)
  bool body_8bit = false;
};

// `trace` (optional) is the delivery session's tracer: Connected, Read, Write, MessageObtained, Closed.
boost::asio::awaitable<ClientResult> run_client_session(const ClientRequest& request, const ClientTimeouts& timeouts,
                                                        trace::ClientTrace* trace = nullptr);

}  // namespace mxlab::delivery
