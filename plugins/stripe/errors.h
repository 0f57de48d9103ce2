#pragma once

#include <string_view>

#include "outbound/clock.h"
#include "outbound/http.h"
#include "outbound/status.h"

namespace outbound::stripe {

/// Reasons the plugin sets beside Stripe's own error codes.
inline constexpr const char* kCardDeclined = "card_declined";
inline constexpr const char* kIdempotencyError = "idempotency_error";
inline constexpr const char* kNotStripeError = "unexpected_response";

/// Returns the Status of a Stripe response that is not a 2xx, deciding both the code and
/// whether the host may retry, the way Stripe's SDKs do:
///
/// - `Stripe-Should-Retry: true` or `false` decides retrying, whatever the status;
/// - 409 (an idempotency key in use, a lock timeout) and 5xx are retried;
/// - a 429 is retried only when its code is `lock_timeout`. Otherwise it is kResourceExhausted
///   and not retried, because a rate limit clears in seconds to minutes, not milliseconds;
/// - nothing else is retried.
///
/// Codes: `card_error` is kFailedPrecondition with reason "card_declined" and Stripe's code,
/// decline code and param; `idempotency_error` kFailedPrecondition with reason
/// "idempotency_error"; a request that conflicts with the object's state (an already refunded
/// charge) kFailedPrecondition; a 409 kAborted; other `invalid_request_error` kInvalidArgument; 401
/// kUnauthenticated; 403 kPermissionDenied; 404 kNotFound; rate limits kResourceExhausted;
/// `api_error` and 5xx kUnavailable. The reason is Stripe's code when there is one. Every
/// Status keeps the `Request-Id` header and the HTTP status in its provider details. A body
/// that is not Stripe's error JSON gives reason "unexpected_response" and quotes the start of
/// the body. `operation` names the request ("POST /v1/charges"). `api_key` is removed from
/// any text quoted from the response. A Retry-After delay is kept on retried errors, measured
/// from `clock`.
Status error_from_response(const HttpResponse& response, std::string_view operation,
                           std::string_view api_key, const Clock& clock);

/// Returns the `Request-Id` header, or an empty view (Stripe sends one on every response;
/// test servers may not).
std::string_view request_id_of(const HttpResponse& response);

}  // namespace outbound::stripe
