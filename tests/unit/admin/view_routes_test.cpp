// The view routes (qshape, sessions, session-stats, clear-stats, session-log) over a fake backend
// and a real SessionTable, without a network.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "mta/admin/admin_backend.hpp"
#include "mta/admin/router.hpp"
#include "mta/common/session_table.hpp"

namespace mxlab::admin {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

class ViewBackend : public AdminBackend {
 public:
  MetricsRegistry& metrics() override { return registry; }
  void refresh_metrics() override {}
  TimePoint now() override { return kNow; }
  std::vector<queue::MessageView> messages() override { return views; }
  SessionTable* sessions() override { return table ? &*table : nullptr; }

  static constexpr TimePoint kNow = TimePoint{} + 1000h;
  MetricsRegistry registry;
  std::vector<queue::MessageView> views;
  std::optional<SessionTable> table;
};

queue::MessageView message(std::chrono::minutes age, std::vector<std::pair<std::string, std::string>> rcpts) {
  queue::MessageView m;
  m.received = ViewBackend::kNow - age;
  for (auto& [r, state] : rcpts) {
    queue::EnvelopeView e;
    e.recipient = r;
    e.state = state;
    m.envelopes.push_back(std::move(e));
  }
  return m;
}

Response get(const Router& r, std::string target, Method m = Method::Get) {
  Request req;
  req.method = m;
  req.target = std::move(target);
  return r.handle(std::move(req));
}

std::vector<std::int64_t> counts(const json::value& row) {
  std::vector<std::int64_t> out;
  for (const auto& n : row.as_object().at("counts").as_array()) out.push_back(n.to_number<std::int64_t>());
  return out;
}

const json::value& at(const json::value& v, std::string_view key) { return v.as_object().at(key); }

TEST(QshapeRoute, BucketsEnvelopesByDomainAndAge) {
  ViewBackend b;
  b.views = {message(1min, {{"a@x.com", "pending"}, {"b@x.com", "delivered"}, {"c@y.com", "suspended"}}),
             message(7min, {{"d@x.com", "inflight"}}),
             message(3000min, {{"e@x.com", "pending"}})};
  auto router = make_admin_router(b);
  auto r = get(router, "/api/admin/qshape/v1?buckets=3&first=5");
  ASSERT_EQ(r.status, 200) << r.body;
  auto o = json::parse(r.body);
  EXPECT_EQ(json::serialize(at(o, "buckets")), "[5,10,20]");
  EXPECT_EQ(counts(at(o, "total")), (std::vector<std::int64_t>{2, 1, 0, 1}));
  auto& domains = at(o, "domains").as_array();
  ASSERT_EQ(domains.size(), 2u);
  EXPECT_EQ(at(domains[0], "domain").as_string(), "x.com");  // largest first
  EXPECT_EQ(at(domains[0], "total").as_int64(), 3);
  EXPECT_EQ(counts(domains[1]), (std::vector<std::int64_t>{1, 0, 0, 0}));
}

TEST(QshapeRoute, BadParametersAre400) {
  ViewBackend b;
  auto router = make_admin_router(b);
  EXPECT_EQ(get(router, "/api/admin/qshape/v1?buckets=0").status, 400);
  EXPECT_EQ(get(router, "/api/admin/qshape/v1?first=x").status, 400);
}

TEST(SessionRoutes, ListStatsClearAndLog) {
  ViewBackend b;
  b.table.emplace();
  auto router = make_admin_router(b);
  auto row = b.table->open(SessionDirection::Inbound, "s1", "127.0.0.1:25", "127.0.0.9:4000", "WAITHELO");
  row.count(SessionCounter::ConnectionsOk);
  row.set_state("RCPT");

  auto list = json::parse(get(router, "/api/admin/sessions/v1").body).as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(at(list[0], "direction").as_string(), "in");
  EXPECT_EQ(at(list[0], "state").as_string(), "RCPT");
  EXPECT_TRUE(at(list[0], "tls").is_null());

  auto stats = json::parse(get(router, "/api/admin/session-stats/v1").body);
  EXPECT_EQ(at(at(stats, "inbound"), "connections_ok").to_number<std::uint64_t>(), 1u);
  auto cleared = json::parse(get(router, "/api/admin/clear-stats/v1", Method::Post).body);
  EXPECT_EQ(at(at(at(cleared, "before"), "inbound"), "connections_ok").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(at(at(at(cleared, "after"), "inbound"), "connections_ok").to_number<std::uint64_t>(), 0u);

  auto log = json::parse(get(router, "/api/admin/session-log/v1?limit=1").body).as_array();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(at(log[0], "event").as_string(), "state RCPT");
  EXPECT_EQ(get(router, "/api/admin/session-log/v1?limit=-1").status, 400);
}

TEST(SessionRoutes, WithoutATableAre501) {
  ViewBackend b;
  auto router = make_admin_router(b);
  EXPECT_EQ(get(router, "/api/admin/sessions/v1").status, 501);
  EXPECT_EQ(get(router, "/api/admin/session-log/v1").status, 501);
}

}  // namespace
}  // namespace mxlab::admin

namespace mxlab::admin {
namespace {

TEST(LogFilterRoute, SetsTheLevelAndRefusesUnknownLevels) {
  ViewBackend b;
  auto router = make_admin_router(b);
  auto post = [&](std::string body) {
    Request req;
    req.method = Method::Post;
    req.target = "/api/admin/set_diagnostic_log_filter/v1";
    req.body = std::move(body);
    return router.handle(std::move(req));
  };
  auto before = spdlog::get_level();
  auto r = post(R"({"filter":"info,mtad=debug"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(spdlog::get_level(), spdlog::level::debug);
  EXPECT_EQ(at(json::parse(get(router, "/api/admin/set_diagnostic_log_filter/v1").body), "level").as_string(), "debug");
  EXPECT_EQ(post(R"({"filter":"mtad=loud"})").status, 400);
  EXPECT_EQ(post(R"({"filter":"other=debug"})").status, 400);
  EXPECT_EQ(post(R"({})").status, 400);
  spdlog::set_level(before);
}

}  // namespace
}  // namespace mxlab::admin
