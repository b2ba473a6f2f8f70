// mtad config loading: the shipped example loads with every field set, and each bad value or
// unknown key yields the exact "file:line: key: message" text.
#include "mta/config/mta_config.hpp"

#include <gtest/gtest.h>

using namespace mxlab::config;
using namespace std::chrono_literals;

namespace {

TEST(MtaConfig, ShippedExampleLoadsEveryKey) {
  auto c = load_mta_config_file(MXLAB_SOURCE_DIR "/examples/mtad.yaml");
  ASSERT_TRUE(c.ok()) << c.error().str();
  EXPECT_EQ(c->hostname, "mx.example.net");
  ASSERT_EQ(c->listeners.size(), 2u);
  EXPECT_EQ(c->listeners[1].address, "::1");
  EXPECT_EQ(c->listeners[1].port, 2525);
  EXPECT_EQ(c->spool.path, "/var/spool/mtad");
  EXPECT_TRUE(c->spool.sync);
  EXPECT_EQ(c->resolver.nameservers, (std::vector<std::string>{"127.0.0.1:5353", "[::1]:53"}));
  EXPECT_EQ(c->resolver.timeout, 2s);
  EXPECT_EQ(c->resolver.attempts, 2);
  EXPECT_EQ(c->delivery.port, 25);
  EXPECT_EQ(c->delivery.ehlo_name, "mx.example.net");
  EXPECT_EQ(c->delivery.command_timeout, 5min);
  EXPECT_EQ(c->delivery.data_timeout, 10min);
  EXPECT_EQ(c->delivery.max_mx_addresses, 5);
  EXPECT_EQ(c->delivery.max_deliveries_per_connection, 1024);
  EXPECT_EQ(c->delivery.max_recipients_per_transaction, 100);
  EXPECT_EQ(c->delivery.idle_timeout, 60s);
  EXPECT_EQ(c->delivery.tls.mode, TlsMode::OpportunisticInsecure);
  EXPECT_EQ(c->delivery.tls.ca_file, "");
  EXPECT_EQ(c->delivery.tls_for("Bank.Example").mode, TlsMode::Required);
  EXPECT_EQ(c->delivery.tls_for("other.example").mode, TlsMode::OpportunisticInsecure);
  EXPECT_EQ(c->retry.initial_interval, 20min);
  EXPECT_EQ(c->retry.multiplier, 2.0);
  EXPECT_EQ(c->retry.max_interval, 0ms);
  EXPECT_EQ(c->retry.max_age, 7 * 24h);
  EXPECT_EQ(c->retry.jitter, 0.2);
  EXPECT_FALSE(c->retry.seed.has_value());
  EXPECT_EQ(c->queues.tenant_header, "X-Tenant");
  EXPECT_EQ(c->queues.routing_domain_header, "X-Routing-Domain");
  ASSERT_EQ(c->bounce_rules.rules.size(), 2u);
  EXPECT_EQ(c->bounce_rules.rules[1].class_name, "TooManyRecipients");
  EXPECT_EQ(c->bounce_rules.rules[1].match, "^452 4\\.5\\.3 ");
  EXPECT_TRUE(c->admin.enabled);
  EXPECT_EQ(c->admin.port, 8000);
  EXPECT_EQ(c->admin.trusted_hosts, (std::vector<std::string>{"127.0.0.1/32", "::1/128"}));
  EXPECT_EQ(c->log.path, "/var/log/mtad/delivery.jsonl");
  EXPECT_EQ(c->limits.max_message_size, 25u * 1024 * 1024);
  EXPECT_EQ(c->limits.max_line_length, 1000u);
  EXPECT_EQ(c->limits.max_recipients, 100u);
  EXPECT_EQ(c->limits.idle_timeout, 5min);
  EXPECT_EQ(c->limits.session_timeout, 30min);
  EXPECT_EQ(c->limits.max_connections, 1000u);
  EXPECT_EQ(c->limits.max_connections_per_ip, 50u);
  EXPECT_EQ(c->spool.min_free_space, 64u * 1024 * 1024);
  EXPECT_EQ(c->admin.token, "");
  EXPECT_FALSE(c->admin.allow_unauthenticated);
}

TEST(MtaConfig, SafeDefaultsForLimitsSpoolAndAdmin) {
  MtaConfig c;
  EXPECT_EQ(c.limits.max_connections_per_ip, 50u);
  EXPECT_EQ(c.limits.session_timeout, 30min);
  EXPECT_EQ(c.spool.min_free_space, 64u * 1024 * 1024);
  EXPECT_EQ(c.admin.address, "127.0.0.1");
  EXPECT_FALSE(c.admin.allow_unauthenticated);
}

TEST(MtaConfig, EmptyFileGivesDefaults) {
  auto c = load_mta_config_text("", "mtad.yaml");
  ASSERT_TRUE(c.ok()) << c.error().str();
  EXPECT_EQ(c->listeners.size(), 1u);
  EXPECT_EQ(c->retry.initial_interval, 20min);
}

TEST(MtaConfig, TestStyleOverridesShrinkIntervals) {
  auto c = load_mta_config_text(
      "listeners: [{port: 0}]\nretry: {initial_interval: 500ms, multiplier: 1}\n", "t.yaml");
  ASSERT_TRUE(c.ok()) << c.error().str();
  EXPECT_EQ(c->listeners[0].address, "127.0.0.1");
  EXPECT_EQ(c->listeners[0].port, 0);
  EXPECT_EQ(c->retry.initial_interval, 500ms);
}

TEST(MtaConfig, MissingFileIsAnError) {
  auto c = load_mta_config_file("/nonexistent/mtad.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().str(), "/nonexistent/mtad.yaml: cannot read file: No such file or directory");
}

struct BadCase {
  const char* yaml;
  const char* error;
};

TEST(MtaConfig, EachBadValueNamesFileLineAndKey) {
  const BadCase cases[] = {
      {"hostname: x\nretry:\n  initial_interval: soon\n",
       "mtad.yaml:3: retry.initial_interval: bad duration 'soon' (use 500ms, 30s, 20m, 2h, 7d)"},
      {"retry:\n  initial_interval: 0s\n", "mtad.yaml:2: retry.initial_interval: must be greater than zero"},
      {"retry:\n  jitter: 1.5\n", "mtad.yaml:2: retry.jitter: must be between 0 and 1 (a fraction of the interval)"},
      {"retry:\n  seed: -1\n", "mtad.yaml:2: retry.seed: -1 is out of range (at least 0)"},
      {"queues:\n  tenant_header: \"X Tenant\"\n", "mtad.yaml:2: queues.tenant_header: bad header name 'X Tenant'"},
      {"bounce_rules:\n  rules:\n    - class: SpamBlock\n      match: \"(oops\"\n", "mtad.yaml:4: bounce_rules.rules[0].match: bad regex: Unmatched marking parenthesis ( or \\(.  The error "
       "occurred while parsing the regular expression: '(oops>>>HERE>>>'."},
      {"retry:\n  multiplier: 0.5\n",
       "mtad.yaml:2: retry.multiplier: must be at least 1 (intervals never shrink)"},
      {"retry:\n  multiplier: fast\n", "mtad.yaml:2: retry.multiplier: bad number 'fast'"},
      {"retry:\n  max_age: -1d\n",
       "mtad.yaml:2: retry.max_age: bad duration '-1d' (use 500ms, 30s, 20m, 2h, 7d)"},
      {"listeners:\n  - address: 127.0.0.1\n    port: 70000\n",
       "mtad.yaml:3: listeners[0].port: bad port '70000' (use 0-65535)"},
      {"listeners:\n  - address: localhost\n",
       "mtad.yaml:2: listeners[0].address: bad address 'localhost' (use an IP literal: 127.0.0.1, ::1, 0.0.0.0)"},
      {"listeners:\n  - 2525\n", "mtad.yaml:2: listeners[0]: expected a mapping, got '2525'"},
      {"listeners: {port: 25}\n", "mtad.yaml:1: listeners: expected a list, got a mapping"},
      {"spool:\n  sync: maybe\n", "mtad.yaml:2: spool.sync: bad boolean 'maybe' (use true or false)"},
      {"spool:\n  path: \"\"\n", "mtad.yaml:2: spool.path: must not be empty"},
      {"resolver:\n  nameservers:\n    - 127.0.0.1:53\n    - 8.8.8.8\n",
       "mtad.yaml:4: resolver.nameservers[1]: bad nameserver '8.8.8.8' (use address:port, e.g. 127.0.0.1:5353 or [::1]:53)"},
      {"resolver:\n  attempts: 0\n", "mtad.yaml:2: resolver.attempts: 0 is out of range (at least 1)"},
      {"resolver:\n  attempts: two\n", "mtad.yaml:2: resolver.attempts: bad integer 'two'"},
      {"delivery:\n  port: 0\n", "mtad.yaml:2: delivery.port: bad port '0' (use 1-65535)"},
      {"delivery:\n  tls: {mode: maybe}\n",
       "mtad.yaml:2: delivery.tls.mode: bad TLS mode 'maybe' (use opportunistic, opportunistic-insecure, required, "
       "required-insecure or disabled)"},
      {"delivery:\n  tls_domains:\n    a.example: {ca_file: /nonexistent/ca.pem}\n",
       "mtad.yaml:3: delivery.tls_domains.a.example.ca_file: cannot read CA file '/nonexistent/ca.pem'"},
      {"delivery:\n  tls: {verify: true}\n", "mtad.yaml:2: delivery.tls.verify: unknown key"},
      {"delivery:\n  data_timeout: [1, 2]\n", "mtad.yaml:2: delivery.data_timeout: expected a single value, got a list"},
      {"admin:\n  trusted_hosts: [10.0.0.0/33]\n",
       "mtad.yaml:2: admin.trusted_hosts[0]: bad network '10.0.0.0/33' (use address/prefix, e.g. 10.0.0.0/8)"},
      {"limits:\n  max_message_size: 25XB\n",
       "mtad.yaml:2: limits.max_message_size: bad size '25XB' (use 1000, 10k, 25MB, 1G)"},
      {"limits:\n  max_recipients: 0\n", "mtad.yaml:2: limits.max_recipients: 0 is out of range (at least 1)"},
      {"limits:\n  max_connections: 0\n", "mtad.yaml:2: limits.max_connections: 0 is out of range (at least 1)"},
      {"limits:\n  session_timeout: 0s\n", "mtad.yaml:2: limits.session_timeout: must be greater than zero"},
      {"spool:\n  min_free_space: lots\n", "mtad.yaml:2: spool.min_free_space: bad size 'lots' (use 1000, 10k, 25MB, 1G)"},
      {"admin:\n  token: \"a b\"\n", "mtad.yaml:2: admin.token: must be printable ASCII without spaces"},
      {"log: /var/log/x\n", "mtad.yaml:1: log: expected a mapping, got '/var/log/x'"},
  };
  for (const auto& c : cases) {
    auto r = load_mta_config_text(c.yaml, "mtad.yaml");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_EQ(r.error().str(), c.error) << c.yaml;
  }
}

TEST(MtaConfig, UnknownAndDuplicateKeysAreErrors) {
  const BadCase cases[] = {
      {"hostname: a\nhost_name: b\n", "mtad.yaml:2: host_name: unknown key (did you mean 'hostname'?)"},
      {"retry:\n  initial_intervall: 1s\n",
       "mtad.yaml:2: retry.initial_intervall: unknown key (did you mean 'initial_interval'?)"},
      {"listeners:\n  - address: 127.0.0.1\n    tls: true\n", "mtad.yaml:3: listeners[0].tls: unknown key"},
      {"dkim: {}\n", "mtad.yaml:1: dkim: unknown key"},
      {"hostname: a\nhostname: b\n", "mtad.yaml:2: hostname: duplicate key (first at line 1)"},
  };
  for (const auto& c : cases) {
    auto r = load_mta_config_text(c.yaml, "mtad.yaml");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_EQ(r.error().str(), c.error) << c.yaml;
  }
}

TEST(MtaConfig, SyntaxErrorNamesTheLine) {
  auto r = load_mta_config_text("hostname: a\nretry:\n  multiplier: [2\n", "mtad.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().file, "mtad.yaml");
  EXPECT_GT(r.error().line, 0);
  EXPECT_EQ(r.error().str().rfind("mtad.yaml:", 0), 0u) << r.error().str();
  EXPECT_NE(r.error().message.find("YAML syntax error"), std::string::npos);
}

TEST(ConfigError, StrOmitsUnknownParts) {
  EXPECT_EQ((ConfigError{"a.yaml", 3, "x.y", "bad"}).str(), "a.yaml:3: x.y: bad");
  EXPECT_EQ((ConfigError{"a.yaml", 0, "", "bad"}).str(), "a.yaml: bad");
  EXPECT_EQ((ConfigError{"", 0, "", "bad"}).str(), "bad");
}

}  // namespace
