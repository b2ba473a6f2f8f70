// Table layout (widths, alignment, trailing blanks) and natural ordering used by kcli output.
#include "kcli/tabulate.hpp"

#include <gtest/gtest.h>

namespace mxlab::kcli {
namespace {

TEST(Tabulate, PadsToWidestCellAndAlignsRight) {
  auto text = tabulate({{"NAME"}, {"N", Align::Right}}, {{"a", "1"}, {"longer", "100"}});
  EXPECT_EQ(text,
            "NAME     N\n"
            "a        1\n"
            "longer 100\n");
}

TEST(Tabulate, TrimsTrailingBlanksOfEmptyLastColumn) {
  auto text = tabulate({{"A"}, {""}}, {{"x", ""}, {"y", "!"}});
  EXPECT_EQ(text, "A\nx\ny !\n");
}

TEST(Tabulate, CountsCodePointsNotBytes) {
  auto text = tabulate({{"A"}, {"B"}}, {{"\xC3\xA9t\xC3\xA9", "x"}, {"abcd", "y"}});
  EXPECT_EQ(text, "A    B\n\xC3\xA9t\xC3\xA9  x\nabcd y\n");
}

TEST(NaturalLess, NumbersCompareByValue) {
  EXPECT_TRUE(natural_less("ip-2", "ip-10"));
  EXPECT_FALSE(natural_less("ip-10", "ip-2"));
  EXPECT_TRUE(natural_less("q007", "q8"));
}

TEST(NaturalLess, CaseInsensitiveThenBytes) {
  EXPECT_TRUE(natural_less("alpha", "Beta"));
  EXPECT_TRUE(natural_less("Abc", "abc"));
  EXPECT_FALSE(natural_less("abc", "abc"));
  EXPECT_TRUE(natural_less("ab", "abc"));
}

}  // namespace
}  // namespace mxlab::kcli
