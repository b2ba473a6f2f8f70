// Table tests for mta/protocol/dot_stuffing.hpp: sender-side stuffing, round trips
// dot_stuff -> LineBuffer -> DataReceiver at several chunk sizes, the SMTP smuggling variants
// that must stay data, and the size limit.
#include "mta/protocol/dot_stuffing.hpp"

#include <gtest/gtest.h>

#include <string>

#include "mta/protocol/line_buffer.hpp"

using namespace std::literals;

namespace {

using mxlab::smtp::DataReceiver;
using mxlab::smtp::dot_stuff;
using mxlab::smtp::LineBuffer;
using mxlab::smtp::LineStatus;

struct StuffRow {
  const char* name;
  std::string_view message;
  std::string_view wire;
};
void PrintTo(const StuffRow& row, std::ostream* os) { *os << row.name; }  // rows print by name

const StuffRow kStuff[] = {
    {"EmptyMessage", "", ".\r\n"},
    {"OneLine", "a\r\n", "a\r\n.\r\n"},
    {"NoFinalCrlf", "a", "a\r\n.\r\n"},
    {"LoneDotLine", ".\r\n", "..\r\n.\r\n"},
    {"LeadingDots", ".a\r\n..b\r\n", "..a\r\n...b\r\n.\r\n"},
    {"DotInsideLineUntouched", "x.y\r\n", "x.y\r\n.\r\n"},
    {"BareLfNormalised", "a\nb\n", "a\r\nb\r\n.\r\n"},
    {"BareCrNormalised", "a\rb", "a\r\nb\r\n.\r\n"},
    {"DotAfterBareLfStuffed", "a\n.\nb", "a\r\n..\r\nb\r\n.\r\n"},
    {"DotAfterBareCrStuffed", "a\r.\r", "a\r\n..\r\n.\r\n"},
    {"EmptyLines", "\r\n\r\n", "\r\n\r\n.\r\n"},
    {"FinalDotWithoutCrlf", "a\r\n.", "a\r\n..\r\n.\r\n"},
};

class Stuffs : public ::testing::TestWithParam<StuffRow> {};

TEST_P(Stuffs, ToExpectedWireText) { EXPECT_EQ(dot_stuff(GetParam().message), GetParam().wire); }

INSTANTIATE_TEST_SUITE_P(DotStuff, Stuffs, ::testing::ValuesIn(kStuff),
                         [](const auto& info) { return std::string(info.param.name); });

struct Received {
  bool ended = false;
  std::string data;
  std::size_t left_over = 0;  // bytes after the terminator (pipelined commands)
  bool bad_framing = false;   // a TooLong line was seen
};

// Drives wire bytes through the server path: LineBuffer framing, then DataReceiver.
Received receive(std::string_view wire, std::size_t chunk, std::size_t max_size = 1 << 20) {
  LineBuffer buf;
  DataReceiver rx(max_size);
  Received r;
  std::string line;
  for (std::size_t off = 0; off < wire.size() && !r.ended; off += chunk) {
    buf.append(wire.substr(off, chunk));
    for (LineStatus s; !r.ended && (s = buf.next(line)) != LineStatus::NeedMore;) {
      if (s == LineStatus::TooLong) r.bad_framing = true;
      else r.ended = rx.feed_line(line, s);
    }
    if (r.ended) r.left_over = buf.buffered() + (wire.size() - std::min(wire.size(), off + chunk));
  }
  r.data = rx.take();
  return r;
}

struct RoundTripRow {
  const char* name;
  std::string_view message;
  std::string_view restored;  // what the receiver rebuilds: the message with CRLF line ends
};
void PrintTo(const RoundTripRow& row, std::ostream* os) { *os << row.name; }  // rows print by name

const RoundTripRow kRoundTrips[] = {
    {"Empty", "", ""},
    {"OneEmptyLine", "\r\n", "\r\n"},
    {"HeadersAndBody", "Subject: x\r\n\r\nbody\r\n", "Subject: x\r\n\r\nbody\r\n"},
    {"LoneDotLine", ".\r\n", ".\r\n"},
    {"DoubleDotLine", "..\r\n", "..\r\n"},
    {"LeadingDotText", ".leading\r\n", ".leading\r\n"},
    {"DotLineInTheMiddle", "a\r\n.\r\nb\r\n", "a\r\n.\r\nb\r\n"},
    {"CrlfDotCrlfAtStart", "\r\n.\r\n\r\n", "\r\n.\r\n\r\n"},
    {"ManyDots", "...\r\n....\r\n.\r\n.\r\n", "...\r\n....\r\n.\r\n.\r\n"},
    {"NoFinalCrlfGetsOne", "no final crlf", "no final crlf\r\n"},
    {"FinalLoneDotWithoutCrlf", "line\r\n.", "line\r\n.\r\n"},
    {"BareLfBecomesCrlf", "a\n.\nb\n", "a\r\n.\r\nb\r\n"},
    {"SmtpCommandsAsContent", "MAIL FROM:<x@y>\r\n.\r\nRCPT TO:<z@w>\r\n", "MAIL FROM:<x@y>\r\n.\r\nRCPT TO:<z@w>\r\n"},
    {"NulAndEightBit", "caf\xc3\xa9\0x\r\n"sv, "caf\xc3\xa9\0x\r\n"sv},
};

class RoundTrips : public ::testing::TestWithParam<RoundTripRow> {};

TEST_P(RoundTrips, ByteIdenticalAtEveryChunkSize) {
  std::string wire = dot_stuff(GetParam().message);
  for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}, wire.size()}) {
    Received r = receive(wire, chunk);
    EXPECT_TRUE(r.ended) << "chunk " << chunk;
    EXPECT_FALSE(r.bad_framing);
    EXPECT_EQ(r.data, GetParam().restored) << "chunk " << chunk;
    EXPECT_EQ(r.left_over, 0u) << "chunk " << chunk;
  }
}

INSTANTIATE_TEST_SUITE_P(DotStuff, RoundTrips, ::testing::ValuesIn(kRoundTrips),
                         [](const auto& info) { return std::string(info.param.name); });

struct ReceiveRow {
  const char* name;
  std::string_view wire;
  bool ended;
  std::string_view data;
  std::size_t left_over;
};
void PrintTo(const ReceiveRow& row, std::ostream* os) { *os << row.name; }  // rows print by name

// The 2023 SMTP smuggling variants: only <CR><LF>.<CR><LF> may end the data; every other dot
// framing is content, so a second message hidden after it never becomes separate commands.
const ReceiveRow kReceive[] = {
    {"CrlfDotCrlfEnds", "a\r\n.\r\n", true, "a\r\n", 0},
    {"DotFirstLineEndsEmptyMessage", ".\r\n", true, "", 0},
    {"PipelinedCommandsLeftBuffered", "a\r\n.\r\nQUIT\r\n", true, "a\r\n", 6},
    {"LfDotLfIsData", "a\n.\nMAIL FROM:<x@y>\r\n", false, "a\r\n.\r\nMAIL FROM:<x@y>\r\n", 0},
    {"CrlfDotLfIsData", "a\r\n.\nMAIL FROM:<x@y>\r\n", false, "a\r\n.\r\nMAIL FROM:<x@y>\r\n", 0},
    {"LfDotCrlfIsData", "a\n.\r\nMAIL FROM:<x@y>\r\n", false, "a\r\n.\r\nMAIL FROM:<x@y>\r\n", 0},
    {"CrDotCrIsData", "a\r.\rMAIL FROM:<x@y>\r\n", false, "a\r.\rMAIL FROM:<x@y>\r\n", 0},
    {"CrlfDotCrIsData", "a\r\n.\rMAIL FROM:<x@y>\r\n", false, "a\r\n\rMAIL FROM:<x@y>\r\n", 0},
    {"CrDotCrlfIsData", "a\r.\r\nMAIL FROM:<x@y>\r\n", false, "a\r.\r\nMAIL FROM:<x@y>\r\n", 0},
    {"LeadingBareLfThenDotIsData", "\n.\r\n", false, "\r\n.\r\n", 0},
    {"SmuggledThenRealEnd", "a\n.\nMAIL FROM:<x@y>\r\n.\r\n", true, "a\r\n.\r\nMAIL FROM:<x@y>\r\n", 0},
    {"StuffedDotRemovedOnce", "..x\r\n...\r\n.\r\n", true, ".x\r\n..\r\n", 0},
};

class Receives : public ::testing::TestWithParam<ReceiveRow> {};

TEST_P(Receives, EndsOnlyOnCrlfDotCrlf) {
  for (std::size_t chunk : {std::size_t{1}, GetParam().wire.size()}) {
    Received r = receive(GetParam().wire, chunk);
    EXPECT_EQ(r.ended, GetParam().ended) << "chunk " << chunk;
    EXPECT_EQ(r.data, GetParam().data) << "chunk " << chunk;
    EXPECT_EQ(r.left_over, GetParam().left_over) << "chunk " << chunk;
  }
}

INSTANTIATE_TEST_SUITE_P(DataReceiver, Receives, ::testing::ValuesIn(kReceive),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(DataReceiverLimits, OverMaxSizeKeepsCountingButStopsStoring) {
  DataReceiver rx(10);
  EXPECT_FALSE(rx.feed_line("12345678"));  // 10 bytes with CRLF: at the limit
  EXPECT_FALSE(rx.too_large());
  EXPECT_FALSE(rx.feed_line("x"));
  EXPECT_TRUE(rx.too_large());
  EXPECT_FALSE(rx.feed_line("yy"));
  EXPECT_EQ(rx.size(), 17u);
  EXPECT_TRUE(rx.feed_line("."));  // the end is still recognised
  EXPECT_TRUE(rx.take().empty());
}

TEST(DataReceiverLimits, SizeCountsUnstuffedBytes) {
  DataReceiver rx(100);
  rx.feed_line("..ab");
  EXPECT_EQ(rx.size(), 5u);
  EXPECT_TRUE(rx.feed_line("."));
  EXPECT_EQ(rx.take(), ".ab\r\n");
}

TEST(DataReceiverLines, SingleArgumentFeedAssumesCrlf) {
  DataReceiver rx(100);
  EXPECT_FALSE(rx.feed_line("hello"));
  EXPECT_TRUE(rx.feed_line("."));
  EXPECT_EQ(rx.take(), "hello\r\n");
}

}  // namespace
