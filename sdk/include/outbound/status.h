#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "outbound/export.h"

namespace outbound {

/// StatusCode is the canonical error space shared by the host and every plugin. The numeric
/// values match the gRPC and Abseil codes so they can be mapped without a table.
enum class StatusCode : int {
  /// The call succeeded.
  kOk = 0,
  /// The caller passed a value that can never succeed: a malformed token, a negative amount,
  /// an address with CR or LF. Retrying the same input does not help.
  kInvalidArgument = 3,
  /// The deadline of the call or of one attempt passed before the provider replied.
  kDeadlineExceeded = 4,
  /// The object named by the call does not exist at the provider (an unknown charge id).
  kNotFound = 5,
  /// The object the call tried to create already exists.
  kAlreadyExists = 6,
  /// The credentials were valid but are not allowed to do this (HTTP 403).
  kPermissionDenied = 7,
  /// A quota or rate limit was hit, locally or at the provider (HTTP 429).
  kResourceExhausted = 8,
  /// The system is not in the state the call needs: an already refunded charge, a reused
  /// idempotency key with other parameters.
  kFailedPrecondition = 9,
  /// A concurrency conflict, such as an idempotency key still in use; retry at a higher level.
  kAborted = 10,
  /// The plugin or host does not implement the operation.
  kUnimplemented = 12,
  /// A bug or a broken invariant in the host or a plugin.
  kInternal = 13,
  /// The provider could not be reached or replied with a transient failure (connection
  /// refused, HTTP 5xx, SMTP 4xx, circuit breaker open).
  kUnavailable = 14,
  /// The credentials or the presented token were rejected (HTTP 401, SMTP 535, a bad JWT).
  kUnauthenticated = 16,
};

/// Returns the snake_case name of `code` as used in JSON output ("invalid_argument").
OUTBOUND_SDK_API std::string_view status_code_name(StatusCode code);

/// Parses a snake_case code name; returns nullopt for an unknown name.
OUTBOUND_SDK_API std::optional<StatusCode> parse_status_code(std::string_view name);

/// Returns whether a retry can help for a code when the provider gives no more detail:
/// true for kUnavailable, kDeadlineExceeded, kResourceExhausted and kAborted.
OUTBOUND_SDK_API bool default_retryable(StatusCode code);

/// ProviderDetails are the provider's own words about a result or an error, kept so that an
/// operator can quote them to the provider's support.
struct ProviderDetails {
  /// The provider's error code ("card_declined", "rate_limit", an SMTP enhanced status code).
  std::string code;
  /// A card issuer's decline code ("insufficient_funds"); payment providers only.
  std::string decline_code;
  /// The request parameter the provider blamed ("amount", "exp_month").
  std::string param;
  /// The provider's request id ("req_..."), for support tickets and log correlation.
  std::string request_id;
  /// The HTTP status or SMTP reply code the provider sent; 0 when no reply was received.
  int reply_code = 0;

  bool empty() const {
    return code.empty() && decline_code.empty() && param.empty() && request_id.empty() &&
           reply_code == 0;
  }
};

/// Status is the outcome of an operation: a code, a message for people, whether a retry can
/// help, an optional machine-readable reason and the provider's details. A default-constructed
/// Status is ok and owns no heap memory, so returning success costs nothing.
///
/// Messages never contain secret values: code that builds a Status from provider output
/// must not copy credentials into it.
class OUTBOUND_SDK_API Status {
 public:
  /// Constructs an ok status.
  Status() = default;

  /// Constructs a status with `code` and `message`; retryable defaults to
  /// default_retryable(code).
  Status(StatusCode code, std::string message);

  static Status invalid_argument(std::string message);
  static Status deadline_exceeded(std::string message);
  static Status not_found(std::string message);
  static Status already_exists(std::string message);
  static Status permission_denied(std::string message);
  static Status resource_exhausted(std::string message);
  static Status failed_precondition(std::string message);
  static Status aborted(std::string message);
  static Status unimplemented(std::string message);
  static Status internal(std::string message);
  static Status unavailable(std::string message);
  static Status unauthenticated(std::string message);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  /// Whether repeating the same call later can succeed.
  bool retryable() const { return retryable_; }

  /// A short snake_case reason that scripts can match, narrower than the code: "expired",
  /// "bad_signature", "card_declined", "unknown_outcome". Empty when the code is enough.
  const std::string& reason() const { return reason_; }

  const ProviderDetails& provider() const { return provider_; }

  /// The delay the provider asked for before a retry (HTTP Retry-After); it overrides the
  /// host's computed backoff.
  std::optional<std::chrono::milliseconds> retry_after() const { return retry_after_; }

  Status& set_retryable(bool retryable) {
    retryable_ = retryable;
    return *this;
  }
  Status& set_reason(std::string reason) {
    reason_ = std::move(reason);
    return *this;
  }
  Status& set_provider(ProviderDetails details) {
    provider_ = std::move(details);
    return *this;
  }
  Status& set_retry_after(std::chrono::milliseconds delay) {
    retry_after_ = delay;
    return *this;
  }

  /// Returns a copy whose message is `context` + ": " + this message; code, reason and details
  /// are kept. Used to say which client or file an error came from.
  Status with_context(std::string_view context) const;

  /// Formats as "code: message" plus the reason when there is one.
  std::string to_string() const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }
  friend bool operator!=(const Status& a, const Status& b) { return !(a == b); }

 private:
  StatusCode code_ = StatusCode::kOk;
  bool retryable_ = false;
  std::string message_;
  std::string reason_;
  ProviderDetails provider_;
  std::optional<std::chrono::milliseconds> retry_after_;
};

OUTBOUND_SDK_API std::ostream& operator<<(std::ostream& out, const Status& status);

/// Result<T> contains either a value or a non-ok Status. It is the return type of every call that
/// crosses the plugin boundary or reaches a provider.
template <typename T>
class Result {
 public:
  /// Constructs a result holding `value`.
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)

  /// Constructs a failed result. An ok `status` has no value to go with it, so it is turned
  /// into kInternal rather than leaving a result that claims success and contains nothing.
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (status_.ok()) {
      status_ = Status::internal("Result was built from an ok Status without a value");
    }
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  /// Accessors for the value; calling them on a failed result is a programming error.
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

  /// Returns the value, or `fallback` when the result failed.
  T value_or(T fallback) const& { return value_ ? *value_ : std::move(fallback); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace outbound
