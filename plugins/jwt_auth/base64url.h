#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace outbound::jwt {

/// Encodes `data` as base64url without padding (RFC 7515 section 2).
std::string base64url_encode(std::string_view data);

/// Appends the base64url form of `data`, without padding, to `out`.
void base64url_append(std::string_view data, std::string& out);

/// Decodes strict base64url, in which every byte string has exactly one accepted encoding. The
/// text may contain only A-Z, a-z, 0-9, '-' and '_', without padding or whitespace. Its length
/// must not be 1 modulo 4, and the unused trailing bits must be zero. Returns nullopt otherwise.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace outbound::jwt
