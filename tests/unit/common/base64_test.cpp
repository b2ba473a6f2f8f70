#include "mta/common/base64.hpp"

#include <gtest/gtest.h>

namespace mxlab {
namespace {

TEST(Base64, RoundTripsEveryPaddingLength) {
  const std::string cases[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0user\0pass", 10)};
  for (const std::string& s : cases) {
    auto decoded = base64_decode(base64_encode(s));
    ASSERT_TRUE(decoded) << s;
    EXPECT_EQ(*decoded, s);
  }
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");  // RFC 4648 10
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
}

TEST(Base64, RefusesBadInput) {
  EXPECT_FALSE(base64_decode("Zm9"));      // not a multiple of 4
  EXPECT_FALSE(base64_decode("Zm9v!A=="));  // outside the alphabet
  EXPECT_FALSE(base64_decode("Z=9v"));     // '=' before the end
}

}  // namespace
}  // namespace mxlab
