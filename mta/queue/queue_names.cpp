// Queue naming (see queue_names.hpp).
#include "mta/queue/queue_names.hpp"

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

std::string ready_queue_name(std::string_view egress_source, std::string_view site) {
  return std::string(egress_source) + "->" + std::string(site) + "@smtp_client";
}

std::string ready_service_label(std::string_view ready_queue) {
  return std::string(metric::kClientServicePrefix) + std::string(ready_queue);
}

}  // namespace mxlab::queue
