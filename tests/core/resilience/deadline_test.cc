#include "resilience/deadline.h"

#include <gtest/gtest.h>

#include <chrono>

#include "fake_clock.h"

namespace outbound::resilience {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using testing::FakeClock;

TEST(Deadline, RemainingShrinksToZero) {
  FakeClock clock;
  const Deadline deadline = Deadline::after(clock, milliseconds(100));
  EXPECT_EQ(deadline.remaining(clock), milliseconds(100));
  EXPECT_FALSE(deadline.expired(clock));

  clock.advance(milliseconds(99));
  EXPECT_EQ(deadline.remaining(clock), milliseconds(1));
  EXPECT_FALSE(deadline.expired(clock));

  clock.advance(milliseconds(1));
  EXPECT_EQ(deadline.remaining(clock), nanoseconds(0));
  EXPECT_TRUE(deadline.expired(clock));

  clock.advance(milliseconds(50));
  EXPECT_EQ(deadline.remaining(clock), nanoseconds(0));
}

TEST(Deadline, EarliestOfTwo) {
  FakeClock clock;
  const Deadline soon = Deadline::after(clock, milliseconds(10));
  const Deadline later = Deadline::after(clock, milliseconds(20));
  EXPECT_EQ(earliest(soon, later), soon);
  EXPECT_EQ(earliest(later, soon), soon);
  EXPECT_EQ(earliest(Deadline::never(), later), later);
}

TEST(Deadline, NeverAndOverflow) {
  FakeClock clock;
  EXPECT_FALSE(Deadline::never().expired(clock));
  EXPECT_EQ(Deadline::after(clock, nanoseconds::max()), Deadline::never());
  EXPECT_GT(Deadline::never().remaining(clock), std::chrono::hours(24 * 365));
}

TEST(Deadline, NonPositiveTimeoutHasPassed) {
  FakeClock clock;
  EXPECT_TRUE(Deadline::after(clock, nanoseconds(0)).expired(clock));
  EXPECT_TRUE(Deadline::after(clock, milliseconds(-5)).expired(clock));
  EXPECT_EQ(Deadline::at(clock.steady_now()).remaining(clock), nanoseconds(0));
}

}  // namespace
}  // namespace outbound::resilience
