// The admin routing table without sockets: dispatch by path and method, JSON errors with the
// right status (404, 405 + Allow, 400, 500), and the health and metrics handlers' replies.
#include "mta/admin/router.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <stdexcept>

#include "mta/admin/admin_server.hpp"
#include "mta/common/metric_names.hpp"

namespace mxlab::admin {
namespace {

class FakeBackend : public AdminBackend {
 public:
  FakeBackend() {
    registry.declare(metric::kReadyCount, MetricType::Gauge, "number of messages in the ready queue",
                     metric::kServiceLabel);
  }
  MetricsRegistry& metrics() override { return registry; }
  void refresh_metrics() override {
    ++refreshes;
    registry.set(metric::kReadyCount, 7, "smtp_client:ip-1->mx.example.com@smtp_client");
  }
  MetricsRegistry registry;
  int refreshes = 0;
};

Request get(std::string target, Method m = Method::Get) {
  Request r;
  r.method = m;
  r.target = std::move(target);
  return r;
}

boost::json::object body_json(const Response& r) { return boost::json::parse(r.body).as_object(); }

std::string header(const Response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return {};
}

TEST(AdminRouter, LivenessAnswers200WithEmptyBody) {
  FakeBackend backend;
  auto r = make_admin_router(backend).handle(get("/api/check-liveness/v1"));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
}

TEST(AdminRouter, MetricsIsPrometheusTextAfterRefresh) {
  FakeBackend backend;
  auto r = make_admin_router(backend).handle(get("/metrics"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4");
  EXPECT_EQ(backend.refreshes, 1);
  EXPECT_NE(r.body.find("# TYPE ready_count gauge"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("ready_count{service=\"smtp_client:ip-1->mx.example.com@smtp_client\"} 7"), std::string::npos)
      << r.body;
}

TEST(AdminRouter, MetricsJsonIsKumoShapeAfterRefresh) {
  FakeBackend backend;
  auto r = make_admin_router(backend).handle(get("/metrics.json"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(backend.refreshes, 1);
  auto doc = body_json(r);
  EXPECT_EQ(doc.at("ready_count").at("value").at("service").at("smtp_client:ip-1->mx.example.com@smtp_client"), 7);
}

TEST(AdminRouter, QueryStringDoesNotAffectRouting) {
  FakeBackend backend;
  EXPECT_EQ(make_admin_router(backend).handle(get("/metrics.json?pretty=1")).status, 200);
}

TEST(AdminRouter, UnknownPathIs404JsonError) {
  FakeBackend backend;
  auto r = make_admin_router(backend).handle(get("/api/admin/nope/v1"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  auto doc = body_json(r);
  EXPECT_EQ(doc.at("error"), "Not Found");
  EXPECT_EQ(doc.at("reason"), "no route for /api/admin/nope/v1");
}

TEST(AdminRouter, WrongMethodIs405WithAllow) {
  FakeBackend backend;
  auto r = make_admin_router(backend).handle(get("/metrics", Method::Post));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(header(r, "Allow"), "GET");
  EXPECT_EQ(body_json(r).at("error"), "Method Not Allowed");
  EXPECT_EQ(body_json(r).at("reason"), "POST is not allowed on /metrics");
}

TEST(AdminRouter, AllowListsEveryMethodOfThePath) {
  Router router;
  router.add(Method::Get, "/x", [](const Request&) { return json_response(200, "[]"); });
  router.add(Method::Post, "/x", [](const Request&) { return json_response(200, "{}"); });
  router.add(Method::Delete, "/x", [](const Request&) { return json_response(200, "{}"); });
  auto r = router.handle(get("/x", Method::Put));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(header(r, "Allow"), "GET, POST, DELETE");
  EXPECT_EQ(router.handle(get("/x", Method::Post)).body, "{}");
}

TEST(AdminRouter, BadTargetIs400) {
  FakeBackend backend;
  auto r = make_admin_router(backend).handle(get("http://absolute.example/metrics"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body_json(r).at("error"), "Bad Request");
}

TEST(AdminRouter, HandlerSeesDecodedPathAndQuery) {
  Router router;
  Request seen;
  router.add(Method::Get, "/api/admin/inspect-message/v1", [&](const Request& r) {
    seen = r;
    return json_response(200, "{}");
  });
  router.handle(get("/api/admin/inspect-message/v1?id=abc%20def&want_body"));
  EXPECT_EQ(seen.path, "/api/admin/inspect-message/v1");
  EXPECT_EQ(seen.query.at("id"), "abc def");
  EXPECT_EQ(seen.query.at("want_body"), "");
}

TEST(AdminRouter, ThrowingHandlerIs500NotACrash) {
  Router router;
  router.add(Method::Get, "/boom", [](const Request&) -> Response { throw std::runtime_error("bug"); });
  auto r = router.handle(get("/boom"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(body_json(r).at("reason"), "handler failed: bug");
}

TEST(AdminRouter, ErrorResponseEscapesReason) {
  auto r = error_response(400, "bad \"quote\"\n");
  EXPECT_EQ(body_json(r).at("reason"), "bad \"quote\"\n");
}

}  // namespace
}  // namespace mxlab::admin
