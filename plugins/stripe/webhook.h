#pragma once

#include <chrono>
#include <string_view>

#include "outbound/payment.h"
#include "outbound/secret.h"
#include "outbound/status.h"

namespace outbound::stripe {

/// Reasons of a webhook that fails verification; each comes with kUnauthenticated.
inline constexpr const char* kMalformedSignatureHeader = "malformed_signature_header";
inline constexpr const char* kMissingTimestamp = "missing_timestamp";
inline constexpr const char* kNoValidSignature = "no_valid_signature";
inline constexpr const char* kStaleTimestamp = "timestamp_outside_tolerance";
/// The signature is valid but the payload is not a Stripe event object.
inline constexpr const char* kMalformedEvent = "malformed_event";

/// Verifies a `Stripe-Signature` header for `payload`, the raw request body, and returns the
/// parsed event.
///
/// The header is `t=<unix seconds>` and one or more `v1=<hex>`, separated by commas. `v0` and
/// unknown schemes are ignored. Each `v1` is compared in constant time with the lowercase hex
/// HMAC-SHA256 of `t + "." + payload`, keyed with the whole secret, `whsec_` prefix included.
/// Any one `v1` may match, so the old and new signatures of a rolled secret both verify.
/// The timestamp must be within `tolerance` of `now` in both directions. Stripe's SDKs accept
/// any future timestamp, which lets a captured request be replayed later.
Result<WebhookEvent> verify_webhook(std::string_view signature_header, std::string_view payload,
                                    const Secret& secret, std::chrono::seconds tolerance,
                                    std::chrono::system_clock::time_point now);

/// Returns the lowercase hex HMAC-SHA256 of `timestamp + "." + payload` under `secret`: the
/// value of a `v1` signature.
std::string webhook_signature(std::string_view secret, std::int64_t timestamp,
                              std::string_view payload);

}  // namespace outbound::stripe
