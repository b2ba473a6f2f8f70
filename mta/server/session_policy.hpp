// Hooks that decide what an SMTP server session does at each stage. mtad's policy accepts
// (relay rules come later); fakemx's policy applies scripted behaviour (replies, delays,
// disconnects, silence). The session engine is shared, so both speak the same protocol code.
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "mta/protocol/reply.hpp"
#include "mta/server/transaction.hpp"

namespace mxlab::server {

enum class Stage { Connect, Ehlo, Helo, Mail, Rcpt, Data, EndOfData, Rset, Noop, Quit, Vrfy, Starttls, Auth, Unknown };
std::string_view to_string(Stage s);

// What to do instead of the default reply at a stage. `reply` may span several lines
// (smtp::make_reply splits text on '\n'); the engine sends it as a multiline reply.
struct Action {
  enum class Kind {
    Proceed,             // default behaviour (delay still applies)
    Reply,               // send `reply` instead of the default; 4xx/5xx reject the command
    Disconnect,          // close the connection without a reply
    ReplyThenDisconnect, // send `reply` (e.g. 421) then close
    NoAnswer,            // never answer; the client must time out
    Reset,               // abort the connection with a TCP RST (SO_LINGER 0), no reply
  };
  Kind kind = Kind::Proceed;
  smtp::Reply reply;
  std::chrono::milliseconds delay{0};
};

// The command being decided, for rules that match on sender or recipient.
struct StageContext {
  Stage stage = Stage::Connect;
  const SessionInfo* session = nullptr;
  const Transaction* transaction = nullptr;
  std::string argument;  // the address for MAIL/RCPT, the domain for EHLO/HELO
};

class SessionPolicy {
 public:
  virtual ~SessionPolicy() = default;
  virtual Action decide(const StageContext& ctx) { return {}; }
  // Asked while message content arrives (after each DATA line / BDAT chunk piece), with the bytes
  // received so far in this transaction; ctx.stage is Data. Proceed goes on. Reply sends its reply
  // at once, before the final dot or the end of the chunk (an early reply), and discards the rest
  // of the message; ReplyThenDisconnect, Disconnect and Reset end the connection mid-transfer.
  virtual Action decide_data(const StageContext& ctx, std::size_t bytes_received) { return {}; }
  // The session ended (any way): per-session state kept by the policy can go.
  virtual void session_closed(const SessionInfo& session) {}
};

// Receives completed transactions. `done` may be called from any thread, exactly once, with
// the reply to end-of-data (250 after the message is safe, 4xx/5xx otherwise).
class MessageHandler {
 public:
  virtual ~MessageHandler() = default;
  virtual void on_message(const SessionInfo& session, Transaction tx,
                          std::function<void(smtp::Reply)> done) = 0;
  // A MAIL, RCPT, DATA/BDAT or end-of-data the server refused (4xx/5xx) before on_message, with
  // the address or argument it carried: mtad logs a Rejection record. At end of data refused by
  // the policy, `tx` holds the message data too.
  virtual void on_rejected(const SessionInfo& session, const Transaction& tx, Stage stage,
                           const std::string& argument, const smtp::Reply& reply) {}
};

}  // namespace mxlab::server
