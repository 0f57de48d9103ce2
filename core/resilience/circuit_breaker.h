#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>

#include "config/config.h"
#include "outbound/clock.h"
#include "resilience/sliding_window.h"

namespace outbound::resilience {

enum class BreakerState : std::uint8_t {
  /// Calls flow and their outcomes fill the sliding window.
  kClosed,
  /// Calls are rejected until the open time has passed.
  kOpen,
  /// A fixed number of trial calls decide whether the breaker closes or opens again.
  kHalfOpen,
};

/// Returns "closed", "open" or "half_open".
std::string_view breaker_state_name(BreakerState state);

/// CallOutcome is the caller's classification of a finished call.
enum class CallOutcome : std::uint8_t {
  /// The provider returned a normal response.
  kSuccess,
  /// An availability failure: a timeout, a connection error, an HTTP 5xx or 429.
  kFailure,
  /// Says nothing about the provider's health: a rejection of the caller's input (an invalid
  /// token, a declined card) or a call that never reached the provider. Never counted; in
  /// half-open it gives its trial permit back.
  kIgnored,
};

/// BreakerAdmission is the result of CircuitBreaker::acquire(). It is a small value, so a
/// rejection costs neither an allocation nor an exception.
struct BreakerAdmission {
  bool admitted = false;
  /// The state the decision was made in.
  BreakerState state = BreakerState::kClosed;
  /// The generation the admission was granted in; record() counts an outcome only while the
  /// breaker is still in this generation.
  std::uint64_t generation = 0;
  /// For a rejection, the time until the breaker may admit again: the rest of the open time,
  /// or in half-open the time until the trial calls must have reported. Zero when admitted.
  std::chrono::nanoseconds retry_after{0};

  explicit operator bool() const { return admitted; }
};

/// TransitionCause is why a breaker changed state.
enum class TransitionCause : std::uint8_t {
  /// Closed or half-open to open: the failure rate reached its threshold.
  kFailureRate,
  /// Closed or half-open to open: the slow-call rate reached its threshold.
  kSlowCallRate,
  /// Open to half-open: the open time passed and a call arrived.
  kOpenTimeElapsed,
  /// Half-open to closed: every trial call reported and both rates stayed below threshold.
  kTrialCallsPassed,
  /// Half-open to open: the trial calls had not all reported within half_open_max_wait.
  kHalfOpenTimedOut,
};

/// Returns the snake_case name of `cause` ("failure_rate", "half_open_timed_out").
std::string_view transition_cause_name(TransitionCause cause);

/// BreakerTransition is one state change, as passed to the listener.
struct BreakerTransition {
  BreakerState from = BreakerState::kClosed;
  BreakerState to = BreakerState::kClosed;
  TransitionCause cause = TransitionCause::kFailureRate;
  /// The generation the breaker entered.
  std::uint64_t generation = 0;
  /// The clock's steady time of the change.
  std::chrono::steady_clock::time_point at;
  /// The outcomes the decision was made on. They are the window when a closed breaker opens,
  /// the trial calls when a half-open breaker decides, and zero for the other causes.
  WindowTotals totals;
};

/// BreakerSnapshot is a consistent reading of a breaker, for logs, metrics and tests.
struct BreakerSnapshot {
  BreakerState state = BreakerState::kClosed;
  std::uint64_t generation = 0;
  /// In closed and open, the sliding window as of the snapshot; in half-open, the trial calls
  /// that have reported.
  WindowTotals totals;
  /// Percentages of totals.calls; 0 when there are no calls.
  double failure_rate = 0;
  double slow_call_rate = 0;
  /// In half-open, the trial calls admitted and not given back by an ignored outcome.
  int trial_calls_admitted = 0;
  /// Transitions into each state since the breaker was built.
  std::uint64_t times_opened = 0;
  std::uint64_t times_half_opened = 0;
  std::uint64_t times_closed = 0;
  /// Calls rejected since the breaker was built.
  std::uint64_t rejected_calls = 0;
  /// Outcomes not counted because they were granted in an earlier generation or arrived
  /// after the half-open wait ended.
  std::uint64_t stale_outcomes = 0;
};

/// CircuitBreaker stops calls to a provider that is failing, one breaker per client.
///
/// Closed, it counts the outcome of each call in a sliding window (config::WindowPolicy). Once
/// the window contains at least `minimum_calls` calls, it opens when the failure rate or the
/// slow-call rate (a call is slow when it took at least `slow_call`) is at or above its
/// threshold. For a count window smaller than `minimum_calls`, the window size is the minimum,
/// since a full window is all the calls there can be. Open, it rejects every call until
/// `open` has passed; the next call then moves it to half-open and is its first trial call.
/// Half-open, it admits exactly `half_open_calls` trial calls and rejects the rest. When all
/// trials have reported, it opens again if either rate of the trials is at or above its
/// threshold, and otherwise closes with an empty window. Trials that have not all reported
/// within `half_open_max_wait` send it back to open at the next call or report. Every
/// transition is made by a call to acquire() or record(); no timer thread runs.
///
/// Each state change starts a new generation. An outcome is counted only in the generation
/// its admission was granted in, so a slow call started while closed cannot decide half-open.
///
/// Thread safety: every member function may be called from any thread. acquire() in closed
/// state, and in open state before the open time has passed, reads atomics and takes no lock;
/// everything else takes one mutex for a few counter updates. record(), which every call makes,
/// tries the mutex a few times before it sleeps on it. Nothing allocates after construction.
///
/// Reload: to keep a client's state when a reload leaves its policy unchanged (equal
/// config::Resilience::canonical_json), keep this object. A changed policy needs a new
/// breaker, which starts closed with an empty window.
class CircuitBreaker {
 public:
  /// Called once per transition on the thread whose acquire() or record() made the change,
  /// after the breaker's lock is released, so it may call snapshot(). Two transitions made at
  /// nearly the same time by two threads may be reported in either order, and
  /// BreakerTransition::generation orders them. An exception it throws escapes from acquire()
  /// or record(), after the transition is made.
  using Listener = std::function<void(const BreakerTransition&)>;

  /// Builds a closed breaker. `policy` is copied; `clock` must outlive the breaker. Values
  /// below the ranges load_config() accepts are raised to the lowest accepted value.
  CircuitBreaker(const config::CircuitBreakerPolicy& policy, const Clock& clock,
                 Listener listener = {});

  CircuitBreaker(const CircuitBreaker&) = delete;
  CircuitBreaker& operator=(const CircuitBreaker&) = delete;

  /// Decides whether a call may start. The caller reports an admitted call with record()
  /// exactly once, because a second report would be counted again.
  BreakerAdmission acquire();

  /// Counts the outcome of an admitted call that took `duration`. An outcome whose
  /// admission belongs to an earlier generation is dropped. Reporting a rejected admission
  /// does nothing.
  void record(const BreakerAdmission& admission, CallOutcome outcome,
              std::chrono::nanoseconds duration);
  /// Like record(), with `now`, the clock's steady time at which the call ended. A caller that
  /// has read it to measure `duration` saves a clock read per call.
  void record(const BreakerAdmission& admission, CallOutcome outcome,
              std::chrono::nanoseconds duration, std::chrono::steady_clock::time_point now);

  BreakerSnapshot snapshot() const;

  const config::CircuitBreakerPolicy& policy() const { return policy_; }

 private:
  using TimePoint = std::chrono::steady_clock::time_point;

  static std::uint64_t pack(std::uint64_t generation, BreakerState state) {
    return generation << 2 | static_cast<std::uint64_t>(state);
  }
  static BreakerState state_of(std::uint64_t word) { return static_cast<BreakerState>(word & 3); }
  static std::uint64_t generation_of(std::uint64_t word) { return word >> 2; }

  BreakerAdmission reject(std::uint64_t word, std::chrono::nanoseconds retry_after);
  BreakerAdmission acquire_locked(TimePoint now, std::optional<BreakerTransition>& transition);
  void record_locked(const BreakerAdmission& admission, CallOutcome outcome, bool slow,
                     TimePoint now, std::optional<BreakerTransition>& transition);
  /// Returns the cause of opening when `totals` reach a threshold, or nullopt.
  std::optional<TransitionCause> verdict(const WindowTotals& totals) const;
  BreakerTransition transition_to(BreakerState to, TransitionCause cause, TimePoint now,
                                  const WindowTotals& totals);
  void notify(const std::optional<BreakerTransition>& transition) const;

  const config::CircuitBreakerPolicy policy_;
  const Clock& clock_;
  const Listener listener_;
  /// The effective minimum: policy.minimum_calls, at most the size of a count window.
  const std::int64_t minimum_calls_;

  /// The generation and state, packed as generation << 2 | state; written under mutex_.
  std::atomic<std::uint64_t> state_word_;
  /// While open, the steady time in nanoseconds since the clock's epoch when the open time
  /// ends; written under mutex_ before state_word_.
  std::atomic<std::int64_t> open_until_{0};
  std::atomic<std::uint64_t> rejected_calls_{0};

  mutable std::mutex mutex_;
  mutable SlidingWindow window_;
  TimePoint half_open_deadline_;
  int trial_calls_admitted_ = 0;
  WindowTotals trial_totals_;
  std::uint64_t times_opened_ = 0;
  std::uint64_t times_half_opened_ = 0;
  std::uint64_t times_closed_ = 0;
  std::uint64_t stale_outcomes_ = 0;
};

}  // namespace outbound::resilience
