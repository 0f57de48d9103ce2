#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "config/config.h"
#include "outbound/clock.h"

namespace outbound::resilience {

/// RateDecision is the result of a rate limiter call: a small value, never an exception.
struct RateDecision {
  bool admitted = false;
  /// Admitted: how long the caller must wait before it starts the call (zero unless it was
  /// admitted by reserve()). Rejected: how long until a token is available.
  std::chrono::nanoseconds wait{0};

  explicit operator bool() const { return admitted; }
};

/// RateLimiter is a token bucket of one client: it holds up to `burst` tokens (0 means
/// max(1, per_second)), refilled at `per_second` tokens a second, and each call takes one.
/// A per_second of 0 means no limit: every call is admitted without touching shared state.
///
/// It is implemented as the equivalent generic cell rate algorithm. A single atomic stores the
/// time at which the bucket will be full again, and a call advances it by one token's
/// interval. A call is admitted when that time stays within `burst` intervals of now.
///
/// Thread safety: all members may be called from any thread; they use one compare-and-swap
/// loop on one atomic and never block or allocate.
class RateLimiter {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  /// `policy` is copied; `clock` must outlive the limiter. A negative per_second counts as 0
  /// (no limit) and a negative max_wait as 0. A rate below one call per 10^6 seconds is
  /// raised to that, and one above 2 * 10^9 a second, whose interval rounds to 0 ns, is no
  /// limit.
  RateLimiter(const config::RateLimitPolicy& policy, const Clock& clock);

  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  /// Takes a token if one is available at `now`; otherwise takes nothing and reports the wait
  /// until one is.
  RateDecision try_acquire(TimePoint now);
  /// Like try_acquire(now), at the clock's steady now.
  RateDecision try_acquire();

  /// Takes the next token if it becomes available within min(max_wait, time_left) of `now`,
  /// and reports how long the caller must wait before starting its call. The token is
  /// reserved: later callers queue behind it, so the caller must wait rather than retry.
  /// Otherwise takes nothing and reports the wait until a token is available.
  RateDecision reserve(TimePoint now, std::chrono::nanoseconds time_left);

  /// Returns the tokens in the bucket at `now`, for snapshots; fractions are partly refilled
  /// tokens.
  double available_tokens(TimePoint now) const;

  bool unlimited() const { return interval_ == 0; }

 private:
  RateDecision take(TimePoint now, std::int64_t max_wait);

  const Clock& clock_;
  /// Nanoseconds per token, 0 for no limit.
  const std::int64_t interval_;
  /// Nanoseconds that `burst` tokens take to refill.
  const std::int64_t capacity_;
  const std::int64_t max_wait_;
  /// The steady time, in nanoseconds since the clock's epoch, at which the bucket is full
  /// again; any time at or before now means full.
  std::atomic<std::int64_t> full_at_;
};

}  // namespace outbound::resilience
