#include "resilience/pipeline.h"

#include <string_view>
#include <thread>
#include <utility>

#include "resilience/backoff.h"

namespace outbound::resilience {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

void sleep_for_real(nanoseconds delay) { std::this_thread::sleep_for(delay); }

long long to_ms(nanoseconds duration) { return duration_cast<milliseconds>(duration).count(); }

/// Returns the parts joined into one string, sized before the first part is copied so that
/// building a rejection message allocates once.
template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::string text;
  text.reserve((std::string_view(parts).size() + ...));
  (text.append(parts), ...);
  return text;
}

}  // namespace

CallOutcome classify(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return CallOutcome::kSuccess;
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kResourceExhausted:
      return CallOutcome::kFailure;
    default:
      return CallOutcome::kIgnored;
  }
}

Pipeline::Pipeline(std::string client_id, const config::Resilience& policy,
                   std::shared_ptr<const Clock> clock, std::shared_ptr<spdlog::logger> logger,
                   std::shared_ptr<MetricsSink> metrics, Sleeper sleeper)
    : client_id_(std::move(client_id)),
      policy_(policy),
      clock_(std::move(clock)),
      logger_(std::move(logger)),
      metrics_(std::move(metrics)),
      sleeper_(sleeper ? std::move(sleeper) : Sleeper(sleep_for_real)),
      bulkhead_(policy_.bulkhead, *clock_),
      rate_limiter_(policy_.rate_limit, *clock_),
      budget_(policy_.retry, *clock_),
      breaker_(policy_.circuit_breaker, *clock_,
               [this](const BreakerTransition& transition) { on_transition(transition); }),
      rejection_attributes_(make_rejection_attributes(client_id_)) {}

const char* Pipeline::rejection_reason(Rejection rejection) {
  switch (rejection) {
    case Rejection::kBulkheadFull:
      return "bulkhead_full";
    case Rejection::kRateLimited:
      return "rate_limited";
    case Rejection::kCircuitOpen:
      return "circuit_open";
    case Rejection::kRetryBudget:
      return "retry_budget";
  }
  return "retry_budget";
}

std::array<MetricAttributes, Pipeline::kRejectionCount> Pipeline::make_rejection_attributes(
    const std::string& client_id) {
  std::array<MetricAttributes, kRejectionCount> attributes;
  for (std::size_t index = 0; index < kRejectionCount; ++index) {
    attributes[index] = {
        {"outbound.client", client_id},
        {"outbound.rejection.reason", rejection_reason(static_cast<Rejection>(index))}};
  }
  return attributes;
}

Status Pipeline::admit(const char* operation, const CallContext& context, BulkheadPermit& permit,
                       std::chrono::steady_clock::time_point& admitted_at) {
  permit = bulkhead_.acquire(Deadline::at(context.deadline));
  if (!permit) {
    count_rejection(Rejection::kBulkheadFull);
    // Set on a named status, because returning the reference that set_reason() returns would
    // copy the message.
    Status rejected = Status::resource_exhausted(
        concat(operation, " on client '", client_id_, "' rejected: all ",
               std::to_string(policy_.bulkhead.max_concurrent),
               " concurrent call slots are busy (bulkhead.max_concurrent)"));
    rejected.set_reason("bulkhead_full");
    return rejected;
  }
  const auto now = clock_->steady_now();
  admitted_at = now;
  if (rate_limiter_.unlimited()) return Status();
  const nanoseconds time_left = context.deadline > now ? context.deadline - now : nanoseconds(0);
  const RateDecision decision =
      rate_limiter_.reserve(now, std::min<nanoseconds>(time_left, policy_.rate_limit.max_wait));
  if (!decision) {
    count_rejection(Rejection::kRateLimited);
    Status rejected = Status::resource_exhausted(
        concat(operation, " on client '", client_id_, "' rejected by the rate limit of ",
               std::to_string(policy_.rate_limit.per_second),
               " calls per second; the next token is free in ",
               std::to_string(to_ms(decision.wait)), " ms"));
    rejected.set_reason("rate_limited").set_retry_after(duration_cast<milliseconds>(decision.wait));
    return rejected;
  }
  if (decision.wait > nanoseconds::zero()) {
    sleeper_(decision.wait);
    admitted_at = clock_->steady_now();
  }
  return Status();
}

Status Pipeline::reject_open(const char* operation, const BreakerAdmission& admission) {
  count_rejection(Rejection::kCircuitOpen);
  const milliseconds retry_after = duration_cast<milliseconds>(admission.retry_after);
  Status rejected = Status::unavailable(concat(
      operation, " on client '", client_id_, "' failed fast: its circuit breaker is ",
      breaker_state_name(admission.state), " after provider failures; it admits a call again in ",
      std::to_string(retry_after.count()), " ms"));
  rejected.set_reason("circuit_open").set_retry_after(retry_after);
  return rejected;
}

std::optional<nanoseconds> Pipeline::retry_delay(const char* operation, const CallContext& context,
                                                 int attempt, const Status& status) {
  if (!status.retryable()) return std::nullopt;
  if (attempt > policy_.retry.max_retries) {
    logger_->debug("client={} op={} request_id={} giving up after {} attempts: {}", client_id_,
                   operation, context.request_id, attempt, status.to_string());
    return std::nullopt;
  }
  const nanoseconds delay =
      next_delay(policy_.retry, attempt, status.retry_after(), thread_random());
  if (clock_->steady_now() + delay >= context.deadline) {
    logger_->debug(
        "client={} op={} request_id={} not retrying: a {} ms backoff passes the "
        "deadline",
        client_id_, operation, context.request_id, to_ms(delay));
    return std::nullopt;
  }
  if (!budget_.try_withdraw()) {
    count_rejection(Rejection::kRetryBudget);
    return std::nullopt;
  }
  metrics_->add("outbound.client.retries", 1,
                {{"outbound.client", client_id_}, {"outbound.operation", operation}});
  logger_->info("client={} op={} request_id={} retrying in {} ms (attempt {} of {}) after: {}",
                client_id_, operation, context.request_id, to_ms(delay), attempt + 1,
                policy_.retry.max_retries + 1, status.to_string());
  return delay;
}

void Pipeline::on_admitted() {
  if (last_logged_rejection_.load(std::memory_order_relaxed) != nullptr) {
    last_logged_rejection_.store(nullptr, std::memory_order_relaxed);
  }
}

void Pipeline::count_rejection(Rejection rejection) {
  metrics_->add("outbound.client.rejections", 1,
                rejection_attributes_[static_cast<std::size_t>(rejection)]);
  const char* reason = rejection_reason(rejection);
  if (last_logged_rejection_.exchange(reason, std::memory_order_relaxed) != reason) {
    logger_->warn("client={} is rejecting calls: {} (logged once until calls are admitted again)",
                  client_id_, reason);
  }
}

void Pipeline::on_transition(const BreakerTransition& transition) {
  metrics_->add(
      "outbound.circuit_breaker.transitions", 1,
      {{"outbound.client", client_id_},
       {"outbound.circuit_breaker.state", std::string(breaker_state_name(transition.to))}});
  const auto level =
      transition.to == BreakerState::kOpen ? spdlog::level::warn : spdlog::level::info;
  logger_->log(level,
               "client={} circuit breaker {} -> {} ({}; window: {} calls, {} failed, {} slow)",
               client_id_, breaker_state_name(transition.from), breaker_state_name(transition.to),
               transition_cause_name(transition.cause), transition.totals.calls,
               transition.totals.failures, transition.totals.slow_calls);
}

}  // namespace outbound::resilience
