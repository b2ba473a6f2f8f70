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
// Stores a scheduled-queue part ("tenant", "campaign" or "routing_domain") in meta after checking
// it: tenant and campaign are 1-128 printable characters without space, ':', '@' or '!' (they
// would make the queue name ambiguous); a routing domain is a DNS name, stored lower-cased.
// Returns "" or why the value was refused; `source` names where it came from in that message.
std::string set_queue_part(std::map<std::string, std::string>& meta, const std::string& key, std::string value,
                           std::string_view source);
// The domain the MX lookup uses for recipients at `domain`: the routing domain when set.
std::string routing_domain(std::string_view domain, const std::map<std::string, std::string>& meta);

inline constexpr std::string_view kDefaultEgressSource = "unspecified";  // KumoMTA's name for the default source
// The metrics "service" label of a ready queue.
std::string ready_service_label(std::string_view ready_queue);

}  // namespace mxlab::queue
