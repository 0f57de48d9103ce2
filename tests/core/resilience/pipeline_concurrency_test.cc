// Runs 16 threads through one Pipeline on the real clock while its breaker opens, half-opens
// and closes, its bulkhead fills, its rate limiter rejects and failed attempts are retried.
// The test also runs in the ThreadSanitizer build of scripts/test.sh, which fails on a race.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include "outbound/clock.h"
#include "outbound/metrics.h"
#include "outbound/status.h"
#include "resilience/pipeline.h"

namespace outbound::resilience {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr int kThreads = 16;
constexpr int kMaxConcurrent = 6;
constexpr double kRatePerSecond = 5000;
constexpr int kBurst = 8;
constexpr milliseconds kRateMaxWait{1};
/// The provider is healthy for one phase, then fails every attempt for the next, and so on.
constexpr milliseconds kPhase{25};
/// The run lasts at least this long, ten phases, and then ends once every expected event has
/// happened, or after kMaxRun.
constexpr milliseconds kMinRun{250};
constexpr milliseconds kMaxRun{30000};

config::Resilience concurrency_policy() {
  config::Resilience policy;
  policy.timeouts.attempt = milliseconds(1000);
  policy.retry.max_retries = 2;
  policy.retry.initial_backoff = milliseconds(1);
  policy.retry.max_backoff = milliseconds(2);
  // Retries up to 1 % of the requests and no floor, so that the budget rejects some retries.
  policy.retry.budget_percent = 1;
  policy.retry.min_retries_per_second = 0;
  policy.circuit_breaker.window.type = config::WindowPolicy::Type::kCount;
  policy.circuit_breaker.window.size = 10;
  policy.circuit_breaker.minimum_calls = 10;
  policy.circuit_breaker.failure_rate_threshold = 50;
  policy.circuit_breaker.open = milliseconds(5);
  policy.circuit_breaker.half_open_calls = 2;
  policy.circuit_breaker.half_open_max_wait = milliseconds(1000);
  policy.bulkhead.max_concurrent = kMaxConcurrent;
  policy.bulkhead.max_wait = milliseconds(2);
  policy.rate_limit.per_second = kRatePerSecond;
  policy.rate_limit.burst = kBurst;
  policy.rate_limit.max_wait = kRateMaxWait;
  return policy;
}

/// Sums the pipeline's counters by name plus the rejection reason or breaker state, such as
/// "outbound.client.rejections/circuit_open". Safe to call from several threads.
class MetricTotals final : public MetricsSink {
 public:
  void add(std::string_view name, double value, const MetricAttributes& attributes) override {
    std::string key(name);
    for (const auto& [attribute, attribute_value] : attributes) {
      if (attribute == "outbound.rejection.reason" ||
          attribute == "outbound.circuit_breaker.state") {
        key += "/" + attribute_value;
      }
    }
    const std::lock_guard<std::mutex> lock(mutex_);
    totals_[key] += value;
  }

  void record(std::string_view, double, const MetricAttributes&) override {}

  double total(const std::string& key) const {
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto found = totals_.find(key);
    return found == totals_.end() ? 0 : found->second;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, double> totals_;
};

/// A provider whose attempts take about 200 us and fail with kUnavailable during every second
/// phase of kPhase, alternately retryable and not. It records the maximum number of attempts
/// that ran at once.
class PhasedProvider {
 public:
  explicit PhasedProvider(steady_clock::time_point start) : start_(start) {}

  Status call() {
    const int running = ++running_;
    int seen = max_running_.load();
    while (running > seen && !max_running_.compare_exchange_weak(seen, running)) {
    }
    const std::int64_t number = ++attempts_;
    std::this_thread::sleep_for(microseconds(200));
    --running_;
    const auto phase = (steady_clock::now() - start_) / kPhase;
    if (phase % 2 == 0) return Status();
    Status failure = Status::unavailable("provider returned HTTP 503");
    if (number % 2 == 0) failure.set_retryable(false);
    return failure;
  }

  int max_running() const { return max_running_.load(); }
  std::int64_t attempts() const { return attempts_.load(); }

 private:
  const steady_clock::time_point start_;
  std::atomic<int> running_{0};
  std::atomic<int> max_running_{0};
  std::atomic<std::int64_t> attempts_{0};
};

/// What one worker thread's calls returned, by kind.
struct CallTally {
  std::int64_t calls = 0;
  std::int64_t succeeded = 0;
  std::int64_t provider_failed = 0;
  std::int64_t bulkhead_full = 0;
  std::int64_t rate_limited = 0;
  std::int64_t circuit_open = 0;
  /// Statuses of none of the kinds above; the pipeline must never return one here.
  std::int64_t unexpected = 0;
  /// Attempts the provider saw from these calls.
  std::int64_t attempts = 0;
  /// Backoff sleeps these calls went through: every attempt after the first, plus one for a
  /// call whose retry was then rejected by the open breaker.
  std::int64_t retries = 0;

  void add(const CallTally& other) {
    calls += other.calls;
    succeeded += other.succeeded;
    provider_failed += other.provider_failed;
    bulkhead_full += other.bulkhead_full;
    rate_limited += other.rate_limited;
    circuit_open += other.circuit_open;
    unexpected += other.unexpected;
    attempts += other.attempts;
    retries += other.retries;
  }
};

void count_call(const Status& status, int attempts, CallTally& tally) {
  ++tally.calls;
  tally.attempts += attempts;
  if (attempts > 0) tally.retries += attempts - 1;
  if (status.ok()) {
    ++tally.succeeded;
  } else if (status.reason() == "bulkhead_full") {
    ++tally.bulkhead_full;
  } else if (status.reason() == "rate_limited") {
    ++tally.rate_limited;
  } else if (status.reason() == "circuit_open") {
    ++tally.circuit_open;
    if (attempts > 0) ++tally.retries;
  } else if (status.code() == StatusCode::kUnavailable && attempts > 0) {
    ++tally.provider_failed;
  } else {
    ++tally.unexpected;
  }
}

/// Returns whether the run has shown every behaviour the test is about. Retry-budget rejections
/// are counted when they happen but not awaited: on a loaded machine a run may see none, and
/// RetryBudget.ConcurrentUseStaysWithinBudget covers the budget under threads.
bool saw_every_event(const Pipeline& pipeline, const MetricTotals& metrics) {
  const BreakerSnapshot breaker = pipeline.breaker().snapshot();
  return breaker.times_opened > 0 && breaker.times_half_opened > 0 && breaker.times_closed > 0 &&
         metrics.total("outbound.client.rejections/bulkhead_full") > 0 &&
         metrics.total("outbound.client.rejections/rate_limited") > 0 &&
         metrics.total("outbound.client.retries") > 0;
}

TEST(Pipeline, ConcurrentCallsKeepInvariants) {
  // The real clock: the bulkhead waits in real time, and so does the breaker's open time here.
  const std::shared_ptr<const Clock> clock(&Clock::system(), [](const Clock*) {});
  auto logger = std::make_shared<spdlog::logger>("pipeline-concurrency",
                                                 std::make_shared<spdlog::sinks::null_sink_mt>());
  // At debug level the pipeline also formats its give-up lines, so that code runs on every thread.
  logger->set_level(spdlog::level::debug);
  const auto metrics = std::make_shared<MetricTotals>();
  Pipeline pipeline("client-1", concurrency_policy(), clock, logger, metrics);

  const steady_clock::time_point start = steady_clock::now();
  PhasedProvider provider(start);
  std::atomic<bool> stop{false};
  std::vector<CallTally> tallies(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!stop.load()) {
        CallContext context;
        context.deadline = clock->steady_now() + milliseconds(1000);
        context.idempotency_key = "key-" + std::to_string(t);
        int attempts = 0;
        const Status status = pipeline.run("charge", context, [&](const CallContext&) {
          ++attempts;
          return provider.call();
        });
        count_call(status, attempts, tallies[t]);
      }
    });
  }
  for (;;) {
    const auto elapsed = steady_clock::now() - start;
    if (elapsed >= kMaxRun) break;
    if (elapsed >= kMinRun && saw_every_event(pipeline, *metrics)) break;
    std::this_thread::sleep_for(milliseconds(10));
  }
  stop = true;
  for (std::thread& thread : threads) thread.join();
  const steady_clock::time_point end = steady_clock::now();

  CallTally total;
  for (const CallTally& tally : tallies) total.add(tally);
  const BreakerSnapshot breaker = pipeline.breaker().snapshot();

  // The run showed what it is meant to exercise.
  EXPECT_GT(breaker.times_opened, 0u);
  EXPECT_GT(breaker.times_half_opened, 0u);
  EXPECT_GT(breaker.times_closed, 0u);
  EXPECT_GT(total.bulkhead_full, 0);
  EXPECT_GT(total.rate_limited, 0);
  EXPECT_GT(total.retries, 0);
  EXPECT_GT(total.succeeded, 0);
  EXPECT_GT(total.provider_failed, 0);

  // No more attempts ran at once than the bulkhead has slots.
  EXPECT_LE(provider.max_running(), kMaxConcurrent);

  // Every call returned a status of a known kind, and the kinds add up to the calls.
  EXPECT_EQ(total.unexpected, 0);
  EXPECT_EQ(total.succeeded + total.provider_failed + total.bulkhead_full + total.rate_limited +
                total.circuit_open + total.unexpected,
            total.calls);
  EXPECT_EQ(total.attempts, provider.attempts());

  // The pipeline's metrics match what the callers saw.
  EXPECT_EQ(metrics->total("outbound.client.rejections/bulkhead_full"), total.bulkhead_full);
  EXPECT_EQ(metrics->total("outbound.client.rejections/rate_limited"), total.rate_limited);
  EXPECT_EQ(metrics->total("outbound.client.rejections/circuit_open"), total.circuit_open);
  EXPECT_EQ(metrics->total("outbound.client.retries"), total.retries);

  // The breaker counted each of its rejections and transitions once.
  EXPECT_EQ(breaker.rejected_calls, static_cast<std::uint64_t>(total.circuit_open));
  EXPECT_EQ(metrics->total("outbound.circuit_breaker.transitions/open"), breaker.times_opened);
  EXPECT_EQ(metrics->total("outbound.circuit_breaker.transitions/half_open"),
            breaker.times_half_opened);
  EXPECT_EQ(metrics->total("outbound.circuit_breaker.transitions/closed"), breaker.times_closed);
  EXPECT_EQ(breaker.generation,
            1 + breaker.times_opened + breaker.times_half_opened + breaker.times_closed);

  // The rate limiter admitted no more calls than its burst plus its rate over the run. The run
  // is counted max_wait longer because a call may reserve a token that far ahead, and the one
  // extra call covers rounding.
  const std::int64_t rate_admitted = total.calls - total.bulkhead_full - total.rate_limited;
  const double run_seconds = std::chrono::duration<double>(end - start + kRateMaxWait).count();
  EXPECT_LE(rate_admitted, kBurst + kRatePerSecond * run_seconds + 1);
}

}  // namespace
}  // namespace outbound::resilience
