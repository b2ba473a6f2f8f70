// The virtual clock (ManualClock): moves only when told to, and calls its watchers after every
// jump so a scheduler sleeping until a clock time wakes up; unwatch stops the calls.
#include "mta/common/clock.hpp"

#include <gtest/gtest.h>

using namespace mxlab;
using namespace std::chrono_literals;

TEST(ManualClock, StandsStillUntilMoved) {
  ManualClock c(TimePoint{} + 100s);
  EXPECT_TRUE(c.is_virtual());
  EXPECT_FALSE(SystemClock::instance().is_virtual());
  EXPECT_EQ(c.now(), TimePoint{} + 100s);
  c.advance(5 * 24h);
  EXPECT_EQ(c.now(), TimePoint{} + 100s + 5 * 24h);
  c.set(TimePoint{} + 1s);
  EXPECT_EQ(c.now(), TimePoint{} + 1s);
}

TEST(ManualClock, WatchersHearEveryJumpUntilUnwatched) {
  ManualClock c;
  int a = 0, b = 0;
  auto ta = c.watch([&] { ++a; });
  auto tb = c.watch([&] { ++b; });
  EXPECT_NE(ta, tb);
  c.advance(1ms);
  c.set(TimePoint{} + 1h);
  EXPECT_EQ(a, 2);
  EXPECT_EQ(b, 2);
  c.unwatch(ta);
  c.advance(1ms);
  EXPECT_EQ(a, 2);
  EXPECT_EQ(b, 3);
}

TEST(SystemClock, HasNoWatchers) {
  int calls = 0;
  EXPECT_EQ(SystemClock::instance().watch([&] { ++calls; }), 0u);
  SystemClock::instance().unwatch(0);
  EXPECT_EQ(calls, 0);
}
