// kcli queue-summary: the ready-queue table (SITE SOURCE PROTO D T C Q) and the scheduled-queue
// table (SCHEDULED QUEUE, COUNT) built from GET /metrics.json, as KumoMTA's kcli prints them.
// render_queue_summary is the pure part: metrics JSON text in, table text out.
#pragma once
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/common/expected.hpp"

namespace mxlab::kcli {

struct QueueSummaryOptions {
  std::optional<std::size_t> limit;  // keep the first N rows of each table
  bool by_volume = false;            // order by volume, descending, instead of by name
  std::optional<std::string> domain;  // only queues associated with this domain
  // The MX site name of a domain ("(alt1|alt2)?.mx.example.com"), when kcli can resolve it.
  // Without it --domain matches scheduled queues of that domain and sites naming it.
  std::function<std::optional<std::string>(const std::string& domain)> site_of;
};

// Criteria of one active admin bounce or suspension; an absent field matches anything.
struct QueueCriteria {
  std::optional<std::string> campaign, tenant, domain;
};

// Marks shown after the counts: suspended ready queues, suspended and bounced scheduled queues.
struct QueueStatus {
  std::vector<std::string> suspended_ready_queues;
  std::vector<QueueCriteria> suspended;
  std::vector<QueueCriteria> bounced;
};

// Parts of a scheduled queue name "campaign:tenant@domain!routing_domain" (parts optional).
struct QueueNameParts {
  std::optional<std::string> campaign, tenant;
  std::string domain;
  std::optional<std::string> routing_domain;
};
QueueNameParts parse_queue_name(std::string_view name);

Expected<std::string> render_queue_summary(std::string_view metrics_json, const QueueSummaryOptions& options,
                                           const QueueStatus& status = {});

// provider-summary: ready queues summed per provider, the registrable-looking suffix (last two
// labels) of the site's first MX host ("(alt1|alt2)?.gmail-smtp-in.l.google.com" -> google.com),
// ordered by volume, descending. by_pool adds the egress source (pool) as a second key.
struct ProviderSummaryOptions {
  std::optional<std::size_t> limit;
  bool by_pool = false;
};
std::string provider_of_site(std::string_view site);
Expected<std::string> render_provider_summary(std::string_view metrics_json, const ProviderSummaryOptions& options);

}  // namespace mxlab::kcli
