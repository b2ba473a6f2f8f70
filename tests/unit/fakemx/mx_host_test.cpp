// A real fake MX on 127.0.0.N driven by the real client session over loopback: recording,
// per-stage rules, disconnects and pipelining on or off.
#include "sim/fake_mx/mx_host.hpp"

#include <gtest/gtest.h>

#include "mta/delivery/smtp_send.hpp"

using namespace mxlab;
using namespace std::chrono_literals;

namespace {

delivery::SendRequest request(const fakemx::MxHost& host, std::string data) {
  delivery::SendRequest r;
  r.host = host.config().address;
  r.port = host.port();
  r.mail_from = "sender@origin.example";
  r.rcpt_to = {"user@example.com"};
  r.data = std::move(data);
  r.timeout = 5s;
  return r;
}

fakemx::MxHostConfig host_config(std::vector<fakemx::Rule> rules = {}) {
  fakemx::MxHostConfig c;
  c.name = "mx1.example.com";
  c.address = "127.0.0.2";
  c.rules = std::move(rules);
  return c;
}

TEST(MxHost, RecordsTransactionByteIdenticalIncludingDotLines) {
  fakemx::MxHost host(host_config());
  ASSERT_TRUE(host.start());
  std::string data = "Subject: dots\r\n\r\n.starts with a dot\r\n.\r\n..two\r\nend\r\n";
  auto result = delivery::send_message(request(host, data));
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->final_reply.code, 250);
  ASSERT_EQ(host.wait_for_transactions(1, 5s), 1u);
  auto tx = host.transactions().at(0);
  EXPECT_EQ(tx.data, data);
  EXPECT_EQ(tx.mail_from, "sender@origin.example");
  EXPECT_EQ(tx.rcpt_to, std::vector<std::string>{"user@example.com"});
  EXPECT_EQ(tx.client_address, "127.0.0.1");
  EXPECT_EQ(host.connections(), 1u);
}

TEST(MxHost, RuleWithTimesOneDefersFirstAttemptOnly) {
  auto rule = fakemx::reply_rule(server::Stage::Rcpt, "451 4.7.1 try again later");
  ASSERT_TRUE(rule);
  rule->times = 1;
  fakemx::MxHost host(host_config({*rule}));
  ASSERT_TRUE(host.start());
  auto first = delivery::send_message(request(host, "Subject: a\r\n\r\nbody\r\n"));
  ASSERT_TRUE(first) << first.error();
  EXPECT_EQ(first->final_reply.code, 451);
  ASSERT_EQ(first->rcpt_replies.size(), 1u);
  EXPECT_EQ(first->rcpt_replies[0].enhanced->str(), "4.7.1");
  auto second = delivery::send_message(request(host, "Subject: a\r\n\r\nbody\r\n"));
  ASSERT_TRUE(second) << second.error();
  EXPECT_EQ(second->final_reply.code, 250);
  EXPECT_EQ(host.transactions().size(), 1u);
}

TEST(MxHost, DisconnectAtMailIsAnErrorForTheClient) {
  fakemx::Rule rule;
  rule.stage = server::Stage::Mail;
  rule.kind = server::Action::Kind::Disconnect;
  fakemx::MxHost host(host_config({rule}));
  ASSERT_TRUE(host.start());
  auto result = delivery::send_message(request(host, "x\r\n"));
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().find("lost connection"), std::string::npos) << result.error();
}

TEST(MxHost, EndOfDataRejectionWithoutPipelining) {
  auto rule = fakemx::reply_rule(server::Stage::EndOfData, "554 5.7.1 content rejected");
  fakemx::MxHostConfig c = host_config({*rule});
  c.server.pipelining = false;
  fakemx::MxHost host(c);
  ASSERT_TRUE(host.start());
  auto result = delivery::send_message(request(host, "x\r\n"));
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->final_reply.code, 554);
  EXPECT_TRUE(host.transactions().empty());
}

TEST(MxHost, ReplyRuleParsesCodeEnhancedCodeAndText) {
  auto r = fakemx::reply_rule(server::Stage::Mail, "550 5.1.1 no such user");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, 550);
  EXPECT_EQ(r->enhanced, "5.1.1");
  EXPECT_EQ(r->text, "no such user");
  EXPECT_FALSE(fakemx::reply_rule(server::Stage::Mail, "hello"));
  EXPECT_FALSE(fakemx::reply_rule(server::Stage::Mail, "999 nope"));
}

}  // namespace
