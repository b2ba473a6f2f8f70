// Bounce classification: the IANA code table as default, regex rules first (first match wins),
// user-defined classes, and YAML rule files whose errors name file, line and key.
#include "mta/delivery/bounce_classifier.hpp"

#include <gtest/gtest.h>

using namespace mxlab;
using namespace mxlab::delivery;

TEST(BounceClassifier, EnhancedCodeTableIsTheDefault) {
  auto c = BounceClassifier::create({}).value();
  struct Row {
    const char* line;
    const char* cls;
  };
  const Row rows[] = {
      {"550 5.1.1 bad mailbox", "InvalidRecipient"},   {"556 5.1.10 null MX", "BadDomain"},
      {"550 5.1.2 bad system", "BadDomain"},           {"552 5.2.2 stuffed", "QuotaIssues"},
      {"452 4.2.2 stuffed", "QuotaIssues"},            {"552 5.3.4 too big", "QuotaIssues"},
      {"421 4.4.1 no answer", "NoAnswerFromHost"},     {"421 4.4.2 bad connection", "BadConnection"},
      {"451 4.4.7 expired", "MessageExpired"},         {"550 5.7.1 refused", "PolicyRelated"},
      {"535 5.7.8 bad credentials", "AuthenticationFailed"}, {"550 5.5.1 what", "ProtocolErrors"},
      {"452 4.5.3 too many", "ProtocolErrors"},        {"525 5.7.13 disabled", "InactiveMailbox"},
      {"550 5.7.17 owner changed", "InvalidRecipient"}, {"550 5.7.18 domain owner", "BadDomain"},
      {"451 4.4.3 dns", "DNSFailure"},                 {"554 5.6.0 content", "ContentRelated"},
      {"451 4.3.0 try later", "BadConfiguration"},     {"450 4.9.9 odd code", "TransientFailure"},
      {"550 5.9.9 odd code", "Uncategorized"},         {"451 no enhanced code", "TransientFailure"},
      {"550 no enhanced code", "Uncategorized"},       {"352 5.2.2 not a failure", "Uncategorized"},
      {"250 2.0.0 ok", "Uncategorized"},
  };
  for (const auto& row : rows) EXPECT_EQ(c.classify_line(row.line), row.cls) << row.line;
}

TEST(BounceClassifier, ClassNamesRoundTrip) {
  for (int i = 0; i <= static_cast<int>(BounceClass::Uncategorized); ++i) {
    auto cls = static_cast<BounceClass>(i);
    EXPECT_EQ(parse_bounce_class(to_string(cls)), cls);
  }
  EXPECT_FALSE(parse_bounce_class("TooManyRecipients"));
}

TEST(BounceClassifier, BuiltinRulesBeatTheCodeTable) {
  auto c = BounceClassifier::with_defaults();
  EXPECT_EQ(c.classify_line("550 5.7.1 Service unavailable; client [1.2.3.4] blocked using zen.spamhaus.org"),
            "SpamBlock");
  EXPECT_EQ(c.classify_line("554 5.7.1 <x@y>: Relay access denied"), "RelayingIssues");
  EXPECT_EQ(c.classify_line("550 5.0.0 user unknown"), "InvalidRecipient");
  EXPECT_EQ(c.classify_line("552 Mailbox full"), "QuotaIssues");
  EXPECT_EQ(c.classify_line("550 5.7.26 DMARC policy rejected the message"), "AuthenticationFailed");
  EXPECT_EQ(c.classify_line("550 5.1.1 mailbox unavailable"), "InvalidRecipient");
}

TEST(BounceClassifier, FirstMatchingRuleWins) {
  auto c = BounceClassifier::create({{"First", "woot"}, {"Second", "woot|aaa"}, {"Third", "bbb"}}).value();
  EXPECT_EQ(c.classify_line("550 woot"), "First");
  EXPECT_EQ(c.classify_line("550 aaa"), "Second");
  EXPECT_EQ(c.classify_line("550 bbb woot"), "First");
}

TEST(BounceClassifier, RulesSeeCodeAndEnhancedCode) {
  auto c = BounceClassifier::create({{"TooManyRecipients", R"(^452 4\.5\.3 )"}}).value();
  EXPECT_EQ(c.classify(smtp::make_reply(452, "4.5.3", "Too many recipients")), "TooManyRecipients");
  EXPECT_EQ(c.classify(smtp::make_reply(552, "5.5.3", "Too many recipients")), "ProtocolErrors");
}

TEST(BounceClassifier, MultilineRepliesAreJoined) {
  auto c = BounceClassifier::create({{"SpamBlock", "listed at example-bl"}}).value();
  smtp::Reply r = smtp::make_reply(550, "5.7.1", "Your address is");
  r.lines.push_back("listed at example-bl");
  EXPECT_EQ(c.classify(r), "SpamBlock");
}

TEST(BounceClassifier, RulesAreCaseInsensitiveByDefault) {
  auto c = BounceClassifier::create({{"SpamBlock", "spamhaus"}}).value();
  EXPECT_EQ(c.classify_line("550 SPAMHAUS says no"), "SpamBlock");
  auto strict = BounceClassifier::create({{"SpamBlock", "spamhaus"}}, false).value();
  EXPECT_EQ(strict.classify_line("550 SPAMHAUS says no"), "Uncategorized");
}

TEST(BounceClassifier, BadRegexIsAnError) {
  auto c = BounceClassifier::create({{"X", "(unclosed"}});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().find("rule 0"), std::string::npos);
}

TEST(BounceClassifier, HugeReplyIsClassifiedWithoutTrouble) {
  auto c = BounceClassifier::with_defaults();
  EXPECT_EQ(c.classify(550, smtp::EnhancedCode{5, 1, 1}, std::string(1 << 20, 'a')), "InvalidRecipient");
}

TEST(BounceRulesYaml, LoadsRulesInOrderBeforeTheBuiltins) {
  auto c = load_bounce_rules_text(R"(
rules:
  - class: TooManyRecipients
    match: "^452 4\\.5\\.3 "
  - class: SpamBlock
    match: "example-bl"
)",
                                  "bounce.yaml");
  ASSERT_TRUE(c.ok()) << c.error().str();
  EXPECT_EQ(c->rule_count(), 2 + builtin_rules().size());
  EXPECT_EQ(c->classify_line("452 4.5.3 Too many recipients"), "TooManyRecipients");
  EXPECT_EQ(c->classify_line("550 5.7.1 listed at EXAMPLE-BL"), "SpamBlock");
  EXPECT_EQ(c->classify_line("554 relay access denied"), "RelayingIssues");
}

TEST(BounceRulesYaml, BuiltinsCanBeTurnedOff) {
  auto c = load_bounce_rules_text("builtin_rules: false\nrules: []\n", "bounce.yaml");
  ASSERT_TRUE(c.ok()) << c.error().str();
  EXPECT_EQ(c->rule_count(), 0u);
  EXPECT_EQ(c->classify_line("554 5.7.1 relay access denied"), "PolicyRelated");
}

TEST(BounceRulesYaml, BadRegexNamesFileLineAndKey) {
  auto c = load_bounce_rules_text("rules:\n  - class: SpamBlock\n    match: \"(oops\"\n", "bounce.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().file, "bounce.yaml");
  EXPECT_EQ(c.error().line, 3);
  EXPECT_EQ(c.error().key, "rules[0].match");
}

TEST(BounceRulesYaml, UnknownKeyAndMissingMatchAreErrors) {
  auto unknown = load_bounce_rules_text("rules:\n  - class: SpamBlock\n    match: x\n    colour: red\n", "b.yaml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().key, "rules[0].colour");
  EXPECT_EQ(unknown.error().line, 4);
  auto missing = load_bounce_rules_text("rules:\n  - class: SpamBlock\n", "b.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().key, "rules[0].match");
}
