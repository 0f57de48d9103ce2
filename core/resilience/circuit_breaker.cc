#include "resilience/circuit_breaker.h"

#include <algorithm>
#include <utility>

namespace outbound::resilience {
namespace {

using std::chrono::nanoseconds;

std::int64_t ticks_of(std::chrono::steady_clock::time_point time) {
  return std::chrono::duration_cast<nanoseconds>(time.time_since_epoch()).count();
}

/// Raises values below the ranges load_config() accepts to the lowest accepted value, so
/// that a policy built in code cannot divide by zero or keep the breaker from ever deciding.
config::CircuitBreakerPolicy sanitized(config::CircuitBreakerPolicy policy) {
  policy.minimum_calls = std::max(policy.minimum_calls, 1);
  policy.window.size = std::max(policy.window.size, 1);
  policy.half_open_calls = std::max(policy.half_open_calls, 1);
  policy.open = std::max(policy.open, std::chrono::milliseconds(1));
  policy.half_open_max_wait = std::max(policy.half_open_max_wait, std::chrono::milliseconds(1));
  return policy;
}

/// Locks `mutex`, trying a few times without sleeping first. The sections it guards take tens
/// of nanoseconds, while a thread that finds a std::mutex taken sleeps in the kernel and costs
/// its holder a system call to wake it.
void lock_spinning_first(std::mutex& mutex) {
  for (int attempt = 0; attempt < 32; ++attempt) {
    if (mutex.try_lock()) return;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  mutex.lock();
}

std::int64_t effective_minimum(const config::CircuitBreakerPolicy& policy) {
  if (policy.window.type == config::WindowPolicy::Type::kCount) {
    return std::min(policy.minimum_calls, std::min(policy.window.size, CountWindow::kMaxSize));
  }
  return policy.minimum_calls;
}

}  // namespace

std::string_view breaker_state_name(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half_open";
  }
  return "closed";
}

std::string_view transition_cause_name(TransitionCause cause) {
  switch (cause) {
    case TransitionCause::kFailureRate:
      return "failure_rate";
    case TransitionCause::kSlowCallRate:
      return "slow_call_rate";
    case TransitionCause::kOpenTimeElapsed:
      return "open_time_elapsed";
    case TransitionCause::kTrialCallsPassed:
      return "trial_calls_passed";
    case TransitionCause::kHalfOpenTimedOut:
      return "half_open_timed_out";
  }
  return "failure_rate";
}

CircuitBreaker::CircuitBreaker(const config::CircuitBreakerPolicy& policy, const Clock& clock,
                               Listener listener)
    : policy_(sanitized(policy)),
      clock_(clock),
      listener_(std::move(listener)),
      minimum_calls_(effective_minimum(policy_)),
      state_word_(pack(1, BreakerState::kClosed)),
      window_(policy_.window) {}

BreakerAdmission CircuitBreaker::reject(std::uint64_t word, nanoseconds retry_after) {
  rejected_calls_.fetch_add(1, std::memory_order_relaxed);
  BreakerAdmission admission;
  admission.state = state_of(word);
  admission.generation = generation_of(word);
  admission.retry_after = std::max(retry_after, nanoseconds::zero());
  return admission;
}

BreakerAdmission CircuitBreaker::acquire() {
  // Closed admits without a lock. A transition racing with this load only means the call
  // counts as having arrived just before it, and its outcome is then dropped as stale.
  const std::uint64_t word = state_word_.load(std::memory_order_acquire);
  if (state_of(word) == BreakerState::kClosed) {
    return BreakerAdmission{true, BreakerState::kClosed, generation_of(word), nanoseconds(0)};
  }
  const TimePoint now = clock_.steady_now();
  if (state_of(word) == BreakerState::kOpen) {
    const std::int64_t until = open_until_.load(std::memory_order_acquire);
    if (ticks_of(now) < until) return reject(word, nanoseconds(until - ticks_of(now)));
  }

  std::optional<BreakerTransition> transition;
  BreakerAdmission admission;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    admission = acquire_locked(now, transition);
  }
  notify(transition);
  return admission;
}

BreakerAdmission CircuitBreaker::acquire_locked(TimePoint now,
                                                std::optional<BreakerTransition>& transition) {
  std::uint64_t word = state_word_.load(std::memory_order_relaxed);
  switch (state_of(word)) {
    case BreakerState::kClosed:
      return BreakerAdmission{true, BreakerState::kClosed, generation_of(word), nanoseconds(0)};

    case BreakerState::kOpen: {
      const std::int64_t until = open_until_.load(std::memory_order_relaxed);
      if (ticks_of(now) < until) return reject(word, nanoseconds(until - ticks_of(now)));
      transition = transition_to(BreakerState::kHalfOpen, TransitionCause::kOpenTimeElapsed, now,
                                 WindowTotals{});
      word = state_word_.load(std::memory_order_relaxed);
      break;
    }

    case BreakerState::kHalfOpen:
      if (now >= half_open_deadline_) {
        transition = transition_to(BreakerState::kOpen, TransitionCause::kHalfOpenTimedOut, now,
                                   trial_totals_);
        return reject(state_word_.load(std::memory_order_relaxed), policy_.open);
      }
      break;
  }

  if (trial_calls_admitted_ >= policy_.half_open_calls) {
    return reject(word, half_open_deadline_ - now);
  }
  ++trial_calls_admitted_;
  return BreakerAdmission{true, BreakerState::kHalfOpen, generation_of(word), nanoseconds(0)};
}

void CircuitBreaker::record(const BreakerAdmission& admission, CallOutcome outcome,
                            nanoseconds duration) {
  if (!admission.admitted) return;
  record(admission, outcome, duration, clock_.steady_now());
}

void CircuitBreaker::record(const BreakerAdmission& admission, CallOutcome outcome,
                            nanoseconds duration, TimePoint now) {
  if (!admission.admitted) return;
  const bool slow = duration >= policy_.slow_call;

  std::optional<BreakerTransition> transition;
  {
    lock_spinning_first(mutex_);
    const std::lock_guard<std::mutex> lock(mutex_, std::adopt_lock);
    record_locked(admission, outcome, slow, now, transition);
  }
  notify(transition);
}

void CircuitBreaker::record_locked(const BreakerAdmission& admission, CallOutcome outcome,
                                   bool slow, TimePoint now,
                                   std::optional<BreakerTransition>& transition) {
  const std::uint64_t word = state_word_.load(std::memory_order_relaxed);
  if (admission.generation != generation_of(word)) {
    ++stale_outcomes_;
    return;
  }
  const bool failure = outcome == CallOutcome::kFailure;

  if (state_of(word) == BreakerState::kClosed) {
    if (outcome == CallOutcome::kIgnored) return;
    window_.add(now, failure, slow);
    const WindowTotals totals = window_.totals(now);
    if (const auto cause = verdict(totals)) {
      transition = transition_to(BreakerState::kOpen, *cause, now, totals);
    }
    return;
  }

  // Open admits nothing, so an admission in its generation cannot be a real one.
  if (state_of(word) == BreakerState::kOpen) {
    ++stale_outcomes_;
    return;
  }
  if (now >= half_open_deadline_) {
    ++stale_outcomes_;
    transition =
        transition_to(BreakerState::kOpen, TransitionCause::kHalfOpenTimedOut, now, trial_totals_);
    return;
  }
  if (outcome == CallOutcome::kIgnored) {
    --trial_calls_admitted_;
    return;
  }
  ++trial_totals_.calls;
  if (failure) ++trial_totals_.failures;
  if (slow) ++trial_totals_.slow_calls;
  if (trial_totals_.calls < policy_.half_open_calls) return;

  if (const auto cause = verdict(trial_totals_)) {
    transition = transition_to(BreakerState::kOpen, *cause, now, trial_totals_);
  } else {
    transition = transition_to(BreakerState::kClosed, TransitionCause::kTrialCallsPassed, now,
                               trial_totals_);
  }
}

std::optional<TransitionCause> CircuitBreaker::verdict(const WindowTotals& totals) const {
  const std::uint64_t word = state_word_.load(std::memory_order_relaxed);
  // Half-open decides on its trial calls alone, however few they are.
  if (state_of(word) == BreakerState::kClosed && totals.calls < minimum_calls_) {
    return std::nullopt;
  }
  // Inclusive thresholds, compared without dividing: failures / calls >= threshold / 100.
  const auto calls = static_cast<double>(totals.calls);
  if (100.0 * static_cast<double>(totals.failures) >= policy_.failure_rate_threshold * calls) {
    return TransitionCause::kFailureRate;
  }
  if (100.0 * static_cast<double>(totals.slow_calls) >= policy_.slow_call_rate_threshold * calls) {
    return TransitionCause::kSlowCallRate;
  }
  return std::nullopt;
}

BreakerTransition CircuitBreaker::transition_to(BreakerState to, TransitionCause cause,
                                                TimePoint now, const WindowTotals& totals) {
  const std::uint64_t word = state_word_.load(std::memory_order_relaxed);
  BreakerTransition transition;
  transition.from = state_of(word);
  transition.to = to;
  transition.cause = cause;
  transition.generation = generation_of(word) + 1;
  transition.at = now;
  transition.totals = totals;

  switch (to) {
    case BreakerState::kOpen:
      ++times_opened_;
      open_until_.store(ticks_of(now + policy_.open), std::memory_order_relaxed);
      break;
    case BreakerState::kHalfOpen:
      ++times_half_opened_;
      half_open_deadline_ = now + policy_.half_open_max_wait;
      trial_calls_admitted_ = 0;
      trial_totals_ = {};
      break;
    case BreakerState::kClosed:
      ++times_closed_;
      window_.clear();
      break;
  }
  // Release order: a thread that loads the new word with acquire also loads the open_until_
  // stored before it.
  state_word_.store(pack(transition.generation, to), std::memory_order_release);
  return transition;
}

void CircuitBreaker::notify(const std::optional<BreakerTransition>& transition) const {
  if (transition && listener_) listener_(*transition);
}

BreakerSnapshot CircuitBreaker::snapshot() const {
  const TimePoint now = clock_.steady_now();
  const std::lock_guard<std::mutex> lock(mutex_);
  const std::uint64_t word = state_word_.load(std::memory_order_relaxed);
  BreakerSnapshot snapshot;
  snapshot.state = state_of(word);
  snapshot.generation = generation_of(word);
  if (snapshot.state == BreakerState::kHalfOpen) {
    snapshot.totals = trial_totals_;
    snapshot.trial_calls_admitted = trial_calls_admitted_;
  } else {
    snapshot.totals = window_.totals(now);
  }
  snapshot.failure_rate = percent_of(snapshot.totals.failures, snapshot.totals.calls);
  snapshot.slow_call_rate = percent_of(snapshot.totals.slow_calls, snapshot.totals.calls);
  snapshot.times_opened = times_opened_;
  snapshot.times_half_opened = times_half_opened_;
  snapshot.times_closed = times_closed_;
  snapshot.rejected_calls = rejected_calls_.load(std::memory_order_relaxed);
  snapshot.stale_outcomes = stale_outcomes_;
  return snapshot;
}

}  // namespace outbound::resilience
