// Egress source selection (KumoMTA's egress pools): which local address and EHLO name a delivery
// leaves from. Each pool spreads its deliveries over its sources by weight with smooth weighted
// round robin (nginx's: over any window of sum(weights) picks, each source gets its weight's
// share, interleaved rather than in runs). Pure and single-threaded (the scheduler's io thread).
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mta/config/mta_config.hpp"

namespace mxlab::queue {

struct EgressChoice {
  std::string pool;            // "unspecified" without configured pools
  std::string source;          // "unspecified" without configured pools
  std::string source_address;  // empty: the OS picks
  std::string ehlo_domain;     // empty: the default EHLO name
};

class EgressSelector {
 public:
  explicit EgressSelector(const config::EgressConfig& config);
  // The pool of `tenant` (tenant_pools, else the default pool, else the first pool by name), and
  // its next source.
  EgressChoice pick(std::string_view tenant);

 private:
  struct Member {
    std::string source;
    int weight = 1;
    long current = 0;
  };
  const config::EgressConfig& config_;
  std::map<std::string, std::vector<Member>, std::less<>> pools_;
};

}  // namespace mxlab::queue
