// The server side of an SMTP session as a pure state machine (no sockets): one command in,
// one reply and a next step out. An explicit state enum plus a verb table decide which
// commands are allowed when (RFC 5321 4.1.4 ordering; 503 5.5.1 otherwise).
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mta/protocol/command.hpp"
#include "mta/protocol/dot_stuffing.hpp"
#include "mta/protocol/line_buffer.hpp"
#include "mta/protocol/reply.hpp"
#include "mta/server/session_policy.hpp"
#include "mta/server/smtp_server.hpp"
#include "mta/server/transaction.hpp"

namespace mxlab::server {

// Seed 004's names for inbound session states.
// Bdat: between BDAT chunks of one transaction (RFC 3030); DATA is refused there.
enum class SessionState { WaitHelo, WaitMail, WaitRcpt, Rcpt, Data, Closed, Bdat };
std::string_view to_string(SessionState s);  // "WAITHELO", ..., "DATA", "CLOSED", "BDAT"

// StartTls: send the reply, then handshake (RFC 3207 4.2: the session then starts over).
// ReadChunk: read chunk_remaining() raw bytes into on_chunk_data(), then call end_of_chunk().
enum class Next { Continue, BeginData, EndOfData, Close, StartTls, ReadChunk };

struct Step {
  smtp::Reply reply;
  Next next = Next::Continue;
};

class ServerProtocol {
 public:
  ServerProtocol(const ServerOptions& options, SessionInfo& session);

  smtp::Reply greeting() const;
  // Stage and argument of a parsed command, for the policy.
  static Stage stage_of(const smtp::Command& c);
  // Applies a command. On a negative reply the state is unchanged.
  Step on_command(const smtp::Command& c);
  // A line that could not be parsed: counts toward the error limit.
  Step on_bad_line(smtp::Reply reply);
  // DATA phase: feeds one line and how it ended; true at the terminating "." (only a "."
  // between two CRLFs ends data: RFC 5321 4.1.1.4, the smuggling defence).
  bool on_data_line(std::string_view line, smtp::LineStatus ending = smtp::LineStatus::Line);
  // After the terminating "." (or when the data was refused): the reply to send when the
  // message is not handed over (too large, too long line), else nullopt.
  std::optional<smtp::Reply> data_problem() const;
  void note_long_data_line() { long_line_ = true; }
  // BDAT (RFC 3030): bytes of the current chunk still to read; every BDAT that parsed has its
  // chunk read (and dropped when refused) so the payload is never taken for commands.
  std::uint64_t chunk_remaining() const { return chunk_.remaining; }
  void on_chunk_data(std::string_view bytes);
  // After the whole chunk: 250 per chunk, Next::EndOfData after LAST, or the refusal.
  Step end_of_chunk();
  // A BDAT the policy refused: its chunk is still read, then `refusal` is the reply.
  Step refuse_chunk(std::uint64_t size, smtp::Reply refusal);
  // The policy answered mid-transfer (SessionPolicy::decide_data): keep framing the rest of the
  // message but store none of it, and send nothing more for it.
  void abandon_message() { abandoned_ = true; }
  bool abandoned() const { return abandoned_; }
  // Message bytes received so far in this transaction (DATA lines with CRLF, or BDAT payload).
  std::size_t received_bytes() const { return received_bytes_; }
  // Hands over the completed transaction (with its data) and returns to WaitMail; only an
  // accepted one counts toward max_messages_per_connection.
  Transaction take_transaction(bool accepted = true);
  // Drops the transaction (RSET, or a refused message).
  void reset_transaction();

  // AUTH (RFC 4954): after a 334 challenge the next line is the client's response, not a command.
  bool auth_pending() const { return sasl_ != Sasl::None; }
  Step on_auth_response(std::string_view line);
  // The policy answered AUTH itself (no exchange): a 235 authenticates the session.
  Step auth_answered(smtp::Reply reply);

  SessionState state() const { return state_; }
  const Transaction& transaction() const { return tx_; }

 private:
  Step ehlo(const smtp::Command& c, bool extended);
  Step mail(const smtp::Command& c);
  Step rcpt(const smtp::Command& c);
  Step data();
  Step bdat(const smtp::Command& c);
  Step starttls(const smtp::Command& c);
  Step auth(const smtp::Command& c);
  Step authenticated(std::string user);
  smtp::Reply reply(int code, std::string_view enhanced, std::string_view text) const;

  const ServerOptions& options_;
  SessionInfo& session_;
  SessionState state_ = SessionState::WaitHelo;
  Transaction tx_;
  std::optional<smtp::DataReceiver> receiver_;
  bool long_line_ = false;
  bool bare_lf_ = false;  // a DATA line ended in a lone LF, or held a lone CR (RFC 5321 2.3.8)
  bool bare_cr_ = false;
  bool abandoned_ = false;
  std::size_t received_bytes_ = 0;
  int bad_commands_ = 0;
  struct Chunk {
    std::uint64_t remaining = 0;
    bool last = false;
    std::optional<smtp::Reply> refusal;  // set when the chunk is read only to be dropped
  } chunk_;
  std::string chunks_;          // BDAT payload so far (raw: no dot-stuffing, RFC 3030 2)
  std::uint64_t chunk_bytes_ = 0;
  bool chunk_too_large_ = false;
  enum class Sasl { None, PlainResponse, LoginUser, LoginPassword, OtherResponse } sasl_ = Sasl::None;
  std::string sasl_user_;  // LOGIN: the user name, between its two challenges
};

}  // namespace mxlab::server
