// Selectors and rule sets for admin bounces and suspensions: what matches, what is refused,
// expiry and cancel.
#include "mta/queue/admin_rules.hpp"

#include <gtest/gtest.h>

namespace mxlab::queue {
namespace {

using namespace std::chrono_literals;
const std::map<std::string, std::string> kNoMeta;
const std::map<std::string, std::string> kCampaign{{"campaign", "spring"}, {"tenant", "acme"}};

TEST(Selector, DomainMatchesCaseInsensitivelyAndOnlyThatDomain) {
  Selector s;
  s.domain = "Example.com";
  EXPECT_TRUE(s.matches("example.com", kNoMeta));
  EXPECT_FALSE(s.matches("example.org", kNoMeta));
}

TEST(Selector, AllGivenFieldsMustMatch) {
  Selector s;
  s.campaign = "spring";
  s.tenant = "acme";
  EXPECT_TRUE(s.matches("example.com", kCampaign));
  s.tenant = "other";
  EXPECT_FALSE(s.matches("example.com", kCampaign));
}

TEST(Selector, QueueNamesMatchTheScheduledQueueName) {
  Selector s;
  s.queue_names = {"spring:acme@example.com"};
  EXPECT_TRUE(s.matches("example.com", kCampaign));
  EXPECT_FALSE(s.matches("example.com", kNoMeta));
}

TEST(Selector, EmptySelectorIsRefusedAndMatchesNothing) {
  Selector s;
  EXPECT_FALSE(validate(s).ok());
  EXPECT_FALSE(s.matches("example.com", kNoMeta));
  s.everything = true;
  EXPECT_TRUE(validate(s).ok());
  EXPECT_TRUE(s.matches("example.com", kNoMeta));
}

TEST(Selector, QueueNamesExcludeFieldCriteria) {
  Selector s;
  s.queue_names = {"example.com"};
  s.domain = "example.com";
  EXPECT_FALSE(validate(s).ok());
}

TEST(RuleSet, RulesStopMatchingAtExpiryAndAfterCancel) {
  RuleSet set;
  TimePoint t0{};
  AdminRule r;
  r.id = make_rule_id();
  r.selector.everything = true;
  r.expires = t0 + 5min;
  set.add(r);
  EXPECT_NE(set.match("example.com", kNoMeta, t0), nullptr);
  EXPECT_EQ(set.match("example.com", kNoMeta, t0 + 5min), nullptr);
  EXPECT_TRUE(set.cancel(r.id));
  EXPECT_FALSE(set.cancel(r.id));
  EXPECT_TRUE(set.rules().empty());
}

TEST(RuleId, IsACanonicalVersion4Uuid) {
  auto id = make_rule_id();
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');
  EXPECT_NE(make_rule_id(), id);
}

}  // namespace
}  // namespace mxlab::queue
