// One phase of an inbound SMTP session over a stream: the plain tcp::socket, or an
// ssl::stream<tcp::socket&> after STARTTLS or on an implicit-TLS listener. Both share this one
// template; STARTTLS ends the plain phase and a fresh Session (new ServerProtocol, new line
// buffer) runs over TLS, so RFC 3207 4.2's reset and the discard of commands pipelined after
// STARTTLS (the command injection defence) follow from construction. Private to mta/server.
// Coroutine arguments are named locals, never temporaries (GCC 12 co_await temporaries bug).
#pragma once
#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <string>

#include "mta/common/session_table.hpp"
#include "mta/protocol/line_buffer.hpp"
#include "mta/server/server_impl.hpp"
#include "mta/server/server_protocol.hpp"
#include "mta/server/server_trace.hpp"

namespace mxlab::server::detail {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

// The idle and session deadlines of a connection's reads and writes, kept by one timer for the
// whole connection rather than one per operation: a read or write only records when it must
// end (watch) and clears that when it completes (unwatch). The timer wakes at the recorded
// time, re-arms when the pending operation's deadline has moved later since it was set, and
// otherwise cancels the socket, so the pending operation ends with operation_aborted and
// timed_out() says why. Arming happens about once per idle timeout, not once per operation.
class Watchdog : public std::enable_shared_from_this<Watchdog> {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  explicit Watchdog(tcp::socket& socket) : socket_(socket), timer_(socket.get_executor()) {}

  void watch(time_point until) {
    due_ = until;
    fired_ = false;
    if (!armed_ || until < armed_at_) arm(until);
  }
  void unwatch() { due_ = time_point::max(); }
  // The last watched operation was cancelled by this watchdog (not by stop() or an error).
  bool timed_out() const { return fired_; }
  // The connection is ending: nothing is cancelled from now on.
  void stop() {
    stopped_ = true;
    timer_.cancel();
  }

 private:
  void arm(time_point at) {
    armed_ = true;
    armed_at_ = at;
    timer_.expires_at(at);
    timer_.async_wait([self = shared_from_this(), generation = ++generation_](boost::system::error_code ec) {
      if (!ec && generation == self->generation_) self->expired();
    });
  }
  void expired() {
    armed_ = false;
    if (stopped_ || due_ == time_point::max()) return;  // nothing pending: the next watch arms
    if (std::chrono::steady_clock::now() < due_) return arm(due_);
    fired_ = true;
    boost::system::error_code ignored;
    socket_.cancel(ignored);
    // A composed operation (a TLS read or write) may have been between two socket operations and
    // start another: cancel again shortly, until the watched operation ends (unwatch).
    arm(std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
  }

  tcp::socket& socket_;
  asio::steady_timer timer_;
  time_point due_ = time_point::max();
  time_point armed_at_{};
  std::uint64_t generation_ = 0;
  bool armed_ = false, fired_ = false, stopped_ = false;
};

// One TCP connection across its plaintext and TLS phases.
struct Connection {
  Connection(SmtpServer::Impl& server, tcp::socket& socket, SessionInfo info)
      : server(server), socket(socket), info(std::move(info)) {}
  ~Connection() { watchdog->stop(); }
  SmtpServer::Impl& server;
  tcp::socket& socket;
  SessionInfo info;
  bool reset = false;  // close with a TCP RST (Action::Kind::Reset)
  std::size_t same_ip = 0;  // open sessions from this peer address, this one included
  // ServerOptions::session_timeout from the accept; every read and write ends by then.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::shared_ptr<Watchdog> watchdog = std::make_shared<Watchdog>(socket);
  std::array<char, 16384> read_buffer;  // each read lands here (left uninitialised), then in the LineBuffer

  // The next wait's expiry: the idle timeout, or the session deadline when that comes first.
  std::chrono::steady_clock::time_point wait_until(std::chrono::milliseconds idle) const {
    return std::min(std::chrono::steady_clock::now() + idle, deadline);
  }
  bool past_deadline() const { return std::chrono::steady_clock::now() >= deadline; }
  // conn_meta cache, built by the first traced event and rebuilt when EHLO or TLS changed it.
  std::shared_ptr<const trace::ConnMeta> meta;
  std::string meta_helo;
  bool meta_tls = false;
  SessionHandle row;   // the live session table's row (a no-op without a table)
  SessionState shown = SessionState::WaitHelo;
  std::size_t shown_rcpts = 0;

  // Mirrors the protocol state (and the transaction's sender and recipient count) into the row.
  void track(SessionState state, const Transaction& tx) {
    if (!row || state == SessionState::Closed || (state == shown && tx.rcpt_to.size() == shown_rcpts)) return;
    shown = state;
    shown_rcpts = tx.rcpt_to.size();
    row.set_state(state == SessionState::Bdat ? "DATA" : to_string(state));
    bool in_tx = state != SessionState::WaitHelo && state != SessionState::WaitMail;
    row.set_transaction(in_tx ? tx.mail_from : std::string(), in_tx ? tx.rcpt_to.size() : 0);
  }
  // End of data answered: counts the message accepted (2xx) or refused.
  void message_answered(const smtp::Reply& reply) {
    if (!row) return;
    row.count(reply.positive() ? SessionCounter::MessagesAccepted : SessionCounter::MessagesRefused);
    row.note((reply.positive() ? "message accepted: " : "message refused: ") + reply.summary());
    if (reply.positive()) row.message_done();
  }

  bool tracing() const { return server.trace.enabled(trace::Direction::Server); }
  // Whether an event of `kind` would be taken: check before building its structured detail.
  bool traced(trace::EventKind kind) const { return tracing() && server.trace.wants(kind); }

  // The conn_meta snapshot, rebuilt when EHLO or TLS changed it.
  const std::shared_ptr<const trace::ConnMeta>& current_meta() {
    if (!meta || meta_helo != info.helo || meta_tls != info.tls) {
      meta = server_conn_meta(info, server.options.hostname);
      meta_helo = info.helo;
      meta_tls = info.tls;
    }
    return meta;
  }

  void emit(trace::EventKind kind, std::string payload, boost::json::object detail = {}) {
    if (!traced(kind)) return;
    if (peer_label.empty()) {  // formatted once per connection, not per event
      peer_label = info.peer_address + ":" + std::to_string(info.peer_port);
      local_label = info.local_address + ":" + std::to_string(info.local_port);
    }
    trace::TraceEvent e{trace::Direction::Server, kind, info.session_id, peer_label, local_label,
                        std::move(payload)};
    e.detail = std::move(detail);
    if (server.trace.wants_meta()) e.meta = current_meta();
    server.trace.publish(std::move(e));
  }
  // Read / Write bytes: built only while traced and some subscriber has room, else only counted.
  void emit_bytes(trace::EventKind kind, std::string_view bytes) {
    if (!traced(kind)) return;
    if (server.trace.wants_meta() && server.trace.absorb_if_saturated(trace::Direction::Server, current_meta().get()))
      return;
    emit(kind, std::string(bytes));
  }
  std::string peer_label, local_label;  // "address:port", for trace events
};

enum class PhaseEnd { Closed, StartTls };

// Waits bytes/rate seconds: the bandwidth throttle's pacing.
inline awaitable<void> pace(std::size_t bytes, std::size_t rate) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor, std::chrono::microseconds(bytes * 1'000'000ull / rate));
  co_await timer.async_wait(use_awaitable);
}

template <class Stream>
class Session {
 public:
  Session(Connection& conn, Stream& stream)
      : conn_(conn), server_(conn.server), stream_(stream), lines_(server_.options.max_line_length),
        proto_(server_.options, conn.info) {}

  // greet: send the banner first (a new connection, or implicit TLS after its handshake).
  awaitable<PhaseEnd> run(bool greet);

 private:
  const ServerOptions& options() const { return server_.options; }
  // RFC 4954 4: with AUTH offered, an AUTH command or response line may be 12288 octets; every
  // other line keeps max_line_length (run() refuses a longer command itself).
  std::size_t line_limit() const {
    if (options().auth_mechanisms.empty() || proto_.state() == SessionState::Data) return options().max_line_length;
    return std::max<std::size_t>(options().max_line_length, 12288);
  }
  static bool is_auth_command(std::string_view line) {
    return line.size() >= 5 && (line[0] | 0x20) == 'a' && (line[1] | 0x20) == 'u' && (line[2] | 0x20) == 't' &&
           (line[3] | 0x20) == 'h' && line[4] == ' ';
  }
  smtp::Reply shutting_down() const {
    return smtp::make_reply(421, "4.3.2", options().hostname + " Service shutting down");
  }
  awaitable<bool> apply(const Action& action, Step& step);
  Action decide(Stage stage, const std::string& argument);
  awaitable<void> hold(std::chrono::milliseconds delay);
  Action mid_data_decision();
  awaitable<bool> act_mid_data(Action action);
  awaitable<bool> read_more();
  awaitable<void> write(const char* data, std::size_t size);
  awaitable<void> flush();
  awaitable<Step> end_of_data();
  awaitable<Step> read_chunk();
  awaitable<Step> command(std::string_view line);
  void queue_reply(const smtp::Reply& r) {
    auto wire = r.encode();  // every line of a multiline reply, "250-a\r\n250 b\r\n"
    conn_.emit_bytes(trace::EventKind::Write, wire);
    out_ += wire;
  }

  Connection& conn_;
  SmtpServer::Impl& server_;
  Stream& stream_;
  smtp::LineBuffer lines_;
  ServerProtocol proto_;
  std::string out_;
};

// One write within the idle and session deadlines: a peer that stops reading must not hold its
// session (and a max_connections slot) forever. Throws on error or timeout.
template <class Stream>
awaitable<void> Session<Stream>::write(const char* data, std::size_t size) {
  auto buffer = asio::buffer(data, size);
  conn_.watchdog->watch(conn_.wait_until(options().idle_timeout));
  auto [ec, n] = co_await asio::async_write(stream_, buffer, asio::as_tuple(use_awaitable));
  conn_.watchdog->unwatch();
  if (ec == asio::error::operation_aborted && conn_.watchdog->timed_out())
    throw boost::system::system_error(asio::error::timed_out);
  if (ec) throw boost::system::system_error(ec);
}

// Writes the queued replies, paced when write_bytes_per_second is set.
template <class Stream>
awaitable<void> Session<Stream>::flush() {
  if (out_.empty()) co_return;
  std::string buf = std::move(out_);
  out_.clear();
  std::size_t rate = options().write_bytes_per_second;
  std::size_t piece = rate ? std::clamp<std::size_t>(rate / 10, 1, buf.size()) : buf.size();
  for (std::size_t off = 0; off < buf.size(); off += piece) {
    std::size_t n = std::min(piece, buf.size() - off);
    co_await write(buf.data() + off, n);
    if (rate) co_await pace(n, rate);
  }
}

// Reads more bytes within the idle and session deadlines (paced when read_bytes_per_second is
// set). False on EOF, error, timeout or shutdown.
template <class Stream>
awaitable<bool> Session<Stream>::read_more() {
  if (server_.stopping) {
    // stop() cancels the reads pending when it runs; a read started later must not wait for
    // the idle timeout (or the peer) before the session learns of the shutdown.
    queue_reply(shutting_down());
    co_return false;
  }
  std::size_t rate = options().read_bytes_per_second;
  char* buf = conn_.read_buffer.data();
  std::size_t cap = rate ? std::clamp<std::size_t>(rate / 10, 1, conn_.read_buffer.size()) : conn_.read_buffer.size();
  auto buffer = asio::buffer(buf, cap);
  conn_.watchdog->watch(conn_.wait_until(options().idle_timeout));
  auto [ec, n] = co_await stream_.async_read_some(buffer, asio::as_tuple(use_awaitable));
  conn_.watchdog->unwatch();
  if (ec == asio::error::operation_aborted && conn_.watchdog->timed_out()) {
    const char* why = conn_.past_deadline() ? " Error: session time limit exceeded" : " Error: timeout exceeded";
    queue_reply(smtp::make_reply(421, "4.4.2", options().hostname + why));
    co_return false;
  }
  if (ec) {
    if (server_.stopping) queue_reply(shutting_down());
    co_return false;
  }
  std::string_view chunk(buf, n);
  conn_.emit_bytes(trace::EventKind::Read, chunk);
  lines_.append(chunk);
  if (rate) co_await pace(n, rate);
  co_return true;
}

// The policy's decision at a stage (Proceed without a policy), traced as a Callback. The caller
// waits out its delay with hold() before acting on it.
template <class Stream>
Action Session<Stream>::decide(Stage stage, const std::string& argument) {
  if (!server_.policy) return {};
  StageContext ctx{stage, &conn_.info, &proto_.transaction(), argument};
  Action action = server_.policy->decide(ctx);
  if (conn_.traced(trace::EventKind::Callback)) conn_.emit(trace::EventKind::Callback, {}, callback_detail(stage, action));
  return action;
}

template <class Stream>
awaitable<void> Session<Stream>::hold(std::chrono::milliseconds delay) {
  co_await flush();
  asio::steady_timer timer(stream_.get_executor(), delay);
  co_await timer.async_wait(use_awaitable);
}

// Applies a policy override to the default step; false means "stop the session now".
template <class Stream>
awaitable<bool> Session<Stream>::apply(const Action& action, Step& step) {
  switch (action.kind) {
    case Action::Kind::Proceed: break;
    case Action::Kind::Reply: step.reply = action.reply; break;
    case Action::Kind::Disconnect: co_await flush(); co_return false;
    case Action::Kind::Reset:
      out_.clear();  // an abort: nothing more goes out, and SO_LINGER 0 drops what is queued
      conn_.reset = true;
      co_return false;
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
        lines_ = smtp::LineBuffer(options().max_line_length);
      }
      out_.clear();
      co_return false;
    }
  }
  co_return true;
}

// Asks SessionPolicy::decide_data about the transfer so far (Proceed without a policy or once
// the message was answered early). Asked after every DATA line and BDAT piece, so it stays
// synchronous; act_mid_data carries out anything else.
template <class Stream>
Action Session<Stream>::mid_data_decision() {
  if (!server_.policy || proto_.abandoned()) return {};
  StageContext ctx{Stage::Data, &conn_.info, &proto_.transaction(), {}};
  return server_.policy->decide_data(ctx, proto_.received_bytes());
}

// Carries out a mid-DATA decision other than Proceed (whose delay is not applied mid-DATA);
// false when the session must end.
template <class Stream>
awaitable<bool> Session<Stream>::act_mid_data(Action action) {
  if (action.delay.count() > 0) {
    asio::steady_timer timer(stream_.get_executor(), action.delay);
    co_await timer.async_wait(use_awaitable);
  }
  if (action.kind == Action::Kind::Reply) {  // the early reply: sent now, the rest is dropped
    proto_.abandon_message();
    queue_reply(action.reply);
    co_await flush();
    co_return true;
  }
  Step step;
  bool go_on = co_await apply(action, step);
  if (go_on && step.reply.code) queue_reply(step.reply);
  co_return false;
}

template <class Stream>
awaitable<Step> Session<Stream>::command(std::string_view line) {
  auto parsed = smtp::parse_command(line);
  if (!parsed) co_return proto_.on_bad_line(parsed.error());
  const smtp::Command& cmd = *parsed;
  Stage stage = ServerProtocol::stage_of(cmd);
  if (server_.stopping && cmd.verb != smtp::Verb::Quit) co_return Step{shutting_down(), Next::Close};
  std::string argument = cmd.address.empty() ? cmd.argument : cmd.address;
  Action action = decide(stage, argument);
  if (action.delay.count() > 0) co_await hold(action.delay);
  bool refused = action.kind == Action::Kind::Reply && !action.reply.positive();
  Step step;
  if (refused && cmd.verb == smtp::Verb::Bdat && options().chunking) {
    step = proto_.refuse_chunk(cmd.chunk_size, action.reply);  // the chunk is still read
  } else if (refused) {
    step.reply = action.reply;  // the command is rejected: no state change
  } else if (action.kind == Action::Kind::Reply && stage == Stage::Auth) {
    step = proto_.auth_answered(action.reply);  // answered without an exchange
  } else {
    step = proto_.on_command(cmd);
  }
  if (action.kind != Action::Kind::Proceed) {
    bool go_on = co_await apply(action, step);
    if (!go_on) step.next = Next::Close, step.reply = {};
  }
  if (action.kind == Action::Kind::Reply && step.next == Next::ReadChunk) step.reply = {};
  bool transaction_stage = stage == Stage::Mail || stage == Stage::Rcpt || stage == Stage::Data;
  if (transaction_stage && step.reply.code >= 400)
    server_.handler.on_rejected(conn_.info, proto_.transaction(), stage, argument, step.reply);
  co_return step;
}

template <class Stream>
awaitable<Step> Session<Stream>::end_of_data() {
  if (auto problem = proto_.data_problem()) {
    Transaction refused = proto_.take_transaction(false);
    server_.handler.on_rejected(conn_.info, refused, Stage::EndOfData, ".", *problem);
    conn_.message_answered(*problem);
    co_return Step{*problem};
  }
  const std::string none;
  Action action = decide(Stage::EndOfData, none);
  if (action.delay.count() > 0) co_await hold(action.delay);
  if (action.kind != Action::Kind::Proceed && !(action.kind == Action::Kind::Reply && action.reply.positive())) {
    Transaction refused = proto_.take_transaction(false);
    Step step{smtp::make_reply(250, "", "")};
    bool go_on = co_await apply(action, step);
    if (!go_on) step.next = Next::Close, step.reply = {};
    if (step.reply.code >= 400) server_.handler.on_rejected(conn_.info, refused, Stage::EndOfData, ".", step.reply);
    conn_.message_answered(step.reply.code ? step.reply : smtp::make_reply(421, "4.3.0", "connection closed by policy"));
    co_return step;
  }
  Transaction tx = proto_.take_transaction();
  std::string traced_sender;  // for MessageDisposition, copied only while traced
  std::vector<std::string> traced_rcpts;
  bool traced = conn_.traced(trace::EventKind::MessageDisposition);
  if (traced) traced_sender = tx.mail_from, traced_rcpts = tx.rcpt_to;
  auto executor = stream_.get_executor();
  smtp::Reply reply = co_await asio::async_initiate<decltype(use_awaitable), void(smtp::Reply)>(
      [&](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        server_.handler.on_message(conn_.info, std::move(tx), [shared, executor](smtp::Reply r) mutable {
          asio::post(executor, [shared, r = std::move(r)]() mutable { (*shared)(std::move(r)); });
        });
      },
      use_awaitable);
  if (action.kind == Action::Kind::Reply && reply.positive()) reply = action.reply;
  if (traced) {
    conn_.emit(trace::EventKind::MessageDisposition, {}, disposition_detail(traced_sender, traced_rcpts, reply));
  }
  conn_.message_answered(reply);
  co_return Step{std::move(reply)};
}

// BDAT (RFC 3030 2): exactly chunk_remaining() raw bytes follow the command line; some may
// already be buffered behind it.
template <class Stream>
awaitable<Step> Session<Stream>::read_chunk() {
  while (proto_.chunk_remaining() > 0) {
    if (lines_.buffered() == 0) {
      co_await flush();
      bool more = co_await read_more();
      if (!more) co_return Step{{}, Next::Close};
      continue;
    }
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(proto_.chunk_remaining(), lines_.buffered()));
    std::string bytes = lines_.take_raw(want);
    proto_.on_chunk_data(bytes);
    Action action = mid_data_decision();
    if (action.kind == Action::Kind::Proceed) continue;
    bool go_on = co_await act_mid_data(action);
    if (!go_on) co_return Step{{}, Next::Close};
  }
  Step step = proto_.end_of_chunk();
  if (step.next == Next::EndOfData) step = co_await end_of_data();
  co_return step;
}

template <class Stream>
awaitable<PhaseEnd> Session<Stream>::run(bool greet) {
  Step step;
  if (greet) {
    conn_.emit(trace::EventKind::Connected, {});
    Action action = decide(Stage::Connect, conn_.info.peer_address);
    if (action.delay.count() > 0) co_await hold(action.delay);
    step = Step{proto_.greeting()};
    if (server_.active > options().max_connections) {
      step = {smtp::make_reply(421, "4.7.0", options().hostname + " Error: too many connections"), Next::Close};
    } else if (options().max_connections_per_ip > 0 && conn_.same_ip > options().max_connections_per_ip) {
      step = {smtp::make_reply(421, "4.7.0", options().hostname + " Error: too many connections from " +
                                                 conn_.info.peer_address),
              Next::Close};
    }
    bool go_on = true;
    if (action.kind != Action::Kind::Proceed) go_on = co_await apply(action, step);
    bool greeted = go_on && step.next != Next::Close && step.reply.positive();
    // A refusal by the policy at connect is a denied peer (seed 004's DENIED-IP); a refusal of
    // the engine's own (too many connections) a failed connection.
    conn_.row.count(greeted ? SessionCounter::ConnectionsOk
                            : action.kind != Action::Kind::Proceed ? SessionCounter::DeniedPeers
                                                                   : SessionCounter::ConnectionsFailed);
    if (!go_on) co_return PhaseEnd::Closed;
    queue_reply(step.reply);
  }
  bool open = step.next != Next::Close;
  std::string line;  // reused: one allocation per session, not one per line
  while (open) {
    lines_.set_max_line(line_limit());
    smtp::LineStatus status = lines_.next(line);
    if (status == smtp::LineStatus::NeedMore) {
      co_await flush();
      bool more = co_await read_more();
      if (!more) break;
      continue;
    }
    if (proto_.state() == SessionState::Data) {
      // Message content: framed and stored line by line without suspending, unless the policy
      // acts mid-DATA.
      if (status == smtp::LineStatus::TooLong) {
        proto_.note_long_data_line();
        continue;
      }
      if (!proto_.on_data_line(line, status)) {
        Action action = mid_data_decision();
        if (action.kind == Action::Kind::Proceed) continue;
        bool go_on = co_await act_mid_data(action);
        if (go_on) continue;
        step = Step{{}, Next::Close};
      } else if (proto_.abandoned()) {  // the early reply already answered this message
        proto_.reset_transaction();
        step = Step{};
      } else {
        step = co_await end_of_data();
      }
    } else if (proto_.auth_pending() && status == smtp::LineStatus::Line) {
      step = proto_.on_auth_response(line);
    } else if (status == smtp::LineStatus::TooLong ||
               (line.size() + 2 > options().max_line_length && !is_auth_command(line))) {
      step = proto_.on_bad_line(smtp::make_reply(500, "5.5.2", "Error: line too long"));
    } else if (status == smtp::LineStatus::BareLf) {  // RFC 5321 2.3.8; the 2023 smuggling fixes
      step = proto_.on_bad_line(smtp::make_reply(500, "5.5.2", "Error: bare <LF> received"));
    } else {
      step = co_await command(line);
      if (step.next == Next::ReadChunk) step = co_await read_chunk();
    }
    if (step.reply.code) queue_reply(step.reply);
    conn_.track(proto_.state(), proto_.transaction());
    if (step.next == Next::StartTls) {
      co_await flush();
      // PlaintextAfterStarttls (a fakemx fault): the 220 was sent, but the session never handshakes.
      if (options().tls_fault != TlsFault::PlaintextAfterStarttls) co_return PhaseEnd::StartTls;
    }
    open = step.next != Next::Close;
  }
  // The last replies (221, or 421 on timeout or shutdown) go out with a deadline too: a blocking
  // write here would stall the io thread, and every session on it, behind one slow peer.
  try {
    co_await flush();
  } catch (const std::exception&) {
  }
  co_return PhaseEnd::Closed;
}

}  // namespace mxlab::server::detail
