#include "stripe/errors.h"

#include <algorithm>
#include <array>
#include <string>

#include <nlohmann/json.hpp>

#include "outbound/retry_after.h"

namespace outbound::stripe {
namespace {

using nlohmann::json;

// Error codes of requests that are well formed but conflict with the object's current state.
constexpr std::array<std::string_view, 10> kStateConflicts = {
    "charge_already_captured",     "charge_already_refunded", "charge_disputed",
    "charge_expired_for_capture",  "charge_not_refundable",   "payment_intent_unexpected_state",
    "refund_disputed_payment",     "resource_already_exists", "balance_insufficient",
    "customer_max_payment_methods"};

std::string text_member(const json& object, const char* name) {
  const auto found = object.find(name);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

// Replaces every occurrence of the API key in text quoted from a response.
std::string without_key(std::string text, std::string_view api_key) {
  if (api_key.empty()) return text;
  for (std::size_t at = text.find(api_key); at != std::string::npos; at = text.find(api_key, at)) {
    text.replace(at, api_key.size(), "[REDACTED]");
  }
  return text;
}

// Keeps the start of a body that is not Stripe's JSON, printable ASCII only, for a message.
std::string excerpt(std::string_view body) {
  constexpr std::size_t kLimit = 120;
  std::string printable;
  for (char c : body.substr(0, kLimit)) {
    printable += (c >= 0x20 && c < 0x7f) ? c : ' ';
  }
  if (body.size() > kLimit) printable += "...";
  return printable;
}

StatusCode code_for(int http_status, const std::string& type, const std::string& code) {
  // A 409 is a request that collided with another using the same idempotency key or object.
  if (http_status == 409) return StatusCode::kAborted;
  if (type == "card_error") return StatusCode::kFailedPrecondition;
  if (type == "idempotency_error") return StatusCode::kFailedPrecondition;
  if (type == "rate_limit_error" || code == "rate_limit") return StatusCode::kResourceExhausted;
  if (code == "lock_timeout") return StatusCode::kAborted;
  if (type == "api_error") return StatusCode::kUnavailable;
  switch (http_status) {
    case 401:
      return StatusCode::kUnauthenticated;
    case 402:
      return StatusCode::kFailedPrecondition;
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 429:
      return StatusCode::kResourceExhausted;
    default:
      break;
  }
  if (http_status >= 500) return StatusCode::kUnavailable;
  if (std::find(kStateConflicts.begin(), kStateConflicts.end(), code) != kStateConflicts.end()) {
    return StatusCode::kFailedPrecondition;
  }
  if (type == "invalid_request_error" || http_status == 400) return StatusCode::kInvalidArgument;
  return StatusCode::kFailedPrecondition;
}

bool retry_by_status(int http_status, const std::string& code) {
  if (http_status == 409 || http_status >= 500) return true;
  return http_status == 429 && code == "lock_timeout";
}

std::string describe(StatusCode status_code, const std::string& type) {
  if (type == "card_error") return "Stripe declined the card";
  switch (status_code) {
    case StatusCode::kUnauthenticated:
      return "Stripe rejected the API key; check the client's api_key setting";
    case StatusCode::kPermissionDenied:
      return "Stripe does not allow this key to do that";
    case StatusCode::kNotFound:
      return "Stripe has no such object";
    case StatusCode::kResourceExhausted:
      return "Stripe is rate limiting this account";
    case StatusCode::kUnavailable:
      return "Stripe failed to handle the request";
    case StatusCode::kAborted:
      return "Stripe is still working on a request with the same idempotency key";
    default:
      return "Stripe rejected the request";
  }
}

}  // namespace

std::string_view request_id_of(const HttpResponse& response) {
  return response.header("Request-Id");
}

Status error_from_response(const HttpResponse& response, std::string_view operation,
                           std::string_view api_key, const Clock& clock) {
  ProviderDetails details;
  details.request_id = std::string(request_id_of(response));
  details.reply_code = response.status;

  const json body = json::parse(response.body, nullptr, false);
  const bool stripe_shape = !body.is_discarded() && body.is_object() && body.contains("error") &&
                            body["error"].is_object();
  std::string type;
  std::string message;
  if (stripe_shape) {
    const json& error = body["error"];
    type = text_member(error, "type");
    details.code = text_member(error, "code");
    details.decline_code = text_member(error, "decline_code");
    details.param = text_member(error, "param");
    message = without_key(text_member(error, "message"), api_key);
  }

  const StatusCode status_code = code_for(response.status, type, details.code);
  std::string text = describe(status_code, type) + " (HTTP " + std::to_string(response.status) +
                     " to " + std::string(operation);
  if (!details.request_id.empty()) text += ", request " + details.request_id;
  text += ")";
  if (stripe_shape) {
    if (!message.empty()) text += ": " + message;
    if (!details.code.empty()) text += " [" + details.code;
    if (!details.decline_code.empty()) text += ", decline code " + details.decline_code;
    if (!details.param.empty()) text += ", param " + details.param;
    if (!details.code.empty()) text += "]";
  } else {
    text += "; the body is not Stripe's error JSON";
    if (!response.body.empty()) {
      text += ": \"" + without_key(excerpt(response.body), api_key) + "\"";
    }
  }

  Status status(status_code, std::move(text));
  if (type == "card_error") {
    status.set_reason(kCardDeclined);
  } else if (type == "idempotency_error" && status_code != StatusCode::kAborted) {
    status.set_reason(kIdempotencyError);
  } else if (!details.code.empty()) {
    status.set_reason(details.code);
  } else if (!stripe_shape) {
    status.set_reason(kNotStripeError);
  }

  bool retry = retry_by_status(response.status, details.code);
  const std::string_view should_retry = response.header("Stripe-Should-Retry");
  if (should_retry == "true") retry = true;
  if (should_retry == "false") retry = false;
  status.set_retryable(retry);
  if (retry) {
    if (const auto delay = parse_retry_after(response.header("Retry-After"), clock)) {
      status.set_retry_after(*delay);
    }
  }
  status.set_provider(std::move(details));
  return status;
}

}  // namespace outbound::stripe
