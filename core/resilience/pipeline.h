#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include <spdlog/logger.h>

#include "config/config.h"
#include "outbound/call_context.h"
#include "outbound/clock.h"
#include "outbound/metrics.h"
#include "outbound/status.h"
#include "resilience/bulkhead.h"
#include "resilience/circuit_breaker.h"
#include "resilience/rate_limiter.h"
#include "resilience/retry_budget.h"

namespace outbound::resilience {

/// Sleeper waits between attempts; tests replace it with one that advances a fake clock.
using Sleeper = std::function<void(std::chrono::nanoseconds)>;

/// Returns how a finished attempt counts for the circuit breaker. Only availability failures
/// count as failures: kUnavailable, kDeadlineExceeded and a provider's rate limit
/// (kResourceExhausted). Rejections of the request itself (an invalid token, a declined card)
/// and plugin bugs (kInternal) tell nothing about availability, so they are ignored.
CallOutcome classify(const Status& status);

/// BreakerUse selects whether a call goes through the circuit breaker. A call that usually does
/// its work locally (verifying a token with cached keys) bypasses it, because an open breaker
/// must not stop work that needs no provider.
enum class BreakerUse { kGuarded, kBypassed };

/// Pipeline applies one client's resilience policy to each call, in this order:
///
///   deadline > bulkhead > rate limiter > [ circuit breaker > attempt ] retried with backoff
///
/// The deadline comes first so that every wait below it (a bulkhead slot, a rate token, a
/// backoff sleep, the attempt itself) is bounded by the time the caller has left. The bulkhead
/// and the rate limiter admit the logical call once, so retries neither take a second slot nor
/// spend a second token. The breaker is asked before every attempt, so a retry stops as soon as
/// the breaker opens, and each attempt's outcome is counted. Retries happen only when the
/// attempt's status is retryable (the plugin sets that only when replaying is safe), attempts
/// remain, the retry budget allows it and the backoff still ends before the deadline.
///
/// Backoff before retry n (n = 1 for the first retry) is the provider's Retry-After when the
/// status carries one (at most 5 minutes), else cap = min(max_backoff, initial_backoff *
/// 2^(n-1)) with full jitter: uniform in [0, cap].
///
/// Thread safety: run() may be called from many threads at once.
class Pipeline {
 public:
  Pipeline(std::string client_id, const config::Resilience& policy,
           std::shared_ptr<const Clock> clock, std::shared_ptr<spdlog::logger> logger,
           std::shared_ptr<MetricsSink> metrics, Sleeper sleeper = {});

  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  /// Runs `attempt` (a callable taking `const CallContext&` and returning Status or
  /// Result<T>) under the policy. `context.deadline` must be set. Each attempt receives the
  /// same context with `attempt` and `attempt_deadline` updated. Rejections by the pipeline
  /// are values with reasons "bulkhead_full", "rate_limited" or "circuit_open", never
  /// exceptions.
  template <typename Attempt>
  auto run(const char* operation, CallContext context, Attempt&& attempt,
           BreakerUse breaker_use = BreakerUse::kGuarded) -> decltype(attempt(context));

  const CircuitBreaker& breaker() const { return breaker_; }
  const config::Resilience& policy() const { return policy_; }

 private:
  /// The reason the pipeline rejected a call or stopped retrying it, as counted in
  /// outbound.client.rejections.
  enum class Rejection { kBulkheadFull, kRateLimited, kCircuitOpen, kRetryBudget };
  static constexpr std::size_t kRejectionCount = 4;

  static const Status& status_of(const Status& status) { return status; }
  template <typename T>
  static const Status& status_of(const Result<T>& result) {
    return result.status();
  }

  /// Admits the logical call through the bulkhead and the rate limiter, waiting for a rate
  /// token when that fits the policy and the deadline. Sets `admitted_at` to the clock's
  /// steady time once the call is admitted.
  Status admit(const char* operation, const CallContext& context, BulkheadPermit& permit,
               std::chrono::steady_clock::time_point& admitted_at);
  Status reject_open(const char* operation, const BreakerAdmission& admission);
  /// Returns the pause before the next attempt, or nullopt when the call must end now.
  std::optional<std::chrono::nanoseconds> retry_delay(const char* operation,
                                                      const CallContext& context, int attempt,
                                                      const Status& status);
  void on_admitted();
  void on_transition(const BreakerTransition& transition);
  void count_rejection(Rejection rejection);
  /// Returns the reason label of `rejection`, such as "bulkhead_full". Each label is one string
  /// literal, so its pointer identifies the reason.
  static const char* rejection_reason(Rejection rejection);
  static std::array<MetricAttributes, kRejectionCount> make_rejection_attributes(
      const std::string& client_id);

  const std::string client_id_;
  const config::Resilience policy_;
  const std::shared_ptr<const Clock> clock_;
  const std::shared_ptr<spdlog::logger> logger_;
  const std::shared_ptr<MetricsSink> metrics_;
  const Sleeper sleeper_;
  Bulkhead bulkhead_;
  RateLimiter rate_limiter_;
  RetryBudget budget_;
  CircuitBreaker breaker_;
  /// The attributes of outbound.client.rejections for each Rejection, built once so that a
  /// rejection does not allocate them.
  const std::array<MetricAttributes, kRejectionCount> rejection_attributes_;
  /// The reason of the last rejection logged, or null while calls are admitted; rejections
  /// are logged when the reason changes, not once per call.
  std::atomic<const char*> last_logged_rejection_{nullptr};
};

template <typename Attempt>
auto Pipeline::run(const char* operation, CallContext context, Attempt&& attempt,
                   BreakerUse breaker_use) -> decltype(attempt(context)) {
  const bool guarded = breaker_use == BreakerUse::kGuarded;
  BulkheadPermit permit;
  // One clock reading serves the rate limiter, the retry budget and the start of the first
  // attempt, because a reading costs about as much as a layer's own work (docs/benchmarks.md).
  std::chrono::steady_clock::time_point admitted_at;
  if (Status admitted = admit(operation, context, permit, admitted_at); !admitted.ok()) {
    return admitted;
  }
  budget_.record_request(admitted_at);
  for (int number = 1;; ++number) {
    BreakerAdmission admission;
    if (guarded) {
      admission = breaker_.acquire();
      if (!admission) return reject_open(operation, admission);
    }
    on_admitted();
    const auto start = number == 1 ? admitted_at : clock_->steady_now();
    context.attempt = number;
    context.attempt_deadline = std::min(context.deadline, start + policy_.timeouts.attempt);
    auto result = attempt(static_cast<const CallContext&>(context));
    const Status& status = status_of(result);
    const auto end = clock_->steady_now();
    if (guarded) breaker_.record(admission, classify(status), end - start, end);
    if (status.ok()) return result;
    const std::optional<std::chrono::nanoseconds> delay =
        retry_delay(operation, context, number, status);
    if (!delay) return result;
    sleeper_(*delay);
  }
}

}  // namespace outbound::resilience
