// Table tests for the inbound state machine: each row is a command sequence and the exact
// reply code, enhanced code and state after the last command.
#include "mta/server/server_protocol.hpp"

#include <gtest/gtest.h>

using namespace mxlab;
using namespace mxlab::server;

namespace {

struct Row {
  const char* name;
  std::vector<const char*> lines;  // all but the last must succeed
  int code;                        // reply to the last line
  const char* enhanced;            // "" = none expected
  SessionState state;
};

Step run(ServerProtocol& proto, const char* line) {
  auto parsed = smtp::parse_command(line);
  if (!parsed) return proto.on_bad_line(parsed.error());
  return proto.on_command(*parsed);
}

class ServerProtocolTable : public ::testing::TestWithParam<Row> {};

TEST_P(ServerProtocolTable, ReplyAndStateMatch) {
  const Row& row = GetParam();
  ServerOptions options;
  options.max_recipients = 2;
  options.max_message_size = 1000;
  SessionInfo info;
  ServerProtocol proto(options, info);
  Step step;
  for (const char* line : row.lines) step = run(proto, line);
  EXPECT_EQ(step.reply.code, row.code) << row.name << ": " << step.reply.summary();
  if (*row.enhanced) {
    ASSERT_TRUE(step.reply.enhanced) << row.name;
    EXPECT_EQ(step.reply.enhanced->str(), row.enhanced) << row.name;
  }
  EXPECT_EQ(proto.state(), row.state) << row.name;
}

const Row kRows[] = {
    {"ehlo", {"EHLO client.example"}, 250, "", SessionState::WaitMail},
    {"helo", {"HELO client.example"}, 250, "", SessionState::WaitMail},
    {"mail before helo", {"MAIL FROM:<a@b.example>"}, 503, "5.5.1", SessionState::WaitHelo},
    {"rcpt before mail", {"EHLO c", "RCPT TO:<a@b.example>"}, 503, "5.5.1", SessionState::WaitMail},
    {"data before rcpt", {"EHLO c", "MAIL FROM:<a@b.example>", "DATA"}, 503, "5.5.1", SessionState::WaitRcpt},
    {"mail twice", {"EHLO c", "MAIL FROM:<a@b.example>", "MAIL FROM:<a@b.example>"}, 503, "5.5.1",
     SessionState::WaitRcpt},
    {"mail ok", {"EHLO c", "MAIL FROM:<a@b.example>"}, 250, "2.1.0", SessionState::WaitRcpt},
    {"null sender", {"EHLO c", "MAIL FROM:<>"}, 250, "2.1.0", SessionState::WaitRcpt},
    {"rcpt ok", {"EHLO c", "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>"}, 250, "2.1.5", SessionState::Rcpt},
    {"too many rcpts",
     {"EHLO c", "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>", "RCPT TO:<e@d.example>", "RCPT TO:<f@d.example>"},
     452, "4.5.3", SessionState::Rcpt},
    {"size over limit", {"EHLO c", "MAIL FROM:<a@b.example> SIZE=1001"}, 552, "5.3.4", SessionState::WaitMail},
    {"data ok", {"EHLO c", "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>", "DATA"}, 354, "", SessionState::Data},
    {"rset drops transaction", {"EHLO c", "MAIL FROM:<a@b.example>", "RSET"}, 250, "2.0.0", SessionState::WaitMail},
    {"noop keeps state", {"EHLO c", "MAIL FROM:<a@b.example>", "NOOP"}, 250, "2.0.0", SessionState::WaitRcpt},
    {"vrfy", {"EHLO c", "VRFY someone"}, 252, "2.0.0", SessionState::WaitMail},
    {"quit", {"EHLO c", "QUIT"}, 221, "2.0.0", SessionState::Closed},
    {"unknown verb", {"EHLO c", "FROB"}, 500, "5.5.2", SessionState::WaitMail},
    {"starttls not offered", {"EHLO c", "STARTTLS"}, 502, "5.5.1", SessionState::WaitMail},
    {"ehlo resets transaction", {"EHLO c", "MAIL FROM:<a@b.example>", "EHLO c"}, 250, "", SessionState::WaitMail},
};

INSTANTIATE_TEST_SUITE_P(Commands, ServerProtocolTable, ::testing::ValuesIn(kRows));

TEST(ServerProtocol, EhloAdvertisesConfiguredCapabilities) {
  ServerOptions options;
  options.max_message_size = 12345;
  options.pipelining = false;
  SessionInfo info;
  ServerProtocol proto(options, info);
  auto step = run(proto, "EHLO client.example");
  std::string text = step.reply.text();
  EXPECT_NE(text.find("SIZE 12345"), std::string::npos);
  EXPECT_NE(text.find("8BITMIME"), std::string::npos);
  EXPECT_NE(text.find("ENHANCEDSTATUSCODES"), std::string::npos);
  EXPECT_EQ(text.find("PIPELINING"), std::string::npos);
  EXPECT_EQ(info.helo, "client.example");
}

TEST(ServerProtocol, DataIsUnstuffedAndHandedOver) {
  ServerOptions options;
  SessionInfo info;
  ServerProtocol proto(options, info);
  for (const char* l : {"EHLO c", "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>", "DATA"}) run(proto, l);
  EXPECT_FALSE(proto.on_data_line("Subject: x"));
  EXPECT_FALSE(proto.on_data_line(""));
  EXPECT_FALSE(proto.on_data_line("..leading dot"));
  EXPECT_TRUE(proto.on_data_line("."));
  EXPECT_FALSE(proto.data_problem());
  Transaction tx = proto.take_transaction();
  EXPECT_EQ(tx.data, "Subject: x\r\n\r\n.leading dot\r\n");
  EXPECT_EQ(tx.rcpt_to, std::vector<std::string>{"c@d.example"});
  EXPECT_EQ(proto.state(), SessionState::WaitMail);
  EXPECT_EQ(info.transactions, 1);
}

TEST(ServerProtocol, OversizedDataIsRefusedAtEndOfData) {
  ServerOptions options;
  options.max_message_size = 10;
  SessionInfo info;
  ServerProtocol proto(options, info);
  for (const char* l : {"EHLO c", "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>", "DATA"}) run(proto, l);
  proto.on_data_line("0123456789abcdef");
  EXPECT_TRUE(proto.on_data_line("."));
  ASSERT_TRUE(proto.data_problem());
  EXPECT_EQ(proto.data_problem()->code, 552);
}

TEST(ServerProtocol, TooManyErrorsCloseWith421) {
  ServerOptions options;
  SessionInfo info;
  ServerProtocol proto(options, info);
  Step step;
  for (int i = 0; i < 20; ++i) step = run(proto, "FROB");
  EXPECT_EQ(step.reply.code, 421);
  EXPECT_EQ(step.next, Next::Close);
}

}  // namespace
