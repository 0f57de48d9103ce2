#include "bench/pipeline/fixtures.h"

#include <chrono>
#include <string>
#include <string_view>
#include <utility>

#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include "bench/pipeline/allocation_counter.h"
#include "outbound/clock.h"
#include "outbound/metrics.h"

namespace outbound::bench {
namespace {

using std::chrono::hours;

class DiscardingMetrics final : public MetricsSink {
 public:
  void add(std::string_view, double, const MetricAttributes&) override {}
  void record(std::string_view, double, const MetricAttributes&) override {}
};

CallContext context_with_request_id(std::string request_id) {
  CallContext context;
  context.deadline = Clock::system().steady_now() + hours(1);
  context.request_id = std::move(request_id);
  return context;
}

}  // namespace

config::Resilience default_policy() { return config::Resilience{}; }

config::Resilience rate_limited_policy() {
  config::Resilience policy;
  policy.rate_limit.per_second = 1e9;
  return policy;
}

config::Resilience open_breaker_policy() {
  config::Resilience policy;
  policy.circuit_breaker.window.type = config::WindowPolicy::Type::kCount;
  policy.circuit_breaker.window.size = 1;
  policy.circuit_breaker.minimum_calls = 1;
  policy.circuit_breaker.open = hours(1);
  return policy;
}

std::unique_ptr<resilience::Pipeline> make_pipeline(const config::Resilience& policy) {
  // The host shares the process-wide system clock the same way, with a deleter that does
  // nothing.
  std::shared_ptr<const Clock> clock(&Clock::system(), [](const Clock*) {});
  auto logger =
      std::make_shared<spdlog::logger>("bench", std::make_shared<spdlog::sinks::null_sink_mt>());
  logger->set_level(spdlog::level::info);
  return std::make_unique<resilience::Pipeline>(kClientId, policy, std::move(clock),
                                                std::move(logger),
                                                std::make_shared<DiscardingMetrics>());
}

bool open_breaker(resilience::Pipeline& pipeline) {
  // Not retryable, so the pipeline returns after the one attempt instead of sleeping.
  const Status failed = pipeline.run(kOperation, short_id_context(), [](const CallContext&) {
    return Status::unavailable("the benchmark's provider failed").set_retryable(false);
  });
  return !failed.ok() && pipeline.breaker().snapshot().state == resilience::BreakerState::kOpen;
}

CallContext short_id_context() { return context_with_request_id("bench-request"); }

CallContext uuid_id_context() {
  return context_with_request_id("0f8e4c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b");
}

AllocationReport::AllocationReport() : start_(thread_allocations()) {}

void AllocationReport::report(benchmark::State& state) const {
  state.counters["allocs_per_call"] = benchmark::Counter(
      static_cast<double>(thread_allocations() - start_), benchmark::Counter::kAvgIterations);
}

}  // namespace outbound::bench
