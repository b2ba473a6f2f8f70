// mtad's configuration model. These structs are the schema: the YAML loader, the Python
// bindings and scenario files all fill the same structs. Durations are milliseconds so tests
// can shrink every interval; YAML accepts "500ms", "30s", "20m", "2h", "7d" or plain seconds.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
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

struct DeliveryConfig {
  std::uint16_t port = 25;  // destination port for every MX (tests point it at fakemx)
  std::string ehlo_name;    // defaults to hostname
  Millis connect_timeout{30000};
  Millis command_timeout{300000};  // RFC 5321 4.5.3.2 suggests minutes; tests shrink it
  Millis data_timeout{600000};
  int max_mx_addresses = 5;  // Postfix smtp_mx_address_limit
};

struct RetryConfig {
  Millis initial_interval{20 * 60 * 1000};  // KumoMTA retry_interval
  double multiplier = 2.0;
  Millis max_interval{0};                   // 0 = no cap
  Millis max_age{7LL * 24 * 3600 * 1000};   // give up (Expiration) after this
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

}  // namespace mxlab::config
