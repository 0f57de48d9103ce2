#include "resilience/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace outbound::resilience {
namespace {

constexpr double kNanosecondsPerSecond = 1e9;
/// The longest interval per token: one call per 10^6 seconds (about 11.6 days), which keeps
/// burst * interval far from overflow.
constexpr double kMaxInterval = 1e6 * kNanosecondsPerSecond;

std::int64_t ticks_of(std::chrono::steady_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

std::int64_t interval_of(const config::RateLimitPolicy& policy) {
  if (!(policy.per_second > 0)) return 0;
  const double interval = std::min(kNanosecondsPerSecond / policy.per_second, kMaxInterval);
  // A rate above 2 * 10^9 a second rounds to an interval of 0 ns, which means no limit.
  return std::max<std::int64_t>(std::llround(interval), 0);
}

double burst_of(const config::RateLimitPolicy& policy) {
  if (policy.burst > 0) return policy.burst;
  return std::max(1.0, policy.per_second);
}

std::int64_t capacity_of(const config::RateLimitPolicy& policy, std::int64_t interval) {
  const double capacity = burst_of(policy) * static_cast<double>(interval);
  // Kept below a quarter of the range, so that now + capacity + max_wait cannot overflow.
  return static_cast<std::int64_t>(
      std::min(capacity, static_cast<double>(std::numeric_limits<std::int64_t>::max() / 4)));
}

}  // namespace

RateLimiter::RateLimiter(const config::RateLimitPolicy& policy, const Clock& clock)
    : clock_(clock),
      interval_(interval_of(policy)),
      capacity_(capacity_of(policy, interval_)),
      max_wait_(std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::max(policy.max_wait, std::chrono::milliseconds::zero()))
                    .count()),
      full_at_(std::numeric_limits<std::int64_t>::min()) {}

RateDecision RateLimiter::try_acquire(TimePoint now) { return take(now, 0); }

RateDecision RateLimiter::try_acquire() { return take(clock_.steady_now(), 0); }

RateDecision RateLimiter::reserve(TimePoint now, std::chrono::nanoseconds time_left) {
  return take(now, std::clamp<std::int64_t>(time_left.count(), 0, max_wait_));
}

RateDecision RateLimiter::take(TimePoint now, std::int64_t max_wait) {
  if (interval_ == 0) return RateDecision{true, std::chrono::nanoseconds(0)};
  const std::int64_t now_ticks = ticks_of(now);
  std::int64_t full_at = full_at_.load(std::memory_order_relaxed);
  while (true) {
    // Taking a token moves the time the bucket is full again one interval later. The bucket
    // has room for capacity_ worth of intervals, so the call may start once that time is at
    // most capacity_ ahead.
    const std::int64_t next_full_at = std::max(full_at, now_ticks) + interval_;
    const std::int64_t wait = next_full_at - now_ticks - capacity_;
    if (wait > max_wait) {
      return RateDecision{false, std::chrono::nanoseconds(wait)};
    }
    if (full_at_.compare_exchange_weak(full_at, next_full_at, std::memory_order_relaxed)) {
      return RateDecision{true, std::chrono::nanoseconds(std::max<std::int64_t>(wait, 0))};
    }
  }
}

double RateLimiter::available_tokens(TimePoint now) const {
  if (interval_ == 0) return std::numeric_limits<double>::infinity();
  const std::int64_t now_ticks = ticks_of(now);
  const std::int64_t full_at = std::max(full_at_.load(std::memory_order_relaxed), now_ticks);
  const std::int64_t room = capacity_ - (full_at - now_ticks);
  return static_cast<double>(std::max<std::int64_t>(room, 0)) / static_cast<double>(interval_);
}

}  // namespace outbound::resilience
