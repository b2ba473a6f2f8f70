// A blocking one-shot SMTP submission: connect, EHLO, MAIL, RCPT..., DATA, QUIT. Used by
// tests, the Python harness, fakemx's load generator and examples; it runs the same client
// session code mtad uses for delivery.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "mta/common/expected.hpp"
#include "mta/protocol/reply.hpp"

namespace mxlab::delivery {

struct SendRequest {
  std::string host = "127.0.0.1";
  std::uint16_t port = 25;
  std::string helo = "localhost";
  std::string mail_from;
  std::vector<std::string> rcpt_to;
  std::string data;  // message text; dot-stuffed and CRLF-normalised on the wire
  std::chrono::milliseconds timeout{30000};  // per operation
};

struct SendResult {
  smtp::Reply final_reply;                   // reply to end-of-data (or the failing command)
  std::vector<smtp::Reply> rcpt_replies;     // one per recipient
  bool accepted() const { return final_reply.code == 250; }
};

// Errors (connection refused, timeout, protocol error) come back as a message.
Expected<SendResult> send_message(const SendRequest& request);

}  // namespace mxlab::delivery
