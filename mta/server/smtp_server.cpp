// ESMTP listener and per-connection session coroutine. Each session owns its socket, reads
// with an idle deadline, batches replies for pipelined commands (RFC 2920) and flushes before
// it would block, and asks the SessionPolicy before each default reply.
// Coroutine arguments are named locals, never temporaries (GCC 12 co_await temporaries bug).
#include "mta/server/smtp_server.hpp"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <mutex>
#include <set>

#include "mta/common/ids.hpp"
#include "mta/protocol/line_buffer.hpp"
#include "mta/server/server_protocol.hpp"

namespace mxlab::server {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

struct SmtpServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, ServerOptions o, MessageHandler& h, SessionPolicy* p, trace::TraceSink* t)
      : io(io), options(std::move(o)), handler(h), policy(p), trace(t ? *t : trace::NullTraceSink::instance()),
        acceptor(io) {}

  asio::io_context& io;
  ServerOptions options;
  MessageHandler& handler;
  SessionPolicy* policy;
  trace::TraceSink& trace;
  tcp::acceptor acceptor;
  std::atomic<std::size_t> active{0};
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::set<std::shared_ptr<tcp::socket>> sockets;  // open sessions, for stop()

  awaitable<void> accept_loop();
  awaitable<void> session(std::shared_ptr<tcp::socket> socket);
};

namespace {

class Session {
 public:
  Session(SmtpServer::Impl& server, tcp::socket& socket)
      : server_(server), socket_(socket), lines_(server.options.max_line_length), proto_(server.options, info_) {
    boost::system::error_code ec;
    auto remote = socket_.remote_endpoint(ec);
    auto local = socket_.local_endpoint(ec);
    info_.session_id = format_envelope_id(make_envelope_id(random_u32(), random_u32()));
    info_.peer_address = remote.address().to_string();
    info_.peer_port = remote.port();
    info_.local_address = local.address().to_string();
    info_.local_port = local.port();
  }

  awaitable<void> run();

 private:
  awaitable<bool> apply(const Action& action, Step& step);
  awaitable<Action> ask_policy(Stage stage, const std::string& argument);
  awaitable<bool> read_more();
  awaitable<void> flush();
  awaitable<Step> end_of_data();
  awaitable<Step> command(std::string_view line);
  void queue_reply(const smtp::Reply& r);
  void emit(trace::EventKind kind, std::string payload);

  SmtpServer::Impl& server_;
  tcp::socket& socket_;
  SessionInfo info_;
  smtp::LineBuffer lines_;
  ServerProtocol proto_;
  std::string out_;
  bool closing_ = false;
};

void Session::emit(trace::EventKind kind, std::string payload) {
  if (!server_.trace.enabled(trace::Direction::Server)) return;
  server_.trace.publish({trace::Direction::Server, kind, info_.session_id,
                         info_.peer_address + ":" + std::to_string(info_.peer_port),
                         info_.local_address + ":" + std::to_string(info_.local_port), std::move(payload)});
}

void Session::queue_reply(const smtp::Reply& r) {
  auto wire = r.encode();
  emit(trace::EventKind::Write, wire);
  out_ += wire;
}

// Writes the queued replies within the idle deadline: a peer that stops reading must not hold
// its session (and a max_connections slot) forever. Throws on error or timeout.
awaitable<void> Session::flush() {
  if (out_.empty()) co_return;
  std::string buf = std::move(out_);
  out_.clear();
  asio::steady_timer timer(socket_.get_executor());
  timer.expires_after(server_.options.idle_timeout);
  auto result = co_await (asio::async_write(socket_, asio::buffer(buf), asio::as_tuple(use_awaitable)) ||
                          timer.async_wait(asio::as_tuple(use_awaitable)));
  if (result.index() == 1) throw boost::system::system_error(asio::error::timed_out);
  if (auto [ec, n] = std::get<0>(result); ec) throw boost::system::system_error(ec);
}

// Reads more bytes within the idle deadline. False on EOF, error, timeout or shutdown.
awaitable<bool> Session::read_more() {
  if (server_.stopping) {
    // stop() cancels the reads pending when it runs; a read started later must not wait for
    // the idle timeout (or the peer) before the session learns of the shutdown.
    queue_reply(smtp::make_reply(421, "4.3.2", server_.options.hostname + " Service shutting down"));
    co_return false;
  }
  char buf[16384];
  asio::steady_timer timer(socket_.get_executor());
  timer.expires_after(server_.options.idle_timeout);
  auto result = co_await (socket_.async_read_some(asio::buffer(buf), asio::as_tuple(use_awaitable)) ||
                          timer.async_wait(asio::as_tuple(use_awaitable)));
  if (result.index() == 1) {
    queue_reply(smtp::make_reply(421, "4.4.2", server_.options.hostname + " Error: timeout exceeded"));
    co_return false;
  }
  auto [ec, n] = std::get<0>(result);
  if (ec) {
    if (server_.stopping) queue_reply(smtp::make_reply(421, "4.3.2", server_.options.hostname + " Service shutting down"));
    co_return false;
  }
  std::string_view chunk(buf, n);
  emit(trace::EventKind::Read, std::string(chunk));
  lines_.append(chunk);
  co_return true;
}

awaitable<Action> Session::ask_policy(Stage stage, const std::string& argument) {
  if (!server_.policy) co_return Action{};
  StageContext ctx{stage, &info_, &proto_.transaction(), argument};
  Action action = server_.policy->decide(ctx);
  if (action.delay.count() > 0) {
    co_await flush();
    asio::steady_timer timer(socket_.get_executor(), action.delay);
    co_await timer.async_wait(use_awaitable);
  }
  co_return action;
}

// Applies a policy override to the default step; false means "stop the session now".
awaitable<bool> Session::apply(const Action& action, Step& step) {
  switch (action.kind) {
    case Action::Kind::Proceed: break;
    case Action::Kind::Reply: step.reply = action.reply; break;
    case Action::Kind::Disconnect: co_await flush(); co_return false;
    case Action::Kind::ReplyThenDisconnect:
      step.reply = action.reply;
      step.next = Next::Close;
      break;
    case Action::Kind::NoAnswer: {
      co_await flush();
      // Hold the connection silently until the client gives up or we shut down.
      for (;;) {
        bool more = co_await read_more();
        if (!more) break;
        lines_ = smtp::LineBuffer(server_.options.max_line_length);
      }
      out_.clear();
      co_return false;
    }
  }
  co_return true;
}

awaitable<Step> Session::command(std::string_view line) {
  auto parsed = smtp::parse_command(line);
  if (!parsed) co_return proto_.on_bad_line(parsed.error());
  const smtp::Command& cmd = *parsed;
  Stage stage = ServerProtocol::stage_of(cmd);
  if (server_.stopping && cmd.verb != smtp::Verb::Quit) {
    co_return Step{smtp::make_reply(421, "4.3.2", server_.options.hostname + " Service shutting down"), Next::Close};
  }
  std::string argument = cmd.address.empty() ? cmd.argument : cmd.address;
  Action action = co_await ask_policy(stage, argument);
  bool refused = action.kind == Action::Kind::Reply && !action.reply.positive();
  Step step;
  if (refused) {
    step.reply = action.reply;  // the command is rejected: no state change
  } else {
    step = proto_.on_command(cmd);
  }
  bool go_on = co_await apply(action, step);
  if (!go_on) step.next = Next::Close, step.reply = {};
  co_return step;
}

awaitable<Step> Session::end_of_data() {
  if (auto problem = proto_.data_problem()) {
    proto_.reset_transaction();
    co_return Step{*problem};
  }
  const std::string none;
  Action action = co_await ask_policy(Stage::EndOfData, none);
  if (action.kind != Action::Kind::Proceed && !(action.kind == Action::Kind::Reply && action.reply.positive())) {
    proto_.reset_transaction();
    Step step{smtp::make_reply(250, "", "")};
    bool go_on = co_await apply(action, step);
  if (!go_on) step.next = Next::Close, step.reply = {};
    co_return step;
  }
  Transaction tx = proto_.take_transaction();
  auto executor = socket_.get_executor();
  smtp::Reply reply = co_await asio::async_initiate<decltype(use_awaitable), void(smtp::Reply)>(
      [&](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        server_.handler.on_message(info_, std::move(tx), [shared, executor](smtp::Reply r) mutable {
          asio::post(executor, [shared, r = std::move(r)]() mutable { (*shared)(std::move(r)); });
        });
      },
      use_awaitable);
  if (action.kind == Action::Kind::Reply && reply.positive()) reply = action.reply;
  co_return Step{std::move(reply)};
}

awaitable<void> Session::run() {
  emit(trace::EventKind::Connected, {});
  Action action = co_await ask_policy(Stage::Connect, info_.peer_address);
  Step step{proto_.greeting()};
  if (server_.active > server_.options.max_connections) {
    step = {smtp::make_reply(421, "4.7.0", server_.options.hostname + " Error: too many connections"), Next::Close};
  }
  bool go_on = co_await apply(action, step);
  if (!go_on) co_return;
  queue_reply(step.reply);
  bool open = step.next != Next::Close;
  while (open) {
    std::string line;
    smtp::LineStatus status = lines_.next(line);
    if (status == smtp::LineStatus::NeedMore) {
      co_await flush();
      bool more = co_await read_more();
      if (!more) break;
      continue;
    }
    if (proto_.state() == SessionState::Data) {
      if (status == smtp::LineStatus::TooLong) {
        proto_.note_long_data_line();
        continue;
      }
      if (!proto_.on_data_line(line, status)) continue;
      step = co_await end_of_data();
    } else if (status == smtp::LineStatus::TooLong) {
      step = proto_.on_bad_line(smtp::make_reply(500, "5.5.2", "Error: line too long"));
    } else {
      step = co_await command(line);
    }
    if (step.reply.code) queue_reply(step.reply);
    open = step.next != Next::Close;
  }
  // The last replies (221, or 421 on timeout or shutdown) go out with a deadline too: a blocking
  // write here would stall the io thread, and every session on it, behind one slow peer.
  try {
    co_await flush();
  } catch (const std::exception&) {
  }
  emit(trace::EventKind::Closed, {});
}

}  // namespace

awaitable<void> SmtpServer::Impl::session(std::shared_ptr<tcp::socket> socket) {
  // Detached sessions can outlive the SmtpServer (and a restarted io_context can resume them):
  // each keeps its Impl alive, as accept_loop does.
  auto self = shared_from_this();
  {
    std::lock_guard lock(mu);
    sockets.insert(socket);
  }
  ++active;
  try {
    Session s(*this, *socket);
    co_await s.run();
  } catch (const std::exception&) {
    // I/O errors end the session; nothing was acknowledged that is not already handled.
  }
  boost::system::error_code ec;
  socket->shutdown(tcp::socket::shutdown_both, ec);
  socket->close(ec);
  --active;
  std::lock_guard lock(mu);
  sockets.erase(socket);
}

awaitable<void> SmtpServer::Impl::accept_loop() {
  auto self = shared_from_this();
  while (!stopping) {
    auto [ec, sock] = co_await acceptor.async_accept(asio::as_tuple(use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping) break;
      continue;  // e.g. EMFILE: keep listening
    }
    ++accepted;
    sock.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(io, session(std::make_shared<tcp::socket>(std::move(sock))), asio::detached);
  }
}

SmtpServer::SmtpServer(asio::io_context& io, ServerOptions options, MessageHandler& handler, SessionPolicy* policy,
                       trace::TraceSink* trace)
    : impl_(std::make_shared<Impl>(io, std::move(options), handler, policy, trace)) {}

SmtpServer::~SmtpServer() { stop(); }

Status SmtpServer::listen(const std::string& address, std::uint16_t port) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(address, ec);
  if (ec) return Status::failure("bad listen address '" + address + "': " + ec.message());
  tcp::endpoint ep(addr, port);
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    impl_->acceptor.close();
    return Status::failure("cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message());
  }
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  return Status::success();
}

std::uint16_t SmtpServer::port() const {
  boost::system::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

std::size_t SmtpServer::active_sessions() const { return impl_->active; }
std::uint64_t SmtpServer::accepted_sessions() const { return impl_->accepted; }

void SmtpServer::stop() {
  if (impl_->stopping.exchange(true)) return;
  auto impl = impl_;
  // Close on the io thread: sockets are not thread-safe.
  asio::post(impl->io, [impl] {
    boost::system::error_code ec;
    impl->acceptor.close(ec);
    std::lock_guard lock(impl->mu);
    for (auto& s : impl->sockets) s->cancel(ec);
  });
}

}  // namespace mxlab::server
