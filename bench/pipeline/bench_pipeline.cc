// bench_pipeline measures the overhead of resilience::Pipeline::run on a call that succeeds at once
// with no I/O, and its heap allocations per call. It also times the rejection path of an open
// breaker, each layer alone, and 1 to 16 threads through one pipeline. scripts/bench.sh pipeline
// runs it pinned to one CPU. The method and the figures are in docs/benchmarks.md.

#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "bench/pipeline/fixtures.h"
#include "bench/pipeline/layers.h"

namespace outbound::bench {
namespace {

using resilience::Pipeline;

/// The thread counts of the Threads/ benchmarks.
constexpr int kThreadCounts[] = {1, 2, 4, 8, 16};

void bare_call(benchmark::State& state) {
  const SucceedingAttempt attempt;
  const CallContext context = short_id_context();
  const AllocationReport allocations;
  for (auto _ : state) {
    Status status = attempt(context);
    benchmark::DoNotOptimize(status);
  }
  allocations.report(state);
  state.SetItemsProcessed(state.iterations());
}

/// Runs the attempt through a pipeline built with `policy`, passing `context` by copy, as the
/// host passes its prepared context.
void pipeline_call(benchmark::State& state, const config::Resilience& policy,
                   const CallContext& context) {
  const std::unique_ptr<Pipeline> pipeline = make_pipeline(policy);
  const SucceedingAttempt attempt;
  if (Status checked = pipeline->run(kOperation, context, attempt); !checked.ok()) {
    state.SkipWithError(("the pipeline rejected the call: " + checked.to_string()).c_str());
    return;
  }
  const AllocationReport allocations;
  for (auto _ : state) {
    Status status = pipeline->run(kOperation, context, attempt);
    benchmark::DoNotOptimize(status);
  }
  allocations.report(state);
  state.SetItemsProcessed(state.iterations());
}

void circuit_open_rejection(benchmark::State& state) {
  const std::unique_ptr<Pipeline> pipeline = make_pipeline(open_breaker_policy());
  if (!open_breaker(*pipeline)) {
    state.SkipWithError("the breaker did not open after a failed call");
    return;
  }
  const SucceedingAttempt attempt;
  const CallContext context = short_id_context();
  // The first rejection logs a warning once; the loop measures the rejections after it.
  if (Status checked = pipeline->run(kOperation, context, attempt);
      checked.reason() != "circuit_open") {
    state.SkipWithError(
        ("the open breaker did not reject the call: " + checked.to_string()).c_str());
    return;
  }
  const AllocationReport allocations;
  for (auto _ : state) {
    Status status = pipeline->run(kOperation, context, attempt);
    benchmark::DoNotOptimize(status);
  }
  allocations.report(state);
  state.SetItemsProcessed(state.iterations());
}

/// Returns the pipeline that every thread of a Threads/ benchmark shares, built on first use.
Pipeline& shared_pipeline() {
  static const std::unique_ptr<Pipeline> pipeline = make_pipeline(default_policy());
  return *pipeline;
}

void threads_bare_call(benchmark::State& state) { bare_call(state); }

void threads_pipeline_call(benchmark::State& state) {
  Pipeline& pipeline = shared_pipeline();
  const SucceedingAttempt attempt;
  const CallContext context = short_id_context();
  const AllocationReport allocations;
  for (auto _ : state) {
    Status status = pipeline.run(kOperation, context, attempt);
    benchmark::DoNotOptimize(status);
  }
  allocations.report(state);
  state.SetItemsProcessed(state.iterations());
}

void register_threads(const char* name, void (*function)(benchmark::State&)) {
  benchmark::internal::Benchmark* benchmark = benchmark::RegisterBenchmark(name, function);
  for (const int threads : kThreadCounts) benchmark->Threads(threads);
  // Items per second of wall time, summed over the threads: the throughput of the process.
  benchmark->UseRealTime();
}

void register_pipeline() {
  benchmark::RegisterBenchmark("Pipeline/baseline_bare_call", bare_call);
  benchmark::RegisterBenchmark("Pipeline/default_policy", pipeline_call, default_policy(),
                               short_id_context());
  benchmark::RegisterBenchmark("Pipeline/rate_limited", pipeline_call, rate_limited_policy(),
                               short_id_context());
  benchmark::RegisterBenchmark("Pipeline/default_policy_uuid_request_id", pipeline_call,
                               default_policy(), uuid_id_context());
  benchmark::RegisterBenchmark("Pipeline/circuit_open_rejection", circuit_open_rejection);
  register_threads("Threads/baseline_bare_call", threads_bare_call);
  register_threads("Threads/default_policy", threads_pipeline_call);
}

}  // namespace
}  // namespace outbound::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  outbound::bench::register_pipeline();
  outbound::bench::register_layers();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
