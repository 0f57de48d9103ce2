// The signature primitives of every supported algorithm, on OpenSSL 3.

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rsa.h>

#include "jwt_auth/ecdsa_signature.h"
#include "jwt_auth/key_material.h"

namespace outbound::jwt {
namespace {

Result<std::string> compute_hmac(const KeyMaterial& key, std::string_view input) {
  EvpMacCtxPtr context(EVP_MAC_CTX_dup(key.hmac_template.get()));
  if (!context) return Status::internal(take_openssl_error("EVP_MAC_CTX_dup failed"));
  std::string mac(EVP_MAX_MD_SIZE, '\0');
  std::size_t length = 0;
  if (EVP_MAC_update(context.get(), reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1 ||
      EVP_MAC_final(context.get(), reinterpret_cast<unsigned char*>(mac.data()), &length,
                    mac.size()) != 1) {
    return Status::internal(take_openssl_error("HMAC computation failed"));
  }
  mac.resize(length);
  return mac;
}

// Sets the RSA padding of the algorithm: PKCS#1 v1.5 for RS*, PSS with a salt as long as the
// digest for PS* (RFC 7518 section 3.5). MGF1 uses the signature digest by default.
bool configure_padding(Algorithm algorithm, EVP_PKEY_CTX* context) {
  switch (algorithm_family(algorithm)) {
    case AlgorithmFamily::kRsaPkcs1:
      return EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) > 0;
    case AlgorithmFamily::kRsaPss:
      return EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PSS_PADDING) > 0 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(context, RSA_PSS_SALTLEN_DIGEST) > 0;
    default:
      return true;
  }
}

Result<std::string> sign_asymmetric(Algorithm algorithm, const KeyMaterial& key,
                                    std::string_view input) {
  EvpMdCtxPtr context(EVP_MD_CTX_new());
  EVP_PKEY_CTX* key_context = nullptr;
  if (!context ||
      EVP_DigestSignInit(context.get(), &key_context, key.digest.get(), nullptr, key.pkey.get()) !=
          1 ||
      !configure_padding(algorithm, key_context)) {
    return Status::internal(take_openssl_error("EVP_DigestSignInit failed"));
  }
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  std::size_t length = 0;
  if (EVP_DigestSign(context.get(), nullptr, &length, data, input.size()) != 1) {
    return Status::internal(take_openssl_error("EVP_DigestSign failed to size the signature"));
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     data, input.size()) != 1) {
    return Status::internal(take_openssl_error("EVP_DigestSign failed"));
  }
  signature.resize(length);

  if (algorithm_family(algorithm) != AlgorithmFamily::kEcdsa) return signature;
  // OpenSSL returns DER; JWS carries r and s left-padded to the field size.
  std::optional<std::string> jose = ecdsa_der_to_jose(signature, ecdsa_field_size(algorithm));
  if (!jose) return Status::internal("cannot convert the ECDSA signature from DER to r || s");
  return std::move(*jose);
}

bool verify_asymmetric(Algorithm algorithm, const KeyMaterial& key, std::string_view input,
                       std::string_view signature) {
  std::string der;
  if (algorithm_family(algorithm) == AlgorithmFamily::kEcdsa) {
    std::optional<std::string> converted =
        ecdsa_jose_to_der(signature, ecdsa_field_size(algorithm));
    if (!converted) return false;
    der = std::move(*converted);
    signature = der;
  }

  EvpMdCtxPtr context(EVP_MD_CTX_new());
  EVP_PKEY_CTX* key_context = nullptr;
  if (!context ||
      EVP_DigestVerifyInit(context.get(), &key_context, key.digest.get(), nullptr,
                           key.pkey.get()) != 1 ||
      !configure_padding(algorithm, key_context)) {
    clear_openssl_errors();
    return false;
  }
  const int verified = EVP_DigestVerify(
      context.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char*>(input.data()), input.size());
  // A mismatch leaves entries in the error queue; they describe the token, not a fault.
  clear_openssl_errors();
  return verified == 1;
}

}  // namespace

Result<std::string> create_signature(Algorithm algorithm, const KeyMaterial& key,
                                     std::string_view signing_input) {
  if (algorithm_family(algorithm) == AlgorithmFamily::kHmac) {
    return compute_hmac(key, signing_input);
  }
  if (!key.has_private_key) {
    return Status::failed_precondition(std::string("the ") +
                                       std::string(algorithm_name(algorithm)) +
                                       " key is a public key and cannot sign");
  }
  return sign_asymmetric(algorithm, key, signing_input);
}

bool check_signature(Algorithm algorithm, const KeyMaterial& key, std::string_view signing_input,
                     std::string_view signature) {
  if (algorithm_family(algorithm) != AlgorithmFamily::kHmac) {
    return verify_asymmetric(algorithm, key, signing_input, signature);
  }
  Result<std::string> expected = compute_hmac(key, signing_input);
  if (!expected.ok()) return false;
  // The MAC length follows from the algorithm and is public. The bytes are compared in constant
  // time, so the time taken does not reveal how much of a forged MAC was right.
  return signature.size() == expected->size() &&
         CRYPTO_memcmp(signature.data(), expected->data(), signature.size()) == 0;
}

}  // namespace outbound::jwt
