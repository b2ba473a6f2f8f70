// Table tests for the ServerProtocol additions: BDAT (RFC 3030), STARTTLS (RFC 3207) with a TLS
// context, and the messages-per-connection limit. Sockets play no part: chunks are fed directly.
#include <gtest/gtest.h>

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

}  // namespace
