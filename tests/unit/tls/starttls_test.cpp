// TLS in the shared session engine: STARTTLS (RFC 3207) restarts the session and discards
// commands pipelined behind it (the STARTTLS command injection defence), implicit TLS (RFC
// 8314) greets only after the handshake, and the handshake has a deadline (implicit, or after
// STARTTLS).
#include <gtest/gtest.h>

#include "mta/trace/trace_hub.hpp"
#include "sim/fake_mx/tls/cert_factory.hpp"
#include "tests/unit/server/wire_client.hpp"
#include "tests/unit/tls/tls_client.hpp"

using namespace mxlab;
using namespace std::chrono_literals;
using wire::TestServer;
using wire::TlsClient;
using wire::WireClient;

namespace {

std::shared_ptr<const server::TlsContext> context() {
  auto creds = fakemx::tls::make_credentials(fakemx::tls::CertVariant::Valid, "mx.tls.test", "127.0.0.1");
  EXPECT_TRUE(creds) << creds.error();
  auto ctx = server::make_tls_context({creds->chain_pem, creds->private_key_pem});
  EXPECT_TRUE(ctx) << ctx.error();
  return *ctx;
}

server::ServerOptions tls_options(bool implicit = false) {
  server::ServerOptions o;
  o.tls = context();
  o.implicit_tls = implicit;
  return o;
}

TEST(Starttls, AdvertisedOnlyWithATlsContext) {
  TestServer plain(server::ServerOptions{});
  WireClient a("127.0.0.1", plain.server.port());
  a.read_reply();
  a.send("EHLO c\r\nSTARTTLS\r\n");
  EXPECT_EQ(a.read_reply().find("STARTTLS"), std::string::npos);
  EXPECT_EQ(a.read_reply().substr(0, 9), "502 5.5.1");

  TestServer tls(tls_options());
  WireClient b("127.0.0.1", tls.server.port());
  b.read_reply();
  b.send("EHLO c\r\n");
  EXPECT_NE(b.read_reply().find("250 STARTTLS\r\n"), std::string::npos);
}

TEST(Starttls, CommandsPipelinedAfterStarttlsAreDiscardedAndTheSessionRestarts) {
  TestServer s(tls_options());
  WireClient c("127.0.0.1", s.server.port());
  c.read_reply();
  c.send("EHLO c\r\n");
  c.read_reply();
  // The injection: a plaintext command in the same segment as STARTTLS.
  c.send("STARTTLS\r\nMAIL FROM:<injected@evil.example>\r\n");
  EXPECT_EQ(c.read_reply().substr(0, 9), "220 2.0.0");
  TlsClient t(c.socket().native_handle());
  ASSERT_TRUE(t.handshake());
  t.send("MAIL FROM:<a@example.com>\r\n");
  // First reply over TLS answers our MAIL, and refuses it: the EHLO from before TLS is forgotten.
  EXPECT_EQ(t.read_reply().substr(0, 9), "503 5.5.1");
  t.send("EHLO after.tls\r\n");
  std::string ehlo = t.read_reply();
  EXPECT_EQ(ehlo.find("STARTTLS"), std::string::npos) << ehlo;  // RFC 3207 4.2: not offered again
  t.send("STARTTLS\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.net>\r\nDATA\r\nhi\r\n.\r\n");
  EXPECT_EQ(t.read_reply().substr(0, 9), "503 5.5.1");  // TLS already active
  EXPECT_EQ(t.read_reply().substr(0, 4), "250 ");
  EXPECT_EQ(t.read_reply().substr(0, 4), "250 ");
  EXPECT_EQ(t.read_reply().substr(0, 4), "354 ");
  EXPECT_EQ(t.read_reply().substr(0, 4), "250 ");
  std::lock_guard lock(s.handler.mu);
  EXPECT_TRUE(s.handler.last_info.tls);
  EXPECT_EQ(s.handler.last_info.tls_version, t.version());
  EXPECT_FALSE(s.handler.last_info.tls_cipher.empty());
  EXPECT_EQ(s.handler.last_info.helo, "after.tls");
}

// The server trace (issue 6): a Diagnostic names the handshake's version, cipher and peer, and
// every event after it carries tls_* in its conn_meta next to the new EHLO name.
TEST(Starttls, ServerTraceShowsTheHandshakeAndTlsConnMeta) {
  trace::TraceHub hub;  // outlives the server that publishes to it
  auto sub = hub.subscribe({trace::Direction::Server, {}, 1000});
  TestServer s(tls_options(), nullptr, "127.0.0.1", &hub);
  WireClient c("127.0.0.1", s.server.port());
  c.read_reply();
  c.send("EHLO before.tls\r\n");
  c.read_reply();
  c.send("STARTTLS\r\n");
  ASSERT_EQ(c.read_reply().substr(0, 3), "220");
  TlsClient t(c.socket().native_handle());
  ASSERT_TRUE(t.handshake());
  t.send("EHLO after.tls\r\n");
  t.read_reply();

  std::shared_ptr<const trace::TraceEvent> established, ehlo_after;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!ehlo_after && std::chrono::steady_clock::now() < deadline) {
    auto e = sub->next(100ms);
    if (!e) continue;
    if (e->kind == trace::EventKind::Diagnostic && e->payload.starts_with("TLS established")) established = e;
    if (e->kind == trace::EventKind::Read && e->payload == "EHLO after.tls\r\n") ehlo_after = e;
  }
  ASSERT_TRUE(established);
  ASSERT_TRUE(ehlo_after);
  EXPECT_NE(established->payload.find(t.version()), std::string::npos) << established->payload;
  EXPECT_NE(established->payload.find("no client certificate"), std::string::npos) << established->payload;
  const auto& meta = *ehlo_after->meta;
  EXPECT_EQ(meta.at("tls_protocol_version").as_string(), t.version());
  EXPECT_FALSE(meta.at("tls_cipher").as_string().empty());
  EXPECT_TRUE(meta.at("tls_peer_subject_name").is_null());
  EXPECT_TRUE(sub->counts().balanced());
}

TEST(ImplicitTls, GreetsOverTlsAfterTheHandshake) {
  TestServer s(tls_options(true));
  WireClient c("127.0.0.1", s.server.port());
  TlsClient t(c.socket().native_handle());
  ASSERT_TRUE(t.handshake());
  EXPECT_EQ(t.read_reply().substr(0, 4), "220 ");
  t.send("EHLO c\r\n");
  std::string ehlo = t.read_reply();
  EXPECT_EQ(ehlo.substr(0, 4), "250-");
  EXPECT_EQ(ehlo.find("STARTTLS"), std::string::npos) << ehlo;
}

TEST(ImplicitTls, ASilentClientIsDroppedAtTheHandshakeDeadline) {
  auto o = tls_options(true);
  o.handshake_timeout = 200ms;
  TestServer s(o);
  WireClient c("127.0.0.1", s.server.port(), 3s);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(c.read_to_close(), "");
  EXPECT_EQ(c.error(), boost::asio::error::eof) << c.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

// STARTTLS answered, then half a ClientHello and silence: the handshake deadline ends it, and the
// session's slot is free again.
TEST(Starttls, AHandshakeThatNeverCompletesIsDroppedAtItsDeadline) {
  auto o = tls_options();
  o.handshake_timeout = 200ms;
  TestServer s(o);
  WireClient c("127.0.0.1", s.server.port(), 3s);
  c.read_reply();
  c.send("EHLO c\r\nSTARTTLS\r\n");
  c.read_reply();
  EXPECT_EQ(c.read_reply(), "220 2.0.0 Ready to start TLS\r\n");
  auto start = std::chrono::steady_clock::now();
  c.send(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11));  // a TLS record header, then nothing
  EXPECT_EQ(c.read_to_close(), "");
  EXPECT_EQ(c.error(), boost::asio::error::eof) << c.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  auto until = std::chrono::steady_clock::now() + 2s;  // the count drops just after the close
  while (s.server.active_sessions() != 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(s.server.active_sessions(), 0u);
}

}  // namespace
