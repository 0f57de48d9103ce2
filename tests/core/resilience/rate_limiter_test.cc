#include "resilience/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "fake_clock.h"

namespace outbound::resilience {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using testing::FakeClock;

config::RateLimitPolicy rate_policy(double per_second, int burst,
                                    milliseconds max_wait = milliseconds(0)) {
  config::RateLimitPolicy policy;
  policy.per_second = per_second;
  policy.burst = burst;
  policy.max_wait = max_wait;
  return policy;
}

/// Returns how many calls the limiter admits at `now` before the first rejection.
int admit_all(RateLimiter& limiter, RateLimiter::TimePoint now, int limit = 100000) {
  int admitted = 0;
  while (admitted < limit && limiter.try_acquire(now).admitted) ++admitted;
  return admitted;
}

TEST(RateLimiter, BurstThenRefillRate) {
  FakeClock clock;
  RateLimiter limiter(rate_policy(10, 5), clock);
  const auto start = clock.steady_now();
  EXPECT_EQ(admit_all(limiter, start), 5);

  RateDecision decision = limiter.try_acquire(start);
  EXPECT_FALSE(decision.admitted);
  EXPECT_EQ(decision.wait, milliseconds(100));

  decision = limiter.try_acquire(start + milliseconds(99));
  EXPECT_FALSE(decision.admitted);
  EXPECT_EQ(decision.wait, milliseconds(1));

  decision = limiter.try_acquire(start + milliseconds(100));
  EXPECT_TRUE(decision.admitted);
  EXPECT_EQ(decision.wait, nanoseconds(0));
  EXPECT_EQ(limiter.try_acquire(start + milliseconds(100)).wait, milliseconds(100));

  // Ten calls a second are sustained, one every 100 ms.
  for (int i = 2; i <= 20; ++i) {
    SCOPED_TRACE("call at " + std::to_string(i * 100) + " ms");
    EXPECT_TRUE(limiter.try_acquire(start + milliseconds(100 * i)).admitted);
    EXPECT_FALSE(limiter.try_acquire(start + milliseconds(100 * i)).admitted);
  }

  // A long idle time refills the bucket to the burst and no further.
  EXPECT_EQ(admit_all(limiter, start + seconds(60)), 5);
}

TEST(RateLimiter, DefaultBurstIsRateOrOne) {
  struct Case {
    std::string name;
    double per_second;
    int admitted;
    nanoseconds next_wait;
  };
  const std::vector<Case> cases = {
      {"20 per second", 20, 20, milliseconds(50)},
      {"half a call per second", 0.5, 1, seconds(2)},
      {"12.5 per second", 12.5, 12, milliseconds(40)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FakeClock clock;
    RateLimiter limiter(rate_policy(c.per_second, 0), clock);
    EXPECT_EQ(admit_all(limiter, clock.steady_now()), c.admitted);
    EXPECT_EQ(limiter.try_acquire().wait, c.next_wait);
  }
}

TEST(RateLimiter, ZeroRateIsUnlimited) {
  FakeClock clock;
  RateLimiter limiter(rate_policy(0, 0), clock);
  EXPECT_TRUE(limiter.unlimited());
  EXPECT_EQ(admit_all(limiter, clock.steady_now(), 100000), 100000);
  const RateDecision decision = limiter.reserve(clock.steady_now(), seconds(1));
  EXPECT_TRUE(decision.admitted);
  EXPECT_EQ(decision.wait, nanoseconds(0));
  EXPECT_TRUE(std::isinf(limiter.available_tokens(clock.steady_now())));
}

TEST(RateLimiter, ReserveQueuesWithinMaxWait) {
  FakeClock clock;
  RateLimiter limiter(rate_policy(10, 1, milliseconds(250)), clock);
  const auto start = clock.steady_now();
  struct Step {
    bool admitted;
    milliseconds wait;
  };
  // Each reservation takes the next token: 0, 100 and 200 ms ahead fit the 250 ms wait.
  const std::vector<Step> steps = {
      {true, milliseconds(0)},
      {true, milliseconds(100)},
      {true, milliseconds(200)},
      {false, milliseconds(300)},
  };
  for (std::size_t i = 0; i < steps.size(); ++i) {
    SCOPED_TRACE("reservation " + std::to_string(i + 1));
    const RateDecision decision = limiter.reserve(start, seconds(10));
    EXPECT_EQ(decision.admitted, steps[i].admitted);
    EXPECT_EQ(decision.wait, steps[i].wait);
  }
  // A caller with less time left than the wait is rejected, and takes nothing.
  EXPECT_FALSE(limiter.reserve(start + milliseconds(100), milliseconds(150)).admitted);
  const RateDecision fits = limiter.reserve(start + milliseconds(100), milliseconds(200));
  EXPECT_TRUE(fits.admitted);
  EXPECT_EQ(fits.wait, milliseconds(200));
  // try_acquire never waits.
  EXPECT_EQ(limiter.try_acquire(start + milliseconds(100)).wait, milliseconds(300));
}

TEST(RateLimiter, ReserveWithoutMaxWaitActsLikeTryAcquire) {
  FakeClock clock;
  RateLimiter limiter(rate_policy(10, 1), clock);
  const auto start = clock.steady_now();
  EXPECT_TRUE(limiter.reserve(start, seconds(10)).admitted);
  const RateDecision decision = limiter.reserve(start, seconds(10));
  EXPECT_FALSE(decision.admitted);
  EXPECT_EQ(decision.wait, milliseconds(100));
}

TEST(RateLimiter, AvailableTokensRefill) {
  FakeClock clock;
  RateLimiter limiter(rate_policy(10, 4), clock);
  const auto start = clock.steady_now();
  EXPECT_DOUBLE_EQ(limiter.available_tokens(start), 4);
  EXPECT_EQ(admit_all(limiter, start), 4);
  EXPECT_DOUBLE_EQ(limiter.available_tokens(start), 0);
  EXPECT_DOUBLE_EQ(limiter.available_tokens(start + milliseconds(250)), 2.5);
  EXPECT_DOUBLE_EQ(limiter.available_tokens(start + seconds(5)), 4);
}

TEST(RateLimiter, ConcurrentCallersShareBurst) {
  FakeClock clock;
  RateLimiter limiter(rate_policy(1, 100), clock);
  const auto now = clock.steady_now();
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (limiter.try_acquire(now).admitted) ++admitted;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(admitted.load(), 100);
}

}  // namespace
}  // namespace outbound::resilience
