#include "idempotency_key.h"

#include <array>

#include <openssl/rand.h>

namespace outbound::cli {

Result<std::string> new_idempotency_key() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return Status::internal(
        "OpenSSL RAND_bytes failed, so no idempotency key could be made; the system has no "
        "random source");
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    text += kHex[bytes[i] >> 4];
    text += kHex[bytes[i] & 0x0f];
  }
  return text;
}

Status check_idempotency_key(std::string_view key, std::string_view name) {
  const std::string label(name);
  if (key.empty()) {
    return Status::invalid_argument(label + " is empty; give a key or leave it out");
  }
  if (key.size() > kMaxIdempotencyKeyLength) {
    return Status::invalid_argument(label + " is " + std::to_string(key.size()) +
                                    " characters long; the maximum is " +
                                    std::to_string(kMaxIdempotencyKeyLength));
  }
  for (std::size_t i = 0; i < key.size(); ++i) {
    const auto c = static_cast<unsigned char>(key[i]);
    if (c > 0x20 && c < 0x7f) continue;
    const std::string problem = c == ' '   ? "a space"
                                : c < 0x80 ? "a control character"
                                           : "a non-ASCII byte";
    return Status::invalid_argument(label + " has " + problem + " at position " +
                                    std::to_string(i + 1) +
                                    "; use printable ASCII without spaces, such as a UUID");
  }
  return Status();
}

}  // namespace outbound::cli
