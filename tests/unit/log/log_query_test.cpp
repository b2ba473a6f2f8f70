// LogQuery: the time window and text filter of the admin log endpoint, on JSON record lines.
#include "mta/log/log_query.hpp"

#include <gtest/gtest.h>

#include <sstream>

using namespace mxlab::log;

namespace {
const char* kLines =
    R"({"type":"Reception","id":"aaaa0001","timestamp":100,"recipient":"a@x.test"})" "\n"
    R"({"type":"Delivery","id":"aaaa0001","timestamp":160,"recipient":"a@x.test"})" "\n"
    "\n"
    R"({"type":"Reception","id":"bbbb0002","timestamp":200,"recipient":"b@y.test"})" "\n";

std::string select(LogQuery q) {
  std::istringstream in(kLines);
  return select_lines(in, q);
}
}  // namespace

TEST(LogQuery, ReadsTheTimestampWithoutParsingTheRecord) {
  EXPECT_EQ(record_timestamp(R"({"timestamp":1700000060,"created":1})"), 1700000060);
  EXPECT_EQ(record_timestamp(R"({"created":1})"), std::nullopt);
  EXPECT_EQ(record_timestamp(R"({"timestamp":null})"), std::nullopt);
}

TEST(LogQuery, WindowIsInclusiveAndOpenEndsMeanUnbounded) {
  EXPECT_EQ(select({}), std::string(kLines).replace(std::string(kLines).find("\n\n"), 2, "\n"));
  EXPECT_EQ(select({.since = 160, .until = 200}),
            R"({"type":"Delivery","id":"aaaa0001","timestamp":160,"recipient":"a@x.test"})" "\n"
            R"({"type":"Reception","id":"bbbb0002","timestamp":200,"recipient":"b@y.test"})" "\n");
  EXPECT_EQ(select({.until = 100}), R"({"type":"Reception","id":"aaaa0001","timestamp":100,"recipient":"a@x.test"})" "\n");
}

TEST(LogQuery, ContainsIgnoresCase) {  // "Bob@Example.COM" finds bob@example.com
  EXPECT_EQ(select({.contains = "B@Y.TEST"}),
            R"({"type":"Reception","id":"bbbb0002","timestamp":200,"recipient":"b@y.test"})" "\n");
  EXPECT_TRUE(contains_nocase("Message-ID: <A@b>", "<a@B>"));
  EXPECT_FALSE(contains_nocase("abc", "abd"));
}

TEST(LogQuery, ContainsAndLimit) {
  EXPECT_EQ(select({.contains = "bbbb0002"}),
            R"({"type":"Reception","id":"bbbb0002","timestamp":200,"recipient":"b@y.test"})" "\n");
  EXPECT_EQ(select({.contains = "aaaa0001", .limit = 1}),
            R"({"type":"Reception","id":"aaaa0001","timestamp":100,"recipient":"a@x.test"})" "\n");
}
