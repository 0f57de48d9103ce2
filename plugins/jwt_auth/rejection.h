#pragma once

#include <string>
#include <string_view>

#include "outbound/auth.h"
#include "outbound/status.h"

namespace outbound::jwt {

/// Returns the status of a rejected token: kUnauthenticated, never retryable, with `reason`
/// from outbound::auth_reason. The message states what is wrong and never contains the token.
inline Status token_rejected(const char* reason, std::string message) {
  return Status::unauthenticated(std::move(message)).set_reason(reason).set_retryable(false);
}

/// Returns `value` in double quotes for an error message, cut to 64 bytes and with control
/// characters replaced by '?', because it comes from an untrusted token.
inline std::string quote_token_value(std::string_view value) {
  constexpr std::size_t kMaxQuoted = 64;
  std::string quoted = "\"";
  for (std::size_t i = 0; i < value.size() && i < kMaxQuoted; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    quoted += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  if (value.size() > kMaxQuoted) quoted += "...";
  quoted += '"';
  return quoted;
}

}  // namespace outbound::jwt
