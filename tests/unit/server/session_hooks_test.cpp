// The session engine's connection-level hooks and BDAT over loopback: CHUNKING (RFC 3030) with
// raw sockets, TCP reset, bandwidth throttles, messages per connection, the mid-DATA abort asked
// of the policy, multiline policy replies, and the DSN / AUTH advertisements.
#include <gtest/gtest.h>

#include "tests/unit/server/wire_client.hpp"

using namespace mxlab;
using namespace std::chrono_literals;
using wire::TestServer;
using wire::WireClient;

namespace {

server::ServerOptions chunking_options() {
  server::ServerOptions o;
  o.chunking = true;
  o.max_message_size = 100;
  return o;
}

void envelope(WireClient& c) {
  c.send("EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.net>\r\n");
  EXPECT_EQ(c.read_reply().substr(0, 4), "250-");
  EXPECT_EQ(c.read_reply().substr(0, 4), "250 ");
  EXPECT_EQ(c.read_reply().substr(0, 4), "250 ");
}

TEST(Bdat, ChunksAcrossReadsMakeOneMessageHandedOverAtLast) {
  TestServer s(chunking_options());
  WireClient c("127.0.0.1", s.server.port());
  c.read_reply();
  c.send("EHLO client.example\r\n");
  EXPECT_NE(c.read_reply().find("CHUNKING\r\n"), std::string::npos);
  c.send("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.net>\r\n");
  c.read_reply();
  c.read_reply();
  c.send("BDAT 13\r\nHello");  // the chunk is split across writes and contains a bare "."
  std::this_thread::sleep_for(20ms);  // let the first piece arrive in its own read
  c.send("\r\n.\r\nX\r\n");
  EXPECT_EQ(c.read_reply().substr(0, 4), "250 ");
  c.send("BDAT 6 LAST\r\nWorld\n");
  EXPECT_EQ(c.read_reply().substr(0, 10), "250 2.0.0 ");
  std::lock_guard lock(s.handler.mu);
  EXPECT_EQ(s.handler.messages, 1);
  EXPECT_EQ(s.handler.last_data, "Hello\r\n.\r\nX\r\nWorld\n");  // raw: no dot handling in BDAT
}

TEST(Bdat, PipelinedChunksGetOneReplyEach) {
  TestServer s(chunking_options());
  WireClient c("127.0.0.1", s.server.port());
  c.read_reply();
  envelope(c);
  c.send("BDAT 3\r\nabcBDAT 0 LAST\r\nNOOP\r\n");
  EXPECT_EQ(c.read_reply().substr(0, 4), "250 ");
  EXPECT_EQ(c.read_reply().substr(0, 10), "250 2.0.0 ");
  EXPECT_EQ(c.read_reply().substr(0, 4), "250 ");  // NOOP: framing resumed after the chunk
}

TEST(Bdat, WithoutRecipientIs503AndItsChunkIsSkipped) {
  TestServer s(chunking_options());
  WireClient c("127.0.0.1", s.server.port());
  c.read_reply();
  c.send("EHLO c\r\nBDAT 6\r\nNOOP\r\nNOOP\r\n");
  c.read_reply();
  EXPECT_EQ(c.read_reply().substr(0, 9), "503 5.5.1");
  EXPECT_EQ(c.read_reply().substr(0, 4), "250 ");  // the second NOOP: the first was chunk payload
  c.send("QUIT\r\n");
  EXPECT_EQ(c.read_reply().substr(0, 4), "221 ");
}

TEST(Bdat, DataAfterBdatIsRefused) {
  TestServer s(chunking_options());
  WireClient c("127.0.0.1", s.server.port());
  c.read_reply();
  envelope(c);
  c.send("BDAT 2\r\nab");
  c.read_reply();
  c.send("DATA\r\n");
  std::string r = c.read_reply();
  EXPECT_EQ(r.substr(0, 9), "503 5.5.1") << r;
}

TEST(Bdat, OverTheSizeLimitIs552) {
  TestServer s(chunking_options());
  WireClient c("127.0.0.1", s.server.port());
  c.read_reply();
  envelope(c);
  c.send("BDAT 150 LAST\r\n" + std::string(150, 'x'));
  EXPECT_EQ(c.read_reply().substr(0, 9), "552 5.3.4");
  EXPECT_EQ(s.handler.messages, 0);
}

TEST(Bdat, NotAdvertisedOrAcceptedByDefault) {
  TestServer s(server::ServerOptions{});
  WireClient c("127.0.0.1", s.server.port());
  c.read_reply();
  c.send("EHLO c\r\n");
  EXPECT_EQ(c.read_reply().find("CHUNKING"), std::string::npos);
}

class ScriptedPolicy final : public server::SessionPolicy {
 public:
  server::Action at_stage;
  server::Stage stage = server::Stage::Rcpt;
  server::Action mid_data;
  std::size_t after_bytes = 0;
  server::Action decide(const server::StageContext& ctx) override { return ctx.stage == stage ? at_stage : server::Action{}; }
  server::Action decide_data(const server::StageContext&, std::size_t bytes) override {
    return after_bytes && bytes >= after_bytes ? mid_data : server::Action{};
  }
};

TEST(Hooks, ResetActionAbortsWithTcpRst) {
  ScriptedPolicy policy;
  policy.stage = server::Stage::Mail;
  policy.at_stage.kind = server::Action::Kind::Reset;
  TestServer s(server::ServerOptions{}, &policy);
  WireClient c("127.0.0.1", s.server.port());
  c.read_reply();
  c.send("EHLO c\r\nMAIL FROM:<a@example.com>\r\n");
  c.read_to_close();
  EXPECT_EQ(c.error(), boost::asio::error::connection_reset) << c.error().message();
}

TEST(Hooks, MultilineReplyFromThePolicyIsSentAsMultiline) {
  ScriptedPolicy policy;
  policy.at_stage.kind = server::Action::Kind::Reply;
  policy.at_stage.reply = smtp::make_reply(550, "5.1.1", "no such user\nsee https://example.com/why");
  TestServer s(server::ServerOptions{}, &policy);
  WireClient c("127.0.0.1", s.server.port());
  c.read_reply();
  c.send("EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.net>\r\n");
  c.read_reply();
  c.read_reply();
  EXPECT_EQ(c.read_reply(), "550-5.1.1 no such user\r\n550 5.1.1 see https://example.com/why\r\n");
}

TEST(Hooks, EarlyReplyMidDataArrivesBeforeTheFinalDot) {
  ScriptedPolicy policy;
  policy.after_bytes = 100;
  policy.mid_data.kind = server::Action::Kind::Reply;
  policy.mid_data.reply = smtp::make_reply(552, "5.3.4", "message too big");
  TestServer s(server::ServerOptions{}, &policy);
  WireClient c("127.0.0.1", s.server.port());
  c.read_reply();
  envelope(c);
  c.send("DATA\r\n");
  EXPECT_EQ(c.read_reply().substr(0, 4), "354 ");
  std::string lines;
  for (int i = 0; i < 10; ++i) lines += "line of data number " + std::to_string(i) + "\r\n";
  c.send(lines);
  EXPECT_EQ(c.read_reply().substr(0, 9), "552 5.3.4");  // before any dot was sent
  c.send(".\r\nNOOP\r\n");
  EXPECT_EQ(c.read_reply().substr(0, 4), "250 ");  // the NOOP; the dot got no second reply
  EXPECT_EQ(s.handler.messages, 0);
}

TEST(Hooks, DropMidDataClosesBeforeTheFinalDot) {
  ScriptedPolicy policy;
  policy.after_bytes = 50;
  policy.mid_data.kind = server::Action::Kind::Disconnect;
  TestServer s(server::ServerOptions{}, &policy);
  WireClient c("127.0.0.1", s.server.port());
  c.read_reply();
  envelope(c);
  c.send("DATA\r\n");
  c.read_reply();
  c.send(std::string(60, 'x') + "\r\n");
  EXPECT_EQ(c.read_to_close(), "");
  EXPECT_EQ(c.error(), boost::asio::error::eof) << c.error().message();
}

TEST(Hooks, MaxMessagesPerConnectionThen421) {
  server::ServerOptions o;
  o.max_messages_per_connection = 1;
  TestServer s(o);
  WireClient c("127.0.0.1", s.server.port());
  c.read_reply();
  envelope(c);
  c.send("DATA\r\nhi\r\n.\r\nMAIL FROM:<a@example.com>\r\n");
  c.read_reply();
  EXPECT_EQ(c.read_reply().substr(0, 4), "250 ");
  EXPECT_EQ(c.read_reply().substr(0, 9), "421 4.7.0");
  c.read_to_close();
  EXPECT_EQ(c.error(), boost::asio::error::eof);
}

TEST(Hooks, WriteThrottleSlowsReplies) {
  server::ServerOptions o;
  o.write_bytes_per_second = 200;
  TestServer s(o);
  WireClient c("127.0.0.1", s.server.port());
  auto start = std::chrono::steady_clock::now();
  c.read_reply();
  c.send("EHLO c\r\n");
  std::string ehlo = c.read_reply();  // banner + EHLO reply: about 130 bytes at 200 B/s
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(ehlo.substr(0, 4), "250-");
  EXPECT_GE(took, 400ms);
}

TEST(Hooks, ReadThrottleSlowsPipelinedCommands) {
  server::ServerOptions o;
  o.read_bytes_per_second = 300;
  TestServer s(o);
  WireClient c("127.0.0.1", s.server.port());
  c.read_reply();
  std::string noops;
  for (int i = 0; i < 30; ++i) noops += "NOOP\r\n";  // 180 bytes
  auto start = std::chrono::steady_clock::now();
  c.send(noops);
  for (int i = 0; i < 30; ++i) ASSERT_EQ(c.read_reply().substr(0, 4), "250 ");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 450ms);
}

TEST(Capabilities, DsnAndAuthAreAdvertisedWhenConfigured) {
  server::ServerOptions o;
  o.dsn = true;
  o.auth_mechanisms = {"PLAIN", "LOGIN"};
  TestServer s(o);
  WireClient c("127.0.0.1", s.server.port());
  c.read_reply();
  c.send("EHLO c\r\n");
  std::string ehlo = c.read_reply();
  EXPECT_NE(ehlo.find("250-DSN\r\n"), std::string::npos) << ehlo;
  EXPECT_NE(ehlo.find("AUTH PLAIN LOGIN\r\n"), std::string::npos) << ehlo;
  EXPECT_EQ(ehlo.find("STARTTLS"), std::string::npos) << ehlo;  // no TLS context
}

}  // namespace
