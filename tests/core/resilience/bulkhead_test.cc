#include "resilience/bulkhead.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "fake_clock.h"

namespace outbound::resilience {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeClock;

config::BulkheadPolicy bulkhead_policy(int max_concurrent, milliseconds max_wait) {
  config::BulkheadPolicy policy;
  policy.max_concurrent = max_concurrent;
  policy.max_wait = max_wait;
  return policy;
}

/// Returns the real time `action` took.
template <typename Action>
milliseconds elapsed(Action&& action) {
  const auto start = std::chrono::steady_clock::now();
  action();
  return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
}

/// Polls until `bulkhead` has `count` waiting callers, for at most 10 s of real time.
bool wait_for_waiters(const Bulkhead& bulkhead, int count) {
  const auto give_up = std::chrono::steady_clock::now() + seconds(10);
  while (bulkhead.snapshot().waiting < count) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(Bulkhead, AdmitsMaxConcurrentThenRejectsAtOnce) {
  FakeClock clock;
  Bulkhead bulkhead(bulkhead_policy(3, milliseconds(0)), clock);
  std::vector<BulkheadPermit> permits;
  for (int i = 0; i < 3; ++i) {
    permits.push_back(bulkhead.acquire(Deadline::never()));
    EXPECT_TRUE(permits.back().admitted());
  }
  BulkheadPermit rejected;
  const milliseconds took = elapsed([&] { rejected = bulkhead.acquire(Deadline::never()); });
  EXPECT_FALSE(rejected.admitted());
  EXPECT_LT(took, milliseconds(1000));
  EXPECT_FALSE(bulkhead.try_acquire().admitted());

  const BulkheadSnapshot snapshot = bulkhead.snapshot();
  EXPECT_EQ(snapshot.max_concurrent, 3);
  EXPECT_EQ(snapshot.in_use, 3);
  EXPECT_EQ(snapshot.waiting, 0);
  EXPECT_EQ(snapshot.rejected, 2u);
}

TEST(Bulkhead, ReleasesPermitOnScopeExit) {
  FakeClock clock;
  Bulkhead bulkhead(bulkhead_policy(1, milliseconds(0)), clock);
  {
    const BulkheadPermit permit = bulkhead.try_acquire();
    ASSERT_TRUE(permit.admitted());
    EXPECT_EQ(bulkhead.snapshot().in_use, 1);
  }
  EXPECT_EQ(bulkhead.snapshot().in_use, 0);

  // A holder that leaves early by an exception gives the slot back too.
  const auto leave_early = [&] {
    const BulkheadPermit permit = bulkhead.try_acquire();
    if (permit) throw std::runtime_error("provider call failed");
  };
  EXPECT_THROW(leave_early(), std::runtime_error);
  EXPECT_EQ(bulkhead.snapshot().in_use, 0);
}

TEST(Bulkhead, MovedPermitReleasesOnce) {
  FakeClock clock;
  Bulkhead bulkhead(bulkhead_policy(2, milliseconds(0)), clock);
  BulkheadPermit first = bulkhead.try_acquire();
  BulkheadPermit moved = std::move(first);
  EXPECT_FALSE(first.admitted());  // NOLINT(bugprone-use-after-move): moved-from is empty.
  EXPECT_TRUE(moved.admitted());
  EXPECT_EQ(bulkhead.snapshot().in_use, 1);

  BulkheadPermit second = bulkhead.try_acquire();
  EXPECT_EQ(bulkhead.snapshot().in_use, 2);
  moved = std::move(second);  // Releases the slot `moved` had.
  EXPECT_EQ(bulkhead.snapshot().in_use, 1);

  moved.release();
  moved.release();
  EXPECT_FALSE(moved.admitted());
  EXPECT_EQ(bulkhead.snapshot().in_use, 0);
}

TEST(Bulkhead, AdmitsWaiterAfterRelease) {
  FakeClock clock;
  Bulkhead bulkhead(bulkhead_policy(1, seconds(10)), clock);
  BulkheadPermit occupied = bulkhead.try_acquire();
  ASSERT_TRUE(occupied.admitted());

  bool waiter_admitted = false;
  std::thread waiter([&] { waiter_admitted = bulkhead.acquire(Deadline::never()).admitted(); });
  ASSERT_TRUE(wait_for_waiters(bulkhead, 1));
  occupied.release();
  waiter.join();
  EXPECT_TRUE(waiter_admitted);
  EXPECT_EQ(bulkhead.snapshot().in_use, 0);
  EXPECT_EQ(bulkhead.snapshot().rejected, 0u);
}

TEST(Bulkhead, WaitBoundedByMaxWait) {
  FakeClock clock;
  Bulkhead bulkhead(bulkhead_policy(1, milliseconds(50)), clock);
  const BulkheadPermit occupied = bulkhead.try_acquire();
  BulkheadPermit rejected;
  const milliseconds took = elapsed([&] { rejected = bulkhead.acquire(Deadline::never()); });
  EXPECT_FALSE(rejected.admitted());
  EXPECT_GE(took, milliseconds(50));
  EXPECT_LT(took, milliseconds(5000));
}

TEST(Bulkhead, WaitBoundedByDeadline) {
  FakeClock clock;
  Bulkhead bulkhead(bulkhead_policy(1, seconds(60)), clock);
  const BulkheadPermit occupied = bulkhead.try_acquire();
  // The deadline is read on the fake clock, which does not move: 50 ms are left.
  const Deadline deadline = Deadline::after(clock, milliseconds(50));
  BulkheadPermit rejected;
  const milliseconds took = elapsed([&] { rejected = bulkhead.acquire(deadline); });
  EXPECT_FALSE(rejected.admitted());
  EXPECT_GE(took, milliseconds(50));
  EXPECT_LT(took, milliseconds(5000));
}

TEST(Bulkhead, PassedDeadlineDoesNotWait) {
  FakeClock clock;
  Bulkhead bulkhead(bulkhead_policy(1, seconds(60)), clock);
  const Deadline passed = Deadline::after(clock, milliseconds(0));
  {
    // A free slot is taken even so; the caller checks its own deadline.
    const BulkheadPermit free_slot = bulkhead.acquire(passed);
    EXPECT_TRUE(free_slot.admitted());
  }
  const BulkheadPermit occupied = bulkhead.try_acquire();
  BulkheadPermit rejected;
  const milliseconds took = elapsed([&] { rejected = bulkhead.acquire(passed); });
  EXPECT_FALSE(rejected.admitted());
  EXPECT_LT(took, milliseconds(1000));
}

TEST(Bulkhead, ConcurrentCallsNeverExceedLimit) {
  FakeClock clock;
  Bulkhead bulkhead(bulkhead_policy(3, seconds(10)), clock);
  std::atomic<int> running{0};
  std::atomic<int> most_running{0};
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        const BulkheadPermit permit = bulkhead.acquire(Deadline::never());
        if (!permit) continue;
        ++admitted;
        const int now_running = ++running;
        int seen = most_running.load();
        while (now_running > seen && !most_running.compare_exchange_weak(seen, now_running)) {
        }
        std::this_thread::yield();
        --running;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_LE(most_running.load(), 3);
  EXPECT_GE(most_running.load(), 1);
  const BulkheadSnapshot snapshot = bulkhead.snapshot();
  EXPECT_EQ(snapshot.in_use, 0);
  EXPECT_EQ(snapshot.waiting, 0);
  EXPECT_EQ(static_cast<std::uint64_t>(admitted.load()) + snapshot.rejected, 8u * 500u);
}

}  // namespace
}  // namespace outbound::resilience
