// The wire under an outbound SMTP session (client_session.cpp only): a socket, optionally
// wrapped in TLS after STARTTLS, read reply by reply and written with deadlines; trace and live
// session-table hooks on every read and write. Internal: Asio-heavy, include only from .cpp files.
#pragma once
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "mta/common/session_table.hpp"
#include "mta/delivery/client_session.hpp"
#include "mta/delivery/tls_client_impl.hpp"
#include "mta/protocol/line_buffer.hpp"
#include "mta/protocol/reply.hpp"

namespace mxlab::delivery::wire {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
using Millis = std::chrono::milliseconds;

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
  // The row's abort (abort-ready-q-conn) closes the socket: the pending read or write fails
  // and the transaction ends like any I/O error (deferred).
  Connection(tcp::socket socket, trace::ClientTrace* trace, SessionHandle& row)
      : socket_(std::move(socket)), trace_(trace), row_(row) {
    row_.set_abort([this] { close(); });
  }
  ~Connection() { row_.set_abort(nullptr); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  void set_trace(trace::ClientTrace* trace) { trace_ = trace; }
  std::string local_address() const {
    boost::system::error_code ec;
    return socket_.local_endpoint(ec).address().to_string();
  }

  // The row's phase (seed 004's OUT states) from the command whose reply is awaited.
  void phase_for(std::string_view command) {
    std::string_view verb = command.substr(0, 4);
    if (command.empty()) row_.set_state("BANNER");
    else if (verb == "EHLO" || verb == "HELO") row_.set_state("EHLO");
    else if (command.starts_with("STARTTLS")) row_.set_state("STARTTLS");
    else if (verb == "MAIL" || verb == "RCPT" || verb == "DATA" || verb == "QUIT") row_.set_state(verb);
    else if (command == ".") row_.set_state("EOT");
  }
  SessionHandle& row() { return row_; }

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
      auto buffer = asio::buffer(buf);
      ReadResult r;
      if (tls_) {
        r = co_await (tls_->async_read_some(buffer, asio::as_tuple(use_awaitable)) ||
                      timer.async_wait(asio::as_tuple(use_awaitable)));
      } else {
        r = co_await (socket_.async_read_some(buffer, asio::as_tuple(use_awaitable)) ||
                      timer.async_wait(asio::as_tuple(use_awaitable)));
      }
      if (r.index() == 1) throw IoFailure{"4.4.2", "timeout while " + std::string(waiting_for)};
      auto [ec, n] = std::get<0>(r);
      if (ec) throw IoFailure{"4.4.2", "lost connection while " + std::string(waiting_for) + ": " + ec.message()};
      if (trace_) trace_->read(std::string_view(buf, n));
      lines_.append(std::string_view(buf, n));
    }
  }

  awaitable<void> write(std::string_view bytes, Millis deadline, std::string_view what) {
    if (trace_) trace_->write(bytes);
    asio::steady_timer timer(socket_.get_executor(), deadline);
    auto buffer = asio::buffer(bytes);
    ReadResult r;
    if (tls_) {
      r = co_await (asio::async_write(*tls_, buffer, asio::as_tuple(use_awaitable)) ||
                    timer.async_wait(asio::as_tuple(use_awaitable)));
    } else {
      r = co_await (asio::async_write(socket_, buffer, asio::as_tuple(use_awaitable)) ||
                    timer.async_wait(asio::as_tuple(use_awaitable)));
    }
    if (r.index() == 1) throw IoFailure{"4.4.2", "timeout while sending " + std::string(what)};
    if (auto [ec, n] = std::get<0>(r); ec) {
      throw IoFailure{"4.4.2", "lost connection while sending " + std::string(what) + ": " + ec.message()};
    }
  }

  // RFC 3207 4.2: after the handshake nothing read before it may be used (the command injection
  // defence), so the line buffer and reply parser start over.
  awaitable<HandshakeResult> start_tls(const ClientTlsContext& context, const std::string& host_name, bool verify,
                                       Millis deadline) {
    tls_ = std::make_unique<SslStream>(socket_, context.ctx);
    lines_ = smtp::LineBuffer(64 * 1024);
    parser_ = smtp::ReplyParser();
    HandshakeResult r = co_await client_handshake(*tls_, host_name, verify, deadline);
    co_return r;
  }

  void close() {
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    if (trace_) trace_->disconnected();
  }

  void message_obtained() {
    if (trace_) trace_->message_obtained();
  }

 private:
  using ReadResult = std::variant<std::tuple<boost::system::error_code, std::size_t>,
                                  std::tuple<boost::system::error_code>>;
  tcp::socket socket_;
  std::unique_ptr<SslStream> tls_;  // set by start_tls; wraps socket_
  trace::ClientTrace* trace_;  // the delivery session using the connection; null while parked
  SessionHandle& row_;
  smtp::LineBuffer lines_{64 * 1024};
  smtp::ReplyParser parser_;
};

// Connects to request.address:port (from source_address when set) within `deadline`; on
// failure, nullopt and `error` says why.
awaitable<std::optional<tcp::socket>> connect(const ClientRequest& req, Millis deadline, std::string& error);

}  // namespace mxlab::delivery::wire
