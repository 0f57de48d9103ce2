#include "bench/jwt/openssl_handles.h"

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>

namespace outbound::bench {

Result<PkeyPtr> parse_public_pem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr pkey(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!pkey) return Status::internal("PEM_read_bio_PUBKEY cannot parse the fixture public key");
  return pkey;
}

Result<MacCtxPtr> keyed_hmac_sha256(const std::string& secret) {
  MacPtr mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  MacCtxPtr context(mac ? EVP_MAC_CTX_new(mac.get()) : nullptr);
  char digest[] = "SHA256";
  const OSSL_PARAM parameters[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_END};
  if (!context || EVP_MAC_init(context.get(), reinterpret_cast<const unsigned char*>(secret.data()),
                               secret.size(), parameters) != 1) {
    return Status::internal("EVP_MAC_init cannot key an HMAC-SHA256 context");
  }
  return context;
}

Result<std::string> ecdsa_p256_jose_to_der(const std::string& jose) {
  constexpr int kFieldSize = 32;
  if (jose.size() != 2 * kFieldSize) {
    return Status::invalid_argument("an ES256 signature is 64 bytes, not " +
                                    std::to_string(jose.size()));
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(jose.data());
  BignumPtr r(BN_bin2bn(bytes, kFieldSize, nullptr));
  BignumPtr s(BN_bin2bn(bytes + kFieldSize, kFieldSize, nullptr));
  EcdsaSigPtr signature(ECDSA_SIG_new());
  if (!r || !s || !signature || ECDSA_SIG_set0(signature.get(), r.get(), s.get()) != 1) {
    return Status::internal("ECDSA_SIG_set0 failed");
  }
  // ECDSA_SIG_set0 took ownership of r and s.
  r.release();
  s.release();
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(signature.get(), &der);
  if (length <= 0) return Status::internal("i2d_ECDSA_SIG failed");
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

}  // namespace outbound::bench
