// An ESMTP listener and its sessions (one Asio coroutine per connection). Shared by mtad's
// inbound service and fakemx's hosts; behaviour differences live in SessionPolicy and
// MessageHandler. Asio stays out of this header (pimpl).
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mta/common/expected.hpp"
#include "mta/server/session_policy.hpp"
#include "mta/server/tls_context.hpp"
#include "mta/trace/trace_sink.hpp"

namespace boost::asio {
class io_context;
}

namespace mxlab {
class SessionTable;
}

namespace mxlab::server {

struct ServerOptions {
  std::string hostname = "localhost";  // banner and EHLO greeting name
  std::string banner_text = "ESMTP mxlab";
  std::size_t max_message_size = 25 * 1024 * 1024;
  std::size_t max_line_length = 1000;  // with CRLF; DATA lines too (RFC 5321 4.5.3.1.6)
  std::size_t max_recipients = 100;
  std::size_t max_connections = 1000;
  std::size_t max_connections_per_ip = 0;  // then 421 4.7.0 at the greeting; 0 = no limit (mtad: 50)
  std::chrono::milliseconds idle_timeout{300000};  // each read and write (RFC 5321 4.5.3.2)
  // Whole-connection deadline (slowloris: one byte a second never trips the idle timeout);
  // 0 = none (fakemx). mtad's default is limits.session_timeout.
  std::chrono::milliseconds session_timeout{0};
  // EHLO capabilities (fakemx toggles these)
  bool pipelining = true;
  bool eightbitmime = true;
  bool enhanced_status_codes = true;
  bool smtputf8 = true;
  bool advertise_size = true;
  bool chunking = false;                     // CHUNKING + BDAT (RFC 3030)
  bool dsn = false;                          // advertise DSN (RFC 3461); parameters pass through
  // Advertised as "AUTH <mechs>"; AUTH then runs the exchange (PLAIN, LOGIN, or one challenge for
  // any other mechanism) and accepts any credentials unless the policy refuses at Stage::Auth
  // (fakemx). Empty: AUTH is not offered and gets 502 (mtad).
  std::vector<std::string> auth_mechanisms;
  // TLS: STARTTLS (RFC 3207) is advertised whenever `tls` is set; implicit_tls makes the listener
  // handshake at connect instead (RFC 8314 3.3). Default: no TLS (mtad's behaviour).
  std::shared_ptr<const TlsContext> tls;
  bool implicit_tls = false;
  std::chrono::milliseconds handshake_timeout{30000};  // TLS handshake and close_notify deadline
  TlsFault tls_fault = TlsFault::None;                 // fakemx only
  // Connection-level limits and shaping (fakemx models slow or strict receivers with these).
  std::size_t max_messages_per_connection = 0;  // then MAIL gets 421 4.7.0 and the session ends; 0 = no limit
  std::size_t read_bytes_per_second = 0;        // throttle what the session reads; 0 = unlimited
  std::size_t write_bytes_per_second = 0;       // throttle what the session writes; 0 = unlimited
  // Live session table (kcli sessions); must outlive the server's sessions. Null: not tracked.
  SessionTable* sessions = nullptr;
};

class SmtpServer {
 public:
  SmtpServer(boost::asio::io_context& io, ServerOptions options, MessageHandler& handler,
             SessionPolicy* policy = nullptr, trace::TraceSink* trace = nullptr);
  ~SmtpServer();
  // Binds address:port (port 0 = ephemeral) and starts accepting.
  Status listen(const std::string& address, std::uint16_t port);
  std::uint16_t port() const;
  std::size_t active_sessions() const;
  std::uint64_t accepted_sessions() const;  // since listen()
  // Stops accepting; open sessions get 421 at their next command and are closed.
  void stop();

  struct Impl;  // opaque; public so the session code in the .cpp can name it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace mxlab::server
