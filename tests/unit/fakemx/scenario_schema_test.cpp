// The scenario schema's new keys and the errors bad files get (file, line, key, expectation).
#include <gtest/gtest.h>

#include "sim/fake_mx/scenario.hpp"

using namespace mxlab::fakemx;

namespace {

const char* kHead = "messages: [{from: a@b.test, to: [c@d.test]}]\nexpect: [{recipient: c@d.test, deferred: 451}]\n";

TEST(ScenarioSchema, HostOptionsRulesAndDnsFaults) {
  std::string text = std::string(kHead) + R"(dns:
  example.com: ["MX 10 mx1.example.com", "TLSA 3 1 1 abcd", "PTR mx1.example.com"]
dns_faults:
  example.com: {fault: servfail, times: 2}
  slow.example.com: {delay: 300ms}
dns_options: {authenticated_data: true, truncate_above: 200}
hosts:
  mx1.example.com:
    address: 127.0.0.2
    tarpit: true
    seed: 42
    max_recipients: 2
    max_messages_per_connection: 3
    greylist: {delay: 1s, attempts: 2}
    capabilities: {pipelining: false, size: 10k, dsn: true, auth: [PLAIN]}
    rules:
      - {stage: rcpt, recipient: "@example.com", skip: 1, times: 2, probability: 0.5,
         reply: ["550 5.7.1 line one", "line two"]}
      - {stage: data, after_bytes: 1k, action: reset}
)";
  auto s = load_scenario_text(text, "t.yaml");
  ASSERT_TRUE(s) << s.error().str();
  ASSERT_EQ(s->hosts.size(), 1u);
  const auto& h = s->hosts[0];
  EXPECT_TRUE(h.behaviour.tarpit);
  EXPECT_EQ(h.behaviour.seed, 42u);
  EXPECT_EQ(h.server.max_recipients, 2u);
  EXPECT_EQ(h.server.max_messages_per_connection, 3u);
  EXPECT_TRUE(h.behaviour.greylist.enabled);
  EXPECT_EQ(h.behaviour.greylist.attempts, 2);
  EXPECT_FALSE(h.server.pipelining);
  EXPECT_EQ(h.server.max_message_size, 10240u);
  EXPECT_TRUE(h.server.dsn);
  ASSERT_EQ(h.rules.size(), 2u);
  EXPECT_EQ(h.rules[0].text, "line one\nline two");
  EXPECT_EQ(h.rules[0].skip, 1);
  EXPECT_DOUBLE_EQ(h.rules[0].probability, 0.5);
  EXPECT_EQ(h.rules[1].after_bytes, 1024u);
  ASSERT_EQ(s->dns_faults.size(), 2u);
  EXPECT_EQ(s->dns_faults[0].second.times, 2);
  EXPECT_TRUE(s->dns_options.authenticated_data);
}

struct Bad {
  const char* yaml;
  const char* expected;  // substring of ConfigError::str()
};

TEST(ScenarioSchema, BadFilesNameLineKeyAndExpectation) {
  const Bad cases[] = {
      {"hosts:\n  mx:\n    address: 127.0.0.2\n    rules:\n      - {stage: rcpt, probability: 2, reply: \"451 x\"}\n",
       "expected a number from 0 to 1"},
      {"hosts:\n  mx:\n    address: 127.0.0.2\n    rules:\n      - {stage: rcpt, action: disconnect, recipient: \"/(/\"}\n",
       "regular expression"},
      {"hosts:\n  mx:\n    address: 127.0.0.2\n    rules:\n      - {stage: rcpt, action: explode}\n",
       "unknown action"},
      {"hosts:\n  mx:\n    address: 127.0.0.2\n    tarpit: maybe\n", "tarpit"},
      {"hosts:\n  mx:\n    address: 127.0.0.2\n    recording: everything\n", "expected full, envelopes or counts"},
      {"hosts:\n  mx:\n    address: 127.0.0.2\n    greylist: {delay: soon}\n", "greylist.delay"},
      {"dns_faults:\n  example.com: explode\n", "unknown fault"},
      {"hosts:\n  mx:\n    address: 127.0.0.2\n    rules:\n      - {stage: rcpt, after_bytes: 10, action: reset}\n",
       "after_bytes needs stage: data"},
      {"hosts:\n  mx:\n    address: 127.0.0.2\n    tls: {certificate: rotten}\n", "tls.certificate"},
      {"hosts:\n  mx:\n    address: 127.0.0.2\n    tls: {mode: sometimes}\n", "expected none, starttls or implicit"},
      {"hosts:\n  mx:\n    address: 127.0.0.2\n    tls: {max_version: \"1.4\"}\n", "expected 1.0, 1.1, 1.2 or 1.3"},
      {"hosts:\n  mx:\n    address: 127.0.0.2\n    tls: {starttls_reply: nope}\n", "tls.starttls_reply"},
  };
  for (const auto& c : cases) {
    auto s = load_scenario_text(std::string(kHead) + c.yaml, "bad.yaml");
    ASSERT_FALSE(s) << c.yaml;
    EXPECT_NE(s.error().str().find(c.expected), std::string::npos) << s.error().str();
    EXPECT_NE(s.error().str().find("bad.yaml:"), std::string::npos) << s.error().str();
    EXPECT_GT(s.error().line, 0) << s.error().str();
  }
}

TEST(ScenarioSchema, TlsKeys) {
  std::string text = std::string(kHead) + R"(hosts:
  mx1.example.com:
    address: 127.0.0.2
    tls: {certificate: expired, host_name: other.test, max_version: "1.1", ciphers: "AES128-SHA",
          handshake_abort: true, starttls_reply: "454 4.7.0 TLS not available"}
  mx2.example.com:
    address: 127.0.0.3
    tls: {mode: implicit, starttls_then_plaintext: true}
  mx3.example.com:
    address: 127.0.0.4
)";
  auto s = load_scenario_text(text, "t.yaml");
  ASSERT_TRUE(s) << s.error().str();
  const auto& a = s->hosts[0].tls;
  EXPECT_EQ(a.mode, TlsConfig::Mode::Starttls);  // a tls mapping without mode means STARTTLS
  EXPECT_EQ(a.certificate, tls::CertVariant::Expired);
  EXPECT_EQ(a.host_name, "other.test");
  EXPECT_EQ(a.max_version, "1.1");
  EXPECT_EQ(a.ciphers, "AES128-SHA");
  EXPECT_TRUE(a.handshake_abort);
  EXPECT_EQ(a.starttls_reply, "454 4.7.0 TLS not available");
  EXPECT_EQ(s->hosts[1].tls.mode, TlsConfig::Mode::Implicit);
  EXPECT_TRUE(s->hosts[1].tls.starttls_then_plaintext);
  EXPECT_EQ(s->hosts[2].tls.mode, TlsConfig::Mode::None);
}

TEST(ScenarioSchema, ServeNeedsNoMessages) {
  auto s = load_scenario_text("hosts:\n  mx:\n    address: 127.0.0.2\n", "serve.yaml", ScenarioUse::Serve);
  ASSERT_TRUE(s) << s.error().str();
  EXPECT_FALSE(load_scenario_text("hosts:\n  mx:\n    address: 127.0.0.2\n", "run.yaml"));
}

}  // namespace
