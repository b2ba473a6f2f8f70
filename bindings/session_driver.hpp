// A step-by-step SMTP client for tests: connect, send one command or a pipelined batch or raw
// bytes, read replies, STARTTLS (RFC 3207), DATA with dot-stuffing (RFC 5321 4.5.2). Blocking,
// every wait bounded by the driver's timeout; failures come back typed (DriverError::Kind) so the
// Python layer raises SmtpConnectError / SmtpTimeout / SmtpDisconnected / SmtpTlsError.
// Asio and OpenSSL stay in the .cpp (pimpl).
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mta/common/expected.hpp"
#include "mta/protocol/reply.hpp"

namespace mxlab::py_bind {

struct DriverError {
  enum class Kind { Connect, Timeout, Disconnected, Tls, Protocol, Usage };
  Kind kind = Kind::Protocol;
  std::string message;
};

template <class T>
using DriverResult = Expected<T, DriverError>;

struct TlsClientOptions {
  bool verify = false;      // check the certificate chain and the host name
  std::string ca_file;      // PEM trust anchors for verify; empty = system defaults
  std::string server_name;  // SNI and the name verified; empty = the host connected to
  std::string min_version;  // "1.0" .. "1.3"; empty = library default
};

class SessionDriver {
 public:
  explicit SessionDriver(std::chrono::milliseconds timeout);
  ~SessionDriver();
  SessionDriver(const SessionDriver&) = delete;
  SessionDriver& operator=(const SessionDriver&) = delete;

  // Connects and reads the greeting.
  DriverResult<smtp::Reply> connect(const std::string& host, std::uint16_t port, const std::string& source_address);
  // Sends `line` + CRLF and reads one reply.
  DriverResult<smtp::Reply> command(const std::string& line);
  // Sends every line in one write (RFC 2920), then reads one reply per line.
  DriverResult<std::vector<smtp::Reply>> pipeline(const std::vector<std::string>& lines);
  // Writes bytes exactly as given (no CRLF added); read replies with read_reply().
  DriverResult<bool> send_raw(const std::string& bytes);
  DriverResult<smtp::Reply> read_reply();
  // STARTTLS; on 220 performs the handshake. A refusal (e.g. 454) is returned, not raised.
  DriverResult<smtp::Reply> starttls(const TlsClientOptions& options);
  // DATA; on 354 sends the dot-stuffed message (CRLF-normalised) and the final dot, returns the
  // reply to end-of-data. Any other reply to DATA is returned as is.
  DriverResult<smtp::Reply> data(const std::string& message);
  // True once the peer closed the connection (a read returned end of stream).
  bool peer_closed() const;
  void close();

  bool connected() const;
  bool tls_active() const;
  std::string tls_version() const;
  std::string tls_cipher() const;
  std::chrono::milliseconds timeout() const;
  void set_timeout(std::chrono::milliseconds t);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mxlab::py_bind
