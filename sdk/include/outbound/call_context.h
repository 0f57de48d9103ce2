#pragma once

#include <chrono>
#include <string>

namespace outbound {

/// CallContext travels with every capability call from the application, through the host's
/// resilience pipeline, to one attempt inside a plugin.
///
/// An application may leave every field empty. The host then sets the deadline from the
/// client's `timeouts.total_ms`, never later than a deadline the caller gave, and for payment
/// operations that create or change an object it generates one idempotency key per logical
/// call, before any attempt, so that every retry of that call carries the same key.
struct CallContext {
  using TimePoint = std::chrono::steady_clock::time_point;

  /// The moment the whole call (all attempts and backoff sleeps) must have finished.
  /// TimePoint{} means "not set by the caller"; the host always sets it before a plugin runs.
  TimePoint deadline{};

  /// The moment this attempt must have finished: the earlier of the call's deadline and the
  /// start of the attempt plus `timeouts.attempt_ms`. Plugins bound every socket wait by it.
  TimePoint attempt_deadline{};

  /// 1 for the first attempt, 2 for the first retry, and so on.
  int attempt = 1;

  /// The idempotency key of the logical call; unchanged across its retries. Plugins send it
  /// to providers that support one (Stripe's `Idempotency-Key`).
  std::string idempotency_key;

  /// An id for this call that the host puts into logs and outbound request headers.
  std::string request_id;

  /// A W3C trace context (`traceparent` header value) supplied by the caller, or empty.
  std::string traceparent;

  /// Returns the deadline a plugin should apply to its next wait: the attempt deadline when
  /// set, else the call deadline.
  TimePoint effective_deadline() const {
    return attempt_deadline != TimePoint{} ? attempt_deadline : deadline;
  }

  /// Returns the time left until effective_deadline(), or zero when it has passed.
  std::chrono::milliseconds remaining(TimePoint now) const {
    auto left = effective_deadline() - now;
    if (left <= TimePoint::duration::zero()) return std::chrono::milliseconds(0);
    return std::chrono::duration_cast<std::chrono::milliseconds>(left);
  }
};

}  // namespace outbound
