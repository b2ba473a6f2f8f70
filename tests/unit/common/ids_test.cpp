#include "mta/common/ids.hpp"

#include <gtest/gtest.h>

using namespace mxlab;

TEST(Ids, EnvelopeIdCarriesItsMessageId) {
  EnvelopeId e = make_envelope_id(0x0a1b2c3d, 7);
  EXPECT_EQ(message_of(e), 0x0a1b2c3du);
  EXPECT_EQ(format_envelope_id(e), "0a1b2c3d00000007");
  EXPECT_EQ(format_message_id(0x0a1b2c3d), "0a1b2c3d");
}

TEST(Ids, ParseRoundTripsAndRejectsWrongLengthOrDigits) {
  EXPECT_EQ(parse_message_id("0a1b2c3d"), 0x0a1b2c3du);
  EXPECT_EQ(parse_envelope_id("0a1b2c3d00000007"), 0x0a1b2c3d00000007ull);
  EXPECT_FALSE(parse_message_id("0a1b2c3"));
  EXPECT_FALSE(parse_message_id("0a1b2c3g"));
  EXPECT_FALSE(parse_envelope_id("0a1b2c3d"));
}

TEST(Ids, RandomIsNeverZero) {
  for (int i = 0; i < 1000; ++i) EXPECT_NE(random_u32(), 0u);
}
