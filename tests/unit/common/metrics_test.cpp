#include "mta/common/metrics.hpp"

#include <gtest/gtest.h>

using namespace mxlab;

TEST(Metrics, PrometheusTextHasHelpTypeAndLabelledSeries) {
  MetricsRegistry r;
  r.declare("scheduled_count", MetricType::Gauge, "messages in scheduled queue", "queue");
  r.declare("total_messages_received", MetricType::Counter, "messages received");
  r.set("scheduled_count", 3, "example.com");
  r.add("total_messages_received", 2);
  auto text = r.prometheus_text();
  EXPECT_NE(text.find("# TYPE scheduled_count gauge\n"), std::string::npos);
  EXPECT_NE(text.find("scheduled_count{queue=\"example.com\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("total_messages_received 2\n"), std::string::npos);
}

TEST(Metrics, JsonUsesKumoShape) {
  MetricsRegistry r;
  r.declare("ready_count", MetricType::Gauge, "ready", "service");
  r.set("ready_count", 4, "smtp_client:a->b@smtp_client");
  EXPECT_EQ(r.json_text(),
            R"({"ready_count":{"help":"ready","type":"gauge","value":{"service":{"smtp_client:a->b@smtp_client":4}}}})");
}

TEST(Metrics, UndeclaredMetricIsIgnoredAndEraseRemovesSeries) {
  MetricsRegistry r;
  r.add("nope");
  EXPECT_EQ(r.get("nope"), 0);
  r.declare("g", MetricType::Gauge, "g", "queue");
  r.set("g", 1, "q");
  r.erase_series("g", "q");
  EXPECT_EQ(r.prometheus_text().find("g{"), std::string::npos);
}
