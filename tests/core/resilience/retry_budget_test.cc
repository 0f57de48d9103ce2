#include "resilience/retry_budget.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "fake_clock.h"

namespace outbound::resilience {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeClock;

config::RetryPolicy budget_policy(double percent, int min_per_second) {
  config::RetryPolicy policy;
  policy.budget_percent = percent;
  policy.min_retries_per_second = min_per_second;
  return policy;
}

/// Returns how many retries the budget grants before the first refusal, at most `limit`.
int withdraw_all(RetryBudget& budget, int limit = 100000) {
  int granted = 0;
  while (granted < limit && budget.try_withdraw()) ++granted;
  return granted;
}

TEST(RetryBudget, AdmitsPercentOfRequestsPlusFloor) {
  struct Case {
    std::string name;
    double percent;
    int min_per_second;
    int requests;
    int allowed;
  };
  const std::vector<Case> cases = {
      {"20 % of 50 requests", 20, 0, 50, 10},
      {"20 % of 49 requests", 20, 0, 49, 9},
      {"floor of 1 per second, no requests", 0, 1, 0, 10},
      {"20 % of 50 plus floor of 1 per second", 20, 1, 50, 20},
      {"default policy, 100 requests", 20, 10, 100, 120},
      {"100 % of 7 requests", 100, 0, 7, 7},
      {"12.5 % of 16 requests", 12.5, 0, 16, 2},
      {"no budget", 0, 0, 1000, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FakeClock clock;
    RetryBudget budget(budget_policy(c.percent, c.min_per_second), clock);
    for (int i = 0; i < c.requests; ++i) budget.record_request();
    EXPECT_EQ(withdraw_all(budget), c.allowed);
    EXPECT_FALSE(budget.try_withdraw());
    const RetryBudgetSnapshot snapshot = budget.snapshot();
    EXPECT_EQ(snapshot.requests, c.requests);
    EXPECT_EQ(snapshot.retries, c.allowed);
    EXPECT_EQ(snapshot.rejected_retries, 2u);
  }
}

TEST(RetryBudget, NewRequestsRefillBudget) {
  FakeClock clock;
  RetryBudget budget(budget_policy(20, 0), clock);
  for (int i = 0; i < 10; ++i) budget.record_request();
  EXPECT_EQ(withdraw_all(budget), 2);
  for (int i = 0; i < 4; ++i) budget.record_request();
  EXPECT_FALSE(budget.try_withdraw());  // 14 requests allow 2.8 retries.
  budget.record_request();
  EXPECT_TRUE(budget.try_withdraw());  // 15 requests allow 3.
  EXPECT_FALSE(budget.try_withdraw());
}

TEST(RetryBudget, CountsExpireAfterTenSeconds) {
  FakeClock clock;
  RetryBudget budget(budget_policy(20, 0), clock);
  for (int i = 0; i < 50; ++i) budget.record_request();
  EXPECT_EQ(withdraw_all(budget), 10);

  clock.advance(seconds(10) - milliseconds(1));
  RetryBudgetSnapshot snapshot = budget.snapshot();
  EXPECT_EQ(snapshot.requests, 50);
  EXPECT_EQ(snapshot.retries, 10);
  EXPECT_FALSE(budget.try_withdraw());

  clock.advance(milliseconds(1));
  snapshot = budget.snapshot();
  EXPECT_EQ(snapshot.requests, 0);
  EXPECT_EQ(snapshot.retries, 0);
  EXPECT_FALSE(budget.try_withdraw());  // The requests left with the retries.

  for (int i = 0; i < 10; ++i) budget.record_request();
  EXPECT_EQ(withdraw_all(budget), 2);
}

TEST(RetryBudget, OldRetriesLeaveBeforeNewRequests) {
  FakeClock clock;
  RetryBudget budget(budget_policy(20, 0), clock);
  for (int i = 0; i < 10; ++i) budget.record_request();
  EXPECT_EQ(withdraw_all(budget), 2);  // Second 0: 10 requests, 2 retries.
  clock.advance(seconds(5));
  for (int i = 0; i < 10; ++i) budget.record_request();
  EXPECT_EQ(withdraw_all(budget), 2);  // Second 5: 20 requests allow 4 in all.
  clock.advance(seconds(5));
  // Second 10: only second 5 is left, with 10 requests and 2 retries.
  const RetryBudgetSnapshot snapshot = budget.snapshot();
  EXPECT_EQ(snapshot.requests, 10);
  EXPECT_EQ(snapshot.retries, 2);
  EXPECT_DOUBLE_EQ(snapshot.allowed_retries, 2);
  EXPECT_FALSE(budget.try_withdraw());
}

TEST(RetryBudget, FloorIsPerWindow) {
  FakeClock clock;
  RetryBudget budget(budget_policy(0, 2), clock);
  EXPECT_EQ(withdraw_all(budget), 20);
  clock.advance(seconds(9));
  EXPECT_FALSE(budget.try_withdraw());
  clock.advance(seconds(1));
  EXPECT_EQ(withdraw_all(budget), 20);
}

TEST(RetryBudget, ClampsOutOfRangePolicy) {
  FakeClock clock;
  RetryBudget budget(budget_policy(250, -4), clock);
  for (int i = 0; i < 10; ++i) budget.record_request();
  EXPECT_EQ(withdraw_all(budget), 10);
}

TEST(RetryBudget, ConcurrentUseStaysWithinBudget) {
  FakeClock clock;
  RetryBudget budget(budget_policy(20, 1), clock);
  constexpr int kThreads = 8;
  constexpr int kRequestsPerThread = 1000;
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRequestsPerThread; ++i) {
        budget.record_request();
        if (budget.try_withdraw()) ++granted;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const RetryBudgetSnapshot snapshot = budget.snapshot();
  EXPECT_EQ(snapshot.requests, kThreads * kRequestsPerThread);
  EXPECT_EQ(snapshot.retries, granted.load());
  // Each grant was within the budget when made, so the total is too: 20 % of 8000 requests
  // plus the floor of 10. Every request is followed by a withdrawal attempt, so at most the
  // budget of the requests still waiting for their attempt (8 threads, 0.2 each) is unused.
  EXPECT_LE(granted.load(), 1610);
  EXPECT_GE(granted.load(), 1608);
  EXPECT_EQ(snapshot.rejected_retries + static_cast<std::uint64_t>(granted.load()),
            static_cast<std::uint64_t>(kThreads * kRequestsPerThread));
}

}  // namespace
}  // namespace outbound::resilience
