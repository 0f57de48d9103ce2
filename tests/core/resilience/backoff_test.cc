#include "resilience/backoff.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace outbound::resilience {
namespace {

using std::chrono::milliseconds;

config::RetryPolicy policy_with(config::Jitter jitter, milliseconds initial = milliseconds(100),
                                milliseconds max = milliseconds(5000)) {
  config::RetryPolicy policy;
  policy.initial_backoff = initial;
  policy.max_backoff = max;
  policy.jitter = jitter;
  return policy;
}

/// A random source that returns the values it was given, in a loop.
class ScriptedRandom final : public RandomSource {
 public:
  explicit ScriptedRandom(std::vector<std::uint64_t> values) : values_(std::move(values)) {}
  std::uint64_t next() override { return values_[next_++ % values_.size()]; }

 private:
  std::vector<std::uint64_t> values_;
  std::size_t next_ = 0;
};

TEST(Backoff, CapDoublesUntilMaxBackoff) {
  const config::RetryPolicy policy = policy_with(config::Jitter::kNone);
  struct Case {
    int retry_number;
    milliseconds cap;
  };
  const std::vector<Case> cases = {
      {0, milliseconds(100)},   {1, milliseconds(100)},           {2, milliseconds(200)},
      {3, milliseconds(400)},   {6, milliseconds(3200)},          {7, milliseconds(5000)},
      {8, milliseconds(5000)},  {62, milliseconds(5000)},         {63, milliseconds(5000)},
      {64, milliseconds(5000)}, {65, milliseconds(5000)},         {1000, milliseconds(5000)},
      {-3, milliseconds(100)},  {2147483647, milliseconds(5000)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("retry " + std::to_string(c.retry_number));
    EXPECT_EQ(backoff_cap(policy, c.retry_number), c.cap);
  }
}

TEST(Backoff, CapWithoutOverflowAtLargestValues) {
  const config::RetryPolicy policy =
      policy_with(config::Jitter::kNone, milliseconds(2147483647), milliseconds(2147483647));
  for (int retry : {1, 2, 32, 63, 64, 1000}) {
    SCOPED_TRACE("retry " + std::to_string(retry));
    EXPECT_EQ(backoff_cap(policy, retry), milliseconds(2147483647));
  }
  // A 1 ms start reaches the cap after 31 doublings, and no shift goes past it.
  const config::RetryPolicy small =
      policy_with(config::Jitter::kNone, milliseconds(1), milliseconds(2147483647));
  EXPECT_EQ(backoff_cap(small, 31), milliseconds(1073741824));
  EXPECT_EQ(backoff_cap(small, 32), milliseconds(2147483647));
  EXPECT_EQ(backoff_cap(small, 64), milliseconds(2147483647));
}

TEST(Backoff, NoJitterIsTheCap) {
  const config::RetryPolicy policy = policy_with(config::Jitter::kNone);
  SplitMix64Random random(7);
  EXPECT_EQ(backoff_delay(policy, 1, random), milliseconds(100));
  EXPECT_EQ(backoff_delay(policy, 3, random), milliseconds(400));
  EXPECT_EQ(backoff_delay(policy, 64, random), milliseconds(5000));
  EXPECT_EQ(backoff_delay(policy, 1000, random), milliseconds(5000));
}

TEST(Backoff, JitterStaysWithinBounds) {
  struct Case {
    std::string name;
    config::Jitter jitter;
    int retry_number;
    milliseconds low;
    milliseconds high;
  };
  const std::vector<Case> cases = {
      {"full, retry 1", config::Jitter::kFull, 1, milliseconds(0), milliseconds(100)},
      {"full, retry 4", config::Jitter::kFull, 4, milliseconds(0), milliseconds(800)},
      {"full, capped", config::Jitter::kFull, 64, milliseconds(0), milliseconds(5000)},
      {"full, retry 1000", config::Jitter::kFull, 1000, milliseconds(0), milliseconds(5000)},
      {"equal, retry 1", config::Jitter::kEqual, 1, milliseconds(50), milliseconds(100)},
      {"equal, retry 4", config::Jitter::kEqual, 4, milliseconds(400), milliseconds(800)},
      {"equal, capped", config::Jitter::kEqual, 64, milliseconds(2500), milliseconds(5000)},
      {"equal, retry 1000", config::Jitter::kEqual, 1000, milliseconds(2500), milliseconds(5000)},
  };
  constexpr int kDraws = 20000;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const config::RetryPolicy policy = policy_with(c.jitter);
    SplitMix64Random random(42);
    milliseconds lowest = milliseconds::max();
    milliseconds highest = milliseconds::min();
    for (int i = 0; i < kDraws; ++i) {
      const milliseconds delay = backoff_delay(policy, c.retry_number, random);
      lowest = std::min(lowest, delay);
      highest = std::max(highest, delay);
    }
    EXPECT_GE(lowest, c.low);
    EXPECT_LE(highest, c.high);
    // Draws spread over the range: both ends are approached within 2 %.
    const auto span = (c.high - c.low).count();
    EXPECT_LE((lowest - c.low).count(), span / 50);
    EXPECT_LE((c.high - highest).count(), span / 50);
  }
}

TEST(Backoff, JitterReachesBothEnds) {
  // 0 drawn gives the low end, and bound drawn gives the high end, of each jitter.
  ScriptedRandom low({0});
  ScriptedRandom high({400});  // 400 % 401 is 400, the top of [0, 400].
  const config::RetryPolicy full = policy_with(config::Jitter::kFull);
  EXPECT_EQ(backoff_delay(full, 3, low), milliseconds(0));
  EXPECT_EQ(backoff_delay(full, 3, high), milliseconds(400));

  ScriptedRandom equal_high({200});  // 200 % 201 is 200, the top of [0, 200].
  const config::RetryPolicy equal = policy_with(config::Jitter::kEqual);
  EXPECT_EQ(backoff_delay(equal, 3, low), milliseconds(200));
  EXPECT_EQ(backoff_delay(equal, 3, equal_high), milliseconds(400));
}

TEST(Backoff, EqualJitterOfOddCapReachesCap) {
  const config::RetryPolicy policy =
      policy_with(config::Jitter::kEqual, milliseconds(5), milliseconds(5));
  // A cap of 5 gives 2 + uniform in [0, 3].
  ScriptedRandom low({0});
  ScriptedRandom middle({2});
  ScriptedRandom top({3});
  EXPECT_EQ(backoff_delay(policy, 1, low), milliseconds(2));
  EXPECT_EQ(backoff_delay(policy, 1, middle), milliseconds(4));
  EXPECT_EQ(backoff_delay(policy, 1, top), milliseconds(5));
}

TEST(Backoff, SeededRandomRepeats) {
  SplitMix64Random first(123);
  SplitMix64Random second(123);
  SplitMix64Random other(124);
  std::set<std::uint64_t> distinct;
  for (int i = 0; i < 100; ++i) {
    const std::uint64_t value = first.next();
    EXPECT_EQ(value, second.next());
    distinct.insert(value);
    distinct.insert(other.next());
  }
  EXPECT_EQ(distinct.size(), 200u);
}

TEST(Backoff, ThreadRandomDiffersBetweenThreads) {
  const std::uint64_t main_draw = thread_random().next();
  std::uint64_t other_draw = 0;
  std::thread thread([&] { other_draw = thread_random().next(); });
  thread.join();
  EXPECT_NE(main_draw, other_draw);
  EXPECT_EQ(&thread_random(), &thread_random());
}

TEST(Backoff, UniformUpToCoversRange) {
  SplitMix64Random random(5);
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t value = uniform_up_to(random, 3);
    EXPECT_LE(value, 3u);
    seen.insert(value);
  }
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_EQ(uniform_up_to(random, 0), 0u);
}

TEST(NextDelay, RetryAfterOverridesBackoff) {
  const config::RetryPolicy policy = policy_with(config::Jitter::kNone);
  SplitMix64Random random(1);
  // Without Retry-After, the computed backoff of retry 2.
  EXPECT_EQ(next_delay(policy, 2, std::nullopt, random), milliseconds(200));
  // With it, the provider's delay, even above max_backoff or at zero.
  EXPECT_EQ(next_delay(policy, 2, milliseconds(7000), random), milliseconds(7000));
  EXPECT_EQ(next_delay(policy, 2, milliseconds(0), random), milliseconds(0));
  EXPECT_EQ(next_delay(policy, 2, milliseconds(30), random), milliseconds(30));
}

TEST(NextDelay, RetryAfterIsCapped) {
  const config::RetryPolicy policy = policy_with(config::Jitter::kFull);
  SplitMix64Random random(1);
  EXPECT_EQ(next_delay(policy, 1, kMaxRetryAfter, random), kMaxRetryAfter);
  EXPECT_EQ(next_delay(policy, 1, kMaxRetryAfter + milliseconds(1), random), kMaxRetryAfter);
  EXPECT_EQ(next_delay(policy, 1, milliseconds::max(), random), kMaxRetryAfter);
  EXPECT_EQ(next_delay(policy, 1, milliseconds(-5), random), milliseconds(0));
}

}  // namespace
}  // namespace outbound::resilience
