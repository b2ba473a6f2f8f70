// Trace filters: every seed-000 allow-list, CIDR lists, "not known yet lets the event through",
// and precise errors for bad requests.
#include "mta/trace/trace_filter.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "mta/trace/trace_event_json.hpp"

using namespace mxlab::trace;
namespace json = boost::json;

namespace {
TraceFilter client_filter(std::string_view text) {
  auto f = TraceFilter::from_text(Direction::Client, text);
  EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.error());
  return f.ok() ? *f : TraceFilter{};
}
}  // namespace

TEST(TraceFilter, EmptyRequestMatchesEverything) {
  auto f = client_filter("{}");
  EXPECT_TRUE(f.empty());
  ConnMeta meta{{"domain", "a.example"}};
  EXPECT_TRUE(f.matches(&meta));
  EXPECT_TRUE(f.matches(nullptr));
}

TEST(TraceFilter, EveryClientPropertyIsAnAllowList) {
  struct Case {
    const char* key;
    const char* meta_key;
    const char* allowed;
    const char* other;
  } cases[] = {
      {"mx_host", "mx_host", "mx1.a.example", "mx2.a.example"},
      {"domain", "domain", "a.example", "b.example"},
      {"routing_domain", "routing_domain", "r.example", "s.example"},
      {"campaign", "campaign", "spring", "autumn"},
      {"tenant", "tenant", "t1", "t2"},
      {"egress_pool", "egress_pool", "pool-a", "pool-b"},
      {"egress_source", "egress_source", "ip-1", "ip-2"},
      {"mail_from", "sender", "a@x.example", "b@x.example"},
      {"rcpt_to", "recipient", "bob@a.example", "eve@a.example"},
      {"ready_queue", "ready_queue_name", "ip-1->mx.a.example@smtp_client", "ip-1->mx.b.example@smtp_client"},
  };
  for (const auto& c : cases) {
    json::object req{{c.key, json::array{c.allowed, "unused"}}};
    auto f = TraceFilter::from_request(Direction::Client, req);
    ASSERT_TRUE(f.ok()) << c.key;
    ConnMeta in{{c.meta_key, c.allowed}}, out{{c.meta_key, c.other}}, unknown{{"id", "x"}}, null{{c.meta_key, nullptr}};
    EXPECT_TRUE(f->matches(&in)) << c.key;
    EXPECT_FALSE(f->matches(&out)) << c.key;
    EXPECT_TRUE(f->matches(&unknown)) << c.key << ": a property not known yet lets the event through";
    EXPECT_TRUE(f->matches(&null)) << c.key;
  }
}

TEST(TraceFilter, AddressFiltersAreCidrLists) {
  auto f = client_filter(R"({"source_addr": ["10.0.0.1", "192.168.1.0/24"], "mx_addr": "127.0.0.0/8"})");
  ConnMeta ok{{"source_address", "192.168.1.7"}, {"mx_address", "127.0.0.5:25"}};
  ConnMeta bad_source{{"source_address", "10.0.0.2"}, {"mx_address", "127.0.0.5"}};
  ConnMeta bad_mx{{"source_address", "10.0.0.1"}, {"mx_address", "[::1]:25"}};
  EXPECT_TRUE(f.matches(&ok));
  EXPECT_FALSE(f.matches(&bad_source));
  EXPECT_FALSE(f.matches(&bad_mx));
}

TEST(TraceFilter, ServerSourceMatchesReceivedFrom) {
  auto f = TraceFilter::from_text(Direction::Server, R"({"source_addr": ["127.0.0.2/32", "::1"]})");
  ASSERT_TRUE(f.ok());
  ConnMeta a{{"received_from", "127.0.0.2:40000"}}, b{{"received_from", "127.0.0.3:40000"}},
      c{{"received_from", "[::1]:5000"}};
  EXPECT_TRUE(f->matches(&a));
  EXPECT_FALSE(f->matches(&b));
  EXPECT_TRUE(f->matches(&c));
}

TEST(TraceFilter, ListValuedPropertyMatchesWhenAnyElementIsAllowed) {
  auto f = client_filter(R"({"rcpt_to": "bob@a.example"})");
  ConnMeta both{{"recipient", json::array{"eve@a.example", "bob@a.example"}}};
  ConnMeta neither{{"recipient", json::array{"eve@a.example", "mallory@a.example"}}};
  EXPECT_TRUE(f.matches(&both));
  EXPECT_FALSE(f.matches(&neither));
}

TEST(TraceFilter, BadRequestsNameTheProblem) {
  auto unknown = TraceFilter::from_text(Direction::Server, R"({"domain": "a.example"})");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error(), "unknown filter 'domain' for trace-smtp-server");
  auto cidr = TraceFilter::from_text(Direction::Client, R"({"mx_addr": ["10.0.0.0/99"]})");
  ASSERT_FALSE(cidr.ok());
  EXPECT_NE(cidr.error().find("filter 'mx_addr'"), std::string::npos) << cidr.error();
  auto shape = TraceFilter::from_text(Direction::Client, R"({"tenant": 3})");
  ASSERT_FALSE(shape.ok());
  EXPECT_EQ(shape.error(), "filter 'tenant': expected a string or a list of strings");
  EXPECT_FALSE(TraceFilter::from_text(Direction::Client, "[").ok());
  EXPECT_FALSE(TraceFilter::from_text(Direction::Client, "[1]").ok());
}

TEST(TraceFilter, AddressPart) {
  EXPECT_EQ(address_part("127.0.0.1:25"), "127.0.0.1");
  EXPECT_EQ(address_part("[2001:db8::1]:25"), "2001:db8::1");
  EXPECT_EQ(address_part("2001:db8::1"), "2001:db8::1");
  EXPECT_EQ(address_part("10.0.0.1"), "10.0.0.1");
}

TEST(TraceEventJson, KumoShapeAndTerseAbbreviation) {
  TraceEvent e;
  e.direction = Direction::Client;
  e.kind = EventKind::Write;
  e.payload = std::string(300, 'x');
  e.meta = std::make_shared<ConnMeta>(ConnMeta{{"id", "s1"}});
  e.when = std::chrono::system_clock::time_point(std::chrono::microseconds(1'700'000'000'000'006));
  auto full = event_json(e);
  EXPECT_EQ(full.at("when").as_string(), "2023-11-14T22:13:20.000006Z");
  EXPECT_EQ(full.at("conn_meta").as_object().at("id").as_string(), "s1");
  EXPECT_EQ(full.at("payload").as_object().at("Write").as_string().size(), 300u);
  auto terse = event_json(e, true).at("payload").as_object().at("AbbreviatedWrite").as_object();
  EXPECT_EQ(terse.at("len").to_number<std::int64_t>(), 300);
  EXPECT_EQ(terse.at("snippet").as_string().size(), kTerseSnippet);
  e.payload = "QUIT\r\n";
  EXPECT_EQ(json::serialize(payload_json(e, true)), R"({"Write":"QUIT\r\n"})");
  e.kind = EventKind::Connected;
  EXPECT_EQ(json::serialize(payload_json(e)), R"("Connected")");
  e.kind = EventKind::Diagnostic;
  e.payload = "hello";
  EXPECT_EQ(json::serialize(payload_json(e)), R"({"Diagnostic":{"level":"info","message":"hello"}})");
  TraceEvent server_read{Direction::Server, EventKind::Read, "s", "", "", std::string(250, 'y')};
  EXPECT_TRUE(payload_json(server_read, true).as_object().contains("AbbreviatedRead"));
}
