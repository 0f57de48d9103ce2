#include "jwt_auth/ecdsa_signature.h"

#include "jwt_auth/openssl_util.h"

namespace outbound::jwt {

std::optional<std::string> ecdsa_jose_to_der(std::string_view jose, std::size_t field_size) {
  if (field_size == 0 || jose.size() != 2 * field_size) return std::nullopt;

  const auto* bytes = reinterpret_cast<const unsigned char*>(jose.data());
  BignumPtr r(BN_bin2bn(bytes, static_cast<int>(field_size), nullptr));
  BignumPtr s(BN_bin2bn(bytes + field_size, static_cast<int>(field_size), nullptr));
  EcdsaSigPtr signature(ECDSA_SIG_new());
  if (!r || !s || !signature) {
    clear_openssl_errors();
    return std::nullopt;
  }
  // ECDSA_SIG_set0 takes ownership of r and s only when it succeeds.
  if (ECDSA_SIG_set0(signature.get(), r.get(), s.get()) != 1) {
    clear_openssl_errors();
    return std::nullopt;
  }
  r.release();
  s.release();

  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(signature.get(), &der);
  if (length <= 0) {
    clear_openssl_errors();
    return std::nullopt;
  }
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
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
