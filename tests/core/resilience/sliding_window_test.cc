#include "resilience/sliding_window.h"

#include <gtest/gtest.h>

#include <chrono>

namespace outbound::resilience {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using TimePoint = std::chrono::steady_clock::time_point;

const TimePoint kStart = TimePoint(seconds(1000));

TEST(CountWindow, KeepsLastSizeOutcomes) {
  CountWindow window(3);
  window.add(true, true);
  window.add(false, false);
  window.add(false, true);
  EXPECT_EQ(window.totals().calls, 3);
  EXPECT_EQ(window.totals().failures, 1);
  EXPECT_EQ(window.totals().slow_calls, 2);

  window.add(false, false);  // Evicts the failed slow call.
  EXPECT_EQ(window.totals().calls, 3);
  EXPECT_EQ(window.totals().failures, 0);
  EXPECT_EQ(window.totals().slow_calls, 1);

  window.clear();
  EXPECT_EQ(window.totals().calls, 0);
  window.add(true, false);
  EXPECT_EQ(window.totals().calls, 1);
  EXPECT_EQ(window.totals().failures, 1);
}

TEST(CountWindow, ClampsSize) {
  EXPECT_EQ(CountWindow(0).size(), 1);
  EXPECT_EQ(CountWindow(-5).size(), 1);
  EXPECT_EQ(CountWindow(2147483647).size(), CountWindow::kMaxSize);
}

TEST(TimeWindow, EvictsBucketsAsTimePasses) {
  TimeWindow window(3);
  window.add(kStart, true, false);
  window.add(kStart + milliseconds(1500), false, true);
  EXPECT_EQ(window.totals(kStart + milliseconds(2999)).calls, 2);
  // The bucket of second 0 leaves at second 3, the one of second 1 at second 4.
  EXPECT_EQ(window.totals(kStart + seconds(3)).calls, 1);
  EXPECT_EQ(window.totals(kStart + seconds(3)).failures, 0);
  EXPECT_EQ(window.totals(kStart + seconds(3)).slow_calls, 1);
  EXPECT_EQ(window.totals(kStart + seconds(4)).calls, 0);
}

TEST(TimeWindow, LongGapClearsEverything) {
  TimeWindow window(5);
  for (int i = 0; i < 5; ++i) window.add(kStart + seconds(i), true, false);
  EXPECT_EQ(window.totals(kStart + seconds(4)).calls, 5);
  EXPECT_EQ(window.totals(kStart + seconds(100)).calls, 0);
  window.add(kStart + seconds(100), false, false);
  EXPECT_EQ(window.totals(kStart + seconds(100)).calls, 1);
  EXPECT_EQ(window.totals(kStart + seconds(100)).failures, 0);
}

TEST(TimeWindow, EarlierReadingCountsInNewestBucket) {
  TimeWindow window(2);
  window.add(kStart + seconds(5), false, false);
  window.add(kStart + seconds(1), true, false);
  EXPECT_EQ(window.totals(kStart + seconds(5)).calls, 2);
  EXPECT_EQ(window.totals(kStart + seconds(6)).calls, 2);
  EXPECT_EQ(window.totals(kStart + seconds(7)).calls, 0);
}

TEST(TimeWindow, LargeWindowUsesCoarserBuckets) {
  // 7200 s in 3600 buckets of 2 s.
  TimeWindow window(7200);
  window.add(kStart, true, false);
  EXPECT_EQ(window.totals(kStart + seconds(7199)).calls, 1);
  EXPECT_EQ(window.totals(kStart + seconds(7200)).calls, 0);
}

TEST(SlidingWindow, FollowsPolicyType) {
  SlidingWindow count({config::WindowPolicy::Type::kCount, 2});
  count.add(kStart, true, false);
  count.add(kStart + seconds(100), true, false);
  count.add(kStart + seconds(200), false, false);
  EXPECT_EQ(count.totals(kStart + seconds(1000)).calls, 2);
  EXPECT_EQ(count.totals(kStart + seconds(1000)).failures, 1);

  SlidingWindow time({config::WindowPolicy::Type::kTime, 2});
  time.add(kStart, true, false);
  time.add(kStart + seconds(1), true, false);
  EXPECT_EQ(time.totals(kStart + seconds(1)).calls, 2);
  EXPECT_EQ(time.totals(kStart + seconds(2)).calls, 1);
}

TEST(SlidingWindow, PercentOfNoCallsIsZero) {
  EXPECT_EQ(percent_of(0, 0), 0);
  EXPECT_EQ(percent_of(1, 4), 25);
  EXPECT_EQ(percent_of(3, 3), 100);
}

}  // namespace
}  // namespace outbound::resilience
