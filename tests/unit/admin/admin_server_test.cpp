// A real AdminServer on 127.0.0.1:0 with its io_context on a thread, driven by kcli's ApiClient
// over HTTP (and raw sockets for keep-alive, body cap and shutdown). Every wait has a deadline.
#include "mta/admin/admin_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <thread>

#include <CLI/CLI.hpp>

#include "kcli/api_client.hpp"
#include "kcli/commands.hpp"
#include "mta/common/metric_names.hpp"

namespace mxlab::admin {
namespace {

using namespace std::chrono_literals;

class FakeBackend : public AdminBackend {
 public:
  FakeBackend() {
    registry.declare(metric::kScheduledCount, MetricType::Gauge, "number of messages in the scheduled queue",
                     metric::kQueueLabel);
  }
  MetricsRegistry& metrics() override { return registry; }
  void refresh_metrics() override { registry.set(metric::kScheduledCount, 3, "tenant@example.com"); }
  MetricsRegistry registry;
};

// A connected TCP socket with deadline-bound reads.
class RawConn {
 public:
  explicit RawConn(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  }
  ~RawConn() { ::close(fd_); }
  bool connected() const { return connected_; }
  void send(std::string_view data) { (void)::send(fd_, data.data(), data.size(), MSG_NOSIGNAL); }
  // Reads until `until` appears in what was read, EOF, or the deadline; returns what was read.
  std::string read_until(std::string_view until, std::chrono::milliseconds deadline, bool* eof = nullptr) {
    auto end = std::chrono::steady_clock::now() + deadline;
    std::string got;
    while (until.empty() || got.find(until) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[4096];
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        if (eof) *eof = true;
        break;
      }
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
  }

 private:
  int fd_;
  bool connected_ = false;
};

class AdminServerTest : public ::testing::Test {
 protected:
  void start(config::AdminConfig config = loopback()) {
    server_ = std::make_unique<AdminServer>(io_, std::move(config), backend_);
    auto status = server_->start();
    ASSERT_TRUE(status.ok()) << status.error;
    io_done_ = std::async(std::launch::async, [this] { io_.run(); });
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (io_done_.valid() && io_done_.wait_for(5s) != std::future_status::ready) {
      ADD_FAILURE() << "io_context still busy 5 s after stop()";
      io_.stop();
    }
  }
  static config::AdminConfig loopback() {
    config::AdminConfig c;
    c.address = "127.0.0.1";
    c.port = 0;
    return c;
  }
  kcli::ApiClient client() {
    auto c = kcli::ApiClient::create("http://127.0.0.1:" + std::to_string(server_->port()), 10s);
    EXPECT_TRUE(c.ok());
    return std::move(c).value();
  }

  boost::asio::io_context io_;
  FakeBackend backend_;
  std::unique_ptr<AdminServer> server_;
  std::future<void> io_done_;
};

TEST_F(AdminServerTest, BindsAnEphemeralPort) {
  start();
  EXPECT_NE(server_->port(), 0);
}

TEST_F(AdminServerTest, LivenessOverHttp) {
  start();
  auto body = client().get("/api/check-liveness/v1");
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_EQ(*body, "");
}

TEST_F(AdminServerTest, MetricsTextOverHttp) {
  start();
  auto body = client().get("/metrics");
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_NE(body->find("scheduled_count{queue=\"tenant@example.com\"} 3"), std::string::npos) << *body;
}

TEST_F(AdminServerTest, MetricsJsonOverHttp) {
  start();
  auto doc = client().get_json("/metrics.json");
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_EQ(doc->at("scheduled_count").at("value").at("queue").at("tenant@example.com"), 3);
  EXPECT_EQ(doc->at("scheduled_count").at("type"), "gauge");
}

TEST_F(AdminServerTest, UnknownPathIs404WithReasonInClientError) {
  start();
  auto r = client().get_json("/api/admin/nope/v1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 404);
  EXPECT_NE(r.error().message.find("/api/admin/nope/v1: HTTP 404 Not Found: no route for /api/admin/nope/v1"),
            std::string::npos)
      << r.error().message;
}

TEST_F(AdminServerTest, WrongMethodIs405) {
  start();
  auto r = client().post_json("/metrics.json", boost::json::object{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 405);
  EXPECT_NE(r.error().message.find("POST is not allowed on /metrics.json"), std::string::npos) << r.error().message;
}

TEST_F(AdminServerTest, PeerOutsideTrustedHostsIs403) {
  auto config = loopback();
  config.trusted_hosts = {"10.0.0.0/8"};
  start(config);
  auto r = client().get("/metrics.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 403);
  EXPECT_NE(r.error().message.find("peer 127.0.0.1 is not in trusted_hosts"), std::string::npos) << r.error().message;
}

TEST_F(AdminServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  RawConn conn(server_->port());
  ASSERT_TRUE(conn.connected());
  for (int i = 0; i < 3; ++i) {
    conn.send("GET /api/check-liveness/v1 HTTP/1.1\r\nHost: t\r\n\r\n");
    auto reply = conn.read_until("\r\n\r\n", 5s);
    EXPECT_EQ(reply.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << reply;
  }
}

TEST_F(AdminServerTest, OversizedBodyIs413) {
  start();
  RawConn conn(server_->port());
  ASSERT_TRUE(conn.connected());
  conn.send("POST /api/admin/bounce/v1 HTTP/1.1\r\nHost: t\r\nContent-Length: 50000000\r\n\r\n");
  bool eof = false;
  auto reply = conn.read_until("", 5s, &eof);
  EXPECT_EQ(reply.rfind("HTTP/1.1 413 Payload Too Large\r\n", 0), 0u) << reply;
  EXPECT_NE(reply.find("\"error\":\"Payload Too Large\""), std::string::npos) << reply;
  EXPECT_TRUE(eof);
}

TEST_F(AdminServerTest, MalformedRequestIs400) {
  start();
  RawConn conn(server_->port());
  ASSERT_TRUE(conn.connected());
  conn.send("GET /metrics HTTP/9.x\r\n\r\n");
  auto reply = conn.read_until("", 5s);
  EXPECT_EQ(reply.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << reply;
}

TEST_F(AdminServerTest, StopClosesIdleConnectionsPromptly) {
  start();
  RawConn conn(server_->port());
  ASSERT_TRUE(conn.connected());
  conn.send("GET /api/check-liveness/v1 HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_NE(conn.read_until("\r\n\r\n", 5s).find("200 OK"), std::string::npos);
  auto before = std::chrono::steady_clock::now();
  server_->stop();
  bool eof = false;
  conn.read_until("", 5s, &eof);
  EXPECT_TRUE(eof);
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
  EXPECT_EQ(io_done_.wait_for(5s), std::future_status::ready) << "io_context has work left after stop()";
  EXPECT_FALSE(client().get("/api/check-liveness/v1").ok());
}

// The kcli subcommand end to end: CLI11 parsing, list endpoints this server lacks (404 -> no
// marks), /metrics.json over HTTP, and the table on stdout.
TEST_F(AdminServerTest, KcliQueueSummaryPrintsTablesFromServer) {
  start();
  CLI::App app;
  kcli::KcliContext ctx;
  app.add_option("--endpoint", ctx.endpoint);
  kcli::register_queue_summary(app, ctx);
  std::vector<std::string> args = {"queue-summary", "http://127.0.0.1:" + std::to_string(server_->port()),
                                   "--endpoint"};  // CLI11 parses a reversed vector
  ::testing::internal::CaptureStdout();
  app.parse(args);
  auto out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(ctx.exit_code, 0);
  EXPECT_EQ(out,
            "SITE SOURCE PROTO D T C Q\n"
            "\n"
            "SCHEDULED QUEUE    COUNT\n"
            "tenant@example.com     3\n");
}

TEST(AdminServerStart, BadTrustedHostsFailsNamingTheEntry) {
  boost::asio::io_context io;
  FakeBackend backend;
  config::AdminConfig c;
  c.port = 0;
  c.trusted_hosts = {"127.0.0.1/32", "localhost"};
  AdminServer server(io, c, backend);
  auto status = server.start();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error.find("trusted_hosts"), std::string::npos) << status.error;
  EXPECT_NE(status.error.find("localhost"), std::string::npos) << status.error;
}

TEST(AdminServerStart, PortInUseFailsNamingTheAddress) {
  boost::asio::io_context io;
  FakeBackend backend;
  config::AdminConfig c;
  c.port = 0;
  AdminServer first(io, c, backend);
  ASSERT_TRUE(first.start().ok());
  c.port = first.port();
  AdminServer second(io, c, backend);
  auto status = second.start();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error.find("127.0.0.1:" + std::to_string(c.port)), std::string::npos) << status.error;
}

}  // namespace
}  // namespace mxlab::admin
