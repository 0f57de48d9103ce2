#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace outbound::mail {

/// RFC 2047 section 2: an encoded word is at most 75 characters.
inline constexpr std::size_t kMaxEncodedWord = 75;

/// Plain header text with a whitespace-free run longer than this many octets is sent as encoded
/// words, which can be split. So no header line exceeds the 998 octets of RFC 5322 section
/// 2.1.1, whatever the header name before it.
inline constexpr std::size_t kMaxPlainRun = 900;

/// HeaderText is a header value, or a part of one, ready for folding.
struct HeaderText {
  std::string text;
  /// Whether `text` contains RFC 2047 encoded words, whose lines RFC 2047 limits to 76
  /// characters.
  bool has_encoded_words = false;
};

/// Encodes `text`, which must be valid UTF-8, as RFC 2047 encoded words in the utf-8 charset,
/// separated by single spaces: Q encoding when it is no longer than B, else B. Words are split
/// only between characters. The first word is at most `first_word_max` characters, clamped to
/// 24..75 so that a long header name leaves room, and the others are at most 75. The Q form
/// encodes everything except letters, digits and !*+-/, so the words are also valid inside a
/// phrase (RFC 2047 section 5, rule 3).
std::string encode_words(std::string_view text, std::size_t first_word_max = kMaxEncodedWord);

/// Formats a display name as an RFC 5322 phrase. Atoms are used when it is only atext words
/// separated by single spaces, and a quoted-string when it is other printable ASCII. Encoded
/// words are used when it is not ASCII, contains a control character or "=?", or its plain
/// form has a run longer than kMaxPlainRun (a quoted-string counts as one run).
/// `display_name` must be valid UTF-8 without CR, LF or NUL.
HeaderText format_phrase(std::string_view display_name);

/// Formats unstructured header text (RFC 5322 section 3.2.5): as it is when it is ASCII with no
/// control character other than tab and no run longer than kMaxPlainRun, else as encoded words
/// whose first is at most `first_word_max` characters. With `encode_lookalikes`, text that
/// contains "=?" is encoded too, so that a reader does not decode it as an encoded word.
/// `text` must be valid UTF-8 without CR, LF or NUL.
HeaderText format_unstructured(std::string_view text, std::size_t first_word_max,
                               bool encode_lookalikes);

/// Returns the MIME parameter `name`=`value` (RFC 2045, RFC 2231) as one or more
/// "attribute=value" items, to be joined with "; ": a quoted-string for short printable ASCII,
/// RFC 2231 continuations (`name*0=`, `name*1=`) for long ASCII, and RFC 2231 extended values
/// in utf-8 (`name*=utf-8''...`, or `name*0*=` continuations) for anything else. Each item
/// fits on a folded line of 78 characters. `value` must be valid UTF-8 without CR, LF or NUL.
std::vector<std::string> format_parameter(std::string_view name, std::string_view value);

/// Returns `text` as an RFC 5322 quoted-string, with '"' and '\' escaped.
std::string quote_string(std::string_view text);

}  // namespace outbound::mail
