// The signature primitives of every supported algorithm, on OpenSSL 3. Verification uses
// contexts set up once per key (see prepare_contexts), because setting one up per call cost
// about as much as the HMAC itself, and 3 of the 19 microseconds of an RS256 verification (with
// bench/jwt; the figures are in docs/benchmarks.md).

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rsa.h>

#include "jwt_auth/ecdsa_signature.h"
#include "jwt_auth/key_material.h"

namespace outbound::jwt {
namespace {

const unsigned char* bytes_of(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
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

Status prepare_hmac(Algorithm algorithm, KeyMaterial& key) {
  EvpMacPtr mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (mac) key.hmac_template.reset(EVP_MAC_CTX_new(mac.get()));
  if (!key.hmac_template) {
    return Status::internal("cannot create an HMAC context: " +
                            take_openssl_error("EVP_MAC_CTX_new failed"));
  }
  char* digest = const_cast<char*>(digest_name(algorithm));
  const OSSL_PARAM parameters[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_END};
  const std::string_view secret = key.secret.expose();
  if (EVP_MAC_init(key.hmac_template.get(), bytes_of(secret), secret.size(), parameters) != 1) {
    return Status::internal("cannot initialise HMAC: " + take_openssl_error("EVP_MAC_init failed"));
  }
  return Status();
}

// RSA and ECDSA verify the digest of the signing input with EVP_PKEY_verify, which may be
// called repeatedly on one initialised context.
Status prepare_prehashed(Algorithm algorithm, KeyMaterial& key) {
  key.verify_template.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, key.pkey.get(), nullptr));
  if (!key.verify_template || EVP_PKEY_verify_init(key.verify_template.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(key.verify_template.get(), key.digest.get()) <= 0 ||
      !configure_padding(algorithm, key.verify_template.get())) {
    return Status::internal("cannot set up " + std::string(algorithm_name(algorithm)) +
                            " verification: " + take_openssl_error("EVP_PKEY_verify_init failed"));
  }
  return Status();
}

// Ed25519 hashes inside the signature scheme, so it verifies the whole message with
// EVP_DigestVerify, on a copy of a context initialised once.
Status prepare_message_verify(KeyMaterial& key) {
  key.message_verify_template.reset(EVP_MD_CTX_new());
  if (!key.message_verify_template ||
      EVP_DigestVerifyInit(key.message_verify_template.get(), nullptr, nullptr, nullptr,
                           key.pkey.get()) != 1) {
    return Status::internal("cannot set up EdDSA verification: " +
                            take_openssl_error("EVP_DigestVerifyInit failed"));
  }
  return Status();
}

// Makes one pooled context from the templates of `key`; null when OpenSSL fails.
std::unique_ptr<VerifyContext> make_context(Algorithm algorithm, const KeyMaterial& key) {
  auto context = std::make_unique<VerifyContext>();
  bool created = false;
  switch (algorithm_family(algorithm)) {
    case AlgorithmFamily::kHmac:
      context->mac.reset(EVP_MAC_CTX_dup(key.hmac_template.get()));
      created = context->mac != nullptr;
      break;
    case AlgorithmFamily::kRsaPkcs1:
    case AlgorithmFamily::kRsaPss:
    case AlgorithmFamily::kEcdsa:
      context->verify.reset(EVP_PKEY_CTX_dup(key.verify_template.get()));
      context->digest.reset(EVP_MD_CTX_new());
      created = context->verify != nullptr && context->digest != nullptr;
      break;
    case AlgorithmFamily::kEdDsa:
      context->digest.reset(EVP_MD_CTX_new());
      created = context->digest != nullptr;
      break;
  }
  if (!created) {
    clear_openssl_errors();
    return nullptr;
  }
  return context;
}

// Computes the MAC of `input` into `mac` (EVP_MAX_MD_SIZE bytes) and sets `length`.
bool compute_hmac(const KeyMaterial& key, std::string_view input, unsigned char* mac,
                  std::size_t& length) {
  ContextPool<VerifyContext>::Lease context = key.contexts->acquire();
  if (!context) return false;
  // A null key keeps the key of the template and only starts a new message.
  if (EVP_MAC_init(context->mac.get(), nullptr, 0, nullptr) != 1 ||
      EVP_MAC_update(context->mac.get(), bytes_of(input), input.size()) != 1 ||
      EVP_MAC_final(context->mac.get(), mac, &length, EVP_MAX_MD_SIZE) != 1) {
    context.discard();
    clear_openssl_errors();
    return false;
  }
  return true;
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
  const auto* data = bytes_of(input);
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

// RSA and ECDSA: hashes `input`, then verifies `signature` against the digest.
bool verify_prehashed(Algorithm algorithm, const KeyMaterial& key, std::string_view input,
                      std::string_view signature) {
  unsigned char der[kMaxEcdsaDerSize];
  const unsigned char* signature_bytes = bytes_of(signature);
  std::size_t signature_size = signature.size();
  if (algorithm_family(algorithm) == AlgorithmFamily::kEcdsa) {
    signature_size = ecdsa_jose_to_der_into(signature, ecdsa_field_size(algorithm), der);
    if (signature_size == 0) return false;
    signature_bytes = der;
  }

  ContextPool<VerifyContext>::Lease context = key.contexts->acquire();
  if (!context) return false;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (EVP_DigestInit_ex2(context->digest.get(), key.digest.get(), nullptr) != 1 ||
      EVP_DigestUpdate(context->digest.get(), input.data(), input.size()) != 1 ||
      EVP_DigestFinal_ex(context->digest.get(), digest, &digest_size) != 1) {
    context.discard();
    clear_openssl_errors();
    return false;
  }
  const int verified =
      EVP_PKEY_verify(context->verify.get(), signature_bytes, signature_size, digest, digest_size);
  // A mismatch leaves entries in the error queue. They describe the token, not a fault.
  if (verified != 1) clear_openssl_errors();
  return verified == 1;
}

// EdDSA: verifies `signature` over the whole of `input`.
bool verify_message(const KeyMaterial& key, std::string_view input, std::string_view signature) {
  ContextPool<VerifyContext>::Lease context = key.contexts->acquire();
  if (!context) return false;
  if (EVP_MD_CTX_copy_ex(context->digest.get(), key.message_verify_template.get()) != 1) {
    context.discard();
    clear_openssl_errors();
    return false;
  }
  const int verified = EVP_DigestVerify(context->digest.get(), bytes_of(signature),
                                        signature.size(), bytes_of(input), input.size());
  if (verified != 1) clear_openssl_errors();
  return verified == 1;
}

}  // namespace

Status prepare_contexts(Algorithm algorithm, KeyMaterial& key) {
  Status prepared;
  switch (algorithm_family(algorithm)) {
    case AlgorithmFamily::kHmac:
      prepared = prepare_hmac(algorithm, key);
      break;
    case AlgorithmFamily::kRsaPkcs1:
    case AlgorithmFamily::kRsaPss:
    case AlgorithmFamily::kEcdsa:
      prepared = prepare_prehashed(algorithm, key);
      break;
    case AlgorithmFamily::kEdDsa:
      prepared = prepare_message_verify(key);
      break;
  }
  if (!prepared.ok()) return prepared;

  // The pool is a member of `key`, so `key` outlives the factory that points to it.
  const KeyMaterial* material = &key;
  key.contexts = std::make_unique<ContextPool<VerifyContext>>(
      [algorithm, material] { return make_context(algorithm, *material); }, kMaxIdleContexts);
  // Make the first context now, so that a failure shows at load time rather than as tokens
  // that never verify. It goes back to the pool for the first call.
  if (!key.contexts->acquire()) {
    return Status::internal("cannot copy the " + std::string(algorithm_name(algorithm)) +
                            " context set up for the key");
  }
  return Status();
}

Result<std::string> create_signature(Algorithm algorithm, const KeyMaterial& key,
                                     std::string_view signing_input) {
  if (algorithm_family(algorithm) == AlgorithmFamily::kHmac) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    std::size_t length = 0;
    if (!compute_hmac(key, signing_input, mac, length)) {
      return Status::internal("the HMAC computation failed in OpenSSL");
    }
    return std::string(reinterpret_cast<const char*>(mac), length);
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
  switch (algorithm_family(algorithm)) {
    case AlgorithmFamily::kHmac:
      break;
    case AlgorithmFamily::kEdDsa:
      return verify_message(key, signing_input, signature);
    default:
      return verify_prehashed(algorithm, key, signing_input, signature);
  }
  unsigned char expected[EVP_MAX_MD_SIZE];
  std::size_t length = 0;
  if (!compute_hmac(key, signing_input, expected, length)) return false;
  // The MAC length follows from the algorithm and is public. The bytes are compared in constant
  // time, so the time taken does not reveal how much of a forged MAC was right.
  return signature.size() == length && CRYPTO_memcmp(signature.data(), expected, length) == 0;
}

}  // namespace outbound::jwt
