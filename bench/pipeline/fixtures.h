#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>

#include "config/config.h"
#include "outbound/call_context.h"
#include "outbound/status.h"
#include "resilience/pipeline.h"

namespace outbound::bench {

/// The client id every benchmark pipeline gets; short, as client ids in configurations are.
inline constexpr const char* kClientId = "bench";

/// The operation name passed to Pipeline::run.
inline constexpr const char* kOperation = "verify";

/// The attempt every benchmark runs, bare or through a pipeline: it succeeds at once, with no
/// I/O, so that the pipeline's own work is what the difference between the two measures.
struct SucceedingAttempt {
  Status operator()(const CallContext& context) const {
    benchmark::DoNotOptimize(context.attempt);
    return Status();
  }
};

/// Returns config::Resilience with every default, which leaves rate limiting off.
config::Resilience default_policy();

/// Returns the default policy with a rate limit of 10^9 calls a second (one token per
/// nanosecond, a burst of 10^9), which admits every call without a wait but runs the limiter.
config::Resilience rate_limited_policy();

/// Returns a policy whose breaker opens on the first failure (a count window of one call) and
/// stays open for an hour, for the rejection path.
config::Resilience open_breaker_policy();

/// Builds a pipeline on the system clock, with a logger at level info (the host's default) that
/// discards its output. Its metrics sink discards what it receives, so that the figures are the
/// pipeline's own work and not a sink's.
std::unique_ptr<resilience::Pipeline> make_pipeline(const config::Resilience& policy);

/// Opens the breaker of a pipeline built with open_breaker_policy() by running one call that
/// fails with kUnavailable. Returns false when the breaker did not open.
bool open_breaker(resilience::Pipeline& pipeline);

/// Returns a call context whose deadline is an hour from now and whose request id fits the
/// small-string buffer of std::string (at most 15 characters in libstdc++), so that copying it
/// does not allocate.
CallContext short_id_context();

/// Returns a call context like short_id_context() with a 36-character request id, the length
/// of the UUID the host generates when the caller gives none.
CallContext uuid_id_context();

/// AllocationReport counts the heap allocations of the calling thread from its construction
/// to report(), and reports them as the counter "allocs_per_call": the allocations of every
/// thread of the benchmark divided by the iterations of every thread.
class AllocationReport {
 public:
  AllocationReport();
  void report(benchmark::State& state) const;

 private:
  std::uint64_t start_;
};

}  // namespace outbound::bench
