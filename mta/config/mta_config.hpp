// mtad's configuration model. These structs are the schema: the YAML loader, the Python
// bindings and scenario files all fill the same structs. Durations are milliseconds so tests
// can shrink every interval; YAML accepts "500ms", "30s", "20m", "2h", "7d" or plain seconds.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/common/expected.hpp"

namespace mxlab::config {

using Millis = std::chrono::milliseconds;

struct ListenerConfig {
  std::string address = "127.0.0.1";
  std::uint16_t port = 2525;  // 0 = ephemeral (tests)
};

struct SpoolConfig {
  std::string path = "/var/spool/mtad";
  bool sync = true;  // fsync the WAL before the 250 (see docs/ARCHITECTURE.md, durability)
  std::size_t min_free_space = 64 * 1024 * 1024;  // below this, new mail gets 451 4.3.1; 0 = no check
};

struct ResolverConfig {
  std::vector<std::string> nameservers;  // "address:port"; empty = /etc/resolv.conf
  Millis timeout{2000};
  int attempts = 2;
};

// Outbound STARTTLS policy (RFC 3207), KumoMTA's enable_tls values; what each mode does on each
// TLS fault is the table in docs/TLS_POLICY.md.
enum class TlsMode {
  Opportunistic,          // STARTTLS when offered, certificate verified; a failed handshake retries in plaintext
  OpportunisticInsecure,  // STARTTLS when offered, certificate not verified (KumoMTA's default)
  Required,               // TLS with a verified certificate, or no delivery to that host
  RequiredInsecure,       // TLS, certificate not verified, or no delivery to that host
  Disabled,               // never STARTTLS
};
std::string_view to_string(TlsMode m);  // "opportunistic", "opportunistic-insecure", ...
std::optional<TlsMode> parse_tls_mode(std::string_view name);

struct TlsPolicyConfig {
  TlsMode mode = TlsMode::OpportunisticInsecure;
  std::string ca_file;  // PEM trust anchors for verifying modes; empty = the system store
};

struct DeliveryConfig {
  std::uint16_t port = 25;  // destination port for every MX (tests point it at fakemx)
  std::string ehlo_name;    // defaults to hostname
  Millis connect_timeout{30000};
  Millis command_timeout{300000};  // RFC 5321 4.5.3.2 suggests minutes; tests shrink it
  Millis data_timeout{600000};
  int max_mx_addresses = 5;  // Postfix smtp_mx_address_limit
  // Connection reuse (KumoMTA's defaults): a connection that completed a transaction waits up to
  // idle_timeout for the next message to the same host; 0 = QUIT after every transaction.
  int max_deliveries_per_connection = 1024;
  int max_recipients_per_transaction = 100;  // KumoMTA max_recipients_per_batch; more are split
  Millis idle_timeout{60000};
  // KumoMTA's connection_limit: deliveries running at once per ready queue (egress source x
  // destination site); further attempts wait for one to finish. 0 = no limit.
  int connection_limit = 32;
  TlsPolicyConfig tls;
  // Per recipient domain (lower case); an entry starts as a copy of `tls` and overrides its keys.
  std::map<std::string, TlsPolicyConfig> tls_domains;
  const TlsPolicyConfig& tls_for(std::string_view domain) const;
};

struct RetryConfig {
  Millis initial_interval{20 * 60 * 1000};  // KumoMTA retry_interval
  double multiplier = 2.0;
  Millis max_interval{0};                   // 0 = no cap
  Millis max_age{7LL * 24 * 3600 * 1000};   // give up (Expiration) after this
  // Each interval is spread uniformly over +-jitter of itself (KumoMTA jitters its retries) so
  // mail deferred together does not retry together; 0 = exact intervals.
  double jitter = 0.2;
  std::optional<std::uint64_t> seed;  // jitter generator seed; absent = random per start
};

struct AdminConfig {
  bool enabled = true;
  std::string address = "127.0.0.1";
  std::uint16_t port = 8000;  // 0 = ephemeral
  std::vector<std::string> trusted_hosts = {"127.0.0.1/32", "::1/128"};
  // Required (Bearer, or Basic with it as password) when set; mtad will not listen beyond
  // loopback without one unless allow_unauthenticated is true.
  std::string token;
  bool allow_unauthenticated = false;
};

struct LogConfig {
  std::string path;  // JSON lines; empty = no file
  std::string postfix_path;  // Postfix-style syslog lines (mta/log/postfix_log.hpp); empty = none
};

// Where a message's scheduled queue (KumoMTA: "campaign:tenant@domain!routing_domain") comes from:
// these headers of mail received over SMTP, or the same-named fields of an HTTP injection. The
// routing domain replaces the recipient domain for the MX lookup. Empty name = not read.
struct QueuesConfig {
  std::string tenant_header = "X-Tenant";
  std::string campaign_header = "X-Campaign";
  std::string routing_domain_header = "X-Routing-Domain";
};

// Bounce classification rules (KumoMTA's bounce classifier): ordered regexes over the one-line
// reply, first match wins, then the IANA enhanced-status-code table.
struct BounceRuleConfig {
  std::string class_name;  // YAML "class": a KumoMTA class name or one of your own
  std::string match;       // Perl-style regex, searched in "550 5.1.1 text"
};
struct BounceRulesConfig {
  bool builtin_rules = true;  // append mxlab's shipped rules after these
  bool case_insensitive = true;
  std::vector<BounceRuleConfig> rules;
};

// Egress sources and pools (KumoMTA's define_egress_source / define_egress_pool). A source binds
// a local address and EHLO name; a pool spreads deliveries over its sources by weight (smooth
// weighted round robin). Mail uses the pool of its tenant (tenant_pools), else `pool`; with no
// pools at all it leaves from the "unspecified" source of the "unspecified" pool (the OS picks
// the address, delivery.ehlo_name names it).
struct EgressSourceConfig {
  std::string source_address;  // local IP to bind; empty = the OS's choice
  std::string ehlo_domain;     // empty = delivery.ehlo_name (or hostname)
};
struct EgressPoolEntry {
  std::string source;
  int weight = 1;
};
struct EgressConfig {
  std::map<std::string, EgressSourceConfig> sources;
  std::map<std::string, std::vector<EgressPoolEntry>> pools;
  std::string pool;                                  // the default pool; empty = "unspecified"
  std::map<std::string, std::string> tenant_pools;  // tenant -> pool
};

struct LimitsConfig {
  std::size_t max_message_size = 25 * 1024 * 1024;  // advertised as SIZE
  std::size_t max_line_length = 1000;               // RFC 5321 4.5.3.1.6 text line, with CRLF
  std::size_t max_recipients = 100;
  std::size_t max_connections = 1000;       // inbound sessions open at once; then 421 4.7.0
  std::size_t max_connections_per_ip = 50;  // from one peer address; 0 = no limit
  Millis idle_timeout{300000};              // each read or write of a session
  Millis session_timeout{1800000};          // a whole session, however busy (slowloris)
};

struct MtaConfig {
  std::string hostname = "localhost";
  std::vector<ListenerConfig> listeners = {ListenerConfig{}};
  SpoolConfig spool;
  ResolverConfig resolver;
  DeliveryConfig delivery;
  RetryConfig retry;
  AdminConfig admin;
  LogConfig log;
  LimitsConfig limits;
  BounceRulesConfig bounce_rules;
  QueuesConfig queues;
  EgressConfig egress;
};

// A configuration error names where it is: "mtad.yaml:12: retry.initial_interval: bad duration 'x'".
struct ConfigError {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  std::string key;  // dotted path
  std::string message;
  std::string str() const;
};

Expected<MtaConfig, ConfigError> load_mta_config_file(const std::string& path);
Expected<MtaConfig, ConfigError> load_mta_config_text(const std::string& yaml, const std::string& name);

namespace yaml {
class Reader;
}
// Fills `config` from one mapping (keys = field names), over the defaults already in it; for
// files that embed an mtad section, e.g. scenarios: r.map("mtad", [&](auto& m) { read_mta_config(m, c); }).
void read_mta_config(yaml::Reader& reader, MtaConfig& config);
// The bounce_rules mapping (also the whole of a standalone bounce rules file); regexes are
// compiled here so a bad one is reported at its own line.
void read_bounce_rules(yaml::Reader& reader, BounceRulesConfig& config);

}  // namespace mxlab::config
