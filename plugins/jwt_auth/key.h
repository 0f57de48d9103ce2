#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "jwt_auth/algorithm.h"
#include "jwt_auth/openssl_util.h"
#include "outbound/status.h"

namespace outbound::jwt {

struct KeyMaterial;

/// Key is one signing or verification key, bound to exactly one algorithm when it is loaded
/// and carrying an optional key id. The key type is checked against the algorithm at load
/// time, so the algorithm of a token can never change how a key is used. RS* and PS* need an
/// RSA key of at least 2048 bits, ES* an EC key on the algorithm's curve, EdDSA an Ed25519 key
/// and HS* a secret at least as long as the digest.
///
/// Keys are parsed once. Copies share the parsed OpenSSL objects, which are never modified
/// after loading, so a Key may be used from several threads at once.
class Key {
 public:
  /// Makes an HMAC key for HS256, HS384 or HS512 from the bytes of `secret`. Rejects another
  /// algorithm, a secret shorter than the digest (32, 48 or 64 bytes) and PEM key text.
  static Result<Key> from_hmac_secret(Algorithm algorithm, std::string_view secret,
                                      std::string key_id = {});

  /// Parses a PEM private key: PKCS#8 ("PRIVATE KEY") or the traditional "RSA PRIVATE KEY"
  /// and "EC PRIVATE KEY" forms. Encrypted keys are rejected.
  static Result<Key> from_private_pem(Algorithm algorithm, std::string_view pem,
                                      std::string key_id = {});

  /// Parses a PEM public key in SubjectPublicKeyInfo form ("PUBLIC KEY").
  static Result<Key> from_public_pem(Algorithm algorithm, std::string_view pem,
                                     std::string key_id = {});

  /// Makes a verification key from a public key built elsewhere (from a JWK), with the same
  /// checks of type, curve and size as from_public_pem(). Takes ownership of `pkey`.
  static Result<Key> from_public_pkey(Algorithm algorithm, EvpPkeyPtr pkey, std::string key_id);

  /// Parses key material as the `signing_key` setting gives it: the HMAC secret for HS*, the
  /// PEM text of the private key otherwise.
  static Result<Key> signing_key(Algorithm algorithm, std::string_view material,
                                 std::string key_id = {});

  /// Parses key material as a `verification_keys` entry gives it: the HMAC secret for HS*,
  /// the PEM text of the public key otherwise.
  static Result<Key> verification_key(Algorithm algorithm, std::string_view material,
                                      std::string key_id = {});

  Algorithm algorithm() const { return algorithm_; }

  /// The `kid` this key is selected by; empty when it has none.
  const std::string& key_id() const { return key_id_; }

  /// Whether the key can sign: an HMAC secret or a private key.
  bool can_sign() const;

  /// Returns the key that verifies what this key signs, under `key_id`: the same secret for
  /// HMAC, and for the other algorithms the public key alone, without the private part.
  Result<Key> verification_copy(std::string key_id) const;

  /// Whether `other` accepts exactly the signatures this key accepts: the same algorithm and
  /// the same secret or public key. Key ids are not compared.
  bool same_key_as(const Key& other) const;

  /// Signs `signing_input` and returns the raw JWS signature (r || s for ECDSA).
  Result<std::string> sign(std::string_view signing_input) const;

  /// Returns whether `signature` is the raw JWS signature of `signing_input`. HMAC values are
  /// compared in constant time; an ECDSA signature must be exactly r || s.
  bool verify(std::string_view signing_input, std::string_view signature) const;

 private:
  Key(Algorithm algorithm, std::shared_ptr<const KeyMaterial> material, std::string key_id);

  Algorithm algorithm_;
  std::shared_ptr<const KeyMaterial> material_;
  std::string key_id_;
};

}  // namespace outbound::jwt
