#pragma once

// The parsed OpenSSL objects behind a Key, and the signature primitives that use them.
// Internal to outbound_jwt: callers go through Key.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "jwt_auth/algorithm.h"
#include "jwt_auth/context_pool.h"
#include "jwt_auth/openssl_util.h"
#include "outbound/secret.h"
#include "outbound/status.h"

namespace outbound::jwt {

/// The number of idle contexts a key keeps for reuse: about the number of threads expected to
/// verify with one key at the same moment. More threads still work, with contexts set up for
/// them and freed afterwards.
inline constexpr std::size_t kMaxIdleContexts = 64;

/// VerifyContext is the OpenSSL state one signature operation uses, set up for one key. Only
/// the members of the key's algorithm family are set.
struct VerifyContext {
  /// HMAC: a context keyed with the secret, re-initialised for every MAC.
  EvpMacCtxPtr mac;
  /// RSA and ECDSA: a context initialised for EVP_PKEY_verify with the digest and padding.
  EvpPkeyCtxPtr verify;
  /// RSA and ECDSA: the context that hashes the signing input. EdDSA: a copy of the template
  /// made for every verification, because EVP_DigestVerify may finalise the context it uses.
  EvpMdCtxPtr digest;
};

/// KeyMaterial is immutable once built, except for the pool of contexts, which is
/// thread-safe. OpenSSL allows concurrent signing and verification with one EVP_PKEY, and
/// every call uses a context of its own from the pool, so one KeyMaterial serves many threads.
struct KeyMaterial {
  /// The RSA, EC or Ed25519 key; null for HMAC.
  EvpPkeyPtr pkey;
  /// Whether `pkey` contains the private key.
  bool has_private_key = false;
  /// The digest, fetched once; null for HMAC and EdDSA.
  EvpMdPtr digest;
  /// HMAC only: the shared secret, kept to compare keys.
  Secret secret;
  /// HMAC only: a context keyed with the secret and the digest, copied for each pooled context.
  EvpMacCtxPtr hmac_template;
  /// RSA and ECDSA only: a context initialised for verification, copied for each pooled context.
  EvpPkeyCtxPtr verify_template;
  /// EdDSA only: a context initialised by EVP_DigestVerifyInit, copied for every verification.
  EvpMdCtxPtr message_verify_template;
  /// The contexts signature operations use; set by prepare_contexts().
  std::unique_ptr<ContextPool<VerifyContext>> contexts;
};

/// Sets up the templates of `key` for `algorithm` and its pool of contexts, once, when the key
/// is loaded: the keyed HMAC context from `key.secret`, or the verification contexts of
/// `key.pkey`. Returns kInternal when OpenSSL fails.
Status prepare_contexts(Algorithm algorithm, KeyMaterial& key);

/// Returns the JWS signature of `signing_input`: the MAC, the RSA signature, r || s for ECDSA,
/// or the Ed25519 signature.
Result<std::string> create_signature(Algorithm algorithm, const KeyMaterial& key,
                                     std::string_view signing_input);

/// Returns whether `signature` is the JWS signature of `signing_input` under `key`.
bool check_signature(Algorithm algorithm, const KeyMaterial& key, std::string_view signing_input,
                     std::string_view signature);

}  // namespace outbound::jwt
