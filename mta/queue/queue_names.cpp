// Queue naming (see queue_names.hpp).
#include "mta/queue/queue_names.hpp"

#include <cctype>

#include "mta/common/metric_names.hpp"

namespace mxlab::queue {

std::string meta_value(const std::map<std::string, std::string>& meta, const char* key) {
  auto it = meta.find(key);
  return it == meta.end() ? std::string() : it->second;
}

std::string scheduled_queue_name(std::string_view domain, const std::map<std::string, std::string>& meta) {
  std::string campaign = meta_value(meta, "campaign");
  std::string tenant = meta_value(meta, "tenant");
  std::string routing = meta_value(meta, "routing_domain");
  std::string name;
  // A campaign keeps "campaign:@domain" without a tenant (KumoMTA), so the name parses back.
  if (!campaign.empty()) name += campaign + ":" + tenant + "@";
  else if (!tenant.empty()) name += tenant + "@";
  name += domain;
  if (!routing.empty()) name += "!" + routing;
  return name;
}

std::string set_queue_part(std::map<std::string, std::string>& meta, const std::string& key, std::string value,
                           std::string_view source) {
  auto bad = [&](std::string_view why) {
    return std::string(source) + ": bad " + key + " '" + value + "' (" + std::string(why) + ")";
  };
  if (value.empty() || value.size() > 128) return bad("use 1 to 128 characters");
  if (key == "routing_domain") {
    for (char& c : value) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.')) return bad("not a domain name");
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (value.front() == '.' || value.back() == '.' || value.find("..") != std::string::npos)
      return bad("not a domain name");
  } else {
    for (char c : value)
      if (c <= ' ' || c > '~' || c == ':' || c == '@' || c == '!') return bad("no spaces, ':', '@' or '!'");
  }
  meta[key] = std::move(value);
  return {};
}

std::string routing_domain(std::string_view domain, const std::map<std::string, std::string>& meta) {
  auto it = meta.find("routing_domain");
  return it == meta.end() || it->second.empty() ? std::string(domain) : it->second;
}

std::string ready_queue_name(std::string_view egress_source, std::string_view site) {
  return std::string(egress_source) + "->" + std::string(site) + "@smtp_client";
}

std::string ready_service_label(std::string_view ready_queue) {
  return std::string(metric::kClientServicePrefix) + std::string(ready_queue);
}

}  // namespace mxlab::queue
