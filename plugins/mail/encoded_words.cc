#include "mail/encoded_words.h"

#include <algorithm>
#include <cstring>

#include "mail/address.h"
#include "mail/body_encoding.h"
#include "mail/text.h"

namespace outbound::mail {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

// "=?utf-8?Q?" and "?=" around the encoded text.
constexpr std::size_t kEncodedWordOverhead = 12;
// The minimum length of the first word encode_words makes, so that any 4-octet character fits
// in either encoding (12 characters in Q).
constexpr std::size_t kMinFirstWord = 24;
// The maximum length of a value (with its quotes or encoding) in one parameter item, so that
// " filename*10*=" + value + ";" fits in 78 characters.
constexpr std::size_t kMaxParameterValue = 60;

// Characters the Q encoding may leave as they are in any header, phrases included.
bool q_literal(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         (c != '\0' && std::strchr("!*+-/", c) != nullptr);
}

std::size_t q_length(std::string_view octets) {
  std::size_t length = 0;
  for (char c : octets) {
    const auto u = static_cast<unsigned char>(c);
    length += (q_literal(u) || u == ' ') ? 1 : 3;
  }
  return length;
}

std::string q_encode(std::string_view octets) {
  std::string encoded;
  for (char c : octets) {
    const auto u = static_cast<unsigned char>(c);
    if (u == ' ') {
      encoded += '_';
    } else if (q_literal(u)) {
      encoded += c;
    } else {
      encoded += '=';
      encoded += kHex[u >> 4];
      encoded += kHex[u & 0x0F];
    }
  }
  return encoded;
}

std::size_t b_length(std::size_t octets) { return (octets + 2) / 3 * 4; }

// Returns the maximum length of a run of octets without a space or tab.
std::size_t longest_run(std::string_view text) {
  std::size_t longest = 0;
  std::size_t current = 0;
  for (char c : text) {
    current = (c == ' ' || c == '\t') ? 0 : current + 1;
    longest = std::max(longest, current);
  }
  return longest;
}

bool has_control(std::string_view text, bool allow_tab) {
  return std::any_of(text.begin(), text.end(), [allow_tab](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && !(allow_tab && u == '\t')) || u == 0x7F;
  });
}

// Whether `name` is atext words separated by single spaces, which a phrase may show bare.
bool atoms_only(std::string_view name) {
  if (name.front() == ' ' || name.back() == ' ') return false;
  if (name.find("  ") != std::string_view::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return c == ' ' || is_atext(c); });
}

void append_percent_encoded(std::string& out, std::string_view octets) {
  for (char c : octets) {
    const auto u = static_cast<unsigned char>(c);
    // attribute-char (RFC 2231 section 7): token characters other than '*', ''' and '%'.
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
        (u != '\0' && std::strchr("!#$&+-.^_`|~", u) != nullptr)) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0x0F];
    }
  }
}

std::vector<std::string> ascii_parameter(std::string_view name, std::string_view value) {
  const std::string whole = quote_string(value);
  if (whole.size() <= kMaxParameterValue) return {std::string(name) + "=" + whole};
  // RFC 2231 section 3: numbered continuations of plain quoted-strings.
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start < value.size()) {
    std::size_t end = start;
    std::size_t quoted_length = 2;
    while (end < value.size()) {
      const std::size_t needed = (value[end] == '"' || value[end] == '\\') ? 2 : 1;
      if (quoted_length + needed > kMaxParameterValue) break;
      quoted_length += needed;
      ++end;
    }
    items.push_back(std::string(name) + "*" + std::to_string(items.size()) + "=" +
                    quote_string(value.substr(start, end - start)));
    start = end;
  }
  return items;
}

std::vector<std::string> extended_parameter(std::string_view name, std::string_view value) {
  constexpr std::string_view kCharsetPrefix = "utf-8''";
  std::string whole(kCharsetPrefix);
  append_percent_encoded(whole, value);
  if (whole.size() <= kMaxParameterValue) return {std::string(name) + "*=" + whole};
  // RFC 2231 sections 3 and 4: the first continuation carries the charset. Every segment
  // ends between characters, so a reader that decodes segments one by one still gets UTF-8.
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start < value.size()) {
    std::string segment = items.empty() ? std::string(kCharsetPrefix) : std::string();
    std::size_t end = start;
    while (end < value.size()) {
      const std::size_t length = utf8_sequence_length(value, end);
      std::string piece;
      append_percent_encoded(piece, value.substr(end, length));
      if (segment.size() + piece.size() > kMaxParameterValue && end > start) break;
      segment += piece;
      end += length;
    }
    items.push_back(std::string(name) + "*" + std::to_string(items.size()) + "*=" + segment);
    start = end;
  }
  return items;
}

}  // namespace

std::string encode_words(std::string_view text, std::size_t first_word_max) {
  const bool use_q = q_length(text) <= b_length(text.size());
  first_word_max = std::clamp(first_word_max, kMinFirstWord, kMaxEncodedWord);
  const std::string prefix = use_q ? "=?utf-8?Q?" : "=?utf-8?B?";

  std::string encoded;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t word_max = encoded.empty() ? first_word_max : kMaxEncodedWord;
    const std::size_t payload_max = word_max - kEncodedWordOverhead;
    // Take whole characters while the encoded form fits.
    std::size_t end = start;
    while (end < text.size()) {
      const std::size_t next = end + utf8_sequence_length(text, end);
      const std::string_view candidate = text.substr(start, next - start);
      const std::size_t length = use_q ? q_length(candidate) : b_length(candidate.size());
      if (length > payload_max && end > start) break;
      end = next;
      if (length > payload_max) break;
    }
    const std::string_view chunk = text.substr(start, end - start);
    if (!encoded.empty()) encoded += ' ';
    encoded += prefix;
    encoded += use_q ? q_encode(chunk) : base64(chunk);
    encoded += "?=";
    start = end;
  }
  return encoded;
}

HeaderText format_phrase(std::string_view display_name) {
  if (display_name.empty()) return {};
  const bool encode = !is_ascii(display_name) || has_control(display_name, false) ||
                      display_name.find("=?") != std::string_view::npos;
  if (!encode) {
    if (atoms_only(display_name) && longest_run(display_name) <= kMaxPlainRun) {
      return {std::string(display_name), false};
    }
    // Structured fields are not folded inside a quoted-string, so all of it counts as one run.
    std::string quoted = quote_string(display_name);
    if (quoted.size() <= kMaxPlainRun) return {std::move(quoted), false};
  }
  return {encode_words(display_name), true};
}

HeaderText format_unstructured(std::string_view text, std::size_t first_word_max,
                               bool encode_lookalikes) {
  const bool encode = !is_ascii(text) || has_control(text, true) ||
                      longest_run(text) > kMaxPlainRun ||
                      (encode_lookalikes && text.find("=?") != std::string_view::npos);
  if (!encode) return {std::string(text), false};
  return {encode_words(text, first_word_max), true};
}

std::vector<std::string> format_parameter(std::string_view name, std::string_view value) {
  const bool printable_ascii = std::all_of(value.begin(), value.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F;
  });
  return printable_ascii ? ascii_parameter(name, value) : extended_parameter(name, value);
}

std::string quote_string(std::string_view text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

}  // namespace outbound::mail
