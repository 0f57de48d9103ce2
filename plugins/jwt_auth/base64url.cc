#include "jwt_auth/base64url.h"

#include <array>
#include <cstdint>

namespace outbound::jwt {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::uint8_t kInvalid = 0xff;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (std::uint8_t value = 0; value < 64; ++value) {
    table[static_cast<unsigned char>(kAlphabet[value])] = value;
  }
  return table;
}

constexpr std::array<std::uint8_t, 256> kDecodeTable = make_decode_table();

}  // namespace

std::string base64url_encode(std::string_view data) {
  std::string out;
  base64url_append(data, out);
  return out;
}

void base64url_append(std::string_view data, std::string& out) {
  out.reserve(out.size() + (data.size() * 4 + 2) / 3);
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t group = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += kAlphabet[(group >> 18) & 0x3f];
    out += kAlphabet[(group >> 12) & 0x3f];
    out += kAlphabet[(group >> 6) & 0x3f];
    out += kAlphabet[group & 0x3f];
  }
  const std::size_t rest = data.size() - i;
  if (rest == 1) {
    const std::uint32_t group = bytes[i] << 16;
    out += kAlphabet[(group >> 18) & 0x3f];
    out += kAlphabet[(group >> 12) & 0x3f];
  } else if (rest == 2) {
    const std::uint32_t group = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += kAlphabet[(group >> 18) & 0x3f];
    out += kAlphabet[(group >> 12) & 0x3f];
    out += kAlphabet[(group >> 6) & 0x3f];
  }
}

std::size_t base64url_decoded_size(std::size_t text_size) {
  const std::size_t rest = text_size % 4;
  return text_size / 4 * 3 + (rest == 0 ? 0 : rest - 1);
}

bool base64url_decode_to(std::string_view text, char* out) {
  // One leftover character would carry 6 bits, less than a byte: no encoder produces it.
  if (text.size() % 4 == 1) return false;

  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char* const whole_groups_end = in + text.size() / 4 * 4;
  for (; in != whole_groups_end; in += 4, out += 3) {
    const std::uint32_t a = kDecodeTable[in[0]];
    const std::uint32_t b = kDecodeTable[in[1]];
    const std::uint32_t c = kDecodeTable[in[2]];
    const std::uint32_t d = kDecodeTable[in[3]];
    // Valid sextets are below 64, so a set bit 6 or 7 means one of them was kInvalid.
    if (((a | b | c | d) & 0xc0) != 0) return false;
    const std::uint32_t group = (a << 18) | (b << 12) | (c << 6) | d;
    out[0] = static_cast<char>((group >> 16) & 0xff);
    out[1] = static_cast<char>((group >> 8) & 0xff);
    out[2] = static_cast<char>(group & 0xff);
  }

  const std::size_t rest = text.size() % 4;
  if (rest == 2) {
    const std::uint8_t a = kDecodeTable[in[0]];
    const std::uint8_t b = kDecodeTable[in[1]];
    // The low 4 bits of the last character fall outside the one decoded byte and must be zero.
    if (a == kInvalid || b == kInvalid || (b & 0x0f) != 0) return false;
    out[0] = static_cast<char>((a << 2) | (b >> 4));
  } else if (rest == 3) {
    const std::uint8_t a = kDecodeTable[in[0]];
    const std::uint8_t b = kDecodeTable[in[1]];
    const std::uint8_t c = kDecodeTable[in[2]];
    // The low 2 bits of the last character fall outside the two decoded bytes.
    if (a == kInvalid || b == kInvalid || c == kInvalid || (c & 0x03) != 0) return false;
    const std::uint32_t group = (a << 18) | (b << 12) | (c << 6);
    out[0] = static_cast<char>((group >> 16) & 0xff);
    out[1] = static_cast<char>((group >> 8) & 0xff);
  }
  return true;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string out(base64url_decoded_size(text.size()), '\0');
  if (!base64url_decode_to(text, out.data())) return std::nullopt;
  return out;
}

}  // namespace outbound::jwt
