// EgressSelector (see egress.hpp).
#include "mta/queue/egress.hpp"

#include "mta/queue/queue_names.hpp"

namespace mxlab::queue {

EgressSelector::EgressSelector(const config::EgressConfig& config) : config_(config) {
  for (const auto& [name, entries] : config.pools) {
    auto& members = pools_[name];
    for (const auto& e : entries) members.push_back({e.source, e.weight, 0});
  }
}

EgressChoice EgressSelector::pick(std::string_view tenant) {
  const std::string unspecified(kDefaultEgressSource);
  if (pools_.empty()) return {unspecified, unspecified, {}, {}};
  std::string pool = config_.pool;
  if (auto t = config_.tenant_pools.find(std::string(tenant)); !tenant.empty() && t != config_.tenant_pools.end())
    pool = t->second;
  auto it = pool.empty() ? pools_.begin() : pools_.find(pool);
  if (it == pools_.end()) it = pools_.begin();  // config validation makes this unreachable
  // Smooth weighted round robin: every member gains its weight, the largest is picked and pays
  // back the total.
  long total = 0;
  Member* best = nullptr;
  for (auto& m : it->second) {
    m.current += m.weight;
    total += m.weight;
    if (!best || m.current > best->current) best = &m;
  }
  best->current -= total;
  const auto& src = config_.sources.at(best->source);
  return {it->first, best->source, src.source_address, src.ehlo_domain};
}

}  // namespace mxlab::queue
