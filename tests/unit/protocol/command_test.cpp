// Table tests for mta/protocol/command.hpp: one row per accepted line with the parsed Command,
// one row per refused line with the exact reply code and enhanced code, and encode round trips.
#include "mta/protocol/command.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>

using namespace std::literals;

namespace mxlab::smtp {
// Readable failures: gtest would otherwise dump the object bytes.
void PrintTo(const Command& c, std::ostream* os) {
  *os << to_string(c.verb) << " arg=\"" << c.argument << "\" addr=\"" << c.address << "\" null=" << c.null_path;
  for (const auto& p : c.params) *os << " " << p.keyword << (p.value ? "=" + *p.value : "");
  *os << " chunk=" << c.chunk_size << " last=" << c.last_chunk;
}
}  // namespace mxlab::smtp

namespace {

using mxlab::smtp::Command;
using mxlab::smtp::EsmtpParam;
using mxlab::smtp::Verb;

struct AcceptRow {
  const char* name;
  std::string_view line;
  Command expected;
};
void PrintTo(const AcceptRow& row, std::ostream* os) { *os << row.name; }  // rows print by name

// Expected values built field by field (designated initializers warn under -Wextra).
Command mail(std::string addr, std::vector<EsmtpParam> params = {}) {
  Command c;
  c.verb = Verb::Mail;
  c.null_path = addr.empty();
  c.address = std::move(addr);
  c.params = std::move(params);
  return c;
}
Command rcpt(std::string addr, std::vector<EsmtpParam> params = {}) {
  Command c = mail(std::move(addr), std::move(params));
  c.verb = Verb::Rcpt;
  c.null_path = false;
  return c;
}
Command with_arg(Verb v, std::string arg = {}) {
  Command c;
  c.verb = v;
  c.argument = std::move(arg);
  return c;
}
Command bdat(std::uint64_t n, bool last) {
  Command c = with_arg(Verb::Bdat);
  c.chunk_size = n;
  c.last_chunk = last;
  return c;
}

const AcceptRow kAccepted[] = {
    {"EhloDomain", "EHLO mail.example.com", with_arg(Verb::Ehlo, "mail.example.com")},
    {"HeloLowerCaseVerb", "helo example.com", with_arg(Verb::Helo, "example.com")},
    {"EhloSingleLabel", "EHLO localhost", with_arg(Verb::Ehlo, "localhost")},
    {"EhloIpv4Literal", "EHLO [192.0.2.1]", with_arg(Verb::Ehlo, "[192.0.2.1]")},
    {"EhloIpv6Literal", "EHLO [IPv6:2001:db8::1]", with_arg(Verb::Ehlo, "[IPv6:2001:db8::1]")},
    {"EhloIpv6EmbeddedIpv4", "EHLO [IPv6:::ffff:192.0.2.1]", with_arg(Verb::Ehlo, "[IPv6:::ffff:192.0.2.1]")},
    {"EhloTrailingSpaceTolerated", "EHLO example.com  ", with_arg(Verb::Ehlo, "example.com")},
    {"MailPlain", "MAIL FROM:<a@example.com>", mail("a@example.com")},
    {"MailLowerCaseVerbAndFrom", "mail from:<a@example.com>", mail("a@example.com")},
    {"MailOneSpaceAfterColon", "MAIL FROM: <a@example.com>", mail("a@example.com")},
    {"MailNullPath", "MAIL FROM:<>", mail("")},
    {"MailNullPathWithParams", "MAIL FROM:<> SIZE=0", mail("", {{"SIZE", "0"}})},
    {"MailSizeAndBody", "MAIL FROM:<a@b.example> SIZE=1000 BODY=8BITMIME",
     mail("a@b.example", {{"SIZE", "1000"}, {"BODY", "8BITMIME"}})},
    {"MailKeywordsUpperCasedValuesKept", "MAIL FROM:<a@b.example> size=10 body=7bit",
     mail("a@b.example", {{"SIZE", "10"}, {"BODY", "7bit"}})},
    {"MailSmtputf8Address", "MAIL FROM:<用户@例子.中国> SMTPUTF8", mail("用户@例子.中国", {{"SMTPUTF8", std::nullopt}})},
    {"MailSourceRouteStripped", "MAIL FROM:<@a.example,@b.example:user@d.example>", mail("user@d.example")},
    {"MailSingleHopRouteStripped", "MAIL FROM:<@relay.example:user@d.example>", mail("user@d.example")},
    {"MailQuotedLocalPart", "MAIL FROM:<\"john doe\"@example.com>", mail("\"john doe\"@example.com")},
    {"MailQuotedLocalPartHoldingGt", "MAIL FROM:<\"a>b\"@example.com>", mail("\"a>b\"@example.com")},
    {"MailQuotedPairEscapes", R"(MAIL FROM:<"a\"b"@example.com>)", mail(R"("a\"b"@example.com)")},
    {"MailIpv4LiteralDomain", "MAIL FROM:<user@[192.0.2.1]>", mail("user@[192.0.2.1]")},
    {"MailIpv6LiteralDomain", "MAIL FROM:<user@[IPv6:::1]>", mail("user@[IPv6:::1]")},
    {"MailAtextSpecials", "MAIL FROM:<a.b+tag!x~y@sub-1.example.com>", mail("a.b+tag!x~y@sub-1.example.com")},
    {"MailDsnParams", "MAIL FROM:<a@b.example> RET=HDRS ENVID=QQ314159+2B",
     mail("a@b.example", {{"RET", "HDRS"}, {"ENVID", "QQ314159+2B"}})},
    {"MailAuthNull", "MAIL FROM:<a@b.example> AUTH=<>", mail("a@b.example", {{"AUTH", "<>"}})},
    {"MailExtraSpacesBetweenParams", "MAIL FROM:<a@b.example>  SIZE=5", mail("a@b.example", {{"SIZE", "5"}})},
    {"RcptPlain", "RCPT TO:<b@example.org>", rcpt("b@example.org")},
    {"RcptLowerCase", "rcpt to:<b@example.org>", rcpt("b@example.org")},
    {"RcptPostmasterWithoutDomain", "RCPT TO:<Postmaster>", rcpt("Postmaster")},
    {"RcptPostmasterWithDomain", "RCPT TO:<postmaster@example.org>", rcpt("postmaster@example.org")},
    {"RcptDsnParams", "RCPT TO:<b@x.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@x.example",
     rcpt("b@x.example", {{"NOTIFY", "SUCCESS,FAILURE"}, {"ORCPT", "rfc822;b@x.example"}})},
    {"RcptNotifyNever", "RCPT TO:<b@x.example> NOTIFY=NEVER", rcpt("b@x.example", {{"NOTIFY", "NEVER"}})},
    {"RcptUtf8LocalPart", "RCPT TO:<josé@example.com>", rcpt("josé@example.com")},
    {"Data", "DATA", with_arg(Verb::Data)},
    {"RsetLowerCase", "rset", with_arg(Verb::Rset)},
    {"Quit", "QUIT", with_arg(Verb::Quit)},
    {"Starttls", "STARTTLS", with_arg(Verb::Starttls)},
    {"NoopBare", "NOOP", with_arg(Verb::Noop)},
    {"NoopWithArgument", "NOOP hello there", with_arg(Verb::Noop, "hello there")},
    {"Vrfy", "VRFY postmaster", with_arg(Verb::Vrfy, "postmaster")},
    {"Bdat", "BDAT 1000", bdat(1000, false)},
    {"BdatLast", "BDAT 0 LAST", bdat(0, true)},
    {"BdatLastLowerCase", "bdat 42 last", bdat(42, true)},
    {"BdatMaxU64", "BDAT 18446744073709551615", bdat(18446744073709551615ull, false)},
    {"AuthMechanismOnly", "AUTH LOGIN", with_arg(Verb::Auth, "LOGIN")},
    {"AuthInitialResponse", "AUTH PLAIN AHVzZXIAcGFzcw==", with_arg(Verb::Auth, "PLAIN AHVzZXIAcGFzcw==")},
    {"AuthEmptyInitialResponse", "AUTH PLAIN =", with_arg(Verb::Auth, "PLAIN =")},
};

class Accepts : public ::testing::TestWithParam<AcceptRow> {};

TEST_P(Accepts, ParsesToExpectedCommand) {
  auto r = mxlab::smtp::parse_command(GetParam().line);
  ASSERT_TRUE(r.ok()) << r.error().summary();
  EXPECT_EQ(*r, GetParam().expected);
}

TEST_P(Accepts, EncodeThenParseRoundTrips) {
  std::string wire = mxlab::smtp::encode(GetParam().expected);
  ASSERT_TRUE(wire.ends_with("\r\n"));
  auto r = mxlab::smtp::parse_command(std::string_view(wire).substr(0, wire.size() - 2));
  ASSERT_TRUE(r.ok()) << wire << " -> " << r.error().summary();
  EXPECT_EQ(*r, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(Command, Accepts, ::testing::ValuesIn(kAccepted),
                         [](const auto& info) { return std::string(info.param.name); });

struct RejectRow {
  const char* name;
  std::string_view line;
  int code;
  const char* enhanced;
};
void PrintTo(const RejectRow& row, std::ostream* os) { *os << row.name; }  // rows print by name

const RejectRow kRejected[] = {
    {"EmptyLine", "", 500, "5.5.2"},
    {"OnlySpaces", "   ", 500, "5.5.2"},
    {"UnknownVerb", "XYZZY", 500, "5.5.2"},
    {"VerbGluedToArgument", "MAILFROM:<a@b.example>", 500, "5.5.2"},
    {"HttpRequest", "GET / HTTP/1.1", 500, "5.5.2"},
    {"NulInAddress", "MAIL FROM:<a\0@b.example>"sv, 500, "5.5.2"},
    {"NulAfterVerb", "NOOP \0"sv, 500, "5.5.2"},
    {"ControlCharacter", "NOOP \x01", 500, "5.5.2"},
    {"SmuggledCrInCommand", "MAIL FROM:<a@b.example>\rRCPT TO:<x@y.example>", 500, "5.5.2"},
    {"SmuggledLfInCommand", "DATA\nQUIT", 500, "5.5.2"},
    {"SmuggledEndOfData", "NOOP\r\n.\r\nMAIL FROM:<x@y.example>", 500, "5.5.2"},
    {"NonAsciiInEhlo", "EHLO exämple.com", 500, "5.5.2"},
    {"NonAsciiInParams", "MAIL FROM:<a@b.example> ENVID=é", 500, "5.5.2"},
    {"NonAsciiInVrfy", "VRFY josé", 500, "5.5.2"},
    {"InvalidUtf8InAddress", "MAIL FROM:<\xff@b.example>", 500, "5.5.2"},
    {"OverlongUtf8InAddress", "RCPT TO:<\xc0\xae@b.example>", 500, "5.5.2"},
    {"EhloWithoutArgument", "EHLO", 501, "5.5.4"},
    {"HeloWithOnlySpace", "HELO ", 501, "5.5.4"},
    {"EhloTwoArguments", "EHLO a.example b.example", 501, "5.5.4"},
    {"EhloHyphenLabel", "EHLO -bad-.example", 501, "5.5.4"},
    {"EhloBadIpv4Literal", "EHLO [300.1.1.1]", 501, "5.5.4"},
    {"EhloBadIpv6Literal", "EHLO [IPv6:1::2::3]", 501, "5.5.4"},
    {"EhloUnknownLiteralTag", "EHLO [X-foo:bar]", 501, "5.5.4"},
    {"MailWithoutFrom", "MAIL <a@b.example>", 501, "5.5.4"},
    {"MailWithoutArgument", "MAIL", 501, "5.5.4"},
    {"MailWithoutBrackets", "MAIL FROM:a@b.example", 501, "5.5.4"},
    {"MailTwoSpacesAfterColon", "MAIL FROM:  <a@b.example>", 501, "5.5.4"},
    {"MailSpaceBeforeColon", "MAIL FROM :<a@b.example>", 501, "5.5.4"},
    {"MailUnclosedPath", "MAIL FROM:<a@b.example", 501, "5.5.4"},
    {"MailParamGluedToPath", "MAIL FROM:<a@b.example>SIZE=10", 501, "5.5.4"},
    {"MailLocalPartOnly", "MAIL FROM:<user>", 501, "5.1.7"},
    {"MailDoubleDot", "MAIL FROM:<a..b@c.example>", 501, "5.1.7"},
    {"MailTrailingDotDomain", "MAIL FROM:<a@c.example.>", 501, "5.1.7"},
    {"MailEmptyRoute", "MAIL FROM:<@:user@d.example>", 501, "5.1.7"},
    {"MailRouteWithoutMailbox", "MAIL FROM:<@a.example:>", 501, "5.1.7"},
    {"MailShortIpv4Literal", "MAIL FROM:<a@[1.2.3]>", 501, "5.1.7"},
    {"MailUnterminatedQuote", "MAIL FROM:<\"abc@b.example>", 501, "5.5.4"},
    {"MailTwoAts", "MAIL FROM:<a@b@c.example>", 501, "5.1.7"},
    {"MailPostmasterWithoutDomain", "MAIL FROM:<postmaster>", 501, "5.1.7"},
    {"RcptNullPath", "RCPT TO:<>", 501, "5.1.3"},
    {"RcptLocalPartOnly", "RCPT TO:<bob>", 501, "5.1.3"},
    {"RcptWithFromKeyword", "RCPT FROM:<a@b.example>", 501, "5.5.4"},
    {"MailUnknownParam", "MAIL FROM:<a@b.example> FOO=bar", 555, "5.5.4"},
    {"RcptTakesNoSize", "RCPT TO:<a@b.example> SIZE=10", 555, "5.5.4"},
    {"MailTakesNoNotify", "MAIL FROM:<a@b.example> NOTIFY=NEVER", 555, "5.5.4"},
    {"SizeNotDigits", "MAIL FROM:<a@b.example> SIZE=10k", 501, "5.5.4"},
    {"SizeOverflows", "MAIL FROM:<a@b.example> SIZE=99999999999999999999", 501, "5.5.4"},
    {"SizeWithoutValue", "MAIL FROM:<a@b.example> SIZE", 501, "5.5.4"},
    {"SizeEmptyValue", "MAIL FROM:<a@b.example> SIZE=", 501, "5.5.4"},
    {"BodyBinaryMimeNotOffered", "MAIL FROM:<a@b.example> BODY=BINARYMIME", 501, "5.5.4"},
    {"Smtputf8WithValue", "MAIL FROM:<a@b.example> SMTPUTF8=yes", 501, "5.5.4"},
    {"DuplicateParam", "MAIL FROM:<a@b.example> SIZE=1 SIZE=2", 501, "5.5.4"},
    {"BadKeywordSyntax", "MAIL FROM:<a@b.example> -X=1", 501, "5.5.4"},
    {"NotifyNeverCombined", "RCPT TO:<a@b.example> NOTIFY=NEVER,SUCCESS", 501, "5.5.4"},
    {"OrcptWithoutType", "RCPT TO:<a@b.example> ORCPT=a@b.example", 501, "5.5.4"},
    {"EnvidBadXtext", "MAIL FROM:<a@b.example> ENVID=a+zz", 501, "5.5.4"},
    {"DataWithArgument", "DATA now", 501, "5.5.4"},
    {"RsetWithArgument", "RSET all", 501, "5.5.4"},
    {"QuitWithArgument", "QUIT now", 501, "5.5.4"},
    {"StarttlsWithArgument", "STARTTLS please", 501, "5.5.4"},
    {"VrfyWithoutArgument", "VRFY", 501, "5.5.4"},
    {"BdatWithoutSize", "BDAT", 501, "5.5.4"},
    {"BdatNotNumber", "BDAT ten", 501, "5.5.4"},
    {"BdatNegative", "BDAT -1", 501, "5.5.4"},
    {"BdatOverflows", "BDAT 18446744073709551616", 501, "5.5.4"},
    {"BdatUnknownMarker", "BDAT 10 FIRST", 501, "5.5.4"},
    {"AuthWithoutMechanism", "AUTH", 501, "5.5.4"},
    {"AuthBadInitialResponse", "AUTH PLAIN !!!!", 501, "5.5.4"},
    {"AuthThreeTokens", "AUTH PLAIN abcd efgh", 501, "5.5.4"},
};

class Rejects : public ::testing::TestWithParam<RejectRow> {};

TEST_P(Rejects, WithExactReplyAndEnhancedCode) {
  auto r = mxlab::smtp::parse_command(GetParam().line);
  ASSERT_FALSE(r.ok()) << "accepted: " << mxlab::smtp::encode(*r);
  EXPECT_EQ(r.error().code, GetParam().code) << r.error().summary();
  ASSERT_TRUE(r.error().enhanced.has_value()) << r.error().summary();
  EXPECT_EQ(r.error().enhanced->str(), GetParam().enhanced) << r.error().summary();
  EXPECT_FALSE(r.error().text().empty());
}

INSTANTIATE_TEST_SUITE_P(Command, Rejects, ::testing::ValuesIn(kRejected),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(CommandEncode, ProducesCanonicalWireText) {
  using namespace mxlab::smtp;
  EXPECT_EQ(encode(make_mail("a@b", {{"SIZE", "10"}})), "MAIL FROM:<a@b> SIZE=10\r\n");
  EXPECT_EQ(encode(make_mail("")), "MAIL FROM:<>\r\n");
  EXPECT_EQ(encode(make_rcpt("x@y.example", {{"NOTIFY", "NEVER"}})), "RCPT TO:<x@y.example> NOTIFY=NEVER\r\n");
  EXPECT_EQ(encode(make_mail("a@b", {{"SMTPUTF8", std::nullopt}})), "MAIL FROM:<a@b> SMTPUTF8\r\n");
  EXPECT_EQ(encode(make_ehlo("client.example")), "EHLO client.example\r\n");
  EXPECT_EQ(encode(make_simple(Verb::Data)), "DATA\r\n");
  EXPECT_EQ(encode(make_simple(Verb::Starttls)), "STARTTLS\r\n");
  EXPECT_EQ(encode(bdat(7, true)), "BDAT 7 LAST\r\n");
}

TEST(CommandEncode, MakeMailWithEmptyAddressIsTheNullPath) {
  EXPECT_TRUE(mxlab::smtp::make_mail("").null_path);
  EXPECT_FALSE(mxlab::smtp::make_mail("a@b").null_path);
}

TEST(CommandParam, LooksUpKeywordCaseInsensitively) {
  auto r = mxlab::smtp::parse_command("MAIL FROM:<a@b.example> SIZE=12 BODY=8BITMIME");
  ASSERT_TRUE(r.ok());
  ASSERT_NE(r->param("size"), nullptr);
  EXPECT_EQ(r->param("Size")->value, "12");
  EXPECT_EQ(r->param("SMTPUTF8"), nullptr);
}

TEST(CommandVerb, ToStringNamesEveryVerb) {
  EXPECT_EQ(mxlab::smtp::to_string(Verb::Helo), "HELO");
  EXPECT_EQ(mxlab::smtp::to_string(Verb::Starttls), "STARTTLS");
  EXPECT_EQ(mxlab::smtp::to_string(Verb::Auth), "AUTH");
}

TEST(Mailbox, Utf8AcceptedOnlyWhenAsked) {
  EXPECT_TRUE(mxlab::smtp::is_valid_mailbox("josé@example.com", true));
  EXPECT_FALSE(mxlab::smtp::is_valid_mailbox("josé@example.com", false));
  EXPECT_TRUE(mxlab::smtp::is_valid_mailbox("jose@example.com", false));
  EXPECT_FALSE(mxlab::smtp::is_valid_mailbox("@example.com"));
  EXPECT_FALSE(mxlab::smtp::is_valid_mailbox("a@"));
  EXPECT_FALSE(mxlab::smtp::is_valid_mailbox("a@" + std::string(64, 'x') + ".example"));
}

TEST(HeloArgument, DomainsAndAddressLiteralsOnly) {
  using mxlab::smtp::is_valid_helo_argument;
  EXPECT_TRUE(is_valid_helo_argument("mx-1.example.com"));
  EXPECT_TRUE(is_valid_helo_argument("[IPv6:2001:db8:0:0:0:0:0:1]"));
  EXPECT_TRUE(is_valid_helo_argument("[ipv6:::]"));
  EXPECT_FALSE(is_valid_helo_argument("[IPv6:1:2:3:4:5:6:7:8:9]"));
  EXPECT_FALSE(is_valid_helo_argument("[1.2.3.4.5]"));
  EXPECT_FALSE(is_valid_helo_argument("under_score.example"));
  EXPECT_FALSE(is_valid_helo_argument(""));
}

}  // namespace
