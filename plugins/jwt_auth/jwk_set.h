#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "jwt_auth/key.h"
#include "outbound/status.h"

namespace outbound::jwt {

/// The largest JWK Set body accepted, in bytes. Identity providers publish a few keys of at
/// most a few kilobytes each, so a larger body points to a wrong URL or a hostile server.
inline constexpr std::size_t kMaxJwkSetBytes = 1 << 20;

/// The maximum number of entries in a JWK Set. Each usable key costs OpenSSL contexts and a
/// place in every lookup, so a longer list is rejected rather than parsed.
inline constexpr std::size_t kMaxJwkSetKeys = 100;

/// The longest `kid` accepted, in bytes.
inline constexpr std::size_t kMaxJwkKeyIdBytes = 256;

/// SkippedJwk is one entry of a JWK Set that did not become a key.
struct SkippedJwk {
  /// The entry ("/keys/2", with its kid when it has one) and the reason, for a log line.
  std::string description;
  /// True for a key published for another purpose (`use` other than "sig", or `key_ops`
  /// without "verify"), which is normal in a JWK Set. False for a key that is malformed or
  /// rejected, which the issuer should fix.
  bool expected = false;
};

/// JwkSetKeys is a parsed JWK Set: every usable entry as ready verification keys.
struct JwkSetKeys {
  /// One group per usable entry, in document order: one Key when the entry has `alg` or its
  /// key type allows a single algorithm, else one Key per algorithm (see parse_jwk_set()).
  std::vector<std::vector<Key>> groups;
  std::vector<SkippedJwk> skipped;
};

/// Parses a JWK Set (RFC 7517 section 5) into verification keys, each parsed into OpenSSL
/// objects once, here.
///
/// An entry becomes keys when it is an RSA key (`n`, `e`, at least 2048 bits), an EC key
/// (`crv` P-256 or P-384, `x`, `y` of the curve's exact size, on the curve) or an OKP key
/// (`crv` Ed25519, `x`). Its `alg`, when present, binds it to that one algorithm, which must
/// suit the key type. Without `alg` the key type decides: RSA allows RS256, RS384, RS512,
/// PS256, PS384 and PS512, and EC P-256, EC P-384 and Ed25519 allow ES256, ES384 and EdDSA.
/// An entry is skipped, with its reason in `skipped`, when `use` is not "sig" or `key_ops` does
/// not list "verify". It is also skipped when `kty` is "oct", because HMAC secrets are never
/// taken from a URL, or another unsupported type. The same holds for an entry with private key
/// members, or with a member that is missing or malformed.
///
/// Returns kInvalidArgument when the text is larger than kMaxJwkSetBytes, is not a JSON
/// object with a `keys` array of at most kMaxJwkSetKeys entries, when two usable entries have
/// the same `kid`, or when no entry is usable.
Result<JwkSetKeys> parse_jwk_set(std::string_view text);

}  // namespace outbound::jwt
