// KumoMTA's queue names. Scheduled: "campaign:tenant@domain!routing_domain", shortened when
// parts are absent ("tenant@domain", "domain"). Ready: "{egress_source}->{site}@smtp_client".
#pragma once
#include <map>
#include <string>
#include <string_view>

namespace mxlab::queue {

// A message meta value ("campaign", "tenant", "routing_domain"), empty when absent.
std::string meta_value(const std::map<std::string, std::string>& meta, const char* key);
std::string scheduled_queue_name(std::string_view domain, const std::map<std::string, std::string>& meta);
std::string ready_queue_name(std::string_view egress_source, std::string_view site);
// The metrics "service" label of a ready queue.
std::string ready_service_label(std::string_view ready_queue);

}  // namespace mxlab::queue
