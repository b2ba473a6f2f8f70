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

TEST(QueueParts, AcceptedValuesLandInMetaRoutingDomainLowerCased) {
  std::map<std::string, std::string> meta;
  EXPECT_EQ(set_queue_part(meta, "tenant", "acme-1.eu", "X-Tenant header"), "");
  EXPECT_EQ(set_queue_part(meta, "campaign", "spring_2026", "X-Campaign header"), "");
  EXPECT_EQ(set_queue_part(meta, "routing_domain", "Relay.Example.NET", "X-Routing-Domain header"), "");
  EXPECT_EQ(scheduled_queue_name("example.com", meta), "spring_2026:acme-1.eu@example.com!relay.example.net");
  EXPECT_EQ(routing_domain("example.com", meta), "relay.example.net");
  EXPECT_EQ(routing_domain("example.com", {}), "example.com");
}

TEST(QueueParts, ValuesThatWouldMakeTheNameAmbiguousAreRefused) {
  std::map<std::string, std::string> meta;
  EXPECT_EQ(set_queue_part(meta, "tenant", "a:b", "X-Tenant header"),
            "X-Tenant header: bad tenant 'a:b' (no spaces, ':', '@' or '!')");
  EXPECT_EQ(set_queue_part(meta, "campaign", "a b", "inject"), "inject: bad campaign 'a b' (no spaces, ':', '@' or '!')");
  EXPECT_EQ(set_queue_part(meta, "tenant", "", "inject"), "inject: bad tenant '' (use 1 to 128 characters)");
  EXPECT_EQ(set_queue_part(meta, "routing_domain", "under_score.example", "inject"),
            "inject: bad routing_domain 'under_score.example' (not a domain name)");
  EXPECT_EQ(set_queue_part(meta, "routing_domain", "a..b", "inject"), "inject: bad routing_domain 'a..b' (not a domain name)");
  EXPECT_TRUE(meta.empty());
}

}  // namespace
