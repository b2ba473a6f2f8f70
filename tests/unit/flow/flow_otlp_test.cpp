// OTLP JSON: SHA-256-derived ids that are the same on every run, the span tree (root, one span
// per host queue entry, stage spans) and mailtrace's attribute names.
#include "mta/flow/flow_otlp.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>

using namespace mxlab;
using namespace mxlab::flow;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

Flow two_hops() {
  Flow f;
  f.message_id = "<CAF=abc123@mail.gmail.com>";
  Hop a{"mx-in.example.com", "8DCB211F769"};
  a.state = HopState::Delivered;
  a.first_seen = TimePoint{1753092001s};
  a.last_seen = TimePoint{1753092003s};
  FlowEvent sent;
  sent.kind = EventKind::Sent;
  sent.time = a.last_seen;
  sent.recipient = "bob@example.com";
  sent.relay_name = "relay.example.com";
  sent.queued_as = "9EF8A12BC3D";
  sent.delays = log::Delays{610ms, 10ms, 300ms, 280ms};
  a.attempts.push_back({sent, 1});
  Hop b{"relay.example.com", "9EF8A12BC3D"};
  b.parent = 0;
  b.state = HopState::Waiting;
  b.waiting_reason = "connect to mailbox.example.com[10.0.0.20]:25: Connection timed out";
  b.first_seen = TimePoint{1753092003s};
  b.last_seen = TimePoint{1753092033s};
  f.hops = {a, b};
  return f;
}

std::string attribute(const json::value& span, std::string_view key) {
  for (const auto& a : span.at("attributes").as_array())
    if (a.at("key").as_string() == key) return std::string(a.at("value").at("stringValue").as_string());
  return "<absent>";
}

}  // namespace

TEST(FlowOtlp, Sha256Hex) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(FlowOtlp, IdsAreTruncatedSha256OfMessageIdAndHostQueueId) {
  EXPECT_EQ(trace_id(two_hops()), "1b907f8969aa74e5345df9c5239e1123");  // sha256("CAF=abc123@mail.gmail.com")
  EXPECT_EQ(span_id("relay.example.com", "9EF8A12BC3D"), "d0ef77c5d23d4405");
}

TEST(FlowOtlp, SpanTreeAttributesAndStages) {
  const std::string body = json::serialize(to_otlp({two_hops()}));
  EXPECT_EQ(body, json::serialize(to_otlp({two_hops()}))) << "the export is deterministic";
  json::value v = json::parse(body);
  std::map<std::string, json::value> by_name;
  for (const auto& rs : v.at("resourceSpans").as_array())
    for (const auto& ss : rs.at("scopeSpans").as_array())
      for (const auto& s : ss.at("spans").as_array()) {
        EXPECT_EQ(s.at("traceId").as_string(), "1b907f8969aa74e5345df9c5239e1123");
        by_name[std::string(s.at("name").as_string())] = s;
      }
  ASSERT_TRUE(by_name.count("message <CAF=abc123@mail.gmail.com>"));
  const auto& root = by_name["message <CAF=abc123@mail.gmail.com>"];
  EXPECT_FALSE(root.as_object().contains("parentSpanId"));
  const auto& first = by_name["mx-in.example.com 8DCB211F769"];
  const auto& second = by_name["relay.example.com 9EF8A12BC3D"];
  EXPECT_EQ(first.at("parentSpanId"), root.at("spanId"));
  EXPECT_EQ(second.at("parentSpanId").as_string(), span_id("mx-in.example.com", "8DCB211F769"));
  EXPECT_EQ(second.at("spanId").as_string(), "d0ef77c5d23d4405");
  EXPECT_EQ(attribute(first, "server.address"), "mx-in.example.com");
  EXPECT_EQ(attribute(first, "email.queue_id"), "8DCB211F769");
  EXPECT_EQ(attribute(first, "email.next_host"), "relay.example.com");
  EXPECT_EQ(attribute(first, "message.id"), "<CAF=abc123@mail.gmail.com>");
  EXPECT_EQ(second.at("status").at("code").as_int64(), 2);  // waiting: an error status with the reason
  const auto& transmission = by_name["transmission"];
  EXPECT_EQ(transmission.at("parentSpanId"), first.at("spanId"));
  EXPECT_EQ(transmission.at("endTimeUnixNano").as_string(), "1753092003000000000");
  EXPECT_EQ(transmission.at("startTimeUnixNano").as_string(), "1753092002720000000");
  EXPECT_EQ(by_name["connection setup"].at("startTimeUnixNano").as_string(), "1753092002420000000");
  EXPECT_EQ(by_name["queue"].at("startTimeUnixNano").as_string(), "1753092002410000000");
}
