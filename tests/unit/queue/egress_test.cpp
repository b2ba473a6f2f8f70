// EgressSelector: the default "unspecified" choice, tenant pools, and smooth weighted round robin.
#include "mta/queue/egress.hpp"

#include <gtest/gtest.h>

#include <map>

using namespace mxlab;

namespace {

config::EgressConfig two_pools() {
  config::EgressConfig c;
  c.sources["a"] = {"127.0.0.5", "a.sender.test"};
  c.sources["b"] = {"127.0.0.6", ""};
  c.sources["c"] = {"127.0.0.7", "c.sender.test"};
  c.pools["main"] = {{"a", 2}, {"b", 1}};
  c.pools["acme"] = {{"c", 1}};
  c.pool = "main";
  c.tenant_pools["acme"] = "acme";
  return c;
}

}  // namespace

TEST(Egress, WithoutPoolsEverythingIsUnspecified) {
  config::EgressConfig c;
  queue::EgressSelector s(c);
  auto choice = s.pick("acme");
  EXPECT_EQ(choice.pool, "unspecified");
  EXPECT_EQ(choice.source, "unspecified");
  EXPECT_TRUE(choice.source_address.empty());
  EXPECT_TRUE(choice.ehlo_domain.empty());
}

TEST(Egress, TenantPoolElseDefaultPool) {
  auto c = two_pools();
  queue::EgressSelector s(c);
  auto acme = s.pick("acme");
  EXPECT_EQ(acme.pool, "acme");
  EXPECT_EQ(acme.source, "c");
  EXPECT_EQ(acme.source_address, "127.0.0.7");
  EXPECT_EQ(acme.ehlo_domain, "c.sender.test");
  EXPECT_EQ(s.pick("other").pool, "main");
  EXPECT_EQ(s.pick("").pool, "main");
}

TEST(Egress, SmoothWeightedRoundRobinInterleavesByWeight) {
  auto c = two_pools();
  queue::EgressSelector s(c);
  std::string order;
  for (int i = 0; i < 6; ++i) order += s.pick("").source;
  EXPECT_EQ(order, "abaaba");  // 2:1 in every window of three picks, never "aab" runs across windows
  std::map<std::string, int> counts;
  for (int i = 0; i < 300; ++i) counts[s.pick("").source]++;
  EXPECT_EQ(counts["a"], 200);
  EXPECT_EQ(counts["b"], 100);
}

TEST(Egress, WithoutDefaultPoolTheFirstPoolByNameServes) {
  auto c = two_pools();
  c.pool.clear();
  queue::EgressSelector s(c);
  EXPECT_EQ(s.pick("").pool, "acme");
}
