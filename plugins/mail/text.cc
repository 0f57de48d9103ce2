#include "mail/text.h"

#include <algorithm>
#include <cctype>

namespace outbound::mail {

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned int code_point = 0;
    unsigned int minimum = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      code_point = lead & 0x1Fu;
      minimum = 0x80;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      code_point = lead & 0x0Fu;
      minimum = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      code_point = lead & 0x07u;
      minimum = 0x10000;
    } else {
      return false;  // A continuation octet, an overlong two-octet lead (C0, C1) or F5..FF.
    }
    if (text.size() - i < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0u) != 0x80u) return false;
      code_point = (code_point << 6) | (next & 0x3Fu);
    }
    if (code_point < minimum || code_point > 0x10FFFF) return false;
    if (code_point >= 0xD800 && code_point <= 0xDFFF) return false;
    i += length;
  }
  return true;
}

std::size_t utf8_sequence_length(std::string_view text, std::size_t position) {
  const auto lead = static_cast<unsigned char>(text[position]);
  std::size_t length = 1;
  if (lead >= 0xF0) {
    length = 4;
  } else if (lead >= 0xE0) {
    length = 3;
  } else if (lead >= 0xC0) {
    length = 2;
  }
  return std::min(length, text.size() - position);
}

bool has_line_break_or_nul(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

std::string ascii_lower(std::string_view text) {
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](unsigned char c) {
    return c < 0x80 ? static_cast<char>(std::tolower(c)) : static_cast<char>(c);
  });
  return lowered;
}

std::string quote_for_message(std::string_view value) {
  constexpr std::size_t kMaxShown = 80;
  static constexpr char kHex[] = "0123456789ABCDEF";
  // Valid UTF-8 is shown as it is; any other octet above 0x7E is escaped.
  const bool utf8 = is_valid_utf8(value);
  std::string quoted = "\"";
  std::size_t i = 0;
  while (i < value.size() && i < kMaxShown) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x80 && utf8) {
      const std::size_t length = utf8_sequence_length(value, i);
      quoted.append(value.substr(i, length));
      i += length;
      continue;
    }
    if (c == '\r') {
      quoted += "\\r";
    } else if (c == '\n') {
      quoted += "\\n";
    } else if (c == '\0') {
      quoted += "\\0";
    } else if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7F) {
      quoted += "\\x";
      quoted += kHex[c >> 4];
      quoted += kHex[c & 0x0F];
    } else {
      quoted += static_cast<char>(c);
    }
    ++i;
  }
  if (i < value.size()) quoted += "...";
  quoted += '"';
  return quoted;
}

}  // namespace outbound::mail
