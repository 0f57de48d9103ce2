#include "jwt_auth/ecdsa_signature.h"

#include <cstring>

#include "jwt_auth/openssl_util.h"

namespace outbound::jwt {

namespace {

// Writes the DER INTEGER of the unsigned big-endian number in `bytes` and returns its size, or
// returns 0 when the number is zero.
std::size_t write_der_integer(const unsigned char* bytes, std::size_t size, unsigned char* out) {
  std::size_t first = 0;
  while (first < size && bytes[first] == 0) ++first;
  if (first == size) return 0;
  const std::size_t length = size - first;
  // DER integers are signed, so a value whose first byte has the high bit set needs a 0x00.
  const std::size_t sign_byte = (bytes[first] & 0x80) != 0 ? 1 : 0;
  out[0] = 0x02;  // INTEGER
  out[1] = static_cast<unsigned char>(length + sign_byte);
  out[2] = 0x00;
  std::memcpy(out + 2 + sign_byte, bytes + first, length);
  return 2 + sign_byte + length;
}

}  // namespace

std::size_t ecdsa_jose_to_der_into(std::string_view jose, std::size_t field_size,
                                   unsigned char* out) {
  if (field_size == 0 || field_size > kMaxEcdsaFieldSize || jose.size() != 2 * field_size) {
    return 0;
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(jose.data());
  // The integers are written after room for the longest SEQUENCE header, then moved up to it.
  unsigned char integers[kMaxEcdsaDerSize];
  const std::size_t r_size = write_der_integer(bytes, field_size, integers);
  if (r_size == 0) return 0;
  const std::size_t s_size = write_der_integer(bytes + field_size, field_size, integers + r_size);
  if (s_size == 0) return 0;

  const std::size_t content = r_size + s_size;
  std::size_t header = 0;
  out[header++] = 0x30;  // SEQUENCE
  // DER lengths up to 127 take one byte; longer ones (only with fields over 61 bytes) take 0x81
  // and one length byte.
  if (content >= 0x80) out[header++] = 0x81;
  out[header++] = static_cast<unsigned char>(content);
  std::memcpy(out + header, integers, content);
  return header + content;
}

std::optional<std::string> ecdsa_jose_to_der(std::string_view jose, std::size_t field_size) {
  unsigned char der[kMaxEcdsaDerSize];
  const std::size_t size = ecdsa_jose_to_der_into(jose, field_size, der);
  if (size == 0) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(der), size);
}

std::optional<std::string> ecdsa_der_to_jose(std::string_view der, std::size_t field_size) {
  if (field_size == 0) return std::nullopt;
  const auto* begin = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* cursor = begin;
  EcdsaSigPtr signature(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  if (!signature || cursor != begin + der.size()) {
    clear_openssl_errors();
    return std::nullopt;
  }
  const BIGNUM* r = ECDSA_SIG_get0_r(signature.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(signature.get());
  std::string out(2 * field_size, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  // BN_bn2binpad fails when the number needs more than field_size bytes.
  if (BN_bn2binpad(r, bytes, static_cast<int>(field_size)) < 0 ||
      BN_bn2binpad(s, bytes + field_size, static_cast<int>(field_size)) < 0) {
    clear_openssl_errors();
    return std::nullopt;
  }
  return out;
}

}  // namespace outbound::jwt
