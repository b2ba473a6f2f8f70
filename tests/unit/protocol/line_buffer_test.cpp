// Table tests for mta/protocol/line_buffer.hpp: each row feeds chunks (draining after each one)
// and lists every event the buffer reports, so split terminators, bare LF, lone CR and over-long
// lines are checked as sequences. Also BDAT raw reads and linear cost on large input.
#include "mta/protocol/line_buffer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace std::literals;

namespace {

using mxlab::smtp::LineBuffer;
using mxlab::smtp::LineStatus;

struct Event {
  LineStatus status;
  std::string line;
  bool operator==(const Event&) const = default;
};

void PrintTo(const Event& e, std::ostream* os) {
  const char* names[] = {"Line", "NeedMore", "TooLong", "BareLf"};
  *os << names[static_cast<int>(e.status)] << "(" << ::testing::PrintToString(e.line) << ")";
}

struct FrameRow {
  const char* name;
  std::vector<std::string> chunks;
  std::size_t max_line;
  std::vector<Event> expected;
  std::size_t left_over = 0;
};
void PrintTo(const FrameRow& row, std::ostream* os) { *os << row.name; }  // rows print by name

std::vector<Event> drain(LineBuffer& b) {
  std::vector<Event> out;
  std::string line;
  for (LineStatus s; (s = b.next(line)) != LineStatus::NeedMore;) out.push_back({s, line});
  return out;
}

constexpr auto L = LineStatus::Line;
constexpr auto LF = LineStatus::BareLf;
constexpr auto TL = LineStatus::TooLong;

const FrameRow kFrames[] = {
    {"OneLine", {"EHLO a\r\n"}, 1000, {{L, "EHLO a"}}},
    {"TwoLinesOneChunk", {"A\r\nB\r\n"}, 1000, {{L, "A"}, {L, "B"}}},
    {"CrlfSplitAcrossChunks", {"EH", "LO a\r", "\n"}, 1000, {{L, "EHLO a"}}},
    {"IncompleteLineWaits", {"MAIL FROM:<a@b>"}, 1000, {}, 15},
    {"TrailingCrWaits", {"QUIT\r"}, 1000, {}, 5},
    {"EmptyLine", {"\r\n"}, 1000, {{L, ""}}},
    {"BareLfReportedWithLine", {"A\nB\r\n"}, 1000, {{LF, "A"}, {L, "B"}}},
    {"BareLfEmptyLine", {"\n"}, 1000, {{LF, ""}}},
    {"LoneCrKeptInLine", {"A\rB\r\n"}, 1000, {{L, "A\rB"}}},
    {"CrCrLfKeepsFirstCr", {"A\r\r\n"}, 1000, {{L, "A\r"}}},
    {"NulPassedThrough", {"A\0B\r\n"s}, 1000, {{L, "A\0B"s}}},
    {"ExactlyMaxWithCrlf", {"12345678\r\n"}, 10, {{L, "12345678"}}},
    {"OneOverMax", {"123456789\r\nNEXT\r\n"}, 10, {{TL, ""}, {L, "NEXT"}}},
    {"OverMaxReportedOnceAcrossChunks", {"aaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb", "cc\r\nOK\r\n"}, 10,
     {{TL, ""}, {L, "OK"}}},
    {"OverMaxRestEndsInBareLf", {"aaaaaaaaaaaaaaaaaa\nOK\r\n"}, 10, {{TL, ""}, {L, "OK"}}},
    {"OverMaxWithoutTerminatorYet", {"aaaaaaaaaaaaaaaaaa"}, 10, {{TL, ""}}},
    {"LineAfterTooLongAtExactMax", {"xxxxxxxxxxxxxxx\r\n12345678\r\n"}, 10, {{TL, ""}, {L, "12345678"}}},
    {"PipelinedCommands", {"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"}, 1000,
     {{L, "MAIL FROM:<a@b>"}, {L, "RCPT TO:<c@d>"}, {L, "DATA"}}},
    {"ByteByByte", {"H", "E", "L", "O", " ", "x", "\r", "\n"}, 1000, {{L, "HELO x"}}},
};

class Frames : public ::testing::TestWithParam<FrameRow> {};

TEST_P(Frames, ReportsExpectedEvents) {
  LineBuffer b(GetParam().max_line);
  std::vector<Event> events;
  for (const auto& chunk : GetParam().chunks) {
    b.append(chunk);
    for (auto& e : drain(b)) events.push_back(std::move(e));
  }
  EXPECT_EQ(events, GetParam().expected);
  EXPECT_EQ(b.buffered(), GetParam().left_over);
}

INSTANTIATE_TEST_SUITE_P(LineBuffer, Frames, ::testing::ValuesIn(kFrames),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(LineBufferRaw, TakeRawReadsBdatPayloadBetweenLines) {
  LineBuffer b;
  b.append("BDAT 5\r\nhel");
  std::string line;
  ASSERT_EQ(b.next(line), LineStatus::Line);
  EXPECT_EQ(line, "BDAT 5");
  EXPECT_EQ(b.buffered(), 3u);
  EXPECT_EQ(b.take_raw(5), "hel");  // only what is there
  b.append("lo\r\nQUIT\r\n");
  EXPECT_EQ(b.take_raw(2), "lo");
  ASSERT_EQ(b.next(line), LineStatus::Line);
  EXPECT_EQ(line, "");  // the CRLF after a BDAT chunk is an empty line, not payload
  ASSERT_EQ(b.next(line), LineStatus::Line);
  EXPECT_EQ(line, "QUIT");
  EXPECT_EQ(b.buffered(), 0u);
}

TEST(LineBufferRaw, PayloadMayHoldBareLfAndDots) {
  LineBuffer b;
  b.append("a\n.\r\n\r\nNOOP\r\n");
  EXPECT_EQ(b.take_raw(7), "a\n.\r\n\r\n");
  std::string line;
  ASSERT_EQ(b.next(line), LineStatus::Line);
  EXPECT_EQ(line, "NOOP");
}

TEST(LineBufferRaw, SetMaxLineAppliesToFollowingLines) {
  LineBuffer b(1000);
  b.append(std::string(50, 'x') + "\r\n" + std::string(50, 'y') + "\r\n");
  std::string line;
  EXPECT_EQ(b.next(line), LineStatus::Line);
  b.set_max_line(20);
  EXPECT_EQ(b.next(line), LineStatus::TooLong);
}

TEST(LineBufferCost, FramesALargeBufferInLinearTime) {
  // With per-line erase from the front this would be quadratic: ~10^12 byte moves.
  const std::size_t lines = 500000;
  std::string big;
  for (std::size_t i = 0; i < lines; ++i) big += "line " + std::to_string(i) + "\r\n";
  LineBuffer b;
  b.append(big);
  std::string line, last;
  std::size_t n = 0;
  for (; b.next(line) == LineStatus::Line; ++n) last = line;
  EXPECT_EQ(n, lines);
  EXPECT_EQ(last, "line " + std::to_string(lines - 1));
}

TEST(LineBufferCost, InterleavedAppendsCompactWithoutLosingBytes) {
  LineBuffer b;
  std::string line;
  std::size_t n = 0;
  for (std::size_t i = 0; i < 200000; ++i) {
    b.append("abcdefgh\r\nabc");  // one full line plus a partial one each time
    b.append("\r\n");
    while (b.next(line) == LineStatus::Line) {
      ASSERT_TRUE(line == "abcdefgh" || line == "abc") << line;
      ++n;
    }
  }
  EXPECT_EQ(n, 400000u);
  EXPECT_EQ(b.buffered(), 0u);
}

}  // namespace
