// The control API's route table without a network: rules replaced mid-run, reset, wait, DNS faults.
#include <gtest/gtest.h>

#include "mta/delivery/smtp_send.hpp"
#include "sim/fake_mx/control_api.hpp"

using namespace mxlab;
using namespace mxlab::fakemx;
using namespace std::chrono_literals;

namespace {

admin::Request req(admin::Method m, std::string target, std::string body = "") {
  admin::Request r;
  r.method = m;
  r.target = std::move(target);
  r.body = std::move(body);
  return r;
}

TEST(ControlRoutes, PutRulesChangesBehaviourOfARunningHost) {
  MxHostConfig c;
  c.name = "mx1.example.com";
  c.address = "127.0.0.2";
  MxHost host(c);
  ASSERT_TRUE(host.start());
  auto router = make_control_router({{&host}, nullptr});
  auto put = router.handle(req(admin::Method::Put, "/api/fakemx/v1/rules?host=mx1.example.com",
                               R"({"rules": [{"stage": "rcpt", "reply": "550 5.7.1 changed"}]})"));
  ASSERT_EQ(put.status, 200) << put.body;
  delivery::SendRequest s{"127.0.0.2", host.port(), "client.test", "a@origin.test", {"b@example.com"},
                          "Subject: x\r\n\r\nx\r\n"};
  auto sent = delivery::send_message(s);
  ASSERT_TRUE(sent) << sent.error();
  EXPECT_EQ(sent->final_reply.code, 550);
  auto bad = router.handle(req(admin::Method::Put, "/api/fakemx/v1/rules?host=mx1.example.com",
                               R"({"rules": [{"stage": "nowhere"}]})"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("rules[0].stage"), std::string::npos) << bad.body;
  auto waited = router.handle(req(admin::Method::Get, "/api/fakemx/v1/wait?host=mx1.example.com&count=1&timeout=100ms"));
  EXPECT_EQ(waited.status, 408);
  auto rec = router.handle(req(admin::Method::Get, "/api/fakemx/v1/recording"));
  EXPECT_NE(rec.body.find("550 5.7.1 changed"), std::string::npos) << rec.body;
  EXPECT_EQ(router.handle(req(admin::Method::Post, "/api/fakemx/v1/reset")).status, 200);
  EXPECT_TRUE(host.sessions().empty());
}

}  // namespace
