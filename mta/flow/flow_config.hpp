// The flow tracer's fleet file (YAML, strict like every mxlab config): each host's names and
// addresses as other hosts' relay= shows them, where its logs are (local files and/or an mtad
// admin API), named clusters, and the OTLP collector endpoint.
//   hosts:
//     edge.example.com: {addresses: [10.0.0.5], admin: "http://10.0.0.5:8000", logs: [/var/log/mail.log]}
//   clusters: {edges: [edge.example.com]}
//   otlp: {endpoint: "http://127.0.0.1:4318/v1/traces"}
#pragma once
#include <map>
#include <string>
#include <vector>

#include "mta/config/mta_config.hpp"
#include "mta/flow/flow_trace.hpp"

namespace mxlab::flow {

struct HostSources {
  std::string admin;              // mtad admin API base URL; "" = none
  std::vector<std::string> logs;  // files of mtad JSON records and/or Postfix syslog lines
};

struct FlowConfig {
  Fleet fleet;
  std::map<std::string, HostSources> sources;  // by host name
  std::string otlp_endpoint;                   // "" = no export unless --otlp is given
};

Expected<FlowConfig, config::ConfigError> load_flow_config_file(const std::string& path);
Expected<FlowConfig, config::ConfigError> load_flow_config_text(const std::string& yaml, const std::string& name);

}  // namespace mxlab::flow
