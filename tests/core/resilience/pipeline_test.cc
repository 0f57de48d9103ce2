#include "resilience/pipeline.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include "fake_clock.h"

namespace outbound::resilience {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using testing::FakeClock;

/// Counts what the pipeline reports, by metric name only.
class MetricCounter final : public MetricsSink {
 public:
  void add(std::string_view name, double value, const MetricAttributes&) override {
    if (name == "outbound.client.retries") retries += value;
    if (name == "outbound.client.rejections") rejections += value;
  }
  void record(std::string_view, double, const MetricAttributes&) override {}

  double retries = 0;
  double rejections = 0;
};

config::Resilience test_policy() {
  config::Resilience policy;
  policy.timeouts.attempt = milliseconds(1000);
  policy.timeouts.total = milliseconds(10000);
  policy.retry.max_retries = 2;
  policy.retry.initial_backoff = milliseconds(100);
  policy.retry.max_backoff = milliseconds(1000);
  policy.circuit_breaker.minimum_calls = 4;
  policy.circuit_breaker.window.type = config::WindowPolicy::Type::kCount;
  policy.circuit_breaker.window.size = 4;
  policy.circuit_breaker.failure_rate_threshold = 50;
  policy.circuit_breaker.open = milliseconds(5000);
  return policy;
}

/// A pipeline on a fake clock whose sleeps advance the clock and are recorded.
struct Harness {
  explicit Harness(const config::Resilience& policy = test_policy())
      : clock(std::make_shared<FakeClock>()),
        metrics(std::make_shared<MetricCounter>()),
        pipeline("client-1", policy, clock,
                 std::make_shared<spdlog::logger>("test",
                                                  std::make_shared<spdlog::sinks::null_sink_mt>()),
                 metrics, [this](nanoseconds delay) {
                   sleeps.push_back(delay);
                   clock->advance(delay);
                 }) {}

  CallContext context() const {
    CallContext context;
    context.deadline = clock->steady_now() + milliseconds(10000);
    context.idempotency_key = "key-1";
    return context;
  }

  std::shared_ptr<FakeClock> clock;
  std::shared_ptr<MetricCounter> metrics;
  std::vector<nanoseconds> sleeps;
  Pipeline pipeline;
};

Status transient() { return Status::unavailable("provider answered 503"); }

TEST(Pipeline, SuccessTakesOneAttempt) {
  Harness harness;
  int attempts = 0;

  const Status status = harness.pipeline.run("op", harness.context(), [&](const CallContext&) {
    ++attempts;
    return Status();
  });

  EXPECT_TRUE(status.ok());
  EXPECT_EQ(attempts, 1);
  EXPECT_TRUE(harness.sleeps.empty());
}

TEST(Pipeline, RetriesRetryableFailureWithSameKey) {
  Harness harness;
  std::vector<int> numbers;
  std::vector<std::string> keys;

  const Result<int> result =
      harness.pipeline.run("op", harness.context(), [&](const CallContext& context) {
        numbers.push_back(context.attempt);
        keys.push_back(context.idempotency_key);
        return numbers.size() < 3 ? Result<int>(transient()) : Result<int>(7);
      });

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, 7);
  EXPECT_EQ(numbers, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(keys, (std::vector<std::string>{"key-1", "key-1", "key-1"}));
  ASSERT_EQ(harness.sleeps.size(), 2u);
  EXPECT_LE(harness.sleeps[0], milliseconds(100));
  EXPECT_LE(harness.sleeps[1], milliseconds(200));
  EXPECT_EQ(harness.metrics->retries, 2);
}

TEST(Pipeline, StopsAfterMaxRetries) {
  Harness harness;
  int attempts = 0;

  const Status status = harness.pipeline.run("op", harness.context(), [&](const CallContext&) {
    ++attempts;
    return transient();
  });

  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(attempts, 3);
}

TEST(Pipeline, NeverRetriesUnsafeOrPermanentFailures) {
  for (Status failure : {Status::unavailable("reset after the body was sent").set_retryable(false),
                         Status::unauthenticated("bad token")}) {
    SCOPED_TRACE(failure.to_string());
    Harness harness;
    int attempts = 0;

    const Status status = harness.pipeline.run("op", harness.context(), [&](const CallContext&) {
      ++attempts;
      return failure;
    });

    EXPECT_EQ(status.code(), failure.code());
    EXPECT_EQ(attempts, 1);
  }
}

TEST(Pipeline, RetryAfterOverridesBackoff) {
  Harness harness;
  int attempts = 0;

  const Status status = harness.pipeline.run("op", harness.context(), [&](const CallContext&) {
    return ++attempts == 1 ? Status::resource_exhausted("429").set_retry_after(milliseconds(2500))
                           : Status();
  });

  EXPECT_TRUE(status.ok());
  ASSERT_EQ(harness.sleeps.size(), 1u);
  EXPECT_EQ(harness.sleeps[0], milliseconds(2500));
}

TEST(Pipeline, BackoffPastDeadlineEndsTheCall) {
  Harness harness;
  CallContext context = harness.context();
  context.deadline = harness.clock->steady_now() + milliseconds(2000);
  int attempts = 0;

  const Status status = harness.pipeline.run("op", context, [&](const CallContext&) {
    ++attempts;
    return Status::unavailable("busy").set_retry_after(milliseconds(3000));
  });

  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(attempts, 1);
  EXPECT_TRUE(harness.sleeps.empty());
}

TEST(Pipeline, AttemptDeadlineIsEarlierOfAttemptAndTotal) {
  Harness harness;
  CallContext context = harness.context();
  context.deadline = harness.clock->steady_now() + milliseconds(300);
  CallContext::TimePoint seen{};

  (void)harness.pipeline.run("op", context, [&](const CallContext& attempt) {
    seen = attempt.attempt_deadline;
    return Status();
  });

  EXPECT_EQ(seen, context.deadline);
}

TEST(Pipeline, OpenBreakerFailsFastWithoutCallingPlugin) {
  Harness harness;
  int attempts = 0;
  auto failing = [&](const CallContext&) {
    ++attempts;
    return Status::unavailable("down").set_retryable(false);
  };
  for (int i = 0; i < 4; ++i) (void)harness.pipeline.run("op", harness.context(), failing);
  ASSERT_EQ(attempts, 4);

  const Status status = harness.pipeline.run("op", harness.context(), failing);

  EXPECT_EQ(attempts, 4);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(status.reason(), "circuit_open");
  ASSERT_TRUE(status.retry_after().has_value());
  EXPECT_EQ(*status.retry_after(), milliseconds(5000));
  EXPECT_EQ(harness.metrics->rejections, 1);
}

TEST(Pipeline, BypassedCallsIgnoreTheBreaker) {
  Harness harness;
  int attempts = 0;
  auto failing = [&](const CallContext&) {
    ++attempts;
    return Status::unavailable("down").set_retryable(false);
  };
  // Failures of bypassed calls do not count, so the breaker stays closed.
  for (int i = 0; i < 6; ++i) {
    (void)harness.pipeline.run("op", harness.context(), failing, BreakerUse::kBypassed);
  }
  EXPECT_EQ(harness.pipeline.breaker().snapshot().state, BreakerState::kClosed);

  // Once guarded calls open it, bypassed calls still run.
  for (int i = 0; i < 4; ++i) (void)harness.pipeline.run("op", harness.context(), failing);
  ASSERT_EQ(harness.pipeline.run("op", harness.context(), failing).reason(), "circuit_open");
  const int before = attempts;
  const Status bypassed = harness.pipeline.run("op", harness.context(),
                                               [](const CallContext&) { return Status(); },
                                               BreakerUse::kBypassed);
  EXPECT_TRUE(bypassed.ok());
  EXPECT_EQ(attempts, before);
  EXPECT_EQ(harness.pipeline.breaker().snapshot().state, BreakerState::kOpen);
}

TEST(Pipeline, RejectionsDoNotOpenTheBreaker) {
  Harness harness;
  int attempts = 0;
  auto rejected = [&](const CallContext&) {
    ++attempts;
    return Status::failed_precondition("card declined");
  };
  for (int i = 0; i < 10; ++i) (void)harness.pipeline.run("op", harness.context(), rejected);

  EXPECT_EQ(attempts, 10);
  EXPECT_EQ(harness.pipeline.breaker().snapshot().state, BreakerState::kClosed);
}

TEST(Pipeline, FullBulkheadRejectsAtOnce) {
  config::Resilience policy = test_policy();
  policy.bulkhead.max_concurrent = 1;
  Harness harness(policy);
  Status inner;

  const Status outer = harness.pipeline.run("op", harness.context(), [&](const CallContext&) {
    inner =
        harness.pipeline.run("op", harness.context(), [](const CallContext&) { return Status(); });
    return Status();
  });

  EXPECT_TRUE(outer.ok());
  EXPECT_EQ(inner.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(inner.reason(), "bulkhead_full");
}

TEST(Pipeline, RateLimitRejectsBeyondBurst) {
  config::Resilience policy = test_policy();
  policy.rate_limit.per_second = 1;
  policy.rate_limit.burst = 2;
  Harness harness(policy);
  auto ok = [](const CallContext&) { return Status(); };

  const Status first = harness.pipeline.run("op", harness.context(), ok);
  const Status second = harness.pipeline.run("op", harness.context(), ok);
  const Status third = harness.pipeline.run("op", harness.context(), ok);

  EXPECT_TRUE(first.ok());
  EXPECT_TRUE(second.ok());
  EXPECT_EQ(third.reason(), "rate_limited");
  EXPECT_TRUE(third.retry_after().has_value());
}

TEST(Pipeline, ClassifiesOnlyAvailabilityFailures) {
  EXPECT_EQ(classify(Status()), CallOutcome::kSuccess);
  EXPECT_EQ(classify(Status::unavailable("x")), CallOutcome::kFailure);
  EXPECT_EQ(classify(Status::deadline_exceeded("x")), CallOutcome::kFailure);
  EXPECT_EQ(classify(Status::resource_exhausted("x")), CallOutcome::kFailure);
  EXPECT_EQ(classify(Status::unauthenticated("x")), CallOutcome::kIgnored);
  EXPECT_EQ(classify(Status::failed_precondition("x")), CallOutcome::kIgnored);
  EXPECT_EQ(classify(Status::invalid_argument("x")), CallOutcome::kIgnored);
  EXPECT_EQ(classify(Status::internal("x")), CallOutcome::kIgnored);
}

}  // namespace
}  // namespace outbound::resilience
