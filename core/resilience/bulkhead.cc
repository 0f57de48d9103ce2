#include "resilience/bulkhead.h"

#include <algorithm>

namespace outbound::resilience {

BulkheadPermit& BulkheadPermit::operator=(BulkheadPermit&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = other.owner_;
    other.owner_ = nullptr;
  }
  return *this;
}

void BulkheadPermit::release() noexcept {
  if (owner_ == nullptr) return;
  owner_->release_slot();
  owner_ = nullptr;
}

Bulkhead::Bulkhead(const config::BulkheadPolicy& policy, const Clock& clock)
    : max_concurrent_(std::max(policy.max_concurrent, 1)),
      max_wait_(std::max(policy.max_wait, std::chrono::milliseconds::zero())),
      clock_(clock) {}

bool Bulkhead::try_take_slot() {
  // Sequentially consistent, like the decrement in release_slot(), so that a waiter that
  // finds every slot busy cannot miss the release that frees one.
  int in_use = in_use_.load(std::memory_order_seq_cst);
  while (in_use < max_concurrent_) {
    if (in_use_.compare_exchange_weak(in_use, in_use + 1, std::memory_order_seq_cst)) return true;
  }
  return false;
}

BulkheadPermit Bulkhead::reject() {
  rejected_.fetch_add(1, std::memory_order_relaxed);
  return BulkheadPermit();
}

BulkheadPermit Bulkhead::try_acquire() {
  if (try_take_slot()) return BulkheadPermit(this);
  return reject();
}

BulkheadPermit Bulkhead::acquire(Deadline deadline) {
  // A free slot is taken without reading a clock or taking the lock, which is most of the cost
  // of a call here.
  if (try_take_slot()) return BulkheadPermit(this);
  if (max_wait_ == std::chrono::milliseconds::zero()) return reject();

  const std::chrono::nanoseconds wait =
      std::min<std::chrono::nanoseconds>(max_wait_, deadline.remaining(clock_));
  // The end of the wait in real time, taken before the lock so that time spent blocked on
  // the lock counts against it.
  const auto wait_end = std::chrono::steady_clock::now() + wait;

  std::unique_lock<std::mutex> lock(mutex_);
  bool has_slot = try_take_slot();
  if (!has_slot && wait > std::chrono::nanoseconds::zero()) {
    waiting_.fetch_add(1, std::memory_order_seq_cst);
    // The predicate runs under the lock before each sleep, so a slot freed after the count
    // above is either seen here or followed by a notification.
    slot_freed_.wait_until(lock, wait_end, [this, &has_slot] {
      has_slot = try_take_slot();
      return has_slot;
    });
    waiting_.fetch_sub(1, std::memory_order_relaxed);
  }
  if (has_slot) return BulkheadPermit(this);
  return reject();
}

void Bulkhead::release_slot() noexcept {
  in_use_.fetch_sub(1, std::memory_order_seq_cst);
  if (waiting_.load(std::memory_order_seq_cst) == 0) return;
  // Taking the lock orders this notification after the check of in_use_ by any waiter that
  // counted itself, so that waiter is asleep when the notification arrives, or has a slot.
  { const std::lock_guard<std::mutex> lock(mutex_); }
  slot_freed_.notify_one();
}

BulkheadSnapshot Bulkhead::snapshot() const {
  return BulkheadSnapshot{max_concurrent_, in_use_.load(std::memory_order_relaxed),
                          waiting_.load(std::memory_order_relaxed),
                          rejected_.load(std::memory_order_relaxed)};
}

}  // namespace outbound::resilience
