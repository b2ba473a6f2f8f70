// One SMTP mail transaction as the server received it (RFC 5321 3.3), kept apart from the
// session so RSET or a completed message drops exactly this object.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "mta/protocol/command.hpp"

namespace mxlab::server {

struct Transaction {
  std::string mail_from;  // empty for the null reverse-path
  std::vector<smtp::EsmtpParam> mail_params;
  std::vector<std::string> rcpt_to;
  std::string data;  // message with CRLF line ends, un-stuffed
  bool body_8bit = false;
  bool smtputf8 = false;
  std::chrono::steady_clock::time_point started{};  // MAIL FROM accepted (Postfix's delays=a starts)
};

// Facts about the session the handlers may use (logging, Received: header, rules).
struct SessionInfo {
  std::string session_id{};
  std::string peer_address{};  // "127.0.0.1"
  std::uint16_t peer_port = 0;
  std::string local_address{};
  std::uint16_t local_port = 0;
  std::string helo{};  // EHLO/HELO argument
  bool esmtp = false;
  int transactions = 0;  // completed so far in this session
  // TLS, once a STARTTLS or implicit-TLS handshake has completed (RFC 3207 4.2 resets the rest).
  bool tls = false;
  std::string tls_version{};       // "TLSv1.3"
  std::string tls_cipher{};        // "TLS_AES_256_GCM_SHA384"
  std::string tls_peer_subject{};  // client certificate subject (one line), empty when none was sent
  bool authenticated = false;    // AUTH succeeded (RFC 4954); auth_user is the name it gave, if any
  std::string auth_user{};
};

}  // namespace mxlab::server
