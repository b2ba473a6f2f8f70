// Outbound SMTP client session (see client_session.hpp). One coroutine per connection owns its
// socket; reads and writes each run against a deadline; errors become synthetic 4xx replies so
// the caller classifies every failure the same way (outcome.hpp).
// GCC 12 mishandles temporaries inside co_await expressions (double destruction), so coroutine
// arguments here are named locals passed by reference, never temporaries.
#include "mta/delivery/client_session.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>

#include "mta/delivery/client_wire_impl.hpp"
#include "mta/protocol/command.hpp"
#include "mta/protocol/dot_stuffing.hpp"
#include "mta/protocol/line_buffer.hpp"

namespace mxlab::delivery {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
using Millis = std::chrono::milliseconds;

using wire::Connection;
using wire::IoFailure;
using wire::ServiceClosing;

namespace {

struct Capabilities {
  bool pipelining = false;
  bool eightbitmime = false;
  bool smtputf8 = false;
  bool starttls = false;
  bool chunking = false;
  bool size = false;
  std::uint64_t size_limit = 0;  // 0 = SIZE without a limit
};

bool has_8bit(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

Capabilities parse_capabilities(const smtp::Reply& ehlo) {
  Capabilities caps;
  for (std::size_t i = 1; i < ehlo.lines.size(); ++i) {
    std::string word = ehlo.lines[i].substr(0, ehlo.lines[i].find(' '));
    for (auto& ch : word) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (word == "PIPELINING") caps.pipelining = true;
    if (word == "8BITMIME") caps.eightbitmime = true;
    if (word == "SMTPUTF8") caps.smtputf8 = true;
    if (word == "STARTTLS") caps.starttls = true;
    if (word == "CHUNKING") caps.chunking = true;
    if (word == "SIZE") {  // RFC 1870: "SIZE 10240000"; a missing or zero number means no fixed limit
      caps.size = true;
      auto space = ehlo.lines[i].find(' ');
      if (space != std::string::npos) caps.size_limit = std::strtoull(ehlo.lines[i].c_str() + space + 1, nullptr, 10);
    }
  }
  return caps;
}

class Dialogue {
 public:
  // `stage` always names the stage being waited on, so an I/O failure can be attributed.
  Dialogue(Connection& conn, Capabilities& caps, const ClientRequest& req, const ClientTimeouts& t,
           ClientResult& result, ClientStage& stage)
      : conn_(conn), req_(req), t_(t), result_(result), stage_(stage), caps_(caps) {}

  // Greeting, EHLO and STARTTLS; true when the connection is ready for a transaction, else
  // result_ says why not.
  awaitable<bool> open() {
    // (co_await results are bound to locals first: GCC 12 miscompiles co_await inside conditions)
    const std::string none;
    bool ok = co_await expect(ClientStage::Banner, none, "reading the greeting");
    if (!ok) co_return false;
    ok = co_await greet();
    if (!ok) co_return false;
    ok = co_await secure();
    co_return ok;
  }

 private:
  // Sends `command` (if any), reads one reply; false (and result_ set) when it is not positive.
  awaitable<bool> expect(ClientStage stage, const std::string& command, std::string_view waiting_for) {
    stage_ = stage;
    if (!command.empty()) co_await conn_.write(command, t_.command, waiting_for);
    smtp::Reply reply = co_await read(t_.command, waiting_for, command);
    if (reply.positive()) co_return true;
    fail(stage, std::move(reply), command);
    co_return false;
  }

  // Reads the reply to `command` at stage_; a 421 ends the dialogue with that reply (instead of
  // the "lost connection" the next read would report once the server has closed).
  awaitable<smtp::Reply> read(Millis deadline, std::string_view waiting_for, const std::string& command) {
    conn_.phase_for(command);
    smtp::Reply reply = co_await conn_.read_reply(deadline, waiting_for);
    if (reply.code == 421) {
      fail(stage_, std::move(reply), command);
      throw ServiceClosing{};
    }
    co_return reply;
  }

  // Without PIPELINING each command goes out just before its reply is read; with it the whole
  // batch was written up front (a member, not a capturing coroutine lambda).
  awaitable<void> send(const std::string& cmd) {
    if (caps_.pipelining) co_return;
    const std::string what = "sending " + cmd.substr(0, 4);
    co_await conn_.write(cmd, t_.command, what);
  }

  void fail(ClientStage stage, smtp::Reply reply, std::string_view command) {
    result_.failed_at = stage;
    result_.reply = std::move(reply);
    result_.command = std::string(command.substr(0, command.find('\r')));
  }

  awaitable<bool> greet() {
    stage_ = ClientStage::Ehlo;
    auto ehlo = smtp::encode(smtp::make_ehlo(req_.ehlo_name));
    co_await conn_.write(ehlo, t_.command, "sending EHLO");
    smtp::Reply reply = co_await read(t_.command, "waiting for the EHLO reply", ehlo);
    if (reply.positive()) {
      caps_ = parse_capabilities(reply);
      co_return true;
    }
    if (reply.permanent()) {  // RFC 5321 4.1.4: fall back to HELO for servers without ESMTP
      smtp::Command helo = smtp::make_ehlo(req_.ehlo_name);
      helo.verb = smtp::Verb::Helo;
      const std::string helo_line = smtp::encode(helo);
      bool ok = co_await expect(ClientStage::Ehlo, helo_line, "waiting for the HELO reply");
      co_return ok;
    }
    fail(ClientStage::Ehlo, std::move(reply), ehlo);
    co_return false;
  }

  // STARTTLS as the policy asks (the table in docs/TLS_POLICY.md). Returns false with result_ set
  // when this host cannot be used; handshake failures throw (the connection is unusable) with
  // result_.tls_failure telling the caller whether a plaintext retry is allowed.
  awaitable<bool> secure() {
    const ClientTls& tls = req_.tls;
    if (!tls.context || tls.mode == config::TlsMode::Disabled || req_.plaintext_only) co_return true;
    const bool required = tls_required(tls.mode);
    stage_ = ClientStage::Starttls;
    if (!caps_.starttls) {
      result_.tls_failure = TlsFailure::NotOffered;
      if (!required) co_return true;
      fail(ClientStage::Starttls, synthetic_reply("4.7.4", "TLS is required, but was not offered by host " + req_.host_name), "");
      co_return false;
    }
    const std::string starttls = "STARTTLS\r\n";
    smtp::Reply reply = co_await read_after(starttls, "waiting for the STARTTLS reply");
    if (reply.code != 220) {  // RFC 3207 4: 454 (or anything else) leaves the session in plaintext
      result_.tls_failure = TlsFailure::Refused;
      if (!required) co_return true;
      fail(ClientStage::Starttls, std::move(reply), starttls);
      co_return false;
    }
    HandshakeResult hs = co_await conn_.start_tls(*tls.context, req_.host_name, tls_verified(tls.mode), t_.command);
    if (hs.failure != TlsFailure::None) {
      result_.tls_failure = hs.failure;
      throw IoFailure{"4.7.5", hs.error};
    }
    result_.tls_version = hs.version;
    result_.tls_cipher = hs.cipher;
    bool ok = co_await greet();  // RFC 3207 4.2: forget the plaintext capabilities, EHLO again
    co_return ok;
  }

  awaitable<smtp::Reply> read_after(const std::string& command, std::string_view waiting_for) {
    co_await conn_.write(command, t_.command, waiting_for);
    smtp::Reply reply = co_await read(t_.command, waiting_for, command);
    co_return reply;
  }

  // What the message needs from the server (RFC 6152, RFC 6531, RFC 1870), checked before MAIL:
  // content the server cannot take is refused here, never sent silently. False with result_ set.
  bool negotiate(std::vector<smtp::EsmtpParam>& params) {
    const std::string& data = req_.data ? *req_.data : kEmpty;
    bool utf8 = has_8bit(req_.mail_from) || std::any_of(req_.rcpt_to.begin(), req_.rcpt_to.end(),
                                                         [](const std::string& r) { return has_8bit(r); });
    if (utf8 && !caps_.smtputf8) {
      fail(ClientStage::Mail, smtp::make_reply(553, "5.6.7", "SMTPUTF8 is required, but was not offered by host " + req_.host_name), "");
      return false;
    }
    if (caps_.size && caps_.size_limit > 0 && data.size() > caps_.size_limit) {
      fail(ClientStage::Mail, smtp::make_reply(552, "5.3.4", "message size " + std::to_string(data.size()) +
                                                              " exceeds the fixed limit of host " + req_.host_name), "");
      return false;
    }
    if (req_.body_8bit || has_8bit(data)) {
      if (!caps_.eightbitmime) {  // RFC 6152 3: no conversion here, so the message cannot go to this host
        fail(ClientStage::Mail, smtp::make_reply(554, "5.6.3", "8-bit message content, but host " + req_.host_name +
                                                                " does not offer 8BITMIME"), "");
        return false;
      }
      params.push_back({"BODY", std::string("8BITMIME")});
    }
    if (caps_.size) params.push_back({"SIZE", std::to_string(data.size())});
    if (utf8) params.push_back({"SMTPUTF8", std::nullopt});
    return true;
  }

 public:
  // One transaction up to and including end-of-data; returns with result_ filled.
  awaitable<void> transaction() {
    if (req_.rcpt_to.empty()) {  // the RCPT failure paths below name the last recipient
      fail(ClientStage::Rcpt, smtp::make_reply(554, "5.5.1", "no recipients given"), "");
      co_return;
    }
    std::vector<smtp::EsmtpParam> params;
    if (!negotiate(params)) co_return;
    std::string mail = smtp::encode(smtp::make_mail(req_.mail_from, params));
    std::vector<std::string> rcpts;
    for (const auto& r : req_.rcpt_to) rcpts.push_back(smtp::encode(smtp::make_rcpt(r)));
    // RFC 3030: with CHUNKING the content goes as one "BDAT n LAST" chunk, unstuffed, after the
    // RCPT replies; without it DATA is pipelined with the envelope (RFC 2920).
    const bool bdat = caps_.chunking;
    std::string data_cmd = bdat ? std::string() : smtp::encode(smtp::make_simple(smtp::Verb::Data));

    stage_ = ClientStage::Mail;
    result_.transaction_started = std::chrono::steady_clock::now();
    conn_.message_obtained();
    if (caps_.pipelining) {  // RFC 2920: MAIL, RCPTs (and DATA) in one write, replies in order
      std::string batch = mail;
      for (const auto& r : rcpts) batch += r;
      batch += data_cmd;
      co_await conn_.write(batch, t_.command, "sending MAIL/RCPT/DATA");
    }
    co_await send(mail);
    smtp::Reply mail_reply = co_await read(t_.command, "waiting for the MAIL FROM reply", mail);
    if (!mail_reply.positive()) {
      fail(ClientStage::Mail, std::move(mail_reply), mail);
      if (caps_.pipelining) co_await drain_after_refused_mail(rcpts, data_cmd);
      co_return;
    }
    std::size_t accepted = 0;
    stage_ = ClientStage::Rcpt;
    for (std::size_t i = 0; i < rcpts.size(); ++i) {
      co_await send(rcpts[i]);
      smtp::Reply r = co_await read(t_.command, "waiting for the RCPT TO reply", rcpts[i]);
      if (r.positive()) ++accepted;
      result_.rcpt_replies.push_back(std::move(r));
    }
    if (accepted == 0 && (!caps_.pipelining || bdat)) {
      fail(ClientStage::Rcpt, result_.rcpt_replies.back(), rcpts.back());
      co_return;
    }
    if (bdat) {
      co_await send_chunk();
      co_return;
    }
    stage_ = ClientStage::Data;
    co_await send(data_cmd);
    smtp::Reply data_reply = co_await read(t_.command, "waiting for the DATA reply", data_cmd);
    if (data_reply.code != 354) {
      if (accepted == 0) fail(ClientStage::Rcpt, result_.rcpt_replies.back(), rcpts.back());
      else fail(ClientStage::Data, std::move(data_reply), data_cmd);
      co_return;
    }
    conn_.row().set_state("TEXT");
    if (accepted == 0) {  // RFC 2920 3.1: every RCPT failed but DATA was accepted; send an empty message
      co_await conn_.write(".\r\n", t_.data, "message content");
      const std::string dot = ".";
      smtp::Reply ignored = co_await read(t_.data, "waiting for the end-of-data reply", dot);
      fail(ClientStage::Rcpt, result_.rcpt_replies.back(), rcpts.back());
      co_return;
    }
    stage_ = ClientStage::EndOfData;
    const std::string content = smtp::dot_stuff(req_.data ? *req_.data : std::string());
    co_await conn_.write(content, t_.data, "message content");
    const std::string dot = ".";
    smtp::Reply eod = co_await read(t_.data, "waiting for the end-of-data reply", dot);
    finish(std::move(eod), dot);
  }

 private:
  // The whole message as one last chunk (RFC 3030 2): its reply is the end-of-data reply.
  awaitable<void> send_chunk() {
    const std::string& data = req_.data ? *req_.data : kEmpty;
    stage_ = ClientStage::EndOfData;
    const std::string bdat = "BDAT " + std::to_string(data.size()) + " LAST\r\n";
    co_await conn_.write(bdat, t_.data, "BDAT");
    co_await conn_.write(data, t_.data, "message content");
    const std::string command = bdat.substr(0, bdat.size() - 2);
    smtp::Reply eod = co_await read(t_.data, "waiting for the BDAT reply", command);
    finish(std::move(eod), command);
  }

  void finish(smtp::Reply eod, const std::string& command) {
    if (!eod.positive()) {
      fail(ClientStage::EndOfData, std::move(eod), command);
      return;
    }
    result_.failed_at = ClientStage::Done;
    result_.reply = std::move(eod);
    result_.command = command;
  }

  // RFC 2920 3.1: MAIL was refused but RCPTs and DATA were already pipelined. Their replies are
  // read and dropped: they answer "need MAIL", not the recipients, and must not hide the MAIL
  // refusal. A server that still accepts DATA gets an empty message.
  awaitable<void> drain_after_refused_mail(const std::vector<std::string>& rcpts, const std::string& data_cmd) {
    try {
      for (std::size_t i = 0; i < rcpts.size(); ++i) {
        smtp::Reply ignored = co_await conn_.read_reply(t_.command, "waiting for the RCPT TO reply");
      }
      if (data_cmd.empty()) co_return;  // BDAT: nothing was pipelined after the RCPTs
      smtp::Reply data_reply = co_await conn_.read_reply(t_.command, "waiting for the DATA reply");
      if (data_reply.code == 354) {
        co_await conn_.write(".\r\n", t_.data, "message content");
        smtp::Reply ignored = co_await conn_.read_reply(t_.data, "waiting for the end-of-data reply");
      }
    } catch (const IoFailure&) {
      // The MAIL refusal is the result; a server that hangs up after it changes nothing.
    }
  }

  static inline const std::string kEmpty;
  Connection& conn_;
  const ClientRequest& req_;
  const ClientTimeouts& t_;
  ClientResult& result_;
  ClientStage& stage_;
  Capabilities& caps_;
};

// Counts the transaction delivered (2xx to end of data) or failed in the session table.
void note_outcome(SessionHandle& row, const ClientResult& r) {
  bool delivered = r.failed_at == ClientStage::Done;
  row.count(delivered ? SessionCounter::MessagesDelivered : SessionCounter::MessagesFailed, r.reply.summary());
  row.note(std::string(delivered ? "delivered: " : "failed at ") + (delivered ? "" : std::string(to_string(r.failed_at)) + ": ") +
           r.reply.summary());
  if (delivered) row.message_done();
}

}  // namespace

// An open connection between transactions: what EHLO offered, the TLS state, and how many
// transactions it carried (the connection cache's max_deliveries_per_connection).
class ClientConnection {
 public:
  ClientConnection(tcp::socket socket, trace::ClientTrace* trace, std::string key, SessionHandle row)
      : row(std::move(row)), conn(std::move(socket), trace, this->row), key(std::move(key)) {}
  SessionHandle row;  // the live session table's row: outlives conn, which refers to it
  Connection conn;
  std::string key;
  Capabilities caps;
  std::string tls_version, tls_cipher;
  TlsFailure tls_failure = TlsFailure::None;
  int transactions = 0;
  bool usable = false;  // idle after a completed transaction
  bool closed = false;
};

void ClientConnectionDeleter::operator()(ClientConnection* c) const { delete c; }
bool reusable(const ClientConnection& c) { return c.usable && !c.closed; }
int transactions_carried(const ClientConnection& c) { return c.transactions; }
const std::string& connection_key(const ClientConnection& c) { return c.key; }
void attach_trace(ClientConnection& c, trace::ClientTrace* trace) { c.conn.set_trace(trace); }
std::string local_address(const ClientConnection& c) { return c.conn.local_address(); }

std::string connection_key(const ClientRequest& r) {
  return r.address + "|" + std::to_string(r.port) + "|" + r.source_address + "|" + r.ehlo_name + "|" + r.host_name +
         "|" + std::string(config::to_string(r.tls.mode)) + (r.tls.context ? "|tls" : "") +
         (r.plaintext_only ? "|plain" : "");
}

namespace {

void close(ClientConnection& c) {
  c.conn.close();
  c.closed = true;
  c.usable = false;
}

void io_failed(ClientResult& result, ClientStage stage, const IoFailure& io) {
  result.failed_at = stage;
  result.reply = synthetic_reply(io.enhanced, io.text);
  result.io_error = true;
  result.detail = io.text;
}

}  // namespace

awaitable<ClientConnectionPtr> open_connection(const ClientRequest& request, const ClientTimeouts& timeouts,
                                               ClientResult& result, trace::ClientTrace* trace) {
  std::string error;
  SessionHandle row;
  const std::string peer = request.address + ":" + std::to_string(request.port);
  if (request.sessions) {
    row = request.sessions->open(SessionDirection::Outbound, {}, {}, peer, "CONNECTING");
    row.set_route(request.host_name, request.site);
  }
  auto socket = co_await wire::connect(request, timeouts.connect, error);
  if (trace && socket) {
    boost::system::error_code ec;
    trace->connected(socket->local_endpoint(ec).address().to_string());
  }
  if (trace && !socket) trace->connect_failed(error);
  if (!socket) {
    row.count(SessionCounter::ConnectionsFailed, error);
    row.note(error);
    result.failed_at = ClientStage::Connect;
    result.reply = synthetic_reply("4.4.1", error);
    result.io_error = true;
    result.detail = error;
    co_return nullptr;
  }
  {
    boost::system::error_code ec;
    auto local = socket->local_endpoint(ec);
    row.set_addresses(local.address().to_string() + ":" + std::to_string(local.port()), peer);
  }
  row.count(SessionCounter::ConnectionsOk);
  ClientConnectionPtr cc(new ClientConnection(std::move(*socket), trace, connection_key(request), std::move(row)));
  ClientStage stage = ClientStage::Banner;
  std::optional<IoFailure> io;
  bool ok = false;
  try {
    Dialogue dialogue(cc->conn, cc->caps, request, timeouts, result, stage);
    ok = co_await dialogue.open();
  } catch (const IoFailure& f) {
    io = f;
  } catch (const ServiceClosing&) {
    close(*cc);  // the server closes after a 421; no QUIT (RFC 5321 3.8)
    note_outcome(cc->row, result);
    co_return nullptr;
  }
  if (io) {
    io_failed(result, stage, *io);
    close(*cc);
    note_outcome(cc->row, result);
    co_return nullptr;
  }
  if (!ok) {
    note_outcome(cc->row, result);
    co_await quit_connection(*cc, timeouts);
    co_return nullptr;
  }
  cc->tls_version = result.tls_version;
  cc->tls_cipher = result.tls_cipher;
  cc->tls_failure = result.tls_failure;
  if (!cc->tls_version.empty()) cc->row.set_tls(cc->tls_version);
  co_return cc;
}

awaitable<ClientResult> run_transaction(ClientConnection& cc, const ClientRequest& request,
                                        const ClientTimeouts& timeouts) {
  ClientResult result;
  result.tls_version = cc.tls_version;
  result.tls_cipher = cc.tls_cipher;
  result.tls_failure = cc.tls_failure;
  result.reused = cc.transactions > 0;
  cc.row.set_transaction(request.mail_from, request.rcpt_to.size(), request.message_id);
  cc.usable = false;
  ++cc.transactions;
  ClientStage stage = ClientStage::Mail;
  std::optional<IoFailure> io;
  try {
    Dialogue dialogue(cc.conn, cc.caps, request, timeouts, result, stage);
    co_await dialogue.transaction();
  } catch (const IoFailure& f) {
    io = f;
  } catch (const ServiceClosing&) {
    close(cc);
    note_outcome(cc.row, result);
    co_return result;
  }
  if (io) {
    io_failed(result, stage, *io);
    close(cc);
    note_outcome(cc.row, result);
    co_return result;
  }
  note_outcome(cc.row, result);
  // Only a completed transaction leaves the session in a known state for the next MAIL.
  cc.usable = result.failed_at == ClientStage::Done;
  if (cc.usable) cc.row.set_state("IDLE");
  co_return result;
}

awaitable<void> quit_connection(ClientConnection& cc, const ClientTimeouts& timeouts) {
  if (cc.closed) co_return;
  try {  // QUIT is a courtesy: its failure changes nothing (RFC 5321 4.1.1.10)
    cc.row.set_state("QUIT");
    co_await cc.conn.write("QUIT\r\n", timeouts.command, "QUIT");
    const Millis quit_deadline = std::min(timeouts.command, Millis(2000));
    smtp::Reply ignored = co_await cc.conn.read_reply(quit_deadline, "waiting for the QUIT reply");
  } catch (const IoFailure&) {
  }
  close(cc);
}

awaitable<ClientResult> run_client_session(const ClientRequest& request, const ClientTimeouts& timeouts,
                                           trace::ClientTrace* trace) {
  ClientResult result;
  ClientConnectionPtr cc = co_await open_connection(request, timeouts, result, trace);
  if (!cc) co_return result;
  result = co_await run_transaction(*cc, request, timeouts);
  co_await quit_connection(*cc, timeouts);
  co_return result;
}

}  // namespace mxlab::delivery
