// Table tests for mta/protocol/reply.hpp: wire encoding, whole-reply parsing (single and
// multiline, with and without enhanced codes), malformed replies, and the incremental parser.
#include "mta/protocol/reply.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <ostream>

namespace mxlab::smtp {
void PrintTo(const Reply& r, std::ostream* os) {
  *os << r.code << " [" << (r.enhanced ? r.enhanced->str() : "-") << "]";
  for (const auto& l : r.lines) *os << " |" << l;
}
}  // namespace mxlab::smtp

namespace {

using mxlab::smtp::EnhancedCode;
using mxlab::smtp::make_reply;
using mxlab::smtp::parse_reply;
using mxlab::smtp::Reply;
using mxlab::smtp::ReplyParser;

struct ParseRow {
  const char* name;
  std::string_view text;
  std::optional<Reply> expected;  // nullopt: malformed
};
void PrintTo(const ParseRow& row, std::ostream* os) { *os << row.name; }  // rows print by name

Reply reply(int code, std::optional<EnhancedCode> ec, std::vector<std::string> lines) {
  return Reply{code, ec, std::move(lines)};
}

const ParseRow kParse[] = {
    {"SingleLineWithEnhancedCode", "250 2.0.0 Ok\r\n", reply(250, EnhancedCode{2, 0, 0}, {"Ok"})},
    {"Greeting", "220 mx.example.com ESMTP\r\n", reply(220, std::nullopt, {"mx.example.com ESMTP"})},
    {"EhloMultiline", "250-mx.example.com\r\n250-PIPELINING\r\n250 8BITMIME\r\n",
     reply(250, std::nullopt, {"mx.example.com", "PIPELINING", "8BITMIME"})},
    {"MultilineEnhancedOnEveryLine", "550-5.1.1 No such\r\n550 5.1.1 user\r\n",
     reply(550, EnhancedCode{5, 1, 1}, {"No such", "user"})},
    {"MultilineEnhancedOnFirstLineOnly", "451-4.7.1 Greylisted\r\n451 come back later\r\n",
     reply(451, EnhancedCode{4, 7, 1}, {"Greylisted", "come back later"})},
    {"EnhancedClassMismatchKeptAsText", "550 4.1.1 odd\r\n", reply(550, std::nullopt, {"4.1.1 odd"})},
    {"EnhancedWithoutSpaceIsText", "250 2.0.0Ok\r\n", reply(250, std::nullopt, {"2.0.0Ok"})},
    {"EnhancedCodeAlone", "250 2.1.5\r\n", reply(250, EnhancedCode{2, 1, 5}, {""})},
    {"ThreeDigitSubjectAndDetail", "554 5.123.456 x\r\n", reply(554, EnhancedCode{5, 123, 456}, {"x"})},
    {"BareCodeFinalLine", "250\r\n", reply(250, std::nullopt, {""})},
    {"BareCodeAfterContinuation", "250-first\r\n250\r\n", reply(250, std::nullopt, {"first", ""})},
    {"EmptyContinuationText", "250-\r\n250 last\r\n", reply(250, std::nullopt, {"", "last"})},
    {"LfOnlyLineEnds", "250-a\n250 b\n", reply(250, std::nullopt, {"a", "b"})},
    {"NoFinalCrlf", "451 4.7.1 Try later", reply(451, EnhancedCode{4, 7, 1}, {"Try later"})},
    {"DataGoAhead", "354 End data with <CR><LF>.<CR><LF>\r\n",
     reply(354, std::nullopt, {"End data with <CR><LF>.<CR><LF>"})},
    {"EmptyText", "", std::nullopt},
    {"NonDigitCode", "25O Ok\r\n", std::nullopt},
    {"CodeBelow200", "199 Ok\r\n", std::nullopt},
    {"CodeAbove599", "600 Ok\r\n", std::nullopt},
    {"TwoDigitCode", "25\r\n", std::nullopt},
    {"FourDigitCode", "2500 Ok\r\n", std::nullopt},
    {"BadSeparator", "250_Ok\r\n", std::nullopt},
    {"CodeChangesBetweenLines", "250-a\r\n251 b\r\n", std::nullopt},
    {"MissingFinalLine", "250-a\r\n250-b\r\n", std::nullopt},
    {"TrailingSecondReply", "250 a\r\n250 b\r\n", std::nullopt},
    {"TextOnly", "hello\r\n", std::nullopt},
};

class ParsesReply : public ::testing::TestWithParam<ParseRow> {};

TEST_P(ParsesReply, ToExpectedValue) { EXPECT_EQ(parse_reply(GetParam().text), GetParam().expected); }

INSTANTIATE_TEST_SUITE_P(Reply, ParsesReply, ::testing::ValuesIn(kParse),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ReplyEncode, PutsCodeAndEnhancedCodeOnEveryLine) {
  EXPECT_EQ(make_reply(250, "2.0.0", "first\nlast").encode(), "250-2.0.0 first\r\n250 2.0.0 last\r\n");
  EXPECT_EQ(make_reply(550, "5.1.1", "No such user").encode(), "550 5.1.1 No such user\r\n");
}

TEST(ReplyEncode, WithoutEnhancedCodeIsCodeAndText) {
  EXPECT_EQ(make_reply(354, "", "End data with <CR><LF>.<CR><LF>").encode(), "354 End data with <CR><LF>.<CR><LF>\r\n");
  EXPECT_EQ(make_reply(250, "", "a\nb").encode(), "250-a\r\n250 b\r\n");
}

TEST(ReplyEncode, EmptyTextGivesBareCodeOrCodeAndEnhanced) {
  EXPECT_EQ(reply(250, std::nullopt, {}).encode(), "250\r\n");
  EXPECT_EQ(make_reply(250, "2.0.0", "").encode(), "250 2.0.0\r\n");
}

TEST(ReplyEncode, ParseOfEncodeRoundTrips) {
  const Reply replies[] = {make_reply(250, "2.0.0", "first\nsecond\nlast"), make_reply(354, "", "go ahead"),
                           make_reply(421, "4.3.2", "shutting down"), reply(250, std::nullopt, {"mx", "SIZE 100"})};
  for (const Reply& r : replies) EXPECT_EQ(parse_reply(r.encode()), r) << r.encode();
}

TEST(ReplyValue, SummaryAndClassification) {
  Reply r = make_reply(451, "4.7.1", "try later");
  EXPECT_EQ(r.summary(), "451 4.7.1 try later");
  EXPECT_TRUE(r.transient());
  EXPECT_FALSE(r.positive());
  EXPECT_TRUE(make_reply(354, "", "go").positive());
  EXPECT_TRUE(make_reply(550, "5.1.1", "no").permanent());
  EXPECT_EQ(make_reply(250, "", "a\nb").text(), "a\nb");
}

struct EnhancedRow {
  std::string_view text;
  std::optional<EnhancedCode> expected;
};

TEST(EnhancedCodeParse, AcceptsOnlyRfc3463Syntax) {
  const EnhancedRow rows[] = {
      {"5.1.1", EnhancedCode{5, 1, 1}}, {"2.0.0", EnhancedCode{2, 0, 0}}, {"4.7.25", EnhancedCode{4, 7, 25}},
      {"3.1.1", std::nullopt},          {"5.1", std::nullopt},            {"5.1.1.1", std::nullopt},
      {"51.1.1", std::nullopt},         {"5..1", std::nullopt},           {"5.1234.1", std::nullopt},
      {"", std::nullopt},               {"5.1.x", std::nullopt},
  };
  for (const auto& row : rows) EXPECT_EQ(EnhancedCode::parse(row.text), row.expected) << row.text;
  EXPECT_EQ((EnhancedCode{4, 7, 1}.str()), "4.7.1");
}

TEST(ReplyParserIncremental, ReturnsDoneOnFinalLineAndResetsAfterTake) {
  ReplyParser p;
  EXPECT_EQ(p.feed("250-mx.example.com"), ReplyParser::State::NeedMore);
  EXPECT_EQ(p.feed("250-SIZE 1000"), ReplyParser::State::NeedMore);
  EXPECT_EQ(p.feed("250 HELP"), ReplyParser::State::Done);
  EXPECT_EQ(p.take(), reply(250, std::nullopt, {"mx.example.com", "SIZE 1000", "HELP"}));
  EXPECT_EQ(p.feed("354 go"), ReplyParser::State::Done);
  EXPECT_EQ(p.take(), reply(354, std::nullopt, {"go"}));
}

TEST(ReplyParserIncremental, FailsOnCodeChangeThenParsesTheNextReply) {
  ReplyParser p;
  EXPECT_EQ(p.feed("250-a"), ReplyParser::State::NeedMore);
  EXPECT_EQ(p.feed("550 b"), ReplyParser::State::Failed);
  EXPECT_FALSE(p.error().empty());
  EXPECT_EQ(p.feed("221 2.0.0 Bye"), ReplyParser::State::Done);
  EXPECT_EQ(p.take(), reply(221, EnhancedCode{2, 0, 0}, {"Bye"}));
}

TEST(ReplyParserIncremental, RejectsMissingSeparatorAndOutOfRangeCodes) {
  ReplyParser p;
  EXPECT_EQ(p.feed("250Ok"), ReplyParser::State::Failed);
  EXPECT_EQ(p.feed("099 x"), ReplyParser::State::Failed);
  EXPECT_EQ(p.feed(""), ReplyParser::State::Failed);
  EXPECT_EQ(p.feed("250"), ReplyParser::State::Done);
}

}  // namespace
