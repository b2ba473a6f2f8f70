// The delivery client against fake MX hosts, for the reply orderings that are easy to get
// wrong: a 421 at any stage (RFC 5321 3.8), a refused MAIL under PIPELINING (RFC 2920 3.1),
// and the MX walk that a 421 must continue. Also MxHost's own stop/start behaviour.
#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include "mta/delivery/domain_attempt.hpp"
#include "mta/delivery/smtp_send.hpp"
#include "sim/fake_mx/mx_host.hpp"

using namespace mxlab;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

delivery::SendRequest request(const fakemx::MxHost& host, std::vector<std::string> rcpts = {"user@example.com"}) {
  delivery::SendRequest r;
  r.host = host.config().address;
  r.port = host.port();
  r.mail_from = "sender@origin.example";
  r.rcpt_to = std::move(rcpts);
  r.data = "Subject: t\r\n\r\nbody\r\n";
  r.timeout = 3s;
  return r;
}

fakemx::MxHostConfig host_config(std::string name, std::string address, std::vector<fakemx::Rule> rules = {},
                                 bool pipelining = true) {
  fakemx::MxHostConfig c;
  c.name = std::move(name);
  c.address = std::move(address);
  c.rules = std::move(rules);
  c.server.pipelining = pipelining;
  return c;
}

fakemx::Rule rule(server::Stage stage, server::Action::Kind kind, std::string_view reply) {
  auto r = fakemx::reply_rule(stage, reply);
  EXPECT_TRUE(r);
  r->kind = kind;
  return *r;
}

// Answers every MX query with the given hosts, and each host with its address.
using HostList = std::vector<std::pair<std::string, std::string>>;  // MX name, address

class StubResolver final : public dns::Resolver {
 public:
  explicit StubResolver(HostList hosts) : hosts_(std::move(hosts)) {}
  void resolve_mx(std::string, std::function<void(dns::MxAnswer)> done) override {
    dns::MxAnswer a{dns::Outcome::Ok, {}, {}};
    std::uint16_t pref = 10;
    for (const auto& [name, address] : hosts_) a.records.push_back({pref, name}), pref += 10;
    done(std::move(a));
  }
  void resolve_addresses(std::string host, std::function<void(dns::AddressAnswer)> done) override {
    for (const auto& [name, address] : hosts_)
      if (name == host) return done({dns::Outcome::Ok, {address}, {}});
    done({dns::Outcome::NxDomain, {}, {}});
  }

 private:
  HostList hosts_;
};

delivery::DomainAttempt run_attempt(dns::Resolver& resolver, std::uint16_t port) {
  asio::io_context io;
  std::string data = "Subject: t\r\n\r\nbody\r\n";
  delivery::DomainAttemptRequest req;
  req.domain = "example.com";
  req.mail_from = "sender@origin.example";
  req.rcpt_to = {"user@example.com"};
  req.data = &data;
  req.port = port;
  req.ehlo_name = "client.test";
  req.timeouts = {3s, 3s, 3s};
  delivery::DomainAttempt out;
  asio::co_spawn(io, delivery::attempt_domain(resolver, req), [&](std::exception_ptr e, delivery::DomainAttempt r) {
    if (!e) out = std::move(r);
  });
  io.run();
  return out;
}

TEST(ClientProtocol, PipelinedMailRefusalIsTheResultNotTheNeedMailReplies) {
  fakemx::MxHost host(host_config("mx1.example.com", "127.0.0.2",
                                  {rule(server::Stage::Mail, server::Action::Kind::Reply, "550 5.7.1 sender refused")}));
  ASSERT_TRUE(host.start());
  auto result = delivery::send_message(request(host, {"a@example.com", "b@example.com"}));
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->final_reply.code, 550);
  // The 503 "need MAIL" answers to the pipelined RCPTs say nothing about the recipients.
  EXPECT_TRUE(result->rcpt_replies.empty());
}

TEST(ClientProtocol, PipelinedMailRefusalBouncesWithTheMailReply) {
  fakemx::MxHost host(host_config("mx1.example.com", "127.0.0.2",
                                  {rule(server::Stage::Mail, server::Action::Kind::Reply, "550 5.7.1 sender refused")}));
  ASSERT_TRUE(host.start());
  StubResolver resolver(HostList{{"mx1.example.com", "127.0.0.2"}});
  auto out = run_attempt(resolver, host.port());
  ASSERT_EQ(out.outcomes.size(), 1u);
  EXPECT_EQ(out.outcomes[0].fate, delivery::Fate::Bounced);
  EXPECT_EQ(out.outcomes[0].reply.code, 550);
}

TEST(ClientProtocol, Pipelined421ToMailIsKeptNotReportedAsLostConnection) {
  fakemx::MxHost host(host_config(
      "mx1.example.com", "127.0.0.2",
      {rule(server::Stage::Mail, server::Action::Kind::ReplyThenDisconnect, "421 4.3.2 closing down")}));
  ASSERT_TRUE(host.start());
  auto result = delivery::send_message(request(host));
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->final_reply.code, 421);
  EXPECT_EQ(result->final_reply.text(), "closing down");
}

TEST(ClientProtocol, A421ToRcptMovesOnToTheNextMx) {
  // The client uses one port for every MX, so both hosts need the same port. Another test
  // running in parallel may hold that port number on 127.0.0.3: then both move to a new one.
  std::unique_ptr<fakemx::MxHost> started_first, started_second;
  std::vector<std::unique_ptr<fakemx::MxHost>> held;  // ports that failed stay taken, so each try gets a new one
  std::string why;
  for (int tries = 0; tries < 20 && !started_second; ++tries) {
    auto first = std::make_unique<fakemx::MxHost>(host_config(
        "mx1.example.com", "127.0.0.2",
        {rule(server::Stage::Rcpt, server::Action::Kind::ReplyThenDisconnect, "421 4.7.0 too busy")}, false));
    ASSERT_TRUE(first->start());
    fakemx::MxHostConfig second_config = host_config("mx2.example.com", "127.0.0.3");
    second_config.port = first->port();
    auto second = std::make_unique<fakemx::MxHost>(second_config);
    if (Status st = second->start(); !st) {
      why = st.error;
      held.push_back(std::move(first));
      continue;
    }
    started_first = std::move(first);
    started_second = std::move(second);
  }
  ASSERT_TRUE(started_second) << "no port was free on both 127.0.0.2 and 127.0.0.3: " << why;
  fakemx::MxHost& first = *started_first;
  fakemx::MxHost& second = *started_second;
  StubResolver resolver(HostList{{"mx1.example.com", "127.0.0.2"}, {"mx2.example.com", "127.0.0.3"}});
  auto out = run_attempt(resolver, first.port());
  ASSERT_EQ(out.outcomes.size(), 1u);
  EXPECT_EQ(out.outcomes[0].fate, delivery::Fate::Delivered) << out.outcomes[0].reply.summary();
  EXPECT_EQ(out.outcomes[0].peer_name, "mx2.example.com");
  EXPECT_EQ(out.connections, 2);
  EXPECT_EQ(second.wait_for_transactions(1, 3s), 1u);
}

TEST(ClientProtocol, NoRecipientsIsARefusalNotACrash) {
  fakemx::MxHost host(host_config("mx1.example.com", "127.0.0.2", {}, false));
  ASSERT_TRUE(host.start());
  auto result = delivery::send_message(request(host, {}));
  ASSERT_TRUE(result) << result.error();
  EXPECT_FALSE(result->accepted());
  EXPECT_TRUE(host.transactions().empty());
}

TEST(MxHostLifecycle, StopSends421ToAnOpenSessionAndClosesIt) {
  fakemx::MxHost host(host_config("mx1.example.com", "127.0.0.2"));
  ASSERT_TRUE(host.start());
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.2"), host.port()});
  asio::streambuf in;
  asio::read_until(socket, in, "\r\n");  // the greeting: the session is now waiting for a command
  in.consume(in.size());
  host.stop();
  // The session must have said 421 and closed: read all that is left, within a deadline.
  boost::system::error_code ec = asio::error::timed_out;
  asio::async_read(socket, in, [&](boost::system::error_code e, std::size_t) { ec = e; });
  io.run_for(3s);
  std::string rest(asio::buffers_begin(in.data()), asio::buffers_end(in.data()));
  EXPECT_EQ(ec, asio::error::eof) << ec.message();
  EXPECT_EQ(rest.substr(0, 4), "421 ") << rest;
}

TEST(MxHostLifecycle, StartsAgainAfterStop) {
  fakemx::MxHost host(host_config("mx1.example.com", "127.0.0.2"));
  ASSERT_TRUE(host.start());
  host.stop();
  ASSERT_TRUE(host.start());
  auto result = delivery::send_message(request(host));
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->final_reply.code, 250);
}

}  // namespace
