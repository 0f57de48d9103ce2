#include "host_services.h"

#include <array>
#include <cstdio>
#include <stdexcept>

#include <openssl/rand.h>

namespace outbound {

std::string new_uuid_v4() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // Without entropy no key is safe to send; OpenSSL fails here only when the system has
    // no random source at all.
    throw std::runtime_error("OpenSSL RAND_bytes failed: no random source");
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string text(36, '-');
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t out = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (out == 8 || out == 13 || out == 18 || out == 23) ++out;
    text[out++] = kHex[bytes[i] >> 4];
    text[out++] = kHex[bytes[i] & 0x0f];
  }
  return text;
}

}  // namespace outbound
