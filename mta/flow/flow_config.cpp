// Fleet file loading (see flow_config.hpp) through the shared strict YAML reader, so errors
// name the file, line and key like mtad's own.
#include "mta/flow/flow_config.hpp"

#include <filesystem>

#include "mta/config/yaml_reader.hpp"

namespace mxlab::flow {

namespace {

using config::yaml::Reader;

void read_flow_config(Reader& r, FlowConfig& c) {
  r.require("hosts");
  r.entries("hosts", [&](const std::string& name, Reader& h) {
    FleetHost host{name, {}};
    HostSources src;
    h.strings("addresses", host.addresses);
    h.string("admin", src.admin);
    h.strings("logs", src.logs);
    h.check("logs", !src.admin.empty() || !src.logs.empty(), "a host needs logs or admin (where to read its log)");
    if (src.admin.size() && !src.admin.starts_with("http://")) h.fail("admin", "expected an http:// URL");
    c.fleet.hosts.push_back(std::move(host));
    c.sources[name] = std::move(src);
  });
  if (auto clusters = r.raw("clusters")) {
    if (!clusters->IsMap()) r.fail("clusters", "expected a mapping of cluster name to a list of hosts");
    else
      for (const auto& kv : *clusters) {
        const std::string name = kv.first.as<std::string>();
        std::vector<std::string> members;
        if (kv.second.IsSequence())
          for (const auto& m : kv.second) members.push_back(m.as<std::string>());
        bool known = !members.empty();
        for (const auto& m : members) known = known && c.sources.count(m);
        r.check("clusters", known, "cluster '" + name + "' must list hosts defined under hosts");
        c.fleet.clusters[name] = std::move(members);
      }
  }
  r.map("otlp", [&](Reader& o) { o.string("endpoint", c.otlp_endpoint); });
}

}  // namespace

Expected<FlowConfig, config::ConfigError> load_flow_config_text(const std::string& yaml, const std::string& name) {
  FlowConfig c;
  if (auto err = config::yaml::read_text(yaml, name, [&](Reader& r) { read_flow_config(r, c); }))
    return unexpected(std::move(*err));
  return c;
}

Expected<FlowConfig, config::ConfigError> load_flow_config_file(const std::string& path) {
  FlowConfig c;
  if (auto err = config::yaml::read_file(path, [&](Reader& r) { read_flow_config(r, c); }))
    return unexpected(std::move(*err));
  // Relative log paths are relative to the fleet file, so a fleet directory can move as a whole.
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  for (auto& [host, src] : c.sources)
    for (auto& file : src.logs)
      if (std::filesystem::path(file).is_relative()) file = (dir / file).string();
  return c;
}

}  // namespace mxlab::flow
