#include "resilience/retry_budget.h"

#include <algorithm>
#include <limits>

namespace outbound::resilience {
namespace {

/// The low half of a request word: the count. The high half is the low 32 bits of the second.
constexpr std::uint64_t kCountMask = 0xFFFFFFFF;

std::int64_t floor_mod(std::int64_t value, std::int64_t divisor) {
  const std::int64_t rest = value % divisor;
  return rest < 0 ? rest + divisor : rest;
}

std::size_t slot_of(std::int64_t second) {
  return static_cast<std::size_t>(floor_mod(second, RetryBudget::kWindowSeconds));
}

/// Returns the high half of the request word of `second`.
std::uint64_t second_tag(std::int64_t second) {
  return (static_cast<std::uint64_t>(second) & kCountMask) << 32;
}

}  // namespace

RetryBudget::RetryBudget(const config::RetryPolicy& policy, const Clock& clock)
    : percent_(std::clamp(policy.budget_percent, 0.0, 100.0)),
      floor_(static_cast<double>(std::max(policy.min_retries_per_second, 0)) * kWindowSeconds),
      clock_(clock) {
  // A request word with a count of 0 counts nothing whatever its second. No retry bucket may
  // match a real second before its first use.
  for (std::atomic<std::uint64_t>& word : request_words_) word.store(0);
  for (RetryBucket& bucket : retry_buckets_) {
    bucket.second = std::numeric_limits<std::int64_t>::min();
  }
}

std::int64_t RetryBudget::second_of(std::chrono::steady_clock::time_point time) {
  return std::chrono::floor<std::chrono::seconds>(time.time_since_epoch()).count();
}

std::int64_t RetryBudget::current_second() const { return second_of(clock_.steady_now()); }

RetryBudget::RetryBucket& RetryBudget::retry_bucket_at(std::int64_t second) {
  RetryBucket& bucket = retry_buckets_[slot_of(second)];
  if (bucket.second != second) bucket = RetryBucket{second, 0};
  return bucket;
}

std::int64_t RetryBudget::requests_at(std::int64_t second) const {
  const std::uint64_t word = request_words_[slot_of(second)].load(std::memory_order_relaxed);
  if ((word & ~kCountMask) != second_tag(second)) return 0;
  return static_cast<std::int64_t>(word & kCountMask);
}

RetryBudget::Totals RetryBudget::window_totals(std::int64_t second) const {
  Totals totals;
  for (std::int64_t counted = second - kWindowSeconds + 1; counted <= second; ++counted) {
    totals.requests += requests_at(counted);
  }
  for (const RetryBucket& bucket : retry_buckets_) {
    if (bucket.second > second || bucket.second <= second - kWindowSeconds) continue;
    totals.retries += bucket.retries;
  }
  return totals;
}

double RetryBudget::allowed(std::int64_t requests) const {
  return percent_ / 100.0 * static_cast<double>(requests) + floor_;
}

void RetryBudget::record_request() { record_request(clock_.steady_now()); }

void RetryBudget::record_request(std::chrono::steady_clock::time_point now) {
  const std::int64_t second = second_of(now);
  const std::uint64_t tag = second_tag(second);
  std::atomic<std::uint64_t>& word = request_words_[slot_of(second)];
  std::uint64_t current = word.load(std::memory_order_relaxed);
  while (true) {
    std::uint64_t next = tag | 1;
    if ((current & ~kCountMask) == tag) {
      // A count that reached 2^32 - 1 in one second stays there instead of wrapping to 0.
      next = (current & kCountMask) == kCountMask ? current : current + 1;
    }
    if (word.compare_exchange_weak(current, next, std::memory_order_relaxed)) return;
  }
}

bool RetryBudget::try_withdraw() {
  const std::int64_t second = current_second();
  const std::lock_guard<std::mutex> lock(mutex_);
  const Totals totals = window_totals(second);
  // Compared in hundredths, so that whole percentages give exact results:
  // (retries + 1) * 100 <= percent * requests + floor * 100.
  const auto needed = static_cast<double>(totals.retries + 1) * 100.0;
  if (needed > percent_ * static_cast<double>(totals.requests) + floor_ * 100.0) {
    ++rejected_retries_;
    return false;
  }
  ++retry_bucket_at(second).retries;
  return true;
}

RetryBudgetSnapshot RetryBudget::snapshot() const {
  const std::int64_t second = current_second();
  const std::lock_guard<std::mutex> lock(mutex_);
  const Totals totals = window_totals(second);
  RetryBudgetSnapshot snapshot;
  snapshot.requests = totals.requests;
  snapshot.retries = totals.retries;
  snapshot.allowed_retries = allowed(totals.requests);
  snapshot.rejected_retries = rejected_retries_;
  return snapshot;
}

}  // namespace outbound::resilience
