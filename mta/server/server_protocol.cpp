// Inbound SMTP state machine (see server_protocol.hpp). allowed_states() is the whole ordering
// policy: which states accept a verb; on_command() says what the verb does there.
#include "mta/server/server_protocol.hpp"

#include <array>
#include <algorithm>
#include <cctype>
#include <charconv>

#include "mta/common/base64.hpp"

namespace mxlab::server {

using smtp::Command;
using smtp::Reply;
using smtp::Verb;

namespace {
constexpr int kMaxBadCommands = 20;  // then 421, like Postfix smtpd_hard_error_limit

unsigned bit(SessionState s) { return 1u << static_cast<unsigned>(s); }
const unsigned kAnyState = bit(SessionState::WaitHelo) | bit(SessionState::WaitMail) |
                           bit(SessionState::WaitRcpt) | bit(SessionState::Rcpt) | bit(SessionState::Bdat);
const unsigned kAfterHelo = kAnyState & ~bit(SessionState::WaitHelo);

unsigned allowed_states(Verb v, SessionState current) {
  switch (v) {
    case Verb::Mail:
      return current == SessionState::WaitRcpt || current == SessionState::Rcpt || current == SessionState::Bdat
                 ? 0u  // nested MAIL
                 : kAfterHelo;
    case Verb::Rcpt: return bit(SessionState::WaitRcpt) | bit(SessionState::Rcpt);
    case Verb::Data: return bit(SessionState::Rcpt);  // RFC 3030 2: never after a BDAT
    case Verb::Bdat: return bit(SessionState::Rcpt) | bit(SessionState::Bdat);
    case Verb::Starttls: return bit(SessionState::WaitHelo) | bit(SessionState::WaitMail);
    case Verb::Auth: return bit(SessionState::WaitMail);  // RFC 4954 4: after EHLO, not in a transaction
    default: return kAnyState;
  }
}

// RFC 5321 4.1.4: MAIL needs a prior EHLO/HELO, RCPT needs MAIL, DATA needs a RCPT.
const char* out_of_order_text(Verb v, SessionState current) {
  switch (v) {
    case Verb::Mail:
      return current == SessionState::WaitHelo ? "Error: send HELO/EHLO first" : "Error: nested MAIL command";
    case Verb::Rcpt: return "Error: need MAIL command";
    case Verb::Data:
      return current == SessionState::Bdat ? "Error: DATA not allowed after BDAT" : "Error: need RCPT command";
    case Verb::Bdat: return "Error: need RCPT command";
    case Verb::Starttls: return "Error: MAIL transaction in progress";
    case Verb::Auth:
      return current == SessionState::WaitHelo ? "Error: send EHLO first" : "Error: MAIL transaction in progress";
    default: return "Error: bad sequence of commands";
  }
}
}  // namespace

std::string_view to_string(SessionState s) {
  switch (s) {
    case SessionState::WaitHelo: return "WAITHELO";
    case SessionState::WaitMail: return "WAITMAIL";
    case SessionState::WaitRcpt: return "WAITRCPT";
    case SessionState::Rcpt: return "RCPT";
    case SessionState::Data: return "DATA";
    case SessionState::Closed: return "CLOSED";
    case SessionState::Bdat: return "BDAT";
  }
  return "?";
}

std::string_view to_string(Stage s) {
  static constexpr std::array<std::string_view, 14> names{
      "connect", "ehlo", "helo", "mail", "rcpt", "data", "end_of_data",
      "rset",    "noop", "quit", "vrfy", "starttls", "auth", "unknown"};
  return names[static_cast<std::size_t>(s)];
}

ServerProtocol::ServerProtocol(const ServerOptions& options, SessionInfo& session)
    : options_(options), session_(session) {}

Reply ServerProtocol::reply(int code, std::string_view enhanced, std::string_view text) const {
  return smtp::make_reply(code, options_.enhanced_status_codes ? enhanced : "", text);
}

Reply ServerProtocol::greeting() const {
  return smtp::make_reply(220, "", options_.hostname + " " + options_.banner_text);
}

Stage ServerProtocol::stage_of(const Command& c) {
  switch (c.verb) {
    case Verb::Ehlo: return Stage::Ehlo;
    case Verb::Helo: return Stage::Helo;
    case Verb::Mail: return Stage::Mail;
    case Verb::Rcpt: return Stage::Rcpt;
    case Verb::Data: return Stage::Data;
    case Verb::Bdat: return Stage::Data;  // each BDAT is asked like DATA
    case Verb::Rset: return Stage::Rset;
    case Verb::Noop: return Stage::Noop;
    case Verb::Quit: return Stage::Quit;
    case Verb::Vrfy: return Stage::Vrfy;
    case Verb::Starttls: return Stage::Starttls;
    case Verb::Auth: return Stage::Auth;
    default: return Stage::Unknown;
  }
}

Step ServerProtocol::on_bad_line(Reply r) {
  sasl_ = Sasl::None;  // an error ends an AUTH exchange
  if (++bad_commands_ >= kMaxBadCommands) {
    return {reply(421, "4.7.0", options_.hostname + " Error: too many errors"), Next::Close};
  }
  return {std::move(r), Next::Continue};
}

Step ServerProtocol::on_command(const Command& c) {
  if (c.verb == Verb::Bdat) return bdat(c);  // its chunk must be read even when refused
  if (c.verb == Verb::Auth && options_.auth_mechanisms.empty()) {
    return on_bad_line(reply(502, "5.5.1", "Error: command not implemented"));
  }
  if (!(allowed_states(c.verb, state_) & bit(state_))) {
    return on_bad_line(reply(503, "5.5.1", out_of_order_text(c.verb, state_)));
  }
  switch (c.verb) {
    case Verb::Ehlo: return ehlo(c, true);
    case Verb::Helo: return ehlo(c, false);
    case Verb::Mail: return mail(c);
    case Verb::Rcpt: return rcpt(c);
    case Verb::Data: return data();
    case Verb::Rset:
      reset_transaction();
      return {reply(250, "2.0.0", "Ok")};
    case Verb::Noop: return {reply(250, "2.0.0", "Ok")};
    case Verb::Quit:
      state_ = SessionState::Closed;
      return {reply(221, "2.0.0", "Bye"), Next::Close};
    case Verb::Vrfy: return {reply(252, "2.0.0", "Cannot VRFY user, but will accept message")};
    case Verb::Starttls: return starttls(c);
    case Verb::Auth: return auth(c);
    default: return on_bad_line(reply(502, "5.5.1", "Error: command not implemented"));
  }
}

Step ServerProtocol::ehlo(const Command& c, bool extended) {
  reset_transaction();
  session_.helo = c.argument;
  session_.esmtp = extended;
  state_ = SessionState::WaitMail;
  if (!extended) return {reply(250, "", options_.hostname)};
  Reply r;
  r.code = 250;
  r.lines.push_back(options_.hostname);
  if (options_.pipelining) r.lines.push_back("PIPELINING");
  if (options_.advertise_size) r.lines.push_back("SIZE " + std::to_string(options_.max_message_size));
  if (options_.eightbitmime) r.lines.push_back("8BITMIME");
  if (options_.enhanced_status_codes) r.lines.push_back("ENHANCEDSTATUSCODES");
  if (options_.smtputf8) r.lines.push_back("SMTPUTF8");
  if (options_.chunking) r.lines.push_back("CHUNKING");
  if (options_.dsn) r.lines.push_back("DSN");
  if (!options_.auth_mechanisms.empty()) {
    std::string auth = "AUTH";
    for (const auto& m : options_.auth_mechanisms) auth += " " + m;
    r.lines.push_back(std::move(auth));
  }
  if (options_.tls && !session_.tls) r.lines.push_back("STARTTLS");  // RFC 3207 4.2: not after TLS
  return {std::move(r)};
}

Step ServerProtocol::mail(const Command& c) {
  if (options_.max_messages_per_connection > 0 &&
      static_cast<std::size_t>(session_.transactions) >= options_.max_messages_per_connection) {
    state_ = SessionState::Closed;
    return {reply(421, "4.7.0", options_.hostname + " Error: too many messages in this connection"), Next::Close};
  }
  Transaction tx;
  tx.mail_from = c.null_path ? std::string() : c.address;
  tx.started = std::chrono::steady_clock::now();
  tx.mail_params = c.params;
  if (const auto* size = c.param("SIZE"); size && size->value) {
    std::uint64_t n = 0;
    auto [p, ec] = std::from_chars(size->value->data(), size->value->data() + size->value->size(), n);
    if (ec != std::errc() || n > options_.max_message_size) {
      return {reply(552, "5.3.4", "Error: message size exceeds fixed limit")};
    }
  }
  if (const auto* body = c.param("BODY"); body && body->value && *body->value == "8BITMIME") {
    if (!options_.eightbitmime) return {reply(555, "5.5.4", "Error: BODY=8BITMIME not supported")};
    tx.body_8bit = true;
  }
  if (c.param("SMTPUTF8")) {
    if (!options_.smtputf8) return {reply(555, "5.5.4", "Error: SMTPUTF8 not supported")};
    tx.smtputf8 = true;
  }
  if (!tx.smtputf8 && !smtp::is_valid_mailbox(tx.mail_from, false) && !c.null_path) {
    return {reply(553, "5.6.7", "Error: non-ASCII address requires SMTPUTF8")};
  }
  tx_ = std::move(tx);
  state_ = SessionState::WaitRcpt;
  return {reply(250, "2.1.0", "Ok")};
}

Step ServerProtocol::rcpt(const Command& c) {
  if (tx_.rcpt_to.size() >= options_.max_recipients) {
    return {reply(452, "4.5.3", "Error: too many recipients")};
  }
  if (!tx_.smtputf8 && !smtp::is_valid_mailbox(c.address, false)) {
    return {reply(553, "5.6.7", "Error: non-ASCII address requires SMTPUTF8")};
  }
  tx_.rcpt_to.push_back(c.address);
  state_ = SessionState::Rcpt;
  return {reply(250, "2.1.5", "Ok")};
}

Step ServerProtocol::data() {
  receiver_.emplace(options_.max_message_size);
  long_line_ = bare_lf_ = bare_cr_ = false;
  state_ = SessionState::Data;
  return {smtp::make_reply(354, "", "End data with <CR><LF>.<CR><LF>"), Next::BeginData};
}

// RFC 3207 4: STARTTLS only with a TLS context, once, and outside a mail transaction.
Step ServerProtocol::starttls(const Command& c) {
  if (!options_.tls) return on_bad_line(reply(502, "5.5.1", "Error: command not implemented"));
  if (session_.tls) return on_bad_line(reply(503, "5.5.1", "Error: TLS already active"));
  return {reply(220, "2.0.0", "Ready to start TLS"), Next::StartTls};
}

// RFC 4954: AUTH mechanism [initial-response]. A fake server's exchange: PLAIN (RFC 4616) and
// LOGIN take their usual steps, any other advertised mechanism gets one challenge; whatever the
// client sends is accepted (235). The policy refuses at Stage::Auth before the exchange begins.
Step ServerProtocol::auth(const Command& c) {
  if (!session_.esmtp) return on_bad_line(reply(503, "5.5.1", "Error: send EHLO first"));
  if (session_.authenticated) return on_bad_line(reply(503, "5.5.1", "Error: already authenticated"));
  std::string_view arg = c.argument;
  std::size_t sp = arg.find(' ');
  std::string mech(arg.substr(0, sp));
  for (char& ch : mech) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  std::string_view initial = sp == std::string_view::npos ? std::string_view() : arg.substr(sp + 1);
  bool offered = std::any_of(options_.auth_mechanisms.begin(), options_.auth_mechanisms.end(), [&](const auto& m) {
    return m.size() == mech.size() && std::equal(m.begin(), m.end(), mech.begin(), [](char a, char b) {
             return std::toupper(static_cast<unsigned char>(a)) == b;
           });
  });
  if (!offered) return on_bad_line(reply(504, "5.5.4", "Error: unsupported authentication mechanism"));
  if (mech == "PLAIN") {
    if (initial.empty()) {
      sasl_ = Sasl::PlainResponse;
      return {smtp::make_reply(334, "", "")};
    }
    return on_auth_response(initial == "=" ? std::string_view() : initial);
  }
  if (mech == "LOGIN") {
    sasl_ = Sasl::LoginUser;
    if (!initial.empty()) return on_auth_response(initial);
    return {smtp::make_reply(334, "", base64_encode("Username:"))};
  }
  sasl_ = Sasl::OtherResponse;
  if (!initial.empty()) return on_auth_response(initial == "=" ? std::string_view() : initial);
  return {smtp::make_reply(334, "", base64_encode("<" + session_.session_id + "@" + options_.hostname + ">"))};
}

Step ServerProtocol::on_auth_response(std::string_view line) {
  Sasl step = sasl_ == Sasl::None ? Sasl::PlainResponse : sasl_;  // None: PLAIN's initial response
  sasl_ = Sasl::None;
  if (line == "*") return {reply(501, "5.7.0", "Authentication aborted")};
  auto decoded = base64_decode(line);
  if (!decoded) return on_bad_line(reply(501, "5.5.2", "Error: cannot decode response"));
  switch (step) {
    case Sasl::PlainResponse: {  // authzid NUL authcid NUL passwd
      auto first = decoded->find('\0');
      auto second = first == std::string::npos ? std::string::npos : decoded->find('\0', first + 1);
      if (second == std::string::npos) return {reply(501, "5.5.2", "Error: malformed PLAIN response")};
      return authenticated(decoded->substr(first + 1, second - first - 1));
    }
    case Sasl::LoginUser:
      sasl_user_ = std::move(*decoded);
      sasl_ = Sasl::LoginPassword;
      return {smtp::make_reply(334, "", base64_encode("Password:"))};
    case Sasl::LoginPassword: return authenticated(std::move(sasl_user_));
    default: return authenticated({});
  }
}

Step ServerProtocol::auth_answered(Reply reply) {
  if (reply.code == 235) session_.authenticated = true;
  return {std::move(reply)};
}

Step ServerProtocol::authenticated(std::string user) {
  session_.authenticated = true;
  session_.auth_user = std::move(user);
  sasl_user_.clear();
  return {reply(235, "2.7.0", "Authentication successful")};
}

// RFC 3030 2: BDAT <size> [LAST]. Its chunk follows the command line at once, so a refused BDAT
// still has its chunk read (and dropped) before the refusal is sent.
Step ServerProtocol::bdat(const Command& c) {
  if (!options_.chunking) return on_bad_line(reply(502, "5.5.1", "Error: command not implemented"));
  if (!(allowed_states(c.verb, state_) & bit(state_))) {
    Step refused = on_bad_line(reply(503, "5.5.1", out_of_order_text(c.verb, state_)));
    if (refused.next == Next::Close) return refused;
    return refuse_chunk(c.chunk_size, std::move(refused.reply));
  }
  chunk_ = Chunk{c.chunk_size, c.last_chunk, std::nullopt};
  chunk_bytes_ += c.chunk_size;
  if (chunk_bytes_ > options_.max_message_size) chunk_too_large_ = true;
  state_ = SessionState::Bdat;
  return {smtp::Reply{}, Next::ReadChunk};
}

Step ServerProtocol::refuse_chunk(std::uint64_t size, Reply refusal) {
  chunk_ = Chunk{size, false, std::move(refusal)};
  return {smtp::Reply{}, Next::ReadChunk};
}

void ServerProtocol::on_chunk_data(std::string_view bytes) {
  chunk_.remaining -= std::min<std::uint64_t>(chunk_.remaining, bytes.size());
  received_bytes_ += bytes.size();
  if (!chunk_.refusal && !chunk_too_large_ && !abandoned_) chunks_.append(bytes);
}

Step ServerProtocol::end_of_chunk() {
  Chunk done = std::move(chunk_);
  chunk_ = Chunk{};
  if (done.refusal) return {std::move(*done.refusal)};
  if (abandoned_) {  // the early reply already answered this chunk
    reset_transaction();
    return {};
  }
  if (chunk_too_large_) {
    reset_transaction();
    return {reply(552, "5.3.4", "Error: message size exceeds fixed limit")};
  }
  if (done.last) return {smtp::Reply{}, Next::EndOfData};
  return {reply(250, "2.0.0", "Ok: " + std::to_string(chunks_.size()) + " octets received")};
}

bool ServerProtocol::on_data_line(std::string_view line, smtp::LineStatus ending) {
  received_bytes_ += line.size() + 2;
  if (ending == smtp::LineStatus::BareLf) bare_lf_ = true;
  if (line.find('\r') != std::string_view::npos) bare_cr_ = true;
  return receiver_->feed_line(line, ending);
}

std::optional<Reply> ServerProtocol::data_problem() const {
  if (chunk_too_large_ || (receiver_ && receiver_->too_large())) return reply(552, "5.3.4", "Error: message size exceeds fixed limit");
  if (long_line_) return reply(500, "5.5.2", "Error: line too long");
  // The message is refused, not repaired: a bare LF or CR is how SMTP smuggling hides a second
  // message from one receiver and shows it to the next (Postfix smtpd_forbid_bare_newline).
  if (bare_lf_) return reply(500, "5.5.2", "Error: bare <LF> received");
  if (bare_cr_) return reply(500, "5.5.2", "Error: bare <CR> received");
  return std::nullopt;
}

Transaction ServerProtocol::take_transaction(bool accepted) {
  Transaction tx = std::move(tx_);
  tx.data = receiver_ ? receiver_->take() : std::move(chunks_);
  reset_transaction();
  if (accepted) ++session_.transactions;
  return tx;
}

void ServerProtocol::reset_transaction() {
  tx_ = Transaction{};
  receiver_.reset();
  chunks_.clear();
  chunk_bytes_ = 0;
  chunk_too_large_ = false;
  abandoned_ = false;
  received_bytes_ = 0;  // after_bytes counts each message on its own
  if (state_ != SessionState::WaitHelo && state_ != SessionState::Closed) state_ = SessionState::WaitMail;
}

}  // namespace mxlab::server
