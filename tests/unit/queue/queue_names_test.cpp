// Queue names in KumoMTA's shapes, so kcli and KumoMTA tooling read mtad's metrics: scheduled
// queues "campaign:tenant@domain!routing_domain" with absent parts left out (a campaign without
// a tenant keeps its ":@"), ready queues "{egress_source}->{site}@smtp_client".
#include "mta/queue/queue_names.hpp"

#include <gtest/gtest.h>

using namespace mxlab::queue;

namespace {

using Meta = std::map<std::string, std::string>;

TEST(ScheduledQueueName, DomainAloneWhenNoMetadata) {
  EXPECT_EQ(scheduled_queue_name("example.com", {}), "example.com");
}

TEST(ScheduledQueueName, EveryPartPresent) {
  Meta meta{{"campaign", "spring"}, {"tenant", "acme"}, {"routing_domain", "relay.example.net"}};
  EXPECT_EQ(scheduled_queue_name("example.com", meta), "spring:acme@example.com!relay.example.net");
}

TEST(ScheduledQueueName, CampaignAndTenant) {
  EXPECT_EQ(scheduled_queue_name("example.com", {{"campaign", "spring"}, {"tenant", "acme"}}),
            "spring:acme@example.com");
}

TEST(ScheduledQueueName, TenantOnly) {
  EXPECT_EQ(scheduled_queue_name("example.com", {{"tenant", "acme"}}), "acme@example.com");
}

TEST(ScheduledQueueName, TenantAndRoutingDomain) {
  EXPECT_EQ(scheduled_queue_name("example.com", {{"tenant", "acme"}, {"routing_domain", "relay.example.net"}}),
            "acme@example.com!relay.example.net");
}

TEST(ScheduledQueueName, CampaignWithoutTenantKeepsTheEmptyTenant) {
  // "spring:example.com" would read back as the domain "spring:example.com".
  EXPECT_EQ(scheduled_queue_name("example.com", {{"campaign", "spring"}}), "spring:@example.com");
  EXPECT_EQ(scheduled_queue_name("example.com", {{"campaign", "spring"}, {"routing_domain", "relay.example.net"}}),
            "spring:@example.com!relay.example.net");
}

TEST(ScheduledQueueName, RoutingDomainOnly) {
  EXPECT_EQ(scheduled_queue_name("example.com", {{"routing_domain", "relay.example.net"}}),
            "example.com!relay.example.net");
}

TEST(ScheduledQueueName, EmptyValuesCountAsAbsentAndOtherMetaIsIgnored) {
  EXPECT_EQ(scheduled_queue_name("example.com", {{"tenant", ""}, {"campaign", ""}, {"x-other", "v"}}),
            "example.com");
}

TEST(ReadyQueueName, SourceArrowSiteAtSmtpClient) {
  EXPECT_EQ(ready_queue_name("unspecified", "mx1.example.com,mx2.example.com"),
            "unspecified->mx1.example.com,mx2.example.com@smtp_client");
}

TEST(ReadyQueueName, ServiceLabelPrefixesSmtpClient) {
  EXPECT_EQ(ready_service_label(ready_queue_name("ip-1", "mx.example.com")),
            "smtp_client:ip-1->mx.example.com@smtp_client");
}

}  // namespace
