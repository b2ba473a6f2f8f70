// Test helpers: a running SmtpServer on its own io thread, a blocking raw-socket SMTP client
// whose every read has a deadline (SO_RCVTIMEO), and a subprocess runner for external clients.
#pragma once
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <cerrno>

#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>

#include "mta/server/smtp_server.hpp"

namespace mxlab::wire {

namespace asio = boost::asio;

class RecordingHandler final : public server::MessageHandler {
 public:
  void on_message(const server::SessionInfo& info, server::Transaction tx,
                  std::function<void(smtp::Reply)> done) override {
    std::lock_guard lock(mu);
    last_info = info;
    last_data = tx.data;
    last_from = tx.mail_from;
    last_rcpts = tx.rcpt_to.size();
    ++messages;
    done(smtp::make_reply(250, "2.0.0", "Ok: queued"));
  }
  std::mutex mu;
  server::SessionInfo last_info;
  std::string last_data;
  std::string last_from;
  std::size_t last_rcpts = 0;
  int messages = 0;
};

struct TestServer {
  explicit TestServer(server::ServerOptions options, server::SessionPolicy* policy = nullptr,
                      const std::string& address = "127.0.0.1", trace::TraceSink* trace = nullptr)
      : server(io, std::move(options), handler, policy, trace) {
    ok = static_cast<bool>(server.listen(address, 0));
    thread = std::thread([this] { io.run(); });
  }
  ~TestServer() {
    server.stop();
    work.reset();
    io.stop();
    thread.join();
  }
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{io.get_executor()};
  RecordingHandler handler;
  server::SmtpServer server;
  std::thread thread;
  bool ok = false;
};

// Blocking client; reads time out after `deadline` (then read_reply returns what it has).
class WireClient {
 public:
  // source: bind to this local address first (e.g. 127.0.0.N, to look like another client).
  WireClient(const std::string& address, std::uint16_t port, std::chrono::milliseconds deadline = std::chrono::seconds(5),
             const std::string& source = "")
      : socket_(io_) {
    if (!source.empty()) {
      socket_.open(asio::ip::tcp::v4());
      socket_.bind({asio::ip::make_address(source), 0});
    }
    socket_.connect({asio::ip::make_address(address), port});
    timeval tv{static_cast<time_t>(deadline.count() / 1000), static_cast<suseconds_t>((deadline.count() % 1000) * 1000)};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  void send(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }
  // One complete (possibly multiline) reply, with CRLFs; "" on timeout or close.
  std::string read_reply() {
    std::string out;
    for (;;) {
      std::size_t nl = buf_.find("\r\n");
      if (nl != std::string::npos) {
        std::string line = buf_.substr(0, nl + 2);
        buf_.erase(0, nl + 2);
        out += line;
        if (line.size() < 4 || line[3] != '-') return out;
        continue;
      }
      if (!fill()) return out;
    }
  }
  // Everything until the peer closes (or the deadline); error() tells how it ended.
  std::string read_to_close() {
    while (fill()) {
    }
    return std::exchange(buf_, {});
  }
  // Raw recv: SO_RCVTIMEO bounds it (Asio's blocking read would poll again without a limit).
  bool fill() {
    char tmp[4096];
    ssize_t n = ::recv(socket_.native_handle(), tmp, sizeof tmp, 0);
    if (n > 0) {
      buf_.append(tmp, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) {
      ec_ = asio::error::eof;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      ec_ = asio::error::timed_out;
    } else {
      ec_ = boost::system::error_code(errno, boost::system::system_category());
    }
    return false;
  }
  boost::system::error_code error() const { return ec_; }
  asio::ip::tcp::socket& socket() { return socket_; }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  std::string buf_;
  boost::system::error_code ec_;
};

struct ProcessResult {
  int status = -1;  // exit status
  std::string output;  // stdout and stderr
};

// Runs a shell command (callers bound it with `timeout N`), feeding it `input` on stdin.
inline ProcessResult run_process(const std::string& command, const std::string& input = "") {
  std::string full = "printf '" + input + "' | " + command + " 2>&1";
  ProcessResult r;
  FILE* pipe = ::popen(full.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  int raw = ::pclose(pipe);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

}  // namespace mxlab::wire
