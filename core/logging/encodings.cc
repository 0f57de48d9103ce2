#include "logging/encodings.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

namespace outbound::logging {
namespace {

constexpr std::string_view kStandardDigits =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlDigits =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Characters that a base64 run has before the first one that depends only on a value starting
// at byte offset 0, 1 or 2 of a three-byte group. At offset 1 the group's second character mixes
// the prefix byte with the value; at offset 2 the third character does.
constexpr std::size_t kPrefixDependentChars[3] = {0, 2, 3};

// Returns the part of the base64 of `value` that stays the same wherever the value sits at
// byte offset `offset` (mod 3) inside a longer run, whatever bytes come before and after it.
std::string stable_base64_middle(std::string_view value, std::size_t offset,
                                 Base64Alphabet alphabet) {
  std::string run(offset, '\0');
  run.append(value);
  std::string encoded = base64_encode(run, alphabet, /*pad=*/false);
  encoded.erase(0, kPrefixDependentChars[offset]);
  // A last partial group ends with a character that mixes in the next byte of the run.
  if (run.size() % 3 != 0 && !encoded.empty()) encoded.pop_back();
  return encoded;
}

std::uint32_t byte_at(std::string_view data, std::size_t index) {
  return static_cast<unsigned char>(data[index]);
}

bool is_unreserved(unsigned char byte) {
  return (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
         (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' || byte == '_' || byte == '~';
}

std::string percent_encode(std::string_view value, bool upper_hex, bool space_as_plus) {
  constexpr std::string_view kUpper = "0123456789ABCDEF";
  constexpr std::string_view kLower = "0123456789abcdef";
  const std::string_view hex = upper_hex ? kUpper : kLower;
  std::string encoded;
  encoded.reserve(value.size() * 3);
  for (const char character : value) {
    const auto byte = static_cast<unsigned char>(character);
    if (is_unreserved(byte)) {
      encoded.push_back(character);
    } else if (space_as_plus && byte == ' ') {
      encoded.push_back('+');
    } else {
      encoded.push_back('%');
      encoded.push_back(hex[byte >> 4]);
      encoded.push_back(hex[byte & 0x0F]);
    }
  }
  return encoded;
}

// Escapes `value` the way the JSON log format writes it. The `replace` handler turns invalid
// UTF-8 into U+FFFD instead of throwing, so dump() throws nothing but std::bad_alloc.
std::string json_escape(std::string_view value, bool ensure_ascii) {
  const std::string quoted =
      nlohmann::json(std::string(value))
          .dump(-1, ' ', ensure_ascii, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

}  // namespace

std::string base64_encode(std::string_view data, Base64Alphabet alphabet, bool pad) {
  const std::string_view digits =
      alphabet == Base64Alphabet::kStandard ? kStandardDigits : kUrlDigits;
  std::string encoded;
  encoded.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t group =
        byte_at(data, i) << 16 | byte_at(data, i + 1) << 8 | byte_at(data, i + 2);
    encoded.push_back(digits[(group >> 18) & 0x3F]);
    encoded.push_back(digits[(group >> 12) & 0x3F]);
    encoded.push_back(digits[(group >> 6) & 0x3F]);
    encoded.push_back(digits[group & 0x3F]);
  }
  const std::size_t rest = data.size() - i;
  if (rest > 0) {
    std::uint32_t group = byte_at(data, i) << 16;
    if (rest == 2) group |= byte_at(data, i + 1) << 8;
    encoded.push_back(digits[(group >> 18) & 0x3F]);
    encoded.push_back(digits[(group >> 12) & 0x3F]);
    if (rest == 2) encoded.push_back(digits[(group >> 6) & 0x3F]);
    if (pad) encoded.append(rest == 1 ? "==" : "=");
  }
  return encoded;
}

std::string base64_decode(std::string_view text) {
  std::string decoded;
  decoded.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (const char character : text) {
    const std::size_t digit = kStandardDigits.find(character);
    if (digit == std::string_view::npos) break;
    bits = (bits << 6) | static_cast<std::uint32_t>(digit);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      decoded.push_back(static_cast<char>((bits >> bit_count) & 0xFF));
    }
  }
  return decoded;
}

std::vector<std::string> encoded_forms(std::string_view value) {
  std::vector<std::string> forms;
  for (const Base64Alphabet alphabet : {Base64Alphabet::kStandard, Base64Alphabet::kUrl}) {
    forms.push_back(base64_encode(value, alphabet, /*pad=*/true));
    forms.push_back(base64_encode(value, alphabet, /*pad=*/false));
    for (std::size_t offset = 0; offset < 3; ++offset) {
      forms.push_back(stable_base64_middle(value, offset, alphabet));
    }
  }
  forms.push_back(percent_encode(value, /*upper_hex=*/true, /*space_as_plus=*/false));
  forms.push_back(percent_encode(value, /*upper_hex=*/false, /*space_as_plus=*/false));
  forms.push_back(percent_encode(value, /*upper_hex=*/true, /*space_as_plus=*/true));
  forms.push_back(percent_encode(value, /*upper_hex=*/false, /*space_as_plus=*/true));
  forms.push_back(json_escape(value, /*ensure_ascii=*/false));
  forms.push_back(json_escape(value, /*ensure_ascii=*/true));

  std::sort(forms.begin(), forms.end());
  forms.erase(std::unique(forms.begin(), forms.end()), forms.end());
  forms.erase(
      std::remove_if(forms.begin(), forms.end(),
                     [value](const std::string& form) { return form.empty() || form == value; }),
      forms.end());
  return forms;
}

}  // namespace outbound::logging
