#include "resilience/retry_budget.h"

#include <algorithm>
#include <limits>

namespace outbound::resilience {
namespace {

std::int64_t floor_mod(std::int64_t value, std::int64_t divisor) {
  const std::int64_t rest = value % divisor;
  return rest < 0 ? rest + divisor : rest;
}

}  // namespace

RetryBudget::RetryBudget(const config::RetryPolicy& policy, const Clock& clock)
    : percent_(std::clamp(policy.budget_percent, 0.0, 100.0)),
      floor_(static_cast<double>(std::max(policy.min_retries_per_second, 0)) * kWindowSeconds),
      clock_(clock) {
  // No bucket may match a real second before its first use.
  for (Bucket& bucket : buckets_) bucket.second = std::numeric_limits<std::int64_t>::min();
}

std::int64_t RetryBudget::current_second() const {
  return std::chrono::floor<std::chrono::seconds>(clock_.steady_now().time_since_epoch()).count();
}

RetryBudget::Bucket& RetryBudget::bucket_at(std::int64_t second) {
  Bucket& bucket = buckets_[static_cast<std::size_t>(floor_mod(second, kWindowSeconds))];
  if (bucket.second != second) bucket = Bucket{second, 0, 0};
  return bucket;
}

RetryBudget::Bucket RetryBudget::window_totals(std::int64_t second) const {
  Bucket totals{second, 0, 0};
  for (const Bucket& bucket : buckets_) {
    if (bucket.second > second || bucket.second <= second - kWindowSeconds) continue;
    totals.requests += bucket.requests;
    totals.retries += bucket.retries;
  }
  return totals;
}

double RetryBudget::allowed(std::int64_t requests) const {
  return percent_ / 100.0 * static_cast<double>(requests) + floor_;
}

void RetryBudget::record_request() {
  const std::int64_t second = current_second();
  const std::lock_guard<std::mutex> lock(mutex_);
  ++bucket_at(second).requests;
}

bool RetryBudget::try_withdraw() {
  const std::int64_t second = current_second();
  const std::lock_guard<std::mutex> lock(mutex_);
  const Bucket totals = window_totals(second);
  // Compared in hundredths, so that whole percentages give exact results:
  // (retries + 1) * 100 <= percent * requests + floor * 100.
  const auto needed = static_cast<double>(totals.retries + 1) * 100.0;
  if (needed > percent_ * static_cast<double>(totals.requests) + floor_ * 100.0) {
    ++rejected_retries_;
    return false;
  }
  ++bucket_at(second).retries;
  return true;
}

RetryBudgetSnapshot RetryBudget::snapshot() const {
  const std::int64_t second = current_second();
  const std::lock_guard<std::mutex> lock(mutex_);
  const Bucket totals = window_totals(second);
  RetryBudgetSnapshot snapshot;
  snapshot.requests = totals.requests;
  snapshot.retries = totals.retries;
  snapshot.allowed_retries = allowed(totals.requests);
  snapshot.rejected_retries = rejected_retries_;
  return snapshot;
}

}  // namespace outbound::resilience
