// Table tests for the ServerProtocol additions: BDAT (RFC 3030), STARTTLS (RFC 3207) with a TLS
// context, AUTH (RFC 4954), and the messages-per-connection limit. Sockets play no part: chunks are fed directly.
#include <gtest/gtest.h>

#include "mta/common/base64.hpp"
#include "mta/server/server_protocol.hpp"
#include "sim/fake_mx/tls/cert_factory.hpp"

using namespace mxlab;
using namespace mxlab::server;

namespace {

Step run(ServerProtocol& proto, const char* line) {
  auto parsed = smtp::parse_command(line);
  if (!parsed) return proto.on_bad_line(parsed.error());
  return proto.on_command(*parsed);
}

ServerOptions chunking() {
  ServerOptions o;
  o.chunking = true;
  o.max_message_size = 20;
  return o;
}

// Sends BDAT and its payload; returns the step after the chunk.
Step bdat(ServerProtocol& proto, const char* command, std::string_view payload) {
  Step s = run(proto, command);
  if (s.next != Next::ReadChunk) return s;
  EXPECT_EQ(proto.chunk_remaining(), payload.size());
  proto.on_chunk_data(payload);
  return proto.end_of_chunk();
}

TEST(ServerProtocolBdat, ChunksAreConcatenatedRawAndHandedOverAtLast) {
  auto o = chunking();
  SessionInfo info;
  ServerProtocol proto(o, info);
  for (const char* l : {"EHLO c", "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>"}) run(proto, l);
  Step s = bdat(proto, "BDAT 4", "ab\r\n");
  EXPECT_EQ(s.reply.code, 250);
  EXPECT_EQ(proto.state(), SessionState::Bdat);
  EXPECT_EQ(run(proto, "DATA").reply.code, 503);  // no DATA in a BDAT transaction
  s = bdat(proto, "BDAT 3 LAST", ".\r\n");
  EXPECT_EQ(s.next, Next::EndOfData);
  EXPECT_FALSE(proto.data_problem());
  EXPECT_EQ(proto.take_transaction().data, "ab\r\n.\r\n");
  EXPECT_EQ(proto.state(), SessionState::WaitMail);
}

TEST(ServerProtocolBdat, RefusedBdatStillConsumesItsChunk) {
  auto o = chunking();
  SessionInfo info;
  ServerProtocol proto(o, info);
  run(proto, "EHLO c");
  Step s = run(proto, "BDAT 5");
  EXPECT_EQ(s.next, Next::ReadChunk);
  EXPECT_EQ(proto.chunk_remaining(), 5u);
  proto.on_chunk_data("hello");
  EXPECT_EQ(proto.end_of_chunk().reply.code, 503);
}

TEST(ServerProtocolBdat, OversizedMessageIs552AndTheTransactionDropped) {
  auto o = chunking();
  SessionInfo info;
  ServerProtocol proto(o, info);
  for (const char* l : {"EHLO c", "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>"}) run(proto, l);
  Step s = bdat(proto, "BDAT 30 LAST", std::string(30, 'x'));
  EXPECT_EQ(s.reply.code, 552);
  EXPECT_EQ(proto.state(), SessionState::WaitMail);
}

TEST(ServerProtocolBdat, NotImplementedWithoutChunking) {
  ServerOptions o;
  SessionInfo info;
  ServerProtocol proto(o, info);
  for (const char* l : {"EHLO c", "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>"}) run(proto, l);
  EXPECT_EQ(run(proto, "BDAT 1 LAST").reply.code, 502);
}

TEST(ServerProtocolStarttls, OfferedOnceWithAContextOutsideATransaction) {
  auto creds = fakemx::tls::make_credentials(fakemx::tls::CertVariant::Valid, "mx", "");
  ASSERT_TRUE(creds);
  ServerOptions o;
  o.tls = *make_tls_context({creds->chain_pem, creds->private_key_pem});
  SessionInfo info;
  ServerProtocol proto(o, info);
  EXPECT_NE(run(proto, "EHLO c").reply.text().find("STARTTLS"), std::string::npos);
  run(proto, "MAIL FROM:<a@b.example>");
  EXPECT_EQ(run(proto, "STARTTLS").reply.code, 503);  // mail transaction in progress
  run(proto, "RSET");
  EXPECT_EQ(run(proto, "STARTTLS X").reply.code, 501);
  Step s = run(proto, "STARTTLS");
  EXPECT_EQ(s.reply.code, 220);
  EXPECT_EQ(s.next, Next::StartTls);
  info.tls = true;  // what the engine records after the handshake
  ServerProtocol after(o, info);
  EXPECT_EQ(run(after, "EHLO c").reply.text().find("STARTTLS"), std::string::npos);
  EXPECT_EQ(run(after, "STARTTLS").reply.code, 503);
}

TEST(ServerProtocolLimits, MaxMessagesPerConnectionRefusesTheNextMailWith421) {
  ServerOptions o;
  o.max_messages_per_connection = 1;
  SessionInfo info;
  ServerProtocol proto(o, info);
  for (const char* l : {"EHLO c", "MAIL FROM:<a@b.example>", "RCPT TO:<c@d.example>", "DATA"}) run(proto, l);
  proto.on_data_line(".");
  proto.take_transaction();
  Step s = run(proto, "MAIL FROM:<a@b.example>");
  EXPECT_EQ(s.reply.code, 421);
  EXPECT_EQ(s.next, Next::Close);
}

// ---- AUTH (RFC 4954): a fake server's exchange, any credentials accepted ----

ServerOptions with_auth() {
  ServerOptions o;
  o.auth_mechanisms = {"PLAIN", "LOGIN", "CRAM-MD5"};
  return o;
}

// Feeds a response line of an AUTH exchange.
Step respond(ServerProtocol& proto, std::string_view line) {
  EXPECT_TRUE(proto.auth_pending());
  return proto.on_auth_response(line);
}

TEST(ServerProtocolAuth, PlainWithAnInitialResponse) {
  auto options = with_auth();
  SessionInfo info;
  ServerProtocol proto(options, info);
  run(proto, "EHLO c");
  Step s = run(proto, ("AUTH PLAIN " + base64_encode(std::string("\0alice\0secret", 13))).c_str());
  EXPECT_EQ(s.reply.summary(), "235 2.7.0 Authentication successful");
  EXPECT_FALSE(proto.auth_pending());
  EXPECT_TRUE(info.authenticated);
  EXPECT_EQ(info.auth_user, "alice");
  EXPECT_EQ(run(proto, "AUTH PLAIN").reply.code, 503);  // once per session
  EXPECT_EQ(run(proto, "MAIL FROM:<a@b.example>").reply.code, 250);
}

TEST(ServerProtocolAuth, PlainAfterAnEmptyChallengeAndLoginInTwoSteps) {
  auto options = with_auth();
  SessionInfo info;
  ServerProtocol proto(options, info);
  run(proto, "EHLO c");
  EXPECT_EQ(run(proto, "auth plain").reply.encode(), "334 \r\n");  // RFC 4954 4: "334" SP, even when empty
  EXPECT_EQ(respond(proto, base64_encode(std::string("\0bob\0pw", 8))).reply.code, 235);
  EXPECT_EQ(info.auth_user, "bob");

  SessionInfo info2;
  ServerProtocol login(options, info2);
  run(login, "EHLO c");
  Step s = run(login, "AUTH LOGIN");
  EXPECT_EQ(s.reply.summary(), "334 " + base64_encode("Username:"));
  s = respond(login, base64_encode("carol"));
  EXPECT_EQ(s.reply.summary(), "334 " + base64_encode("Password:"));
  EXPECT_EQ(respond(login, base64_encode("pw")).reply.code, 235);
  EXPECT_EQ(info2.auth_user, "carol");
}

TEST(ServerProtocolAuth, OtherMechanismsGetOneChallenge) {
  auto options = with_auth();
  SessionInfo info;
  info.session_id = "S1";
  ServerProtocol proto(options, info);
  run(proto, "EHLO c");
  Step s = run(proto, "AUTH CRAM-MD5");
  ASSERT_EQ(s.reply.code, 334);
  EXPECT_EQ(base64_decode(s.reply.text()), "<S1@localhost>");
  EXPECT_EQ(respond(proto, base64_encode("user 0123abcd")).reply.code, 235);
  EXPECT_TRUE(info.authenticated);

  SessionInfo info2;
  ServerProtocol initial(options, info2);  // an initial response needs no challenge
  run(initial, "EHLO c");
  EXPECT_EQ(run(initial, ("AUTH CRAM-MD5 " + base64_encode("user 0123abcd")).c_str()).reply.code, 235);
  EXPECT_FALSE(initial.auth_pending());
}

struct AuthRow {
  const char* name;
  std::vector<const char*> lines;
  int code;
  const char* enhanced;
};

class ServerProtocolAuthRefusals : public ::testing::TestWithParam<AuthRow> {};

TEST_P(ServerProtocolAuthRefusals, RefusedWithTheRightReply) {
  const AuthRow& row = GetParam();
  auto options = with_auth();
  SessionInfo info;
  ServerProtocol proto(options, info);
  Step step;
  for (const char* line : row.lines) step = proto.auth_pending() ? proto.on_auth_response(line) : run(proto, line);
  EXPECT_EQ(step.reply.code, row.code) << row.name << ": " << step.reply.summary();
  ASSERT_TRUE(step.reply.enhanced) << row.name;
  EXPECT_EQ(step.reply.enhanced->str(), row.enhanced) << row.name;
  EXPECT_FALSE(info.authenticated) << row.name;
  EXPECT_FALSE(proto.auth_pending()) << row.name;
}

const AuthRow kAuthRows[] = {
    {"before ehlo", {"AUTH PLAIN"}, 503, "5.5.1"},
    {"after helo", {"HELO c", "AUTH PLAIN"}, 503, "5.5.1"},
    {"in a transaction", {"EHLO c", "MAIL FROM:<a@b.example>", "AUTH PLAIN"}, 503, "5.5.1"},
    {"mechanism not offered", {"EHLO c", "AUTH GSSAPI"}, 504, "5.5.4"},
    {"client cancels", {"EHLO c", "AUTH LOGIN", "*"}, 501, "5.7.0"},
    {"response not base64", {"EHLO c", "AUTH PLAIN", "not base64!"}, 501, "5.5.2"},
    {"plain without the NUL separators", {"EHLO c", "AUTH PLAIN", "YWxpY2U="}, 501, "5.5.2"},
};

INSTANTIATE_TEST_SUITE_P(Auth, ServerProtocolAuthRefusals, ::testing::ValuesIn(kAuthRows));

TEST(ServerProtocolAuth, NotOfferedIs502) {
  ServerOptions options;
  SessionInfo info;
  ServerProtocol proto(options, info);
  run(proto, "EHLO c");
  EXPECT_EQ(run(proto, "EHLO c").reply.text().find("AUTH"), std::string::npos);
  EXPECT_EQ(run(proto, "AUTH PLAIN").reply.code, 502);
}

}  // namespace
