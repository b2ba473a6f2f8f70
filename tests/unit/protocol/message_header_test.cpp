// header_value: case-insensitive names, folded values, and no match past the header section.
#include "mta/protocol/message_header.hpp"

#include <gtest/gtest.h>

using mxlab::smtp::header_value;

TEST(MessageHeader, FindsFieldRegardlessOfCase) {
  EXPECT_EQ(header_value("Subject: hi\r\nmessage-id:  <a@b.test> \r\n\r\nbody\r\n", "Message-ID"), "<a@b.test>");
}

TEST(MessageHeader, UnfoldsContinuationLines) {
  EXPECT_EQ(header_value("Message-ID:\r\n <long@b.test>\r\nSubject: x\r\n\r\n", "Message-ID"), "<long@b.test>");
  EXPECT_EQ(header_value("To: a@b,\n\tc@d\n\n", "to"), "a@b, c@d");
}

TEST(MessageHeader, StopsAtTheBlankLine) {
  EXPECT_EQ(header_value("Subject: x\r\n\r\nMessage-ID: <body@b.test>\r\n", "Message-ID"), std::nullopt);
  EXPECT_EQ(header_value("", "Message-ID"), std::nullopt);
}

TEST(MessageHeader, FirstFieldWins) {
  EXPECT_EQ(header_value("X-A: 1\r\nX-A: 2\r\n\r\n", "X-A"), "1");
}
