// Delivery outcomes typed by scope (Postfix smtp_trouble): where a transaction failed decides
// what is deferred or bounced. Session/site failures move on to the next MX; message failures
// apply to every recipient of the transaction; recipient failures to that recipient only.
#pragma once
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "mta/delivery/tls_client.hpp"
#include "mta/protocol/reply.hpp"

namespace mxlab::delivery {

// The stage of the client dialogue (seed 004's OUT states: START, WAITCONN, HELO, MAIL, RCPT, DATA, TEXT, EOT, QUIT).
// Starttls covers the STARTTLS command, the handshake and the EHLO after it (RFC 3207).
enum class ClientStage { Connect, Banner, Ehlo, Starttls, Mail, Rcpt, Data, EndOfData, Done };
std::string_view to_string(ClientStage s);

enum class Scope { Session, Site, Message, Recipient };
std::string_view to_string(Scope s);

// Scope of a failure at a stage (RCPT is per recipient; connect/banner/EHLO are the site's).
Scope scope_of(ClientStage stage);

// Result of one transaction attempt against one MX address.
struct ClientResult {
  ClientStage failed_at = ClientStage::Done;  // Done = the transaction completed (see final_reply)
  smtp::Reply reply;       // reply at failed_at, or the end-of-data reply when Done
  std::string command;     // the command that reply answered ("RCPT TO:<a@b>")
  std::vector<smtp::Reply> rcpt_replies;  // one per requested recipient, in order (when reached)
  bool io_error = false;   // reply synthesized from a connection error or timeout
  std::string detail;      // error text for io_error
  TlsFailure tls_failure = TlsFailure::None;  // why the session is not (or no longer) TLS
  std::string tls_version, tls_cipher;        // set once a handshake succeeded ("TLSv1.3")
  bool reused = false;  // ran on a connection that had carried an earlier transaction
  // When MAIL FROM went out: connection setup ends and transmission begins (Postfix delays c/d).
  std::chrono::steady_clock::time_point transaction_started{};
};

// A reply stand-in for connection errors and timeouts: 451 4.4.1 (no answer) / 4.4.2 (bad connection).
smtp::Reply synthetic_reply(std::string_view enhanced, std::string text);

}  // namespace mxlab::delivery
