#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace outbound::logging {

/// Base64 alphabets of RFC 4648: the standard one and the URL and filename safe one.
enum class Base64Alphabet { kStandard, kUrl };

/// Encodes `data` as base64, with `=` padding when `pad` is true.
std::string base64_encode(std::string_view data, Base64Alphabet alphabet, bool pad);

/// Decodes standard base64, ignoring `=` padding. Decoding stops at the first character outside
/// the alphabet, so the caller passes a run it has already delimited.
std::string base64_decode(std::string_view text);

/// Returns the forms `value` takes in logs and on the wire, without `value` itself and without
/// duplicates:
/// - standard and URL-safe base64, with and without padding;
/// - for the value at byte offset 0, 1 and 2 of a longer base64 run, the characters that depend
///   only on the value's own bytes, in both alphabets;
/// - percent-encoding of every byte outside RFC 3986 "unreserved", with upper and lower hex
///   digits, and the form-encoding variant that writes a space as `+`;
/// - JSON string escaping without the quotes, with non-ASCII characters kept and as `\uXXXX`.
std::vector<std::string> encoded_forms(std::string_view value);

}  // namespace outbound::logging
