// queue-summary rendering against golden files (golden/<name>.ref; set MXLAB_UPDATE_GOLDEN=1 to
// rewrite them), plus the contract with mtad: metrics published under metric_names.hpp render.
#include "kcli/queue_summary.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "mta/common/metric_names.hpp"
#include "mta/common/metrics.hpp"

namespace mxlab::kcli {
namespace {

std::string golden_path(const std::string& name) { return std::string(MXLAB_KCLI_GOLDEN_DIR) + "/" + name; }

std::string read_file(const std::string& name) {
  std::ifstream in(golden_path(name), std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void expect_golden(const std::string& ref, const std::string& actual) {
  if (std::getenv("MXLAB_UPDATE_GOLDEN")) std::ofstream(golden_path(ref), std::ios::binary) << actual;
  EXPECT_EQ(actual, read_file(ref)) << "golden " << ref << " differs; actual:\n" << actual;
}

std::string render(const QueueSummaryOptions& options, const QueueStatus& status = {}) {
  auto text = render_queue_summary(read_file("metrics_basic.json"), options, status);
  EXPECT_TRUE(text.ok()) << text.error();
  return text.ok() ? *text : std::string();
}

TEST(QueueSummary, SortsByNaturalNameByDefault) { expect_golden("queue_summary_basic.ref", render({})); }

TEST(QueueSummary, ByVolumeOrdersDescending) {
  QueueSummaryOptions o;
  o.by_volume = true;
  expect_golden("queue_summary_by_volume.ref", render(o));
}

TEST(QueueSummary, LimitTruncatesBothTables) {
  QueueSummaryOptions o;
  o.by_volume = true;
  o.limit = 2;
  expect_golden("queue_summary_limit.ref", render(o));
}

TEST(QueueSummary, DomainWithoutResolverMatchesQueueDomainAndSiteText) {
  QueueSummaryOptions o;
  o.domain = "example.com";
  expect_golden("queue_summary_domain.ref", render(o));
}

TEST(QueueSummary, DomainWithResolverMatchesBySite) {
  QueueSummaryOptions o;
  o.domain = "googlemail.com";
  o.site_of = [](const std::string& d) -> std::optional<std::string> {
    if (d == "gmail.com" || d == "googlemail.com") return "(alt1|alt2)?.gmail-smtp-in.l.google.com";
    return std::nullopt;
  };
  expect_golden("queue_summary_domain_site.ref", render(o));
}

TEST(QueueSummary, StatusMarksSuspendedAndBouncedQueues) {
  QueueStatus status;
  status.suspended_ready_queues = {"ip-2->mx.example.com@smtp_client"};
  status.suspended = {{std::nullopt, std::string("acme"), std::nullopt}};
  status.bounced = {{std::nullopt, std::nullopt, std::string("gmail.com")}};
  expect_golden("queue_summary_status.ref", render({}, status));
}

TEST(QueueSummary, EmptyMetricsGiveHeadersOnly) {
  auto text = render_queue_summary("{}", {});
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "SITE SOURCE PROTO D T C Q\n\nSCHEDULED QUEUE COUNT\n");
}

TEST(QueueSummary, InvalidJsonIsAnError) {
  auto text = render_queue_summary("{not json", {});
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.error().find("metrics.json"), std::string::npos);
}

// The names mtad publishes (metric_names.hpp) through MetricsRegistry are the ones kcli reads.
TEST(QueueSummary, ReadsWhatMetricsRegistryPublishes) {
  MetricsRegistry r;
  for (const char* m : {metric::kReadyCount, metric::kConnectionCount}) r.declare(m, MetricType::Gauge, "h", metric::kServiceLabel);
  for (const char* m : {metric::kDelivered, metric::kTransientFailures}) r.declare(m, MetricType::Counter, "h", metric::kServiceLabel);
  r.declare(metric::kScheduledCount, MetricType::Gauge, "h", metric::kQueueLabel);
  std::string service = std::string(metric::kClientServicePrefix) + "ip-1->mx.example.com@smtp_client";
  r.set(metric::kReadyCount, 4, service);
  r.set(metric::kConnectionCount, 2, service);
  r.add(metric::kDelivered, 10, service);
  r.add(metric::kTransientFailures, 1, service);
  r.set(metric::kScheduledCount, 6, "example.com");
  auto text = render_queue_summary(r.json_text(), {});
  ASSERT_TRUE(text.ok()) << text.error();
  EXPECT_EQ(*text,
            "SITE           SOURCE PROTO        D T C Q\n"
            "mx.example.com ip-1   smtp_client 10 1 2 4\n"
            "\n"
            "SCHEDULED QUEUE COUNT\n"
            "example.com         6\n");
}

TEST(QueueNameParts, ParsesEveryShape) {
  auto full = parse_queue_name("spring:acme@gmail.com!relay.example.net");
  EXPECT_EQ(full.campaign, "spring");
  EXPECT_EQ(full.tenant, "acme");
  EXPECT_EQ(full.domain, "gmail.com");
  EXPECT_EQ(full.routing_domain, "relay.example.net");
  auto tenant = parse_queue_name("acme@example.com");
  EXPECT_FALSE(tenant.campaign);
  EXPECT_EQ(tenant.tenant, "acme");
  EXPECT_EQ(tenant.domain, "example.com");
  auto bare = parse_queue_name("example.com");
  EXPECT_FALSE(bare.campaign || bare.tenant || bare.routing_domain);
  EXPECT_EQ(bare.domain, "example.com");
}

}  // namespace
}  // namespace mxlab::kcli

namespace mxlab::kcli {
namespace {

TEST(ProviderSummary, ProviderIsTheSuffixOfTheFirstMxHost) {
  EXPECT_EQ(provider_of_site("(alt1|alt2)?.gmail-smtp-in.l.google.com"), "google.com");
  EXPECT_EQ(provider_of_site("mx1.example.com,mx2.example.com"), "example.com");
  EXPECT_EQ(provider_of_site("localhost"), "localhost");
}

TEST(ProviderSummary, SumsReadyQueuesPerProvider) {
  auto text = render_provider_summary(read_file("metrics_basic.json"), {});
  ASSERT_TRUE(text.ok()) << text.error();
  expect_golden("provider_summary.ref", *text);
  ProviderSummaryOptions o;
  o.by_pool = true;
  o.limit = 2;
  auto pooled = render_provider_summary(read_file("metrics_basic.json"), o);
  ASSERT_TRUE(pooled.ok());
  expect_golden("provider_summary_by_pool.ref", *pooled);
}

}  // namespace
}  // namespace mxlab::kcli
