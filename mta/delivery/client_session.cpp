// Outbound SMTP client session (see client_session.hpp). One coroutine per connection owns its
// socket; reads and writes each run against a deadline; errors become synthetic 4xx replies so
// the caller classifies every failure the same way (outcome.hpp).
// GCC 12 mishandles temporaries inside co_await expressions (double destruction), so coroutine
// arguments here are named locals passed by reference, never temporaries.
#include "mta/delivery/client_session.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <optional>

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

namespace {

struct Capabilities {
  bool pipelining = false;
  bool eightbitmime = false;
  bool smtputf8 = false;
};

Capabilities parse_capabilities(const smtp::Reply& ehlo) {
  Capabilities caps;
  for (std::size_t i = 1; i < ehlo.lines.size(); ++i) {
    std::string word = ehlo.lines[i].substr(0, ehlo.lines[i].find(' '));
    for (auto& ch : word) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (word == "PIPELINING") caps.pipelining = true;
    if (word == "8BITMIME") caps.eightbitmime = true;
    if (word == "SMTPUTF8") caps.smtputf8 = true;
  }
  return caps;
}

// Raised inside the session for I/O failures; converted into a ClientResult at the top.
struct IoFailure {
  std::string enhanced;
  std::string text;
};

// Raised after a 421 (RFC 5321 3.8: the server is closing the channel), which may answer any
// command; the ClientResult already holds the 421 and the stage it answered.
struct ServiceClosing {};

class Connection {
 public:
  Connection(tcp::socket socket, trace::TraceSink* trace) : socket_(std::move(socket)), trace_(trace) {}

  awaitable<smtp::Reply> read_reply(Millis deadline, std::string_view waiting_for) {
    for (;;) {
      std::string line;
      auto status = lines_.next(line);
      if (status == smtp::LineStatus::Line || status == smtp::LineStatus::BareLf) {
        auto state = parser_.feed(line);
        if (state == smtp::ReplyParser::State::Done) co_return parser_.take();
        if (state == smtp::ReplyParser::State::Failed) {
          throw IoFailure{"4.5.0", "malformed reply while " + std::string(waiting_for) + ": " + parser_.error()};
        }
        continue;
      }
      if (status == smtp::LineStatus::TooLong) throw IoFailure{"4.5.0", "reply line too long"};
      char buf[8192];
      asio::steady_timer timer(socket_.get_executor(), deadline);
      auto r = co_await (socket_.async_read_some(asio::buffer(buf), asio::as_tuple(use_awaitable)) ||
                         timer.async_wait(asio::as_tuple(use_awaitable)));
      if (r.index() == 1) throw IoFailure{"4.4.2", "timeout while " + std::string(waiting_for)};
      auto [ec, n] = std::get<0>(r);
      if (ec) throw IoFailure{"4.4.2", "lost connection while " + std::string(waiting_for) + ": " + ec.message()};
      if (trace_ && trace_->enabled(trace::Direction::Client)) publish(trace::EventKind::Read, std::string(buf, n));
      lines_.append(std::string_view(buf, n));
    }
  }

  awaitable<void> write(std::string_view bytes, Millis deadline, std::string_view what) {
    if (trace_ && trace_->enabled(trace::Direction::Client)) publish(trace::EventKind::Write, std::string(bytes));
    asio::steady_timer timer(socket_.get_executor(), deadline);
    auto r = co_await (asio::async_write(socket_, asio::buffer(bytes), asio::as_tuple(use_awaitable)) ||
                       timer.async_wait(asio::as_tuple(use_awaitable)));
    if (r.index() == 1) throw IoFailure{"4.4.2", "timeout while sending " + std::string(what)};
    if (auto [ec, n] = std::get<0>(r); ec) {
      throw IoFailure{"4.4.2", "lost connection while sending " + std::string(what) + ": " + ec.message()};
    }
  }

  void close() {
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

 private:
  void publish(trace::EventKind kind, std::string payload) {
    trace_->publish({trace::Direction::Client, kind, {}, {}, {}, std::move(payload)});
  }
  tcp::socket socket_;
  trace::TraceSink* trace_;
  smtp::LineBuffer lines_{64 * 1024};
  smtp::ReplyParser parser_;
};

awaitable<std::optional<tcp::socket>> connect(const ClientRequest& req, Millis deadline, std::string& error) {
  auto executor = co_await asio::this_coro::executor;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(req.address, ec);
  if (ec) {
    error = "bad address '" + req.address + "'";
    co_return std::nullopt;
  }
  tcp::endpoint target(address, req.port);
  tcp::socket socket(executor);
  socket.open(target.protocol(), ec);
  if (!ec && !req.source_address.empty()) {
    socket.bind(tcp::endpoint(asio::ip::make_address(req.source_address, ec), 0), ec);
  }
  if (ec) {
    error = "cannot bind source " + req.source_address + ": " + ec.message();
    co_return std::nullopt;
  }
  asio::steady_timer timer(executor, deadline);
  auto r = co_await (socket.async_connect(target, asio::as_tuple(use_awaitable)) ||
                     timer.async_wait(asio::as_tuple(use_awaitable)));
  std::string where = req.address + ":" + std::to_string(req.port);
  if (r.index() == 1) {
    error = "connect to " + where + ": timed out";
    co_return std::nullopt;
  }
  if (auto [cec] = std::get<0>(r); cec) {
    error = "connect to " + where + ": " + cec.message();
    co_return std::nullopt;
  }
  socket.set_option(tcp::no_delay(true), ec);
  co_return std::move(socket);
}

class Dialogue {
 public:
  // `stage` always names the stage being waited on, so an I/O failure can be attributed.
  Dialogue(Connection& conn, const ClientRequest& req, const ClientTimeouts& t, ClientResult& result,
           ClientStage& stage)
      : conn_(conn), req_(req), t_(t), result_(result), stage_(stage) {}

  // Runs the dialogue up to and including end-of-data; returns with result_ filled.
  awaitable<void> run() {
    // (co_await results are bound to locals first: GCC 12 miscompiles co_await inside conditions)
    const std::string none;
    bool ok = co_await expect(ClientStage::Banner, none, "reading the greeting");
    if (!ok) co_return;
    ok = co_await greet();
    if (!ok) co_return;
    co_await transaction();
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

  awaitable<void> transaction() {
    if (req_.rcpt_to.empty()) {  // the RCPT failure paths below name the last recipient
      fail(ClientStage::Rcpt, smtp::make_reply(554, "5.5.1", "no recipients given"), "");
      co_return;
    }
    std::vector<smtp::EsmtpParam> params;
    if (req_.body_8bit && caps_.eightbitmime) params.push_back({"BODY", std::string("8BITMIME")});
    std::string mail = smtp::encode(smtp::make_mail(req_.mail_from, params));
    std::vector<std::string> rcpts;
    for (const auto& r : req_.rcpt_to) rcpts.push_back(smtp::encode(smtp::make_rcpt(r)));
    std::string data_cmd = smtp::encode(smtp::make_simple(smtp::Verb::Data));

    stage_ = ClientStage::Mail;
    result_.transaction_started = std::chrono::steady_clock::now();
    if (caps_.pipelining) {  // RFC 2920: MAIL, RCPTs and DATA in one write, replies in order
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
    if (accepted == 0 && !caps_.pipelining) {
      fail(ClientStage::Rcpt, result_.rcpt_replies.back(), rcpts.back());
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
    if (!eod.positive()) {
      fail(ClientStage::EndOfData, std::move(eod), ".");
      co_return;
    }
    result_.failed_at = ClientStage::Done;
    result_.reply = std::move(eod);
    result_.command = ".";
  }

  // RFC 2920 3.1: MAIL was refused but RCPTs and DATA were already pipelined. Their replies are
  // read and dropped: they answer "need MAIL", not the recipients, and must not hide the MAIL
  // refusal. A server that still accepts DATA gets an empty message.
  awaitable<void> drain_after_refused_mail(const std::vector<std::string>& rcpts, const std::string& data_cmd) {
    try {
      for (std::size_t i = 0; i < rcpts.size(); ++i) {
        smtp::Reply ignored = co_await conn_.read_reply(t_.command, "waiting for the RCPT TO reply");
      }
      smtp::Reply data_reply = co_await conn_.read_reply(t_.command, "waiting for the DATA reply");
      if (data_reply.code == 354) {
        co_await conn_.write(".\r\n", t_.data, "message content");
        smtp::Reply ignored = co_await conn_.read_reply(t_.data, "waiting for the end-of-data reply");
      }
    } catch (const IoFailure&) {
      // The MAIL refusal is the result; a server that hangs up after it changes nothing.
    }
  }

  Connection& conn_;
  const ClientRequest& req_;
  const ClientTimeouts& t_;
  ClientResult& result_;
  ClientStage& stage_;
  Capabilities caps_;
};

}  // namespace

awaitable<ClientResult> run_client_session(const ClientRequest& request, const ClientTimeouts& timeouts,
                                           trace::TraceSink* trace) {
  ClientResult result;
  std::string error;
  auto socket = co_await connect(request, timeouts.connect, error);
  if (!socket) {
    result.failed_at = ClientStage::Connect;
    result.reply = synthetic_reply("4.4.1", error);
    result.io_error = true;
    result.detail = error;
    co_return result;
  }
  Connection conn(std::move(*socket), trace);
  ClientStage stage = ClientStage::Banner;
  std::optional<IoFailure> io;
  try {
    Dialogue dialogue(conn, request, timeouts, result, stage);
    co_await dialogue.run();
  } catch (const IoFailure& f) {
    io = f;
  } catch (const ServiceClosing&) {
    conn.close();  // the server closes after a 421; no QUIT (RFC 5321 3.8)
    co_return result;
  }
  if (io) {
    result.failed_at = stage;
    result.reply = synthetic_reply(io->enhanced, io->text);
    result.io_error = true;
    result.detail = io->text;
    conn.close();
    co_return result;
  }
  try {  // QUIT is a courtesy: its failure changes nothing (RFC 5321 4.1.1.10)
    co_await conn.write("QUIT\r\n", timeouts.command, "QUIT");
    const Millis quit_deadline = std::min(timeouts.command, Millis(2000));
    smtp::Reply ignored = co_await conn.read_reply(quit_deadline, "waiting for the QUIT reply");
  } catch (const IoFailure&) {
  }
  conn.close();
  co_return result;
}

}  // namespace mxlab::delivery
