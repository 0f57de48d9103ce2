#pragma once

// The lexical part of the strict JSON scanner: strings, numbers and literals. Internal to
// outbound_jwt.

#include <string_view>

namespace outbound::jwt {

/// Scans the JSON string whose opening quote is at `position` and moves `position` past its
/// closing quote. Requires well-formed UTF-8, escaped control characters, and \u escapes of
/// valid code points, with a surrogate only in a high-low pair. Sets `has_escapes` when the
/// string contains a backslash. Returns nullptr, or the problem, with `position` at the byte
/// where it was found.
const char* scan_json_string(const char*& position, const char* end, bool& has_escapes);

/// Scans the JSON number at `position` (RFC 8259 section 6) and moves `position` past it.
/// Rejects a number beyond the range of a double, as nlohmann::json does. Returns nullptr, or
/// the problem.
const char* scan_json_number(const char*& position, const char* end);

/// Scans `literal` ("true", "false" or "null") at `position` and moves `position` past it.
/// Returns nullptr, or the problem.
const char* scan_json_literal(const char*& position, const char* end, std::string_view literal);

}  // namespace outbound::jwt
