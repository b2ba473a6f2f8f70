// Scenario expectations as pure checks: a table of (expectations, what happened) pairs and the
// exact difference each reports, plus the admin-step body conversion. No sockets.
#include <gtest/gtest.h>

#include "sim/fake_mx/scenario.hpp"
#include "sim/fake_mx/scenario_expect.hpp"

using namespace mxlab;
using namespace mxlab::fakemx;

namespace {

log::LogRecord record(log::RecordType type, const std::string& rcpt, int code, const char* enhanced,
                      const std::string& text, const std::string& host = "") {
  log::LogRecord r;
  r.type = type;
  r.recipient = rcpt;
  r.response.code = code;
  r.response.enhanced_code = smtp::EnhancedCode::parse(enhanced);
  r.response.content = text;
  r.peer_address.name = host;
  return r;
}

Observed greylisted_then_delivered() {
  Observed o;
  auto& bob = o.log_by_recipient["bob@example.com"];
  bob.push_back(record(log::RecordType::Reception, "bob@example.com", 250, "2.0.0", "queued"));
  bob.push_back(record(log::RecordType::TransientFailure, "bob@example.com", 451, "4.7.1", "greylisted", "mx1"));
  bob.push_back(record(log::RecordType::Delivery, "bob@example.com", 250, "2.0.0", "ok", "mx1"));
  RecordedTransaction tx;
  tx.host = "mx1";
  tx.mail_from = "alice@origin.test";
  tx.rcpt_to = {"bob@example.com"};
  tx.data = "Subject: hi\r\n\r\nhello\r\n";
  o.received["mx1"].push_back(tx);
  o.received["mx2"];
  return o;
}

Expectations load(const std::string& yaml) {
  auto s = load_scenario_text("messages: [{from: a@b.test, to: [c@d.test]}]\n" + yaml, "t.yaml");
  EXPECT_TRUE(s) << s.error().str();
  return s ? s->expect : Expectations{};
}

struct Case {
  const char* name;
  const char* yaml;
  const char* problem;  // "" = holds; else a substring of the one problem reported
};

TEST(ScenarioExpect, TableOfChecks) {
  const Case cases[] = {
      {"delivered", "expect: [{recipient: bob@example.com, delivered_to: mx1, dsn_status: 2.0.0}]", ""},
      {"wrong host", "expect: [{recipient: bob@example.com, delivered_to: mx2}]",
       "bob@example.com\n    expected: delivered to mx2\n    actual:   Delivery 250 2.0.0 ok at mx1"},
      {"log sequence", "expect: [{recipient: bob@example.com, delivered_to: mx1, log: [Reception, Delivery]}]",
       "expected: [Reception, Delivery]\n    actual:   [Reception, TransientFailure, Delivery]"},
      {"nothing logged", "expect: [{recipient: nobody@example.com, bounced: 550}]", "actual:   no log record"},
      {"log count", "expect_log: [{type: TransientFailure, count: 1, code: 451, response: grey}]", ""},
      {"log min_count", "expect_log: [{type: TransientFailure, min_count: 2}]",
       "expected: at least 2 TransientFailure\n    actual:   1 matching"},
      {"received", "expect_received: [{host: mx1, sender: alice@origin.test, contains: [hello], lacks: [X-Spam]}]", ""},
      {"received none", "expect_received: [{host: mx2, count: 0}]", ""},
      {"received in plaintext", "expect_received: [{host: mx1, tls: false}]", ""},
      {"received over TLS", "expect_received: [{host: mx1, tls: true}]",
       "expected: 1 transaction(s) at mx1 over TLS\n    actual:   0 matching of 1"},
      {"received unknown host", "expect_received: [{host: mx9}]", "no such host in the scenario"},
      {"queue empty", "expect_queue: [{count: 0}]", ""},
      {"queue missing", "expect_queue: [{recipient: bob@example.com}]", "actual:   0 matching; queue: empty"},
  };
  const Observed o = greylisted_then_delivered();
  for (const auto& c : cases) {
    auto problems = check(load(c.yaml), o);
    if (std::string(c.problem).empty()) {
      EXPECT_TRUE(problems.empty()) << c.name << ": " << (problems.empty() ? "" : problems[0]);
    } else {
      ASSERT_EQ(problems.size(), 1u) << c.name;
      EXPECT_NE(problems[0].find(c.problem), std::string::npos) << c.name << ": " << problems[0];
    }
  }
}

TEST(ScenarioExpect, QueueStatesAndAttempts) {
  Observed o;
  core::QueuedMessage m;
  m.envelopes.push_back({"e1", "bob@example.com", "suspended", 0, {}, ""});
  m.envelopes.push_back({"e2", "carol@example.com", "delivered", 1, {}, ""});  // finished: not queued
  o.queue.push_back(m);
  EXPECT_TRUE(check(load("expect_queue: [{recipient: bob@example.com, state: suspended, attempts: 0}, {count: 1}]"), o).empty());
  auto problems = check(load("expect_queue: [{recipient: carol@example.com}]"), o);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("queue: [bob@example.com suspended attempts=0]"), std::string::npos) << problems[0];
}

TEST(ScenarioExpect, AdminStepBodyBecomesJson) {
  auto s = load_scenario_text(
      "messages: [{from: a@b.test, to: [c@d.test]}]\nexpect: [{recipient: c@d.test, deferred: 451}]\n"
      "admin: [{post: /api/admin/bounce/v1, at: sent, body: {domain: example.com, everything: false, n: 3, reason: \"7\"}}]\n",
      "t.yaml");
  ASSERT_TRUE(s) << s.error().str();
  ASSERT_EQ(s->admin.size(), 1u);
  EXPECT_EQ(s->admin[0].method, "POST");
  EXPECT_TRUE(s->admin[0].after_messages);
  EXPECT_EQ(s->admin[0].body, R"({"domain":"example.com","everything":false,"n":3,"reason":"7"})");
}

TEST(ScenarioExpect, RunNeedsSomeExpectation) {
  auto s = load_scenario_text("messages: [{from: a@b.test, to: [c@d.test]}]\n", "t.yaml");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().str().find("give expect, expect_log, expect_queue, expect_received or expect_trace"), std::string::npos);
}

}  // namespace
