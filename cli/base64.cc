#include "base64.h"

namespace outbound::cli {
namespace {

/// Returns the 6-bit value of a base64 character, or -1 for one outside the alphabet.
int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

Result<std::string> decode_base64(std::string_view text) {
  std::string decoded;
  decoded.reserve(text.size() / 4 * 3);
  unsigned buffer = 0;
  int bits = 0;
  std::size_t symbols = 0;
  std::size_t padding = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r' || c == '\n') continue;
    const auto at_position = [i](const char* problem) {
      return Status::invalid_argument(std::string(problem) + " at position " +
                                      std::to_string(i + 1));
    };
    if (c == '=') {
      ++padding;
      ++symbols;
      if (padding > 2) return at_position("too much '=' padding");
      continue;
    }
    const int value = sextet(c);
    if (value < 0) return at_position("a character outside the base64 alphabet");
    if (padding > 0) return at_position("data after '=' padding");
    ++symbols;
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      decoded += static_cast<char>((buffer >> bits) & 0xff);
      buffer &= (1u << bits) - 1;
    }
  }

  if (symbols % 4 != 0) {
    return Status::invalid_argument("base64 text of " + std::to_string(symbols) +
                                    " characters, not a multiple of 4; is the padding missing?");
  }
  // Data after padding is rejected above, so the count of data characters fixes `bits`. Only
  // the unused low bits of the last character can still be wrong.
  if (buffer != 0) {
    return Status::invalid_argument(
        "the last base64 character before the padding has bits set that belong to no byte");
  }
  return decoded;
}

}  // namespace outbound::cli
