#include "net/deadline.h"

#include <chrono>

#include <gtest/gtest.h>

namespace outbound::net {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

TEST(Deadline, TimeLeftIsAtLeastOneMicrosecond) {
  EXPECT_EQ(time_left(steady_clock::now() - milliseconds(5)), microseconds(1));
  EXPECT_EQ(time_left(SteadyTime{}), microseconds(1));
}

TEST(Deadline, TimeLeftCountsDownToTheDeadline) {
  const microseconds left = time_left(steady_clock::now() + milliseconds(200));
  EXPECT_LE(left, microseconds(200000));
  EXPECT_GT(left, microseconds(190000));
}

TEST(Deadline, SocketWaitIsSevenEighths) {
  const microseconds wait = socket_wait(steady_clock::now() + milliseconds(800));
  EXPECT_LE(wait, microseconds(700000));
  EXPECT_GT(wait, microseconds(690000));
}

TEST(Deadline, SocketWaitIsAllOfAShortTimeLeft) {
  const microseconds wait = socket_wait(steady_clock::now() + milliseconds(4));
  EXPECT_LE(wait, microseconds(4000));
  EXPECT_GT(wait, microseconds(3500));
  EXPECT_EQ(socket_wait(steady_clock::now() - milliseconds(1)), microseconds(1));
}

TEST(Deadline, EndedEarlyOnlyBeforeTheLastHalfMillisecond) {
  EXPECT_TRUE(ended_early(steady_clock::now() + milliseconds(10)));
  EXPECT_FALSE(ended_early(steady_clock::now() + microseconds(100)));
  EXPECT_FALSE(ended_early(steady_clock::now() - milliseconds(1)));
}

}  // namespace
}  // namespace outbound::net
