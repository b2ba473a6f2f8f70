// The load generator (see blast.hpp). One io_context thread; each of `connections` slots runs a
// coroutine that connects, greets, upgrades with STARTTLS when offered, and sends messages until
// its per-connection share or the total is used up, then reconnects. A message taken from the
// shared counter is counted exactly once: accepted, deferred, rejected or error (a connection
// that cannot be opened or greeted uses up one message, so a dead server ends the run quickly).
// Coroutine arguments are named locals, never temporaries (GCC 12 co_await temporaries bug).
#include "sim/fake_mx/blast/blast.hpp"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <optional>
#include <vector>

#include "mta/protocol/command.hpp"
#include "mta/protocol/dot_stuffing.hpp"
#include "mta/protocol/line_buffer.hpp"
#include "mta/protocol/reply.hpp"

namespace mxlab::fakemx {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
using Steady = std::chrono::steady_clock;
using SslStream = asio::ssl::stream<tcp::socket&>;

namespace {

struct IoError {
  std::string what;
};
struct Closing {};  // the server answered 421: it is closing the channel (RFC 5321 3.8)

enum class Outcome { Accepted, Deferred, Rejected, Error };

Outcome outcome_of(const smtp::Reply& r) {
  if (r.positive()) return Outcome::Accepted;
  return r.transient() ? Outcome::Deferred : Outcome::Rejected;
}

// State shared by every slot; touched only on the io thread.
struct Run {
  Run(const BlastOptions& options, asio::io_context& context) : o(options), io(context) {}
  const BlastOptions& o;
  asio::io_context& io;
  asio::ssl::context tls{asio::ssl::context::tls_client};
  Steady::time_point t0 = Steady::now();
  std::size_t next = 0;  // next message number to hand out
  std::size_t done = 0;
  std::size_t live_slots = 0;
  Steady::time_point finished{};                // when the last slot ended
  asio::steady_timer* progress_timer = nullptr;  // report_progress's, woken when the last slot ends
  BlastResult r;
  std::vector<double> latencies_ms;
  std::FILE* ids = nullptr;

  std::optional<std::size_t> take() {
    if (next >= o.messages) return std::nullopt;
    return next++;
  }
  void count(Outcome out, const std::string& why) {
    ++done;
    switch (out) {
      case Outcome::Accepted: ++r.accepted; return;
      case Outcome::Deferred: ++r.deferred; break;
      case Outcome::Rejected: ++r.rejected; break;
      case Outcome::Error: ++r.errors; break;
    }
    if (r.first_error.empty()) r.first_error = why;
  }
  void acknowledged(const smtp::Reply& reply, Steady::time_point started) {
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - started).count());
    if (!ids) return;
    std::string text = reply.text();
    std::string id = text;
    if (auto at = text.find("queued as "); at != std::string::npos) {
      id = text.substr(at + 10);
      id = id.substr(0, id.find_first_of(" \n"));
    }
    std::fprintf(ids, "%s\n", id.c_str());
    std::fflush(ids);  // readable while the run goes on
  }
  BlastProgress progress() const {
    return {o.messages, done, r.accepted, std::chrono::duration<double>(Steady::now() - t0).count()};
  }
};

template <class Stream>
class Client {
 public:
  Client(Stream& stream, std::chrono::milliseconds timeout) : stream_(stream), timeout_(timeout) {}

  awaitable<smtp::Reply> reply() {
    for (;;) {
      std::string line;
      auto status = lines_.next(line);
      if (status == smtp::LineStatus::Line || status == smtp::LineStatus::BareLf) {
        auto state = parser_.feed(line);
        if (state == smtp::ReplyParser::State::Done) co_return parser_.take();
        if (state == smtp::ReplyParser::State::Failed) throw IoError{"malformed reply: " + parser_.error()};
        continue;
      }
      if (status == smtp::LineStatus::TooLong) throw IoError{"reply line too long"};
      asio::steady_timer timer(stream_.get_executor(), timeout_);
      auto buffer = asio::buffer(buf_);
      auto result = co_await (stream_.async_read_some(buffer, asio::as_tuple(use_awaitable)) ||
                              timer.async_wait(asio::as_tuple(use_awaitable)));
      if (result.index() == 1) throw IoError{"timeout waiting for a reply"};
      auto [ec, n] = std::get<0>(result);
      if (ec) throw IoError{"connection lost: " + ec.message()};
      lines_.append(std::string_view(buf_, n));
    }
  }

  awaitable<void> send(const std::string& bytes) {
    asio::steady_timer timer(stream_.get_executor(), timeout_);
    auto buffer = asio::buffer(bytes);
    auto result = co_await (asio::async_write(stream_, buffer, asio::as_tuple(use_awaitable)) ||
                            timer.async_wait(asio::as_tuple(use_awaitable)));
    if (result.index() == 1) throw IoError{"timeout sending"};
    if (auto [ec, n] = std::get<0>(result); ec) throw IoError{"connection lost: " + ec.message()};
  }

  // Sends `command` and reads its reply; a 421 ends the session.
  awaitable<smtp::Reply> command(const std::string& command) {
    co_await send(command);
    smtp::Reply r = co_await reply();
    co_return r;
  }

 private:
  Stream& stream_;
  std::chrono::milliseconds timeout_;
  smtp::LineBuffer lines_{64 * 1024};
  smtp::ReplyParser parser_;
  char buf_[16384];
};

struct Caps {
  bool pipelining = false, starttls = false;
};

Caps parse_caps(const smtp::Reply& ehlo) {
  Caps caps;
  for (std::size_t i = 1; i < ehlo.lines.size(); ++i) {
    std::string word = ehlo.lines[i].substr(0, ehlo.lines[i].find(' '));
    for (auto& ch : word) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (word == "PIPELINING") caps.pipelining = true;
    if (word == "STARTTLS") caps.starttls = true;
  }
  return caps;
}

// One connection: its slot's messages in flight are tracked so an I/O error counts them.
class Session {
 public:
  explicit Session(Run& run) : run_(run) {}

  // Counts the message in progress (if any) as an error.
  void fail(const std::string& why) {
    if (!current_) return;
    run_.count(Outcome::Error, why);
    current_.reset();
  }
  // A refusal before any message (banner, EHLO, STARTTLS): it uses up one message.
  void refuse_session(const smtp::Reply& r, const std::string& where) {
    if (!run_.take()) return;
    Outcome out = outcome_of(r);
    run_.count(out == Outcome::Accepted ? Outcome::Error : out, where + ": " + r.summary());
  }

  template <class Stream>
  awaitable<Caps> ehlo(Client<Stream>& client) {
    const std::string cmd = smtp::encode(smtp::make_ehlo(run_.o.ehlo));
    smtp::Reply r = co_await client.command(cmd);
    if (!r.positive()) {
      refuse_session(r, "EHLO");
      throw Closing{};
    }
    co_return parse_caps(r);
  }

  template <class Stream>
  awaitable<void> transactions(Client<Stream>& client, const Caps& caps) {
    const bool pipe = caps.pipelining && run_.o.pipelining;
    if (pipe) ++run_.r.pipelined_sessions;
    for (std::size_t sent = 0; run_.o.per_connection == 0 || sent < run_.o.per_connection; ++sent) {
      auto n = run_.take();
      if (!n) break;
      current_ = *n;
      co_await pace(*n);
      co_await transaction(client, pipe, *n);
      current_.reset();
    }
    const std::string quit = "QUIT\r\n";
    co_await client.send(quit);
    smtp::Reply ignored = co_await client.reply();
  }

 private:
  awaitable<void> pace(std::size_t n) {
    if (run_.o.rate <= 0) co_return;
    auto due = run_.t0 + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(n / run_.o.rate));
    if (due <= Steady::now()) co_return;
    asio::steady_timer timer(run_.io, due);
    co_await timer.async_wait(use_awaitable);
  }

  // Counts the message and ends the session after a 421.
  void finish(const smtp::Reply& r, const std::string& stage) {
    current_.reset();
    run_.count(outcome_of(r), stage + ": " + r.summary());
    if (r.code == 421) throw Closing{};
  }

  template <class Stream>
  awaitable<void> transaction(Client<Stream>& client, bool pipe, std::size_t n) {
    const BlastOptions& o = run_.o;
    const auto started = Steady::now();
    std::string mail = smtp::encode(smtp::make_mail(blast_address(o.mail_from, n, 0)));
    std::vector<std::string> rcpts;
    for (std::size_t i = 0; i < std::max<std::size_t>(o.recipients, 1); ++i)
      rcpts.push_back(smtp::encode(smtp::make_rcpt(blast_address(o.rcpt_to, n, i))));
    const std::string data_cmd = "DATA\r\n";
    ++run_.r.sent;
    if (pipe) {  // RFC 2920: MAIL, the RCPTs and DATA in one write, replies read in order
      std::string batch = mail;
      for (const auto& r : rcpts) batch += r;
      batch += data_cmd;
      co_await client.send(batch);
    } else {
      co_await client.send(mail);
    }
    smtp::Reply mail_reply = co_await client.reply();
    std::optional<smtp::Reply> refusal;
    if (!mail_reply.positive()) refusal = mail_reply;
    if (refusal && (!pipe || mail_reply.code == 421)) co_return co_await refuse(client, *refusal, "MAIL");
    std::size_t accepted = 0;
    std::optional<smtp::Reply> rcpt_refusal;
    for (const auto& r : rcpts) {
      if (!pipe) co_await client.send(r);
      smtp::Reply rr = co_await client.reply();
      if (rr.code == 421) co_return finish(rr, "RCPT");
      if (rr.positive()) ++accepted;
      else if (!rcpt_refusal) rcpt_refusal = rr;
    }
    if (!refusal && accepted == 0 && !pipe) co_return co_await refuse(client, *rcpt_refusal, "RCPT");
    if (!pipe) co_await client.send(data_cmd);
    smtp::Reply data_reply = co_await client.reply();
    if (data_reply.code == 354 && (refusal || accepted == 0)) {
      const std::string dot = ".\r\n";  // RFC 2920 3.1: DATA accepted with no recipient
      co_await client.send(dot);
      smtp::Reply ignored = co_await client.reply();
    }
    if (refusal) co_return co_await refuse(client, *refusal, "MAIL");
    if (accepted == 0) co_return co_await refuse(client, *rcpt_refusal, "RCPT");
    if (data_reply.code != 354) co_return co_await refuse(client, data_reply, "DATA");
    const std::string content = smtp::dot_stuff(blast_message(o, n));
    co_await client.send(content);
    smtp::Reply eod = co_await client.reply();
    if (eod.positive()) run_.acknowledged(eod, started);
    finish(eod, "end of data");
  }

  // A refused transaction: counted, then RSET so the next MAIL starts clean (the server may
  // still hold the accepted MAIL; RFC 5321 4.1.1.5). After a 421 the session ends instead.
  template <class Stream>
  awaitable<void> refuse(Client<Stream>& client, const smtp::Reply& reply, const char* stage) {
    finish(reply, stage);
    const std::string rset = "RSET\r\n";
    smtp::Reply ignored = co_await client.command(rset);
  }

  Run& run_;
  std::optional<std::size_t> current_;
};

awaitable<bool> tls_handshake(SslStream& stream, std::chrono::milliseconds timeout, std::string& error) {
  asio::steady_timer timer(stream.get_executor(), timeout);
  auto result = co_await (stream.async_handshake(asio::ssl::stream_base::client, asio::as_tuple(use_awaitable)) ||
                          timer.async_wait(asio::as_tuple(use_awaitable)));
  if (result.index() == 1) {
    error = "TLS handshake timed out";
    co_return false;
  }
  if (auto [ec] = std::get<0>(result); ec) {
    error = "TLS handshake failed: " + ec.message();
    co_return false;
  }
  co_return true;
}

awaitable<bool> connect(Run& run, tcp::socket& socket, std::string& error) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(run.o.address, ec);
  tcp::endpoint target(address, run.o.port);
  asio::steady_timer timer(run.io, run.o.timeout);
  auto result = co_await (socket.async_connect(target, asio::as_tuple(use_awaitable)) ||
                          timer.async_wait(asio::as_tuple(use_awaitable)));
  if (result.index() == 1) {
    error = "connect timed out";
    co_return false;
  }
  if (auto [cec] = std::get<0>(result); cec) {
    error = "connect: " + cec.message();
    co_return false;
  }
  socket.set_option(tcp::no_delay(true), ec);
  co_return true;
}

awaitable<void> one_connection(Run& run) {
  tcp::socket socket(run.io);
  std::string error;
  bool connected = co_await connect(run, socket, error);
  ++run.r.connections;
  if (!connected) {
    if (run.take()) run.count(Outcome::Error, error);
    co_return;
  }
  Session session(run);
  try {
    Client<tcp::socket> plain(socket, run.o.timeout);
    smtp::Reply banner = co_await plain.reply();
    if (!banner.positive()) {
      session.refuse_session(banner, "banner");
      throw Closing{};
    }
    Caps caps = co_await session.ehlo(plain);
    if (caps.starttls && run.o.starttls) {
      const std::string cmd = "STARTTLS\r\n";
      smtp::Reply r = co_await plain.command(cmd);
      if (r.code != 220) {
        session.refuse_session(r, "STARTTLS");
        throw Closing{};
      }
      SslStream stream(socket, run.tls);
      bool ok = co_await tls_handshake(stream, run.o.timeout, error);
      if (!ok) throw IoError{error};
      ++run.r.tls_sessions;
      Client<SslStream> secure(stream, run.o.timeout);  // RFC 3207 4.2: greet again
      Caps tls_caps = co_await session.ehlo(secure);
      co_await session.transactions(secure, tls_caps);
    } else {
      co_await session.transactions(plain, caps);
    }
  } catch (const IoError& e) {
    session.fail(e.what);
  } catch (const Closing&) {
  }
  boost::system::error_code ec;
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

awaitable<void> slot(Run& run) {
  while (run.next < run.o.messages) co_await one_connection(run);
  if (--run.live_slots > 0) co_return;
  run.finished = Steady::now();
  if (run.progress_timer) run.progress_timer->cancel();  // the final report, now: not at the next tick
}

awaitable<void> report_progress(Run& run, const BlastProgressFn& progress) {
  asio::steady_timer timer(run.io);
  run.progress_timer = &timer;
  while (run.live_slots > 0) {
    progress(run.progress());
    timer.expires_after(run.o.progress_interval);
    co_await timer.async_wait(asio::as_tuple(use_awaitable));
  }
  run.progress_timer = nullptr;
  progress(run.progress());
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace

std::string blast_address(const std::string& pattern, std::size_t message, std::size_t recipient) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern.compare(i, 3, "{n}") == 0) {
      out += std::to_string(message), i += 2;
    } else if (pattern.compare(i, 3, "{r}") == 0) {
      out += std::to_string(recipient), i += 2;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

std::string blast_message(const BlastOptions& o, std::size_t n) {
  std::string m = "From: <" + blast_address(o.mail_from, n, 0) + ">\r\nTo: <" + blast_address(o.rcpt_to, n, 0) +
                  ">\r\nSubject: blast " + std::to_string(n) + "\r\nMessage-ID: <blast-" + std::to_string(n) +
                  "@mxlab.test>\r\nX-Blast-Id: " + std::to_string(n) + "\r\n\r\n";
  static const std::string line = std::string(76, 'x') + "\r\n";
  while (m.size() + line.size() <= o.size) m += line;
  if (m.size() + 2 < o.size) m += std::string(o.size - m.size() - 2, 'x') + "\r\n";
  return m;
}

Expected<BlastResult> run_blast(const BlastOptions& o, const BlastProgressFn& progress) {
  boost::system::error_code ec;
  asio::ip::make_address(o.address, ec);
  if (ec) return unexpected("bad address '" + o.address + "': " + ec.message());
  if (o.port == 0) return unexpected(std::string("port must be given (1-65535)"));
  if (o.connections == 0) return unexpected(std::string("connections must be at least 1"));
  if (o.recipients == 0) return unexpected(std::string("recipients must be at least 1"));
  if (o.rate < 0) return unexpected(std::string("rate must not be negative"));
  asio::io_context io(1);
  Run run(o, io);
  run.tls.set_verify_mode(asio::ssl::verify_none);  // a load generator: any certificate will do
  if (!o.ids_file.empty()) {
    run.ids = std::fopen(o.ids_file.c_str(), "w");
    if (!run.ids) return unexpected("cannot write ids file " + o.ids_file);
  }
  run.latencies_ms.reserve(o.messages);
  std::size_t slots = std::min(o.connections, std::max<std::size_t>(o.messages, 1));
  run.live_slots = slots;
  for (std::size_t i = 0; i < slots; ++i) asio::co_spawn(io, slot(run), asio::detached);
  if (progress) asio::co_spawn(io, report_progress(run, progress), asio::detached);
  io.run();
  if (run.ids) std::fclose(run.ids);
  BlastResult r = run.r;
  r.elapsed_s = std::chrono::duration<double>(run.finished - run.t0).count();
  r.rate = r.elapsed_s > 0 ? static_cast<double>(r.accepted) / r.elapsed_s : 0;
  std::sort(run.latencies_ms.begin(), run.latencies_ms.end());
  r.latency_p50_ms = percentile(run.latencies_ms, 0.50);
  r.latency_p90_ms = percentile(run.latencies_ms, 0.90);
  r.latency_p99_ms = percentile(run.latencies_ms, 0.99);
  r.latency_max_ms = run.latencies_ms.empty() ? 0 : run.latencies_ms.back();
  return r;
}

std::string BlastResult::json() const {
  namespace json = boost::json;
  auto round3 = [](double v) { return static_cast<double>(static_cast<long long>(v * 1000 + 0.5)) / 1000; };
  json::object o{{"sent", sent}, {"accepted", accepted}, {"deferred", deferred}, {"rejected", rejected},
                 {"errors", errors}, {"connections", connections}, {"tls_sessions", tls_sessions},
                 {"pipelined_sessions", pipelined_sessions}, {"elapsed_s", round3(elapsed_s)},
                 {"rate", round3(rate)},
                 {"latency_ms", json::object{{"p50", round3(latency_p50_ms)}, {"p90", round3(latency_p90_ms)},
                                             {"p99", round3(latency_p99_ms)}, {"max", round3(latency_max_ms)}}}};
  if (!first_error.empty()) o["first_error"] = first_error;
  return json::serialize(o);
}

}  // namespace mxlab::fakemx
