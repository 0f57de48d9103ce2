#pragma once

// The parsed OpenSSL objects behind a Key, and the signature primitives that use them.
// Internal to outbound_jwt: callers go through Key.

#include <string>
#include <string_view>

#include "jwt_auth/algorithm.h"
#include "jwt_auth/openssl_util.h"
#include "outbound/secret.h"
#include "outbound/status.h"

namespace outbound::jwt {

/// KeyMaterial is immutable once built. OpenSSL allows concurrent signing and verification
/// with one EVP_PKEY, and every call duplicates the HMAC context instead of using it, so one
/// KeyMaterial serves many threads.
struct KeyMaterial {
  /// The RSA, EC or Ed25519 key; null for HMAC.
  EvpPkeyPtr pkey;
  /// Whether `pkey` contains the private key.
  bool has_private_key = false;
  /// The digest, fetched once; null for HMAC and EdDSA.
  EvpMdPtr digest;
  /// HMAC only: a context initialised with the secret and the digest, duplicated per call.
  EvpMacCtxPtr hmac_template;
  /// HMAC only: the shared secret, kept to compare keys.
  Secret secret;
};

/// Returns the JWS signature of `signing_input`: the MAC, the RSA signature, r || s for ECDSA,
/// or the Ed25519 signature.
Result<std::string> create_signature(Algorithm algorithm, const KeyMaterial& key,
                                     std::string_view signing_input);

/// Returns whether `signature` is the JWS signature of `signing_input` under `key`.
bool check_signature(Algorithm algorithm, const KeyMaterial& key, std::string_view signing_input,
                     std::string_view signature);

}  // namespace outbound::jwt
