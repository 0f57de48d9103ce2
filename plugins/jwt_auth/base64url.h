#pragma once

#include <cstddef>
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

/// Returns how many bytes base64url text of `text_size` characters decodes to: 3 for every 4
/// characters, and 1 or 2 for a final group of 2 or 3. A size that is 1 modulo 4 is invalid
/// and gives the size of the text without its last character.
std::size_t base64url_decoded_size(std::size_t text_size);

/// Decodes strict base64url, with the rules of base64url_decode(), into `out`, which must have
/// room for base64url_decoded_size(text.size()) bytes. Returns false for text that is not
/// strict base64url, and then `out` holds unspecified bytes.
bool base64url_decode_to(std::string_view text, char* out);

}  // namespace outbound::jwt
