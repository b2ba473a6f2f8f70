// The operator routes over a fake backend, without a network: bodies parsed into rules,
// errors as {error, reason} with the right status, and KumoMTA's reply fields.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "mta/admin/admin_backend.hpp"
#include "mta/admin/admin_json.hpp"
#include "mta/admin/router.hpp"

namespace mxlab::admin {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

class RecordingBackend : public AdminBackend {
 public:
  MetricsRegistry& metrics() override { return registry; }
  void refresh_metrics() override {}
  TimePoint now() override { return TimePoint{} + 1000h; }
  AdminResult<queue::AdminRule> add_rule(queue::AdminRule rule) override {
    rule.bounced["example.com"] = 2;
    rule.total_bounced = 2;
    rules.push_back(rule);
    return rule;
  }
  std::vector<queue::AdminRule> list_rules(queue::RuleKind kind) override {
    std::vector<queue::AdminRule> out;
    for (const auto& r : rules)
      if (r.kind == kind) out.push_back(r);
    return out;
  }
  bool cancel_rule(queue::RuleKind, const std::string& id) override {
    return std::erase_if(rules, [&](const queue::AdminRule& r) { return r.id == id; }) > 0;
  }
  AdminResult<std::size_t> remove(const std::string& id) override {
    if (id == "0a1b2c3d") return std::size_t{2};
    return unexpected(AdminError{404, "no queued message or envelope " + id});
  }
  MetricsRegistry registry;
  std::vector<queue::AdminRule> rules;
};

Response call(const Router& r, Method m, std::string target, std::string body = {}) {
  Request req;
  req.method = m;
  req.target = std::move(target);
  req.body = std::move(body);
  return r.handle(std::move(req));
}

json::object parse(const Response& r) { return json::parse(r.body).as_object(); }

TEST(BounceRoute, PostReturnsIdAndTheRealCount) {
  RecordingBackend b;
  auto router = make_admin_router(b);
  auto r = call(router, Method::Post, "/api/admin/bounce/v1", R"({"domain":"example.com","reason":"purge"})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto o = parse(r);
  EXPECT_EQ(o["total_bounced"].as_int64(), 2);
  EXPECT_EQ(o["bounced"].as_object()["example.com"].as_int64(), 2);
  ASSERT_EQ(b.rules.size(), 1u);
  EXPECT_EQ(b.rules[0].expires, b.now() + 5min);  // KumoMTA's default duration
}

TEST(BounceRoute, NoCriteriaIsABadSelector) {
  RecordingBackend b;
  auto router = make_admin_router(b);
  auto r = call(router, Method::Post, "/api/admin/bounce/v1", R"({"reason":"purge"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(parse(r).contains("reason"));
  EXPECT_TRUE(b.rules.empty());
}

TEST(BounceRoute, MissingReasonAndBadDurationAre400) {
  RecordingBackend b;
  auto router = make_admin_router(b);
  EXPECT_EQ(call(router, Method::Post, "/api/admin/bounce/v1", R"({"everything":true})").status, 400);
  EXPECT_EQ(call(router, Method::Post, "/api/admin/bounce/v1", R"({"everything":true,"reason":"x","duration":"soon"})").status,
            400);
}

TEST(BounceRoute, ListShowsRemainingDurationAndCancelRemoves) {
  RecordingBackend b;
  auto router = make_admin_router(b);
  call(router, Method::Post, "/api/admin/bounce/v1", R"({"tenant":"acme","reason":"r","duration":"1h 30m"})");
  auto list = json::parse(call(router, Method::Get, "/api/admin/bounce/v1").body).as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].as_object()["duration"].as_string(), "1h 30m");
  EXPECT_EQ(list[0].as_object()["tenant"].as_string(), "acme");
  std::string id(list[0].as_object()["id"].as_string());
  EXPECT_EQ(call(router, Method::Delete, "/api/admin/bounce/v1", R"({"id":")" + id + R"("})").status, 200);
  EXPECT_EQ(call(router, Method::Delete, "/api/admin/bounce/v1", R"({"id":")" + id + R"("})").status, 404);
}

TEST(SuspendRoute, RefusesRoutingDomain) {
  RecordingBackend b;
  auto router = make_admin_router(b);
  auto r = call(router, Method::Post, "/api/admin/suspend/v1", R"({"routing_domain":"x","reason":"r"})");
  EXPECT_EQ(r.status, 400);
}

TEST(RemoveRoute, UnknownIdIs404WithReason) {
  RecordingBackend b;
  auto router = make_admin_router(b);
  EXPECT_EQ(parse(call(router, Method::Post, "/api/admin/remove/v1", R"({"id":"0a1b2c3d"})"))["removed"].as_int64(), 2);
  auto r = call(router, Method::Post, "/api/admin/remove/v1", R"({"id":"ffffffff"})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(parse(r)["error"].as_string(), "Not Found");
}

TEST(PauseRoute, UnknownServiceIs400) {
  RecordingBackend b;
  auto router = make_admin_router(b);
  EXPECT_EQ(call(router, Method::Post, "/api/admin/pause/v1", R"({"service":"mda"})").status, 400);
}

TEST(Durations, ParseAndFormatRoundTrip) {
  EXPECT_EQ(parse_duration_text("5m"), 5min);
  EXPECT_EQ(parse_duration_text("1h 30m"), 90min);
  EXPECT_EQ(parse_duration_text("250ms"), 250ms);
  EXPECT_FALSE(parse_duration_text("").has_value());
  EXPECT_FALSE(parse_duration_text("5 parsecs").has_value());
  EXPECT_EQ(format_duration(90min + 5s), "1h 30m 5s");
}

}  // namespace
}  // namespace mxlab::admin

namespace mxlab::admin {
namespace {

// Found by fuzz/admin_api_fuzz.cpp: message data in a legacy 8-bit charset (and meta or remote
// replies with stray bytes) must still give valid JSON, each bad sequence shown as U+FFFD.
TEST(InspectJson, InvalidUtf8BecomesReplacementCharacters) {
  queue::MessageView m;
  m.id = "0000000A";
  m.data = std::string("Subject: caf\xe9\r\n\r\n\xc3\xa9t\xc3\xa9 \xed\xa0\x80 \xc0\xaf\0", 30);
  m.meta["k\xff"] = "v\x80";
  m.envelopes.push_back({"0000000A.00000001", "b@example.net", "example.net", "pending", 1, {}, {}, "451 \xfe"});
  std::string text = boost::json::serialize(inspect_json(m));
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  ASSERT_FALSE(ec) << ec.message();
  const std::string fffd = "\xef\xbf\xbd";
  EXPECT_EQ(v.at("message").at("data").as_string(),
            "Subject: caf" + fffd + "\r\n\r\n\xc3\xa9t\xc3\xa9 " + fffd + fffd + fffd + " " + fffd + fffd + std::string(1, '\0'));
  EXPECT_EQ(v.at("message").at("meta").at("k" + fffd).as_string(), "v" + fffd);
  EXPECT_EQ(v.at("message").at("envelopes").at(0).at("last_error").as_string(), "451 " + fffd);
}

TEST(ErrorResponse, ReasonQuotingABadTargetIsStillValidJson) {
  Response r = error_response(404, "no route for /\xe1pi");
  EXPECT_EQ(r.body, "{\"error\":\"Not Found\",\"reason\":\"no route for /\xef\xbf\xbdpi\"}");
}

}  // namespace
}  // namespace mxlab::admin
