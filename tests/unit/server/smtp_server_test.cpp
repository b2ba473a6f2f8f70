// The session engine over loopback, for its deadlines and shutdown: a session busy when the
// server stops still gets its 421 at once, and an idle one times out with 421 4.4.2.
#include "mta/server/smtp_server.hpp"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <future>
#include <thread>

using namespace mxlab;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

class AcceptAll final : public server::MessageHandler {
 public:
  void on_message(const server::SessionInfo&, server::Transaction, std::function<void(smtp::Reply)> done) override {
    done(smtp::make_reply(250, "2.0.0", "Ok"));
  }
};

// Delays the reply to NOOP, so a test can stop the server while the session is not reading.
class SlowNoop final : public server::SessionPolicy {
 public:
  server::Action decide(const server::StageContext& ctx) override {
    server::Action a;
    if (ctx.stage == server::Stage::Noop) {
      a.delay = 300ms;
      deciding.set_value();
    }
    return a;
  }
  std::promise<void> deciding;
};

struct RunningServer {
  explicit RunningServer(server::ServerOptions options, server::SessionPolicy* policy = nullptr)
      : server(io, std::move(options), handler, policy) {
    EXPECT_TRUE(server.listen("127.0.0.1", 0));
    thread = std::thread([this] { io.run(); });
  }
  ~RunningServer() {
    server.stop();
    work.reset();
    io.stop();
    thread.join();
  }
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{io.get_executor()};
  AcceptAll handler;
  server::SmtpServer server;
  std::thread thread;
};

// Everything the server sends until it closes, or until the deadline.
std::string read_to_close(asio::ip::tcp::socket& socket, asio::io_context& io, std::chrono::milliseconds deadline,
                          boost::system::error_code& ec) {
  asio::streambuf in;
  ec = asio::error::timed_out;
  asio::async_read(socket, in, [&](boost::system::error_code e, std::size_t) { ec = e; });
  io.run_for(deadline);
  return {asio::buffers_begin(in.data()), asio::buffers_end(in.data())};
}

TEST(SmtpServer, StopWhileASessionWaitsOnPolicyStillSends421Promptly) {
  server::ServerOptions options;
  options.idle_timeout = 20s;  // far beyond the test's deadline: only the shutdown may end it
  SlowNoop policy;
  RunningServer s(options, &policy);
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), s.server.port()});
  asio::streambuf greeting;
  asio::read_until(socket, greeting, "\r\n");
  asio::write(socket, asio::buffer(std::string("NOOP\r\n")));
  // Once the policy has decided, the session is inside the NOOP delay, not reading.
  ASSERT_EQ(policy.deciding.get_future().wait_for(3s), std::future_status::ready);
  s.server.stop();
  boost::system::error_code ec;
  std::string rest = read_to_close(socket, io, 3s, ec);
  EXPECT_EQ(ec, asio::error::eof) << ec.message();
  EXPECT_NE(rest.find("250 "), std::string::npos) << rest;  // the NOOP still gets its answer
  EXPECT_NE(rest.find("421 4.3.2"), std::string::npos) << rest;
}

TEST(SmtpServer, IdleSessionTimesOutWith421) {
  server::ServerOptions options;
  options.idle_timeout = 200ms;
  RunningServer s(options);
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), s.server.port()});
  boost::system::error_code ec;
  std::string all = read_to_close(socket, io, 3s, ec);
  EXPECT_EQ(ec, asio::error::eof) << ec.message();
  EXPECT_EQ(all.substr(0, 4), "220 ") << all;
  EXPECT_NE(all.find("421 4.4.2"), std::string::npos) << all;
}

TEST(SmtpServer, ConnectionsBeyondTheLimitGet421) {
  server::ServerOptions options;
  options.max_connections = 1;
  RunningServer s(options);
  asio::io_context io;
  asio::ip::tcp::socket first(io), second(io);
  first.connect({asio::ip::make_address("127.0.0.1"), s.server.port()});
  asio::streambuf greeting;
  asio::read_until(first, greeting, "\r\n");
  second.connect({asio::ip::make_address("127.0.0.1"), s.server.port()});
  boost::system::error_code ec;
  std::string all = read_to_close(second, io, 3s, ec);
  EXPECT_EQ(ec, asio::error::eof) << ec.message();
  EXPECT_EQ(all.substr(0, 9), "421 4.7.0") << all;
}

}  // namespace
