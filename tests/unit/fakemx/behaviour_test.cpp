// RulePolicy without sockets: address matchers, attempt windows, per-client sessions, seeded
// probability, the address conventions and greylisting (in virtual time).
#include "sim/fake_mx/behaviour.hpp"

#include <gtest/gtest.h>

using namespace mxlab;
using namespace mxlab::fakemx;
using server::Action;
using server::Stage;

namespace {

struct Dialogue {
  server::SessionInfo session{"s1", "127.0.0.1", 1000, "127.0.0.2", 25};
  server::Transaction tx;
  Action at(RulePolicy& p, Stage stage, std::string arg) {
    server::StageContext ctx{stage, &session, &tx, std::move(arg)};
    return p.decide(ctx);
  }
};

Rule rcpt_reply(std::string_view reply) { return *reply_rule(Stage::Rcpt, reply); }

TEST(AddressMatch, ExactDomainAndRegex) {
  auto exact = AddressMatch::parse("Bob@Example.com");
  EXPECT_TRUE(exact->matches("bob@example.COM"));
  EXPECT_FALSE(exact->matches("bobby@example.com"));
  auto domain = AddressMatch::parse("@example.com");
  EXPECT_TRUE(domain->matches("x@EXAMPLE.com"));
  EXPECT_FALSE(domain->matches("x@sub.example.com"));
  auto regex = AddressMatch::parse("/^bob\\+/");
  EXPECT_TRUE(regex->matches("bob+tag@example.com"));
  EXPECT_FALSE(regex->matches("alice@example.com"));
  std::string error;
  EXPECT_FALSE(AddressMatch::parse("/(/", &error));
  EXPECT_NE(error.find("regular expression"), std::string::npos);
}

TEST(RulePolicy, RecipientMatcherSelectsOnlyThatRecipient) {
  RulePolicy p;
  Rule r = rcpt_reply("550 5.1.1 no such user");
  r.recipient = *AddressMatch::parse("gone@example.com");
  p.set_rules({r});
  Dialogue d;
  EXPECT_EQ(d.at(p, Stage::Rcpt, "gone@example.com").reply.code, 550);
  EXPECT_EQ(d.at(p, Stage::Rcpt, "here@example.com").kind, Action::Kind::Proceed);
}

TEST(RulePolicy, SkipAndTimesSelectTheNthMatch) {
  RulePolicy p;
  Rule r = rcpt_reply("451 4.3.0 second attempt only");
  r.skip = 1;
  r.times = 1;
  p.set_rules({r});
  Dialogue d;
  EXPECT_EQ(d.at(p, Stage::Rcpt, "a@example.com").kind, Action::Kind::Proceed);
  EXPECT_EQ(d.at(p, Stage::Rcpt, "a@example.com").reply.code, 451);
  EXPECT_EQ(d.at(p, Stage::Rcpt, "a@example.com").kind, Action::Kind::Proceed);
}

TEST(RulePolicy, SessionRuleAppliesOnlyToTheClientsNthSession) {
  RulePolicy p;
  Rule r = rcpt_reply("421 4.7.0 first session refused");
  r.kind = Action::Kind::ReplyThenDisconnect;
  r.session = 1;
  p.set_rules({r});
  Dialogue d;
  d.at(p, Stage::Connect, "127.0.0.1");
  EXPECT_EQ(d.at(p, Stage::Rcpt, "a@example.com").reply.code, 421);
  d.session.session_id = "s2";
  d.at(p, Stage::Connect, "127.0.0.1");
  EXPECT_EQ(d.at(p, Stage::Rcpt, "a@example.com").kind, Action::Kind::Proceed);
}

std::vector<int> outcomes(std::uint64_t seed) {
  RulePolicy p;
  BehaviourOptions o;
  o.seed = seed;
  p.set_options(o);
  Rule r = rcpt_reply("451 4.3.0 coin");
  r.probability = 0.5;
  p.set_rules({r});
  Dialogue d;
  std::vector<int> out;
  for (int i = 0; i < 64; ++i) out.push_back(d.at(p, Stage::Rcpt, "a@example.com").reply.code);
  return out;
}

TEST(RulePolicy, ProbabilityIsReproducibleForASeed) {
  auto a = outcomes(7), b = outcomes(7), c = outcomes(8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  auto fails = std::count(a.begin(), a.end(), 451);
  EXPECT_GT(fails, 16);
  EXPECT_LT(fails, 48);
}

TEST(RulePolicy, MultilineReplyKeepsEveryLine) {
  RulePolicy p;
  Rule r = rcpt_reply("550 5.7.1 line one");
  r.text += "\nline two";
  p.set_rules({r});
  Dialogue d;
  auto a = d.at(p, Stage::Rcpt, "x@example.com");
  ASSERT_EQ(a.reply.lines.size(), 2u);
  EXPECT_EQ(a.reply.encode(), "550-5.7.1 line one\r\n550 5.7.1 line two\r\n");
}

TEST(Conventions, LocalPartsAskForReplies) {
  RulePolicy p;
  Dialogue d;
  EXPECT_EQ(d.at(p, Stage::Rcpt, "tempfail@example.com").reply.code, 451);
  EXPECT_EQ(d.at(p, Stage::Rcpt, "permfail@example.com").reply.code, 550);
  EXPECT_EQ(d.at(p, Stage::Rcpt, "full@example.com").reply.code, 452);
  EXPECT_EQ(d.at(p, Stage::Rcpt, "timeout@example.com").kind, Action::Kind::NoAnswer);
  auto a = d.at(p, Stage::Rcpt, "421-bye@example.com");
  EXPECT_EQ(a.kind, Action::Kind::ReplyThenDisconnect);
  EXPECT_EQ(a.reply.code, 421);
  EXPECT_EQ(d.at(p, Stage::Mail, "550-x@example.com").reply.code, 550);
  EXPECT_EQ(d.at(p, Stage::Rcpt, "data-tempfail@example.com").kind, Action::Kind::Proceed);
  d.tx.rcpt_to = {"data-tempfail@example.com"};
  EXPECT_EQ(d.at(p, Stage::EndOfData, "").reply.code, 451);
}

TEST(Conventions, OffWhenTheHostSaysSo) {
  RulePolicy p;
  BehaviourOptions o;
  o.address_conventions = false;
  p.set_options(o);
  Dialogue d;
  EXPECT_EQ(d.at(p, Stage::Rcpt, "tempfail@example.com").kind, Action::Kind::Proceed);
}

TEST(Greylist, FirstAttemptRefusedRetryAfterDelayAccepted) {
  ManualClock clock;
  RulePolicy p(clock);
  BehaviourOptions o;
  o.greylist.enabled = true;
  o.greylist.delay = std::chrono::minutes(5);
  p.set_options(o);
  Dialogue d;
  d.tx.mail_from = "alice@origin.test";
  auto first = d.at(p, Stage::Rcpt, "bob@example.com");
  EXPECT_EQ(first.reply.code, 451);
  EXPECT_EQ(first.reply.enhanced->str(), "4.7.1");
  clock.advance(std::chrono::minutes(1));
  EXPECT_EQ(d.at(p, Stage::Rcpt, "bob@example.com").reply.code, 451);  // too early
  EXPECT_EQ(d.at(p, Stage::Rcpt, "carol@example.com").reply.code, 451);  // another triplet
  clock.advance(std::chrono::minutes(5));
  EXPECT_EQ(d.at(p, Stage::Rcpt, "bob@example.com").kind, Action::Kind::Proceed);
  EXPECT_EQ(d.at(p, Stage::Rcpt, "bob@example.com").kind, Action::Kind::Proceed);  // stays passed
  p.reset_greylist();
  EXPECT_EQ(d.at(p, Stage::Rcpt, "bob@example.com").reply.code, 451);
}

TEST(Greylist, AttemptCountGate) {
  RulePolicy p;
  BehaviourOptions o;
  o.greylist.enabled = true;
  o.greylist.attempts = 3;
  p.set_options(o);
  Dialogue d;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(d.at(p, Stage::Rcpt, "bob@example.com").reply.code, 451) << i;
  EXPECT_EQ(d.at(p, Stage::Rcpt, "bob@example.com").kind, Action::Kind::Proceed);
}

TEST(RulePolicy, TarpitNeverAnswersTheConnection) {
  RulePolicy p;
  BehaviourOptions o;
  o.tarpit = true;
  p.set_options(o);
  Dialogue d;
  EXPECT_EQ(d.at(p, Stage::Connect, "127.0.0.1").kind, Action::Kind::NoAnswer);
}

TEST(RulePolicy, MidDataRuleActsOnceEnoughBytesArrived) {
  RulePolicy p;
  Rule r;
  r.stage = Stage::Data;
  r.kind = Action::Kind::Disconnect;
  r.after_bytes = 100;
  p.set_rules({r});
  Dialogue d;
  server::StageContext ctx{Stage::Data, &d.session, &d.tx, ""};
  EXPECT_EQ(d.at(p, Stage::Data, "").kind, Action::Kind::Proceed);  // the DATA command itself
  EXPECT_EQ(p.decide_data(ctx, 50).kind, Action::Kind::Proceed);
  EXPECT_EQ(p.decide_data(ctx, 120).kind, Action::Kind::Disconnect);
}

}  // namespace
