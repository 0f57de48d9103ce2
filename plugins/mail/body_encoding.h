#pragma once

#include <string>
#include <string_view>

namespace outbound::mail {

/// TransferEncoding is a Content-Transfer-Encoding the builder writes (RFC 2045 section 6).
enum class TransferEncoding { kSevenBit, kQuotedPrintable, kBase64 };

/// Returns the header value of `encoding`: "7bit", "quoted-printable" or "base64".
const char* transfer_encoding_name(TransferEncoding encoding);

/// Returns `text` with every line ending (CRLF, a lone CR, a lone LF) written as CRLF.
std::string normalize_line_endings(std::string_view text);

/// Returns the encoding for a text part whose line endings are already CRLF. It is 7bit for
/// ASCII without control characters other than tab and with lines of at most 998 octets, and
/// quoted-printable for anything else, so a text part never needs 8BITMIME.
TransferEncoding choose_text_encoding(std::string_view normalized_text);

/// Returns the body of a text part: `normalized_text` in `encoding` (7bit or quoted-printable),
/// ending with CRLF unless it is empty.
std::string encode_text_body(std::string_view normalized_text, TransferEncoding encoding);

/// Returns `octets` in quoted-printable (RFC 2045 section 6.7): CRLF in the input stays a line
/// break, '=', control characters and octets above 0x7E become =XX, a space or tab at the end
/// of a line becomes =20 or =09, and soft line breaks keep every line at most 76 characters.
std::string quoted_printable(std::string_view octets);

/// Returns `octets` in base64 (RFC 4648 section 4) on one line, with padding.
std::string base64(std::string_view octets);

/// Returns `octets` in base64 (RFC 2045 section 6.8) in lines of 76 characters, each ending
/// with CRLF.
std::string base64_lines(std::string_view octets);

}  // namespace outbound::mail
