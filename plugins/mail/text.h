#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace outbound::mail {

/// RFC 5322 section 2.1.1: a line MUST be at most 998 octets, CRLF excluded.
inline constexpr std::size_t kMaxLineLength = 998;

/// Whether every octet of `text` is below 0x80.
bool is_ascii(std::string_view text);

/// Whether `text` is well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing
/// above U+10FFFF.
bool is_valid_utf8(std::string_view text);

/// Returns the length of the UTF-8 sequence that starts at `text[position]`, for text that
/// is_valid_utf8 accepted; 1 for an ASCII octet.
std::size_t utf8_sequence_length(std::string_view text, std::size_t position);

/// Whether `text` contains CR, LF or NUL, the octets that would end or cut a header line.
bool has_line_break_or_nul(std::string_view text);

/// Returns `text` with ASCII letters lower-cased.
std::string ascii_lower(std::string_view text);

/// Returns `value` in double quotes for an error message. Control characters are written as \r,
/// \n, \0 or \xHH, so a CR or LF cannot split a log line. Octets above 0x7E are escaped the
/// same way unless the value is valid UTF-8. Text after 80 octets is cut and shown as "...".
std::string quote_for_message(std::string_view value);

}  // namespace outbound::mail
