#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "outbound/mail.h"

// Independent readers of what the message builder writes, so the tests check its output
// against the RFCs instead of against its own encoders.
namespace outbound::mail::testing {

/// Returns `text` with every "\n" written as "\r\n", for golden messages written as raw
/// strings. `text` must have no "\r".
std::string crlf(std::string_view text);

/// Splits `bytes` at CRLF; the text after the last CRLF is the last element.
std::vector<std::string> split_lines(std::string_view bytes);

/// Returns the header section of a message: everything before the first empty line.
std::string header_section(std::string_view message);

/// Returns the body: everything after the first empty line.
std::string body_section(std::string_view message);

/// Returns the unfolded value of the first field `name` (case-insensitive) in `headers`, with
/// the space after the colon removed, or an empty string when there is none.
std::string field_value(std::string_view headers, std::string_view name);

/// Whether `headers` has a field `name` (case-insensitive).
bool has_field(std::string_view headers, std::string_view name);

/// Decodes RFC 2047 encoded words in an unfolded header value: each "=?utf-8?B?...?=" or
/// "=?utf-8?Q?...?=" becomes its text, and whitespace between two encoded words is dropped.
std::string decode_encoded_words(std::string_view value);

/// Decodes quoted-printable (RFC 2045 section 6.7), including soft line breaks.
std::string decode_quoted_printable(std::string_view encoded);

/// Decodes base64, skipping CR and LF.
std::string decode_base64(std::string_view encoded);

/// Whether `bytes` has a CR not followed by LF, or an LF not preceded by CR.
bool has_lone_cr_or_lf(std::string_view bytes);

/// Returns the length of the longest line of `bytes`, CRLF excluded.
std::size_t longest_line(std::string_view bytes);

/// A small valid message: from, one recipient, a subject and a text body.
MailMessage simple_message();

}  // namespace outbound::mail::testing
