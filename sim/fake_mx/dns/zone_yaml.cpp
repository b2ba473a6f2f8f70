// YAML -> DnsRecord list for FakeDns. Every entry is validated here (type known, data parses as
// that type) so a bad zone fails at load time with its line, not at the first query.
#include "sim/fake_mx/dns/zone_yaml.hpp"

#include <yaml-cpp/yaml.h>

#include "mta/dns/dns_message.hpp"

namespace mxlab::fakemx {
namespace {

std::string where(std::string_view source, const YAML::Node& node) {
  const auto mark = node.Mark();
  const int line = mark.line >= 0 ? mark.line + 1 : 0;  // yaml-cpp lines are 0-based
  return std::string(source) + ":" + std::to_string(line) + ": ";
}

Expected<DnsRecord> parse_entry(std::string_view source, const std::string& name, const YAML::Node& entry,
                                std::uint32_t ttl) {
  if (!entry.IsScalar())
    return unexpected(where(source, entry) + name + ": expected a \"TYPE data\" string");
  const std::string text = entry.Scalar();
  const auto space = text.find(' ');
  DnsRecord record{name, text.substr(0, space), ttl, space == std::string::npos ? "" : text.substr(space + 1)};
  record.data.erase(0, record.data.find_first_not_of(' '));
  if (auto rr = make_zone_record(record); !rr)
    return unexpected(where(source, entry) + name + ": " + rr.error());
  return record;
}

Status parse_name(std::string_view source, const YAML::Node& key, const YAML::Node& value, std::uint32_t ttl,
                  std::vector<DnsRecord>& out) {
  if (!key.IsScalar() || key.Scalar().empty())
    return Status::failure(where(source, key) + "zone keys must be domain names");
  const std::string& name = key.Scalar();
  if (value.IsScalar()) {
    auto r = parse_entry(source, name, value, ttl);
    if (!r) return Status::failure(r.error());
    out.push_back(std::move(*r));
    return Status::success();
  }
  if (!value.IsSequence())
    return Status::failure(where(source, key) + name + ": expected a list of \"TYPE data\" strings");
  for (const auto& entry : value) {
    auto r = parse_entry(source, name, entry, ttl);
    if (!r) return Status::failure(r.error());
    out.push_back(std::move(*r));
  }
  return Status::success();
}

}  // namespace

Expected<std::vector<DnsRecord>> parse_zone_yaml(const YAML::Node& zone, std::string_view source, std::uint32_t ttl) {
  std::vector<DnsRecord> out;
  if (!zone.IsDefined() || zone.IsNull()) return out;
  if (!zone.IsMap()) return unexpected(where(source, zone) + "a zone is a mapping of name -> records");
  for (const auto& kv : zone)
    if (Status s = parse_name(source, kv.first, kv.second, ttl, out); !s) return unexpected(s.error);
  return out;
}

Expected<std::vector<DnsRecord>> parse_zone_yaml_text(std::string_view text, std::string_view source,
                                                      std::uint32_t ttl) {
  try {
    return parse_zone_yaml(YAML::Load(std::string(text)), source, ttl);
  } catch (const YAML::Exception& e) {  // syntax errors: yaml-cpp reports them by exception only
    return unexpected(std::string(source) + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

}  // namespace mxlab::fakemx
