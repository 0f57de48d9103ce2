#pragma once

#include <string>
#include <string_view>

#include "outbound/status.h"

namespace outbound::cli {

/// The maximum length of an idempotency key, in characters. Stripe documents that its keys
/// are "up to 255 characters long" (docs.stripe.com/api/idempotent_requests).
inline constexpr std::size_t kMaxIdempotencyKeyLength = 255;

/// Returns a new idempotency key, a random UUID version 4 in lower-case hex
/// ("1b4e28ba-2fa1-4d2b-883f-0016d3cca427"), from OpenSSL's RAND_bytes. The command makes the
/// key itself, instead of leaving it to the host, so that it can print the key when a call
/// fails and a rerun can reuse it. Returns kInternal when the system has no random source.
Result<std::string> new_idempotency_key();

/// Checks a caller's idempotency key: 1 to kMaxIdempotencyKeyLength printable ASCII
/// characters, with no space or control character, since it travels in an HTTP header.
/// `name` names the value in messages ("--idempotency-key"). Returns kInvalidArgument that
/// quotes the problem: the length of a key that is too long, or the position of the first
/// character that is not allowed.
Status check_idempotency_key(std::string_view key, std::string_view name);

}  // namespace outbound::cli
