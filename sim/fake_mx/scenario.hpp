// A scenario file: a reproducible delivery problem in one YAML document. It names the DNS
// zone, the fake MX hosts and their behaviour, mtad settings, the messages to send, and what
// must happen to each recipient. Loaded with the same strict reader as mtad's config.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "mta/config/mta_config.hpp"
#include "mta/server/smtp_server.hpp"
#include "sim/fake_mx/behaviour.hpp"
#include "sim/fake_mx/dns/dns_responder.hpp"
#include "sim/fake_mx/recording_level.hpp"
#include "sim/fake_mx/scenario_expect.hpp"
#include "sim/fake_mx/tls/tls_config.hpp"

namespace mxlab::config::yaml {
class Reader;
}

namespace mxlab::fakemx {

struct ScenarioHost {
  std::string name;     // MX host name, as in the zone
  std::string address;  // 127.0.0.N
  std::vector<Rule> rules;
  server::ServerOptions server;  // capabilities and connection limits
  BehaviourOptions behaviour;    // seed, conventions, tarpit, greylisting
  bool refuse = false;           // bound but not listening
  std::string record;            // JSON recording written here when the host stops
  RecordingLevel recording = RecordingLevel::Full;
  TlsConfig tls;                 // certificate, STARTTLS / implicit TLS, TLS faults
};

struct ScenarioMessage {
  std::string from;
  std::vector<std::string> to;
  std::string data;  // full message (headers + body), CRLF line ends
  std::optional<int> reply;  // the reply mtad must give the submission (default 250)
  int line = 0;
};

// An admin API call made by `fakemx run` (suspend, bounce, ...), before the messages are sent
// (`at: start`) or once they all were (`at: sent`).
struct AdminStep {
  std::string method;  // "POST" or "DELETE"
  std::string path;    // "/api/admin/suspend/v1"
  std::string body;    // JSON text
  bool after_messages = false;
  int line = 0;
};

struct Scenario {
  std::string file;
  std::string name;
  std::string description;
  std::vector<DnsRecord> dns;
  std::vector<std::pair<std::string, DnsFaultSpec>> dns_faults;
  DnsServerOptions dns_options;
  std::vector<ScenarioHost> hosts;
  config::MtaConfig mta;
  std::vector<ScenarioMessage> messages;
  std::vector<AdminStep> admin;
  Expectations expect;
  std::chrono::milliseconds timeout{10000};
};

// `run`: messages and expect are required (fakemx run); `serve`: DNS and hosts only.
enum class ScenarioUse { Run, Serve };
Expected<Scenario, config::ConfigError> load_scenario_file(const std::string& path, ScenarioUse use = ScenarioUse::Run);
Expected<Scenario, config::ConfigError> load_scenario_text(const std::string& text, const std::string& name,
                                                           ScenarioUse use = ScenarioUse::Run);

namespace config_yaml {
// Reads one rule mapping (the schema in docs/SCENARIOS.md); shared with the control API.
void read_rule(config::yaml::Reader& r, std::vector<Rule>& rules);
}  // namespace config_yaml
// Parses tarpit / seed / address_conventions / greylist (the host keys of the same names) over
// `base`, as the control API receives them; keys left out keep base's values.
Expected<BehaviourOptions, config::ConfigError> load_behaviour_text(const std::string& text, const std::string& name,
                                                                   BehaviourOptions base);
// Parses a YAML (or JSON) list of rules, as the control API receives them.
Expected<std::vector<Rule>, config::ConfigError> load_rules_text(const std::string& text, const std::string& name);

}  // namespace mxlab::fakemx
