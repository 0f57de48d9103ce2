#include "bench/pipeline/layers.h"

#include <benchmark/benchmark.h>

#include <chrono>

#include "bench/pipeline/fixtures.h"
#include "outbound/clock.h"
#include "resilience/bulkhead.h"
#include "resilience/circuit_breaker.h"
#include "resilience/deadline.h"
#include "resilience/rate_limiter.h"
#include "resilience/retry_budget.h"

namespace outbound::bench {
namespace {

using std::chrono::nanoseconds;

/// Runs `step` in the benchmark loop and reports its allocations per call.
template <typename Step>
void run_step(benchmark::State& state, Step&& step) {
  const AllocationReport allocations;
  for (auto _ : state) step();
  allocations.report(state);
  state.SetItemsProcessed(state.iterations());
}

void clock_steady_now(benchmark::State& state) {
  const Clock& clock = Clock::system();
  run_step(state, [&] {
    auto now = clock.steady_now();
    benchmark::DoNotOptimize(now);
  });
}

void call_context_copy(benchmark::State& state) {
  const CallContext context = short_id_context();
  run_step(state, [&] {
    CallContext copy = context;
    benchmark::DoNotOptimize(copy);
  });
}

void status_ok_value(benchmark::State& state) {
  run_step(state, [] {
    Status status;
    benchmark::DoNotOptimize(status);
  });
}

void bulkhead_acquire_release(benchmark::State& state) {
  const config::Resilience policy = default_policy();
  resilience::Bulkhead bulkhead(policy.bulkhead, Clock::system());
  const resilience::Deadline deadline = resilience::Deadline::at(short_id_context().deadline);
  run_step(state, [&] {
    resilience::BulkheadPermit permit = bulkhead.acquire(deadline);
    benchmark::DoNotOptimize(permit);
  });
}

// The pipeline reads the clock twice per call and hands the readings to the retry budget and
// the breaker, so the two benchmarks below pass a reading too, taken once before the loop.

void retry_budget_record_request(benchmark::State& state) {
  const config::Resilience policy = default_policy();
  resilience::RetryBudget budget(policy.retry, Clock::system());
  const auto now = Clock::system().steady_now();
  run_step(state, [&] { budget.record_request(now); });
}

void breaker_acquire_record(benchmark::State& state) {
  const config::Resilience policy = default_policy();
  // The pipeline's breaker has a listener; it is not called while no transition happens.
  resilience::CircuitBreaker breaker(policy.circuit_breaker, Clock::system(),
                                     [](const resilience::BreakerTransition&) {});
  const auto now = Clock::system().steady_now();
  run_step(state, [&] {
    const resilience::BreakerAdmission admission = breaker.acquire();
    breaker.record(admission, resilience::CallOutcome::kSuccess, nanoseconds(1000), now);
  });
}

void rate_limiter_reserve(benchmark::State& state) {
  const config::Resilience policy = rate_limited_policy();
  resilience::RateLimiter limiter(policy.rate_limit, Clock::system());
  // The pipeline hands the limiter its admission reading. At one token per nanosecond and a
  // burst of 10^9, a fixed reading admits the first 10^9 calls, far more than a run makes.
  const auto now = Clock::system().steady_now();
  bool admitted = true;
  run_step(state, [&] {
    const resilience::RateDecision decision = limiter.reserve(now, std::chrono::hours(1));
    admitted = admitted && decision.admitted;
    benchmark::DoNotOptimize(decision);
  });
  if (!admitted) state.SkipWithError("the rate limiter rejected a call; the figure is invalid");
}

}  // namespace

void register_layers() {
  benchmark::RegisterBenchmark("Layer/clock_steady_now", clock_steady_now);
  benchmark::RegisterBenchmark("Layer/call_context_copy", call_context_copy);
  benchmark::RegisterBenchmark("Layer/status_ok_value", status_ok_value);
  benchmark::RegisterBenchmark("Layer/bulkhead_acquire_release", bulkhead_acquire_release);
  benchmark::RegisterBenchmark("Layer/retry_budget_record_request", retry_budget_record_request);
  benchmark::RegisterBenchmark("Layer/breaker_acquire_record", breaker_acquire_record);
  benchmark::RegisterBenchmark("Layer/rate_limiter_reserve", rate_limiter_reserve);
}

}  // namespace outbound::bench
