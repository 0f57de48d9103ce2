#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

#include "config/config.h"
#include "outbound/clock.h"

namespace outbound::resilience {

/// RetryBudgetSnapshot is a reading of a retry budget.
struct RetryBudgetSnapshot {
  /// Requests and retries counted in the last kWindowSeconds.
  std::int64_t requests = 0;
  std::int64_t retries = 0;
  /// Retries the window allows in all: budget_percent of the requests plus the floor.
  double allowed_retries = 0;
  /// try_withdraw() calls that returned false since the budget was built.
  std::uint64_t rejected_retries = 0;
};

/// RetryBudget caps the retries of one client so that a failing provider does not get a
/// multiple of its normal load. Over the last kWindowSeconds seconds,
///
///   retries <= budget_percent / 100 * requests + min_retries_per_second * kWindowSeconds
///
/// Each request deposits and each retry withdraws. Counts are kept in one-second buckets, so
/// a count leaves between kWindowSeconds - 1 and kWindowSeconds seconds after it was made.
/// The floor is a whole window's worth and may be used in one burst.
///
/// Thread safety: all members may be called from any thread. record_request() counts with one
/// compare-and-swap and takes no lock, because every call makes it; try_withdraw() and
/// snapshot() take one mutex for a few additions. Nothing allocates.
class RetryBudget {
 public:
  static constexpr int kWindowSeconds = 10;

  /// `policy` is copied; `clock` must outlive the budget. A percent outside [0, 100] and a
  /// negative floor are clamped into range.
  RetryBudget(const config::RetryPolicy& policy, const Clock& clock);

  RetryBudget(const RetryBudget&) = delete;
  RetryBudget& operator=(const RetryBudget&) = delete;

  /// Counts one request: call it once per call, for the first attempt only.
  void record_request();
  /// Like record_request(), at `now`, a reading of the clock's steady time that the caller
  /// has already taken, which saves a clock read per call.
  void record_request(std::chrono::steady_clock::time_point now);

  /// Counts one retry and returns true when the budget allows it; otherwise counts nothing
  /// and returns false, and the caller must not retry.
  bool try_withdraw();

  RetryBudgetSnapshot snapshot() const;

 private:
  struct Totals {
    std::int64_t requests = 0;
    std::int64_t retries = 0;
  };
  struct RetryBucket {
    /// Whole seconds of the clock's steady time that this bucket counts.
    std::int64_t second = 0;
    std::int64_t retries = 0;
  };

  /// Returns the retry bucket of `second`, emptying it when it still contains another second.
  RetryBucket& retry_bucket_at(std::int64_t second);
  /// Returns the requests counted in `second`.
  std::int64_t requests_at(std::int64_t second) const;
  /// Returns the requests and retries counted within the window that ends at `second`.
  Totals window_totals(std::int64_t second) const;
  double allowed(std::int64_t requests) const;
  std::int64_t current_second() const;
  static std::int64_t second_of(std::chrono::steady_clock::time_point time);

  const double percent_;
  const double floor_;
  const Clock& clock_;
  /// The requests of each second, one word per slot (the second modulo kWindowSeconds): the
  /// low 32 bits of the second in the high half, the count in the low half. A request to a
  /// slot whose word has another second starts the count again.
  std::array<std::atomic<std::uint64_t>, kWindowSeconds> request_words_{};
  /// Guards retry_buckets_ and rejected_retries_.
  mutable std::mutex mutex_;
  std::array<RetryBucket, kWindowSeconds> retry_buckets_{};
  std::uint64_t rejected_retries_ = 0;
};

}  // namespace outbound::resilience
