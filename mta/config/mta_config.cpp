// Loads MtaConfig from YAML: one read_* function per section, YAML keys = struct field names,
// every value validated where it is read so the error names its own line. Absent keys keep the
// struct defaults; unknown keys are errors (see yaml_reader.hpp).
#include "mta/config/mta_config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <boost/regex.hpp>
#include <array>
#include <charconv>
#include <fstream>

#include "mta/config/yaml_reader.hpp"

namespace mxlab::config {

namespace {

using yaml::Reader;

bool is_ip_literal(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// "127.0.0.1:5353" or "[::1]:53"; the port must be 1-65535.
bool is_host_port(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = s.substr(0, colon);
  std::string_view port = std::string_view(s).substr(colon + 1);
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || p == 0 || p > 65535) return false;
  unsigned char buf[16];
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    return inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), buf) == 1;
  return inet_pton(AF_INET, host.c_str(), buf) == 1;
}

// "10.0.0.0/8", "::1/128"; a bare address means the host itself.
bool is_cidr(const std::string& s) {
  auto slash = s.find('/');
  std::string addr = s.substr(0, slash);
  unsigned char buf[16];
  unsigned max = inet_pton(AF_INET, addr.c_str(), buf) == 1    ? 32
                 : inet_pton(AF_INET6, addr.c_str(), buf) == 1 ? 128
                                                               : 0;
  if (max == 0) return false;
  if (slash == std::string::npos) return true;
  std::string_view len = std::string_view(s).substr(slash + 1);
  unsigned n = 0;
  auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), n);
  return !len.empty() && ec == std::errc() && end == len.data() + len.size() && n <= max;
}

void positive(Reader& r, std::string_view key, Millis& out) {
  if (r.duration(key, out)) r.check(key, out.count() > 0, "must be greater than zero");
}

void address(Reader& r, std::string_view key, std::string& out) {
  if (r.string(key, out))
    r.check(key, is_ip_literal(out), "bad address '" + out + "' (use an IP literal: 127.0.0.1, ::1, 0.0.0.0)");
}

void read_listener(Reader& r, ListenerConfig& c) {
  address(r, "address", c.address);
  r.port("port", c.port);
}

void read_spool(Reader& r, SpoolConfig& c) {
  if (r.string("path", c.path)) r.check("path", !c.path.empty(), "must not be empty");
  r.boolean("sync", c.sync);
  r.size("min_free_space", c.min_free_space);
}

void read_resolver(Reader& r, ResolverConfig& c) {
  r.strings("nameservers", c.nameservers, [](const std::string& ns) {
    return is_host_port(ns) ? "" : "bad nameserver '" + ns + "' (use address:port, e.g. 127.0.0.1:5353 or [::1]:53)";
  });
  positive(r, "timeout", c.timeout);
  r.integer("attempts", c.attempts, 1);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return s;
}

void read_tls(Reader& r, TlsPolicyConfig& c) {
  std::string mode;
  if (r.string("mode", mode)) {
    auto m = parse_tls_mode(mode);
    r.check("mode", m.has_value(),
            "bad TLS mode '" + mode +
                "' (use opportunistic, opportunistic-insecure, required, required-insecure or disabled)");
    if (m) c.mode = *m;
  }
  if (r.string("ca_file", c.ca_file)) {
    std::ifstream in(c.ca_file);  // empty = the system trust store
    r.check("ca_file", c.ca_file.empty() || in.good(), "cannot read CA file '" + c.ca_file + "'");
  }
}

void read_delivery(Reader& r, DeliveryConfig& c) {
  if (r.port("port", c.port)) r.check("port", c.port != 0, "bad port '0' (use 1-65535)");
  r.string("ehlo_name", c.ehlo_name);
  positive(r, "connect_timeout", c.connect_timeout);
  positive(r, "command_timeout", c.command_timeout);
  positive(r, "data_timeout", c.data_timeout);
  r.integer("max_mx_addresses", c.max_mx_addresses, 1);
  r.integer("max_deliveries_per_connection", c.max_deliveries_per_connection, 1);
  r.integer("max_recipients_per_transaction", c.max_recipients_per_transaction, 1);
  r.duration("idle_timeout", c.idle_timeout);  // 0 = no connection reuse
  r.integer("connection_limit", c.connection_limit, 0);
  r.map("tls", [&](Reader& s) { read_tls(s, c.tls); });
  r.entries("tls_domains", [&](const std::string& domain, Reader& s) {
    read_tls(s, c.tls_domains.insert_or_assign(lower(domain), c.tls).first->second);
  });
}

void read_egress(Reader& r, EgressConfig& c) {
  r.entries("sources", [&](const std::string& name, Reader& s) {
    EgressSourceConfig& src = c.sources[name];
    address(s, "source_address", src.source_address);
    s.string("ehlo_domain", src.ehlo_domain);
  });
  r.entries("pools", [&](const std::string& name, Reader& p) {
    auto& entries = c.pools[name];
    p.list("sources", [&](Reader& item, std::size_t) {
      EgressPoolEntry e;
      item.require("name");
      if (item.string("name", e.source))
        item.check("name", c.sources.count(e.source) > 0, "unknown egress source '" + e.source + "'");
      item.integer("weight", e.weight, 1);
      entries.push_back(std::move(e));
    });
    p.check("sources", !entries.empty(), "a pool needs at least one source");
  });
  if (r.string("pool", c.pool))
    r.check("pool", c.pools.count(c.pool) > 0, "unknown egress pool '" + c.pool + "'");
  if (r.string_map("tenant_pools", c.tenant_pools)) {
    for (const auto& [tenant, pool] : c.tenant_pools)
      r.check("tenant_pools", c.pools.count(pool) > 0, "tenant '" + tenant + "': unknown egress pool '" + pool + "'");
  }
}

void read_retry(Reader& r, RetryConfig& c) {
  positive(r, "initial_interval", c.initial_interval);
  if (r.number("multiplier", c.multiplier))
    r.check("multiplier", c.multiplier >= 1.0, "must be at least 1 (intervals never shrink)");
  r.duration("max_interval", c.max_interval);  // 0 = no cap
  positive(r, "max_age", c.max_age);
  if (r.number("jitter", c.jitter))
    r.check("jitter", c.jitter >= 0.0 && c.jitter <= 1.0, "must be between 0 and 1 (a fraction of the interval)");
  std::uint64_t seed = 0;
  if (r.integer<std::uint64_t>("seed", seed, 0)) c.seed = seed;
}

void read_admin(Reader& r, AdminConfig& c) {
  r.boolean("enabled", c.enabled);
  address(r, "address", c.address);
  r.port("port", c.port);
  r.strings("trusted_hosts", c.trusted_hosts, [](const std::string& h) {
    return is_cidr(h) ? "" : "bad network '" + h + "' (use address/prefix, e.g. 10.0.0.0/8)";
  });
  if (r.string("token", c.token)) {
    bool printable = std::all_of(c.token.begin(), c.token.end(), [](char ch) { return ch > ' ' && ch < 127; });
    r.check("token", printable, "must be printable ASCII without spaces");
  }
  r.boolean("allow_unauthenticated", c.allow_unauthenticated);
}

void read_limits(Reader& r, LimitsConfig& c) {
  if (r.size("max_message_size", c.max_message_size))
    r.check("max_message_size", c.max_message_size > 0, "must be greater than zero");
  if (r.size("max_line_length", c.max_line_length))
    r.check("max_line_length", c.max_line_length > 0, "must be greater than zero");
  r.integer<std::size_t>("max_recipients", c.max_recipients, 1);
  r.integer<std::size_t>("max_connections", c.max_connections, 1);
  r.integer<std::size_t>("max_connections_per_ip", c.max_connections_per_ip, 0);
  positive(r, "idle_timeout", c.idle_timeout);
  positive(r, "session_timeout", c.session_timeout);
}

}  // namespace

void read_bounce_rules(Reader& r, BounceRulesConfig& c) {
  r.boolean("builtin_rules", c.builtin_rules);
  r.boolean("case_insensitive", c.case_insensitive);
  r.list("rules", [&](Reader& item, std::size_t) {
    BounceRuleConfig rule;
    item.require("class");
    item.require("match");
    if (item.string("class", rule.class_name)) item.check("class", !rule.class_name.empty(), "empty class name");
    if (item.string("match", rule.match)) {
      try {
        boost::regex(rule.match, boost::regex::perl);
      } catch (const boost::regex_error& e) {
        item.fail("match", std::string("bad regex: ") + e.what());
      }
    }
    c.rules.push_back(std::move(rule));
  });
}

constexpr std::array<std::string_view, 5> kTlsModeNames{"opportunistic", "opportunistic-insecure", "required",
                                                        "required-insecure", "disabled"};

std::string_view to_string(TlsMode m) { return kTlsModeNames[static_cast<std::size_t>(m)]; }

std::optional<TlsMode> parse_tls_mode(std::string_view name) {
  for (std::size_t i = 0; i < kTlsModeNames.size(); ++i)
    if (kTlsModeNames[i] == name) return static_cast<TlsMode>(i);
  return std::nullopt;
}

const TlsPolicyConfig& DeliveryConfig::tls_for(std::string_view domain) const {
  if (tls_domains.empty()) return tls;
  auto it = tls_domains.find(lower(std::string(domain)));
  return it == tls_domains.end() ? tls : it->second;
}

std::string ConfigError::str() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  if (!out.empty()) out += ": ";
  if (!key.empty()) out += key + ": ";
  return out + message;
}

void read_mta_config(Reader& r, MtaConfig& c) {
  if (r.string("hostname", c.hostname)) r.check("hostname", !c.hostname.empty(), "must not be empty");
  if (r.has("listeners")) c.listeners.clear();  // a listed set replaces the default listener
  r.list("listeners", [&](Reader& item, std::size_t) { read_listener(item, c.listeners.emplace_back()); });
  r.map("spool", [&](Reader& s) { read_spool(s, c.spool); });
  r.map("resolver", [&](Reader& s) { read_resolver(s, c.resolver); });
  r.map("delivery", [&](Reader& s) { read_delivery(s, c.delivery); });
  r.map("retry", [&](Reader& s) { read_retry(s, c.retry); });
  r.map("egress", [&](Reader& s) { read_egress(s, c.egress); });
  r.map("admin", [&](Reader& s) { read_admin(s, c.admin); });
  r.map("log", [&](Reader& s) {
    s.string("path", c.log.path);
    s.string("postfix_path", c.log.postfix_path);
  });
  r.map("limits", [&](Reader& s) { read_limits(s, c.limits); });
  r.map("bounce_rules", [&](Reader& s) { read_bounce_rules(s, c.bounce_rules); });
  r.map("queues", [&](Reader& s) {
    auto header = [&](std::string_view key, std::string& out) {
      if (s.string(key, out))
        s.check(key, out.find_first_of(": \t\r\n") == std::string::npos, "bad header name '" + out + "'");
    };
    header("tenant_header", c.queues.tenant_header);
    header("campaign_header", c.queues.campaign_header);
    header("routing_domain_header", c.queues.routing_domain_header);
  });
}

Expected<MtaConfig, ConfigError> load_mta_config_text(const std::string& yaml, const std::string& name) {
  MtaConfig config;
  if (auto err = yaml::read_text(yaml, name, [&](Reader& r) { read_mta_config(r, config); }))
    return unexpected(std::move(*err));
  return config;
}

Expected<MtaConfig, ConfigError> load_mta_config_file(const std::string& path) {
  MtaConfig config;
  if (auto err = yaml::read_file(path, [&](Reader& r) { read_mta_config(r, config); }))
    return unexpected(std::move(*err));
  return config;
}

}  // namespace mxlab::config
