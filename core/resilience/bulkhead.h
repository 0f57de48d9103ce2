#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "config/config.h"
#include "outbound/clock.h"
#include "resilience/deadline.h"

namespace outbound::resilience {

class Bulkhead;

/// BulkheadPermit is one slot of a bulkhead, released when the permit is destroyed, moved
/// from by assignment, or released by hand. An empty permit is a rejection.
class BulkheadPermit {
 public:
  /// Builds an empty permit, one that holds no slot.
  BulkheadPermit() = default;
  ~BulkheadPermit() { release(); }

  BulkheadPermit(BulkheadPermit&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
  BulkheadPermit& operator=(BulkheadPermit&& other) noexcept;
  BulkheadPermit(const BulkheadPermit&) = delete;
  BulkheadPermit& operator=(const BulkheadPermit&) = delete;

  bool admitted() const { return owner_ != nullptr; }
  explicit operator bool() const { return admitted(); }

  /// Gives the slot back now; later calls and the destructor then do nothing.
  void release() noexcept;

 private:
  friend class Bulkhead;
  explicit BulkheadPermit(Bulkhead* owner) : owner_(owner) {}

  Bulkhead* owner_ = nullptr;
};

/// BulkheadSnapshot is a reading of a bulkhead.
struct BulkheadSnapshot {
  int max_concurrent = 0;
  int in_use = 0;
  /// Callers blocked in acquire() now.
  int waiting = 0;
  /// Acquisitions rejected since the bulkhead was built.
  std::uint64_t rejected = 0;
};

/// Bulkhead lets at most `max_concurrent` calls of one client run at once.
///
/// A call that finds every slot busy waits up to min(max_wait, the time left before its
/// deadline), or is rejected at once when that is zero. The time left is read on the injected
/// clock. The wait itself blocks on std::chrono::steady_clock, because a thread can only block
/// in real time, so with a fake clock a caller blocks for the time left that the fake reports.
///
/// NOTE: a slot freed while callers wait goes to whichever thread takes it first, so a new
/// caller may get it before a waiting one. Waiters are not served in arrival order.
///
/// Thread safety: all members may be called from any thread. The bulkhead must outlive its
/// permits. Nothing allocates. A free slot is taken and given back with one atomic operation
/// each. The mutex is taken only to wait for a slot and to wake a waiter, so calls on several
/// CPUs do not queue on it while slots are free.
class Bulkhead {
 public:
  /// `policy` is copied; `clock` must outlive the bulkhead. A max_concurrent below 1 counts
  /// as 1 and a negative max_wait as 0.
  Bulkhead(const config::BulkheadPolicy& policy, const Clock& clock);

  Bulkhead(const Bulkhead&) = delete;
  Bulkhead& operator=(const Bulkhead&) = delete;

  /// Returns a permit when a slot is free now, and an empty permit otherwise.
  BulkheadPermit try_acquire();

  /// Returns a permit, waiting for a free slot up to min(max_wait, deadline's time left), or
  /// an empty permit when no slot became free in that time. A free slot is taken at once even
  /// when the deadline has passed, because the caller checks its own deadline.
  BulkheadPermit acquire(Deadline deadline);

  BulkheadSnapshot snapshot() const;

 private:
  friend class BulkheadPermit;
  /// Takes a slot if one is free now.
  bool try_take_slot();
  BulkheadPermit reject();
  void release_slot() noexcept;

  const int max_concurrent_;
  const std::chrono::milliseconds max_wait_;
  const Clock& clock_;
  /// Taken by waiters, and by release_slot() to wake one. A waiter counts itself in waiting_
  /// under it before it checks for a free slot.
  mutable std::mutex mutex_;
  std::condition_variable slot_freed_;
  std::atomic<int> in_use_{0};
  std::atomic<int> waiting_{0};
  std::atomic<std::uint64_t> rejected_{0};
};

}  // namespace outbound::resilience
