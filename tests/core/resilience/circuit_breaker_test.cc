#include "resilience/circuit_breaker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fake_clock.h"

namespace outbound::resilience {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using testing::FakeClock;

constexpr CallOutcome kS = CallOutcome::kSuccess;
constexpr CallOutcome kF = CallOutcome::kFailure;
constexpr CallOutcome kI = CallOutcome::kIgnored;

/// Returns a policy with a count window of 100 calls that opens at 50 % failures after 10
/// calls and never on slow calls.
config::CircuitBreakerPolicy test_policy() {
  config::CircuitBreakerPolicy policy;
  policy.window.type = config::WindowPolicy::Type::kCount;
  policy.window.size = 100;
  policy.minimum_calls = 10;
  policy.failure_rate_threshold = 50;
  policy.slow_call_rate_threshold = 100;
  policy.slow_call = seconds(1);
  policy.open = seconds(5);
  policy.half_open_calls = 3;
  policy.half_open_max_wait = seconds(30);
  return policy;
}

/// Runs one call that must be admitted and reports `outcome` for it.
void run_call(CircuitBreaker& breaker, CallOutcome outcome, nanoseconds duration = {}) {
  const BreakerAdmission admission = breaker.acquire();
  ASSERT_TRUE(admission.admitted);
  breaker.record(admission, outcome, duration);
}

/// Opens a closed breaker of test_policy() with failures.
void trip(CircuitBreaker& breaker) {
  for (int i = 0; i < 10; ++i) run_call(breaker, kF);
  ASSERT_EQ(breaker.snapshot().state, BreakerState::kOpen);
}

/// Opens a breaker of test_policy() and waits out the open time, so the next call is a trial.
void trip_and_wait(CircuitBreaker& breaker, FakeClock& clock) {
  trip(breaker);
  clock.advance(breaker.policy().open);
}

TEST(CircuitBreaker, StartsClosedInGenerationOne) {
  FakeClock clock;
  CircuitBreaker breaker(test_policy(), clock);
  const BreakerSnapshot snapshot = breaker.snapshot();
  EXPECT_EQ(snapshot.state, BreakerState::kClosed);
  EXPECT_EQ(snapshot.generation, 1u);
  EXPECT_EQ(snapshot.totals.calls, 0);
  const BreakerAdmission admission = breaker.acquire();
  EXPECT_TRUE(admission.admitted);
  EXPECT_EQ(admission.state, BreakerState::kClosed);
  EXPECT_EQ(admission.generation, 1u);
  EXPECT_EQ(admission.retry_after, nanoseconds(0));
}

TEST(CircuitBreaker, OpensAtThresholdAfterMinimumCalls) {
  struct Case {
    std::string name;
    int successes;
    int failures;
    BreakerState expected;
  };
  // minimum_calls 10 and failure_rate_threshold 50; successes come first, so the verdict is
  // the one after the last call.
  const std::vector<Case> cases = {
      {"5 failures of 10 reach 50 %", 5, 5, BreakerState::kOpen},
      {"4 failures of 10 stay below", 6, 4, BreakerState::kClosed},
      {"9 failures of 9 are below minimum", 0, 9, BreakerState::kClosed},
      {"10 failures of 10", 0, 10, BreakerState::kOpen},
      {"5 failures of 11 stay below", 6, 5, BreakerState::kClosed},
      {"1 failure of 2 is below minimum", 1, 1, BreakerState::kClosed},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FakeClock clock;
    CircuitBreaker breaker(test_policy(), clock);
    for (int i = 0; i < c.successes; ++i) run_call(breaker, kS);
    for (int i = 0; i < c.failures; ++i) run_call(breaker, kF);
    const BreakerSnapshot snapshot = breaker.snapshot();
    EXPECT_EQ(snapshot.state, c.expected);
    EXPECT_EQ(breaker.acquire().admitted, c.expected == BreakerState::kClosed);
  }
}

TEST(CircuitBreaker, FractionalThresholdIsInclusive) {
  FakeClock clock;
  config::CircuitBreakerPolicy policy = test_policy();
  policy.minimum_calls = 3;
  policy.failure_rate_threshold = 100.0 / 3.0;
  CircuitBreaker breaker(policy, clock);
  run_call(breaker, kS);
  run_call(breaker, kS);
  run_call(breaker, kF);
  EXPECT_EQ(breaker.snapshot().state, BreakerState::kOpen);
}

TEST(CircuitBreaker, OpensOnSlowCallRate) {
  struct Case {
    std::string name;
    nanoseconds slow_duration;
    int slow_calls;
    BreakerState expected;
  };
  // slow_call 1 s, slow_call_rate_threshold 50, minimum_calls 4, failures never open.
  const std::vector<Case> cases = {
      {"2 of 4 at exactly slow_call", seconds(1), 2, BreakerState::kOpen},
      {"1 of 4 slow", seconds(3), 1, BreakerState::kClosed},
      {"2 of 4 just under slow_call", seconds(1) - nanoseconds(1), 2, BreakerState::kClosed},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FakeClock clock;
    config::CircuitBreakerPolicy policy = test_policy();
    policy.minimum_calls = 4;
    policy.failure_rate_threshold = 100;
    policy.slow_call_rate_threshold = 50;
    std::vector<BreakerTransition> transitions;
    CircuitBreaker breaker(policy, clock, [&](const BreakerTransition& transition) {
      transitions.push_back(transition);
    });
    for (int i = 0; i < 4 - c.slow_calls; ++i) run_call(breaker, kS, milliseconds(10));
    for (int i = 0; i < c.slow_calls; ++i) run_call(breaker, kS, c.slow_duration);
    EXPECT_EQ(breaker.snapshot().state, c.expected);
    if (c.expected == BreakerState::kOpen) {
      ASSERT_EQ(transitions.size(), 1u);
      EXPECT_EQ(transitions[0].cause, TransitionCause::kSlowCallRate);
      EXPECT_EQ(transitions[0].totals.slow_calls, c.slow_calls);
    }
  }
}

TEST(CircuitBreaker, IgnoredOutcomesNeverEnterWindow) {
  FakeClock clock;
  CircuitBreaker breaker(test_policy(), clock);
  for (int i = 0; i < 20; ++i) run_call(breaker, kI);
  for (int i = 0; i < 9; ++i) run_call(breaker, kF);
  const BreakerSnapshot snapshot = breaker.snapshot();
  EXPECT_EQ(snapshot.state, BreakerState::kClosed);
  EXPECT_EQ(snapshot.totals.calls, 9);
  EXPECT_EQ(snapshot.totals.failures, 9);
}

TEST(CircuitBreaker, CountWindowEvictsOldestOutcome) {
  FakeClock clock;
  config::CircuitBreakerPolicy policy = test_policy();
  policy.window.size = 4;
  policy.minimum_calls = 4;
  CircuitBreaker breaker(policy, clock);
  run_call(breaker, kF);
  for (int i = 0; i < 3; ++i) run_call(breaker, kS);
  EXPECT_EQ(breaker.snapshot().totals.failures, 1);

  run_call(breaker, kS);  // The failure is now the fifth call back and leaves the window.
  BreakerSnapshot snapshot = breaker.snapshot();
  EXPECT_EQ(snapshot.totals.calls, 4);
  EXPECT_EQ(snapshot.totals.failures, 0);

  run_call(breaker, kF);
  EXPECT_EQ(breaker.snapshot().state, BreakerState::kClosed);
  run_call(breaker, kF);
  snapshot = breaker.snapshot();
  EXPECT_EQ(snapshot.totals.failures, 2);
  EXPECT_EQ(snapshot.state, BreakerState::kOpen);
}

TEST(CircuitBreaker, CountWindowBelowMinimumStillDecides) {
  FakeClock clock;
  config::CircuitBreakerPolicy policy = test_policy();
  policy.window.size = 5;
  policy.minimum_calls = 20;
  CircuitBreaker breaker(policy, clock);
  for (int i = 0; i < 4; ++i) run_call(breaker, kF);
  EXPECT_EQ(breaker.snapshot().state, BreakerState::kClosed);
  run_call(breaker, kF);
  EXPECT_EQ(breaker.snapshot().state, BreakerState::kOpen);
}

TEST(CircuitBreaker, TimeWindowEvictsOldOutcomes) {
  FakeClock clock;
  config::CircuitBreakerPolicy policy = test_policy();
  policy.window.type = config::WindowPolicy::Type::kTime;
  policy.window.size = 10;
  policy.minimum_calls = 5;
  CircuitBreaker breaker(policy, clock);

  // Three failures at the start of a second, a success 5 s later.
  for (int i = 0; i < 3; ++i) run_call(breaker, kF);
  clock.advance(seconds(5));
  run_call(breaker, kS);
  clock.advance(seconds(5) - milliseconds(1));
  BreakerSnapshot snapshot = breaker.snapshot();
  EXPECT_EQ(snapshot.totals.calls, 4);
  EXPECT_EQ(snapshot.totals.failures, 3);

  clock.advance(milliseconds(1));  // 10 s after the failures, they leave the window.
  snapshot = breaker.snapshot();
  EXPECT_EQ(snapshot.totals.calls, 1);
  EXPECT_EQ(snapshot.totals.failures, 0);

  // With the old failures still counted, 4 of 8 would open; without them 1 of 5 does not.
  run_call(breaker, kF);
  for (int i = 0; i < 3; ++i) run_call(breaker, kS);
  snapshot = breaker.snapshot();
  EXPECT_EQ(snapshot.totals.calls, 5);
  EXPECT_EQ(snapshot.totals.failures, 1);
  EXPECT_EQ(snapshot.state, BreakerState::kClosed);

  clock.advance(seconds(10));
  EXPECT_EQ(breaker.snapshot().totals.calls, 0);
}

TEST(CircuitBreaker, OpenRejectsUntilOpenTimeThenHalfOpen) {
  FakeClock clock;
  CircuitBreaker breaker(test_policy(), clock);
  trip(breaker);

  BreakerAdmission admission = breaker.acquire();
  EXPECT_FALSE(admission.admitted);
  EXPECT_EQ(admission.state, BreakerState::kOpen);
  EXPECT_EQ(admission.retry_after, seconds(5));

  clock.advance(seconds(5) - milliseconds(1));
  admission = breaker.acquire();
  EXPECT_FALSE(admission.admitted);
  EXPECT_EQ(admission.retry_after, milliseconds(1));
  EXPECT_EQ(breaker.snapshot().state, BreakerState::kOpen);

  clock.advance(milliseconds(1));
  admission = breaker.acquire();
  EXPECT_TRUE(admission.admitted);
  EXPECT_EQ(admission.state, BreakerState::kHalfOpen);
  const BreakerSnapshot snapshot = breaker.snapshot();
  EXPECT_EQ(snapshot.state, BreakerState::kHalfOpen);
  EXPECT_EQ(snapshot.trial_calls_admitted, 1);
  EXPECT_EQ(snapshot.rejected_calls, 2u);
}

TEST(CircuitBreaker, HalfOpenAdmitsExactlyTrialCalls) {
  FakeClock clock;
  CircuitBreaker breaker(test_policy(), clock);
  trip_and_wait(breaker, clock);

  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE("trial " + std::to_string(i + 1));
    const BreakerAdmission admission = breaker.acquire();
    EXPECT_TRUE(admission.admitted);
    EXPECT_EQ(admission.state, BreakerState::kHalfOpen);
  }
  const BreakerAdmission fourth = breaker.acquire();
  EXPECT_FALSE(fourth.admitted);
  EXPECT_EQ(fourth.state, BreakerState::kHalfOpen);
  EXPECT_EQ(fourth.retry_after, seconds(30));
  EXPECT_EQ(breaker.snapshot().trial_calls_admitted, 3);
}

TEST(CircuitBreaker, HalfOpenDecidesOnTrialRates) {
  struct Case {
    std::string name;
    std::vector<CallOutcome> trials;
    std::vector<nanoseconds> durations;
    BreakerState expected;
    TransitionCause cause;
  };
  // Four trial calls, failure_rate_threshold 50, slow_call_rate_threshold 50, slow_call 1 s.
  const nanoseconds fast = milliseconds(10);
  const nanoseconds slow = seconds(2);
  const std::vector<Case> cases = {
      {"1 failure of 4 closes",
       {kS, kS, kS, kF},
       {fast, fast, fast, fast},
       BreakerState::kClosed,
       TransitionCause::kTrialCallsPassed},
      {"2 failures of 4 reopen",
       {kF, kS, kS, kF},
       {fast, fast, fast, fast},
       BreakerState::kOpen,
       TransitionCause::kFailureRate},
      {"2 slow of 4 reopen",
       {kS, kS, kS, kS},
       {slow, fast, slow, fast},
       BreakerState::kOpen,
       TransitionCause::kSlowCallRate},
      {"1 slow of 4 closes",
       {kS, kS, kS, kS},
       {fast, fast, slow, fast},
       BreakerState::kClosed,
       TransitionCause::kTrialCallsPassed},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FakeClock clock;
    config::CircuitBreakerPolicy policy = test_policy();
    policy.half_open_calls = 4;
    policy.slow_call_rate_threshold = 50;
    std::vector<BreakerTransition> transitions;
    CircuitBreaker breaker(policy, clock, [&](const BreakerTransition& transition) {
      transitions.push_back(transition);
    });
    trip_and_wait(breaker, clock);

    std::vector<BreakerAdmission> admissions;
    for (int i = 0; i < 4; ++i) admissions.push_back(breaker.acquire());
    for (std::size_t i = 0; i < 3; ++i) {
      breaker.record(admissions[i], c.trials[i], c.durations[i]);
    }
    EXPECT_EQ(breaker.snapshot().state, BreakerState::kHalfOpen);
    breaker.record(admissions[3], c.trials[3], c.durations[3]);

    const BreakerSnapshot snapshot = breaker.snapshot();
    EXPECT_EQ(snapshot.state, c.expected);
    ASSERT_EQ(transitions.size(), 3u);
    EXPECT_EQ(transitions[2].from, BreakerState::kHalfOpen);
    EXPECT_EQ(transitions[2].to, c.expected);
    EXPECT_EQ(transitions[2].cause, c.cause);
    EXPECT_EQ(transitions[2].totals.calls, 4);
    if (c.expected == BreakerState::kClosed) {
      EXPECT_EQ(snapshot.totals.calls, 0);  // A fresh window.
      EXPECT_TRUE(breaker.acquire().admitted);
    } else {
      EXPECT_EQ(breaker.acquire().retry_after, seconds(5));
    }
  }
}

TEST(CircuitBreaker, IgnoredTrialReleasesPermit) {
  FakeClock clock;
  config::CircuitBreakerPolicy policy = test_policy();
  policy.half_open_calls = 2;
  std::vector<BreakerTransition> transitions;
  CircuitBreaker breaker(policy, clock, [&](const BreakerTransition& transition) {
    transitions.push_back(transition);
  });
  trip_and_wait(breaker, clock);

  const BreakerAdmission first = breaker.acquire();
  const BreakerAdmission second = breaker.acquire();
  ASSERT_TRUE(first.admitted);
  ASSERT_TRUE(second.admitted);
  EXPECT_FALSE(breaker.acquire().admitted);

  breaker.record(first, kI, {});  // A declined card: no sign of the provider's health.
  EXPECT_EQ(breaker.snapshot().trial_calls_admitted, 1);
  const BreakerAdmission third = breaker.acquire();
  EXPECT_TRUE(third.admitted);
  EXPECT_FALSE(breaker.acquire().admitted);

  breaker.record(second, kS, {});
  EXPECT_EQ(breaker.snapshot().state, BreakerState::kHalfOpen);
  breaker.record(third, kS, {});
  EXPECT_EQ(breaker.snapshot().state, BreakerState::kClosed);
  ASSERT_EQ(transitions.size(), 3u);
  EXPECT_EQ(transitions[2].totals.calls, 2);
  EXPECT_EQ(transitions[2].totals.failures, 0);
}

TEST(CircuitBreaker, StaleGenerationOutcomeIsDropped) {
  FakeClock clock;
  config::CircuitBreakerPolicy policy = test_policy();
  policy.half_open_calls = 1;
  CircuitBreaker breaker(policy, clock);

  // A slow call starts while closed, the breaker opens and goes half-open meanwhile.
  const BreakerAdmission slow_call = breaker.acquire();
  ASSERT_TRUE(slow_call.admitted);
  trip_and_wait(breaker, clock);
  const BreakerAdmission trial = breaker.acquire();
  ASSERT_TRUE(trial.admitted);
  ASSERT_NE(trial.generation, slow_call.generation);

  // Its failure must not decide half-open.
  breaker.record(slow_call, kF, seconds(20));
  BreakerSnapshot snapshot = breaker.snapshot();
  EXPECT_EQ(snapshot.state, BreakerState::kHalfOpen);
  EXPECT_EQ(snapshot.totals.calls, 0);
  EXPECT_EQ(snapshot.stale_outcomes, 1u);

  breaker.record(trial, kS, {});
  EXPECT_EQ(breaker.snapshot().state, BreakerState::kClosed);

  // A call of the earlier closed generation does not enter the fresh window either.
  breaker.record(slow_call, kF, {});
  snapshot = breaker.snapshot();
  EXPECT_EQ(snapshot.totals.calls, 0);
  EXPECT_EQ(snapshot.stale_outcomes, 2u);
}

TEST(CircuitBreaker, RejectedAdmissionRecordsNothing) {
  FakeClock clock;
  CircuitBreaker breaker(test_policy(), clock);
  trip(breaker);
  const BreakerAdmission rejected = breaker.acquire();
  ASSERT_FALSE(rejected.admitted);
  breaker.record(rejected, kF, {});
  const BreakerSnapshot snapshot = breaker.snapshot();
  EXPECT_EQ(snapshot.stale_outcomes, 0u);
  EXPECT_EQ(snapshot.totals.calls, 10);
}

TEST(CircuitBreaker, HalfOpenMaxWaitReopensOnNextCall) {
  FakeClock clock;
  config::CircuitBreakerPolicy policy = test_policy();
  policy.half_open_calls = 2;
  policy.half_open_max_wait = seconds(1);
  std::vector<BreakerTransition> transitions;
  CircuitBreaker breaker(policy, clock, [&](const BreakerTransition& transition) {
    transitions.push_back(transition);
  });
  trip_and_wait(breaker, clock);

  const BreakerAdmission reported = breaker.acquire();
  const BreakerAdmission lost = breaker.acquire();  // Never reports in time.
  ASSERT_TRUE(reported.admitted);
  ASSERT_TRUE(lost.admitted);
  breaker.record(reported, kS, {});

  clock.advance(seconds(1) - milliseconds(1));
  BreakerAdmission admission = breaker.acquire();
  EXPECT_FALSE(admission.admitted);
  EXPECT_EQ(admission.state, BreakerState::kHalfOpen);
  EXPECT_EQ(admission.retry_after, milliseconds(1));

  clock.advance(milliseconds(1));
  admission = breaker.acquire();
  EXPECT_FALSE(admission.admitted);
  EXPECT_EQ(admission.state, BreakerState::kOpen);
  EXPECT_EQ(admission.retry_after, seconds(5));
  ASSERT_EQ(transitions.size(), 3u);
  EXPECT_EQ(transitions[2].to, BreakerState::kOpen);
  EXPECT_EQ(transitions[2].cause, TransitionCause::kHalfOpenTimedOut);
  EXPECT_EQ(transitions[2].totals.calls, 1);

  breaker.record(lost, kS, {});
  const BreakerSnapshot snapshot = breaker.snapshot();
  EXPECT_EQ(snapshot.state, BreakerState::kOpen);
  EXPECT_EQ(snapshot.stale_outcomes, 1u);
}

TEST(CircuitBreaker, LateTrialReportReopens) {
  FakeClock clock;
  config::CircuitBreakerPolicy policy = test_policy();
  policy.half_open_calls = 1;
  policy.half_open_max_wait = seconds(1);
  CircuitBreaker breaker(policy, clock);
  trip_and_wait(breaker, clock);

  const BreakerAdmission trial = breaker.acquire();
  ASSERT_TRUE(trial.admitted);
  clock.advance(seconds(1));
  breaker.record(trial, kS, seconds(1));
  const BreakerSnapshot snapshot = breaker.snapshot();
  EXPECT_EQ(snapshot.state, BreakerState::kOpen);
  EXPECT_EQ(snapshot.stale_outcomes, 1u);
  EXPECT_EQ(snapshot.times_closed, 0u);
}

TEST(CircuitBreaker, ListenerCalledOncePerTransition) {
  FakeClock clock;
  config::CircuitBreakerPolicy policy = test_policy();
  policy.half_open_calls = 1;
  std::vector<BreakerTransition> transitions;
  CircuitBreaker breaker(policy, clock, [&](const BreakerTransition& transition) {
    transitions.push_back(transition);
  });

  trip(breaker);
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(breaker.acquire().admitted);
  clock.advance(seconds(5));
  run_call(breaker, kF);  // The trial fails: open again.
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(breaker.acquire().admitted);
  clock.advance(seconds(5));
  run_call(breaker, kS);  // The trial passes: closed.
  for (int i = 0; i < 50; ++i) run_call(breaker, kS);

  struct Expected {
    BreakerState from;
    BreakerState to;
    TransitionCause cause;
  };
  const std::vector<Expected> expected = {
      {BreakerState::kClosed, BreakerState::kOpen, TransitionCause::kFailureRate},
      {BreakerState::kOpen, BreakerState::kHalfOpen, TransitionCause::kOpenTimeElapsed},
      {BreakerState::kHalfOpen, BreakerState::kOpen, TransitionCause::kFailureRate},
      {BreakerState::kOpen, BreakerState::kHalfOpen, TransitionCause::kOpenTimeElapsed},
      {BreakerState::kHalfOpen, BreakerState::kClosed, TransitionCause::kTrialCallsPassed},
  };
  ASSERT_EQ(transitions.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE("transition " + std::to_string(i));
    EXPECT_EQ(transitions[i].from, expected[i].from);
    EXPECT_EQ(transitions[i].to, expected[i].to);
    EXPECT_EQ(transitions[i].cause, expected[i].cause);
    EXPECT_EQ(transitions[i].generation, i + 2);
  }
  const BreakerSnapshot snapshot = breaker.snapshot();
  EXPECT_EQ(snapshot.generation, 6u);
  EXPECT_EQ(snapshot.times_opened, 2u);
  EXPECT_EQ(snapshot.times_half_opened, 2u);
  EXPECT_EQ(snapshot.times_closed, 1u);
  EXPECT_EQ(snapshot.rejected_calls, 100u);
}

TEST(CircuitBreaker, ListenerMayReadSnapshot) {
  FakeClock clock;
  CircuitBreaker* self = nullptr;
  std::vector<BreakerState> seen;
  CircuitBreaker breaker(test_policy(), clock,
                         [&](const BreakerTransition&) { seen.push_back(self->snapshot().state); });
  self = &breaker;
  trip(breaker);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], BreakerState::kOpen);
}

TEST(CircuitBreaker, ConcurrentUseKeepsCountsConsistent) {
  FakeClock clock;
  config::CircuitBreakerPolicy policy = test_policy();
  policy.window.size = 20;
  policy.minimum_calls = 10;
  policy.open = milliseconds(2);
  policy.half_open_calls = 2;
  std::mutex transitions_mutex;
  std::vector<BreakerTransition> transitions;
  CircuitBreaker breaker(policy, clock, [&](const BreakerTransition& transition) {
    const std::lock_guard<std::mutex> lock(transitions_mutex);
    transitions.push_back(transition);
  });

  constexpr int kThreads = 8;
  constexpr int kCallsPerThread = 5000;
  std::atomic<std::uint64_t> admitted{0};
  std::atomic<std::uint64_t> rejected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        const BreakerAdmission admission = breaker.acquire();
        if (!admission.admitted) {
          ++rejected;
        } else {
          ++admitted;
          // Failures come in runs, so the breaker keeps opening and closing.
          const bool failure = (i / 200 + t) % 2 == 0;
          breaker.record(admission, failure ? kF : kS, {});
        }
        if (i % 10 == 0) clock.advance(std::chrono::microseconds(100));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  const BreakerSnapshot snapshot = breaker.snapshot();
  EXPECT_EQ(admitted + rejected, std::uint64_t{kThreads} * kCallsPerThread);
  EXPECT_EQ(snapshot.rejected_calls, rejected.load());
  EXPECT_GT(snapshot.times_opened, 0u);
  EXPECT_LE(snapshot.times_half_opened, snapshot.times_opened);
  EXPECT_LE(snapshot.times_closed, snapshot.times_half_opened);
  const std::uint64_t changes =
      snapshot.times_opened + snapshot.times_half_opened + snapshot.times_closed;
  EXPECT_EQ(snapshot.generation, 1 + changes);
  ASSERT_EQ(transitions.size(), changes);
  // Each generation was entered exactly once.
  std::vector<std::uint64_t> generations;
  for (const BreakerTransition& transition : transitions) {
    generations.push_back(transition.generation);
  }
  std::sort(generations.begin(), generations.end());
  for (std::size_t i = 0; i < generations.size(); ++i) {
    EXPECT_EQ(generations[i], i + 2);
  }
  EXPECT_LE(snapshot.totals.calls, 20);
}

TEST(CircuitBreaker, StateAndCauseNames) {
  EXPECT_EQ(breaker_state_name(BreakerState::kClosed), "closed");
  EXPECT_EQ(breaker_state_name(BreakerState::kOpen), "open");
  EXPECT_EQ(breaker_state_name(BreakerState::kHalfOpen), "half_open");
  EXPECT_EQ(transition_cause_name(TransitionCause::kHalfOpenTimedOut), "half_open_timed_out");
  EXPECT_EQ(transition_cause_name(TransitionCause::kTrialCallsPassed), "trial_calls_passed");
}

}  // namespace
}  // namespace outbound::resilience
