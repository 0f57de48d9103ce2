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

BulkheadPermit Bulkhead::try_acquire() {
  const std::lock_guard<std::mutex> lock(mutex_);
  if (in_use_ < max_concurrent_) {
    ++in_use_;
    return BulkheadPermit(this);
  }
  ++rejected_;
  return BulkheadPermit();
}

BulkheadPermit Bulkhead::acquire(Deadline deadline) {
  const std::chrono::nanoseconds wait =
      std::min<std::chrono::nanoseconds>(max_wait_, deadline.remaining(clock_));
  // The end of the wait in real time, taken before the lock so that time spent blocked on
  // the lock counts against it.
  const auto wait_end = std::chrono::steady_clock::now() + wait;

  std::unique_lock<std::mutex> lock(mutex_);
  if (in_use_ >= max_concurrent_ && wait > std::chrono::nanoseconds::zero()) {
    ++waiting_;
    slot_freed_.wait_until(lock, wait_end, [this] { return in_use_ < max_concurrent_; });
    --waiting_;
  }
  if (in_use_ < max_concurrent_) {
    ++in_use_;
    return BulkheadPermit(this);
  }
  ++rejected_;
  return BulkheadPermit();
}

void Bulkhead::release_slot() noexcept {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    --in_use_;
  }
  slot_freed_.notify_one();
}

BulkheadSnapshot Bulkhead::snapshot() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return BulkheadSnapshot{max_concurrent_, in_use_, waiting_, rejected_};
}

}  // namespace outbound::resilience
