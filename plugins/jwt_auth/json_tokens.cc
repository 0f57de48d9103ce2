#include "jwt_auth/json_tokens.h"

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "jwt_auth/json_text.h"

namespace outbound::jwt {
namespace {

// The class of each byte inside a string: most bytes are plain content.
enum ByteClass : std::uint8_t { kPlain, kQuote, kBackslash, kControl, kNonAscii };

constexpr std::array<std::uint8_t, 256> make_byte_classes() {
  std::array<std::uint8_t, 256> classes{};
  for (std::size_t byte = 0; byte < 0x20; ++byte) classes[byte] = kControl;
  for (std::size_t byte = 0x80; byte < 0x100; ++byte) classes[byte] = kNonAscii;
  classes['"'] = kQuote;
  classes['\\'] = kBackslash;
  return classes;
}

constexpr std::array<std::uint8_t, 256> kByteClasses = make_byte_classes();

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_hex_digit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::uint32_t hex_digit_value(char c) {
  if (is_digit(c)) return static_cast<std::uint32_t>(c - '0');
  return static_cast<std::uint32_t>((c | 0x20) - 'a' + 10);
}

// Reads the \u escape at `p` into `unit` and moves past it; false without 4 hex digits.
bool read_code_unit(const char*& p, const char* end, std::uint32_t& unit) {
  if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !is_hex_digit(p[2]) || !is_hex_digit(p[3]) ||
      !is_hex_digit(p[4]) || !is_hex_digit(p[5])) {
    return false;
  }
  unit = 0;
  for (int i = 2; i < 6; ++i) unit = (unit << 4) | hex_digit_value(p[i]);
  p += 6;
  return true;
}

// Scans the escape whose backslash is at `p`.
const char* scan_escape(const char*& p, const char* end) {
  if (end - p < 2) return "unterminated string";
  switch (p[1]) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
      p += 2;
      return nullptr;
    case 'u':
      break;
    default:
      ++p;
      return "invalid escape in a string";
  }
  std::uint32_t unit = 0;
  if (!read_code_unit(p, end, unit)) return "\\u escape without 4 hex digits";
  if (unit >= 0xdc00 && unit <= 0xdfff) return "low surrogate escape without a high one";
  if (unit >= 0xd800 && unit <= 0xdbff) {
    std::uint32_t low = 0;
    if (!read_code_unit(p, end, low) || low < 0xdc00 || low > 0xdfff) {
      return "high surrogate escape without a low one after it";
    }
  }
  return nullptr;
}

// Checks one UTF-8 sequence of 2 to 4 bytes at `p` against the well-formed byte sequences of
// the Unicode Standard (table 3-7): no overlong forms, no surrogates, nothing above U+10FFFF.
const char* scan_utf8_sequence(const char*& p, const char* end) {
  const auto byte = [p](std::ptrdiff_t offset) { return static_cast<unsigned char>(p[offset]); };
  const unsigned char lead = byte(0);
  std::ptrdiff_t length = 0;
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) second_min = 0xa0;
    if (lead == 0xed) second_max = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) second_min = 0x90;
    if (lead == 0xf4) second_max = 0x8f;
  } else {
    return "invalid UTF-8 in a string";
  }
  if (end - p < length || byte(1) < second_min || byte(1) > second_max) {
    return "invalid UTF-8 in a string";
  }
  for (std::ptrdiff_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xbf) return "invalid UTF-8 in a string";
  }
  p += length;
  return nullptr;
}

// Returns the first byte at or after `p` that is not plain string content, or `end`. It tests
// 8 bytes at a time while they are all plain, because most of a token's text is.
const char* skip_plain_bytes(const char* p, const char* end) {
  constexpr std::uint64_t kOnes = 0x0101010101010101;
  constexpr std::uint64_t kHighBits = 0x8080808080808080;
  while (end - p >= 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, p, 8);
    // A byte has its high bit set in `special` when it is below 0x20 or at least 0x80, or
    // when it equals '"' or '\\' (a zero byte after the XOR). Each test may also flag a byte
    // after a flagged one, which only ends the fast path early.
    const std::uint64_t quote = word ^ (kOnes * '"');
    const std::uint64_t backslash = word ^ (kOnes * '\\');
    const std::uint64_t special =
        (word - kOnes * 0x20) | word | (quote - kOnes) | (backslash - kOnes);
    if ((special & kHighBits) != 0) break;
    p += 8;
  }
  while (p != end && kByteClasses[static_cast<unsigned char>(*p)] == kPlain) ++p;
  return p;
}

}  // namespace

const char* scan_json_string(const char*& position, const char* end, bool& has_escapes) {
  const char*& p = position;
  ++p;  // the opening quote
  for (;;) {
    p = skip_plain_bytes(p, end);
    if (p == end) return "unterminated string";
    const char* problem = nullptr;
    switch (kByteClasses[static_cast<unsigned char>(*p)]) {
      case kQuote:
        ++p;
        return nullptr;
      case kBackslash:
        has_escapes = true;
        problem = scan_escape(p, end);
        break;
      case kControl:
        return "unescaped control character in a string";
      default:
        problem = scan_utf8_sequence(p, end);
        break;
    }
    if (problem != nullptr) return problem;
  }
}

// RFC 8259 section 6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
const char* scan_json_number(const char*& position, const char* end) {
  const char*& p = position;
  const char* start = p;
  if (*p == '-') ++p;
  if (p == end || !is_digit(*p)) return "number without digits";

  // The number of integer digits plus the exponent bounds the magnitude: below 10^that.
  std::int64_t magnitude_digits = 0;
  if (*p == '0') {
    ++p;
  } else {
    const char* digits = p;
    while (p != end && is_digit(*p)) ++p;
    magnitude_digits = p - digits;
  }

  if (p != end && *p == '.') {
    ++p;
    if (p == end || !is_digit(*p)) return "number without digits after '.'";
    while (p != end && is_digit(*p)) ++p;
  }

  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool negative = false;
    if (p != end && (*p == '+' || *p == '-')) negative = *p++ == '-';
    if (p == end || !is_digit(*p)) return "number without digits in its exponent";
    std::int64_t exponent = 0;
    for (; p != end && is_digit(*p); ++p) {
      if (exponent < 1000000) exponent = exponent * 10 + (*p - '0');
    }
    magnitude_digits += negative ? -exponent : exponent;
  }

  // Every number below 10^308 is finite, so strtod decides only for the rare larger ones.
  // RFC 8259 section 6 allows the limit, and nlohmann::json rejects such numbers too.
  if (magnitude_digits > 308 && !std::isfinite(json_number_value(std::string_view(
                                    start, static_cast<std::size_t>(p - start))))) {
    return "number beyond the range of a double";
  }
  return nullptr;
}

const char* scan_json_literal(const char*& position, const char* end, std::string_view literal) {
  if (static_cast<std::size_t>(end - position) < literal.size() ||
      std::memcmp(position, literal.data(), literal.size()) != 0) {
    return "invalid literal";
  }
  position += literal.size();
  return nullptr;
}

}  // namespace outbound::jwt
