#pragma once

// The tokens and keys every verifier in the benchmark shares. Each algorithm gets one key pair,
// one jwt-auth configuration loaded exactly as the plugin loads it, and one token issued by that
// configuration. libjwt, cpp-jwt and outbound::jwt then verify that same token string.

#include <cstdint>
#include <string>

#include "jwt_auth/algorithm.h"
#include "jwt_auth/config.h"
#include "outbound/status.h"

namespace outbound::bench {

/// The claim rules of every verifier in the comparison.
inline constexpr const char* kIssuer = "https://issuer.example";
inline constexpr const char* kAudience = "orders-api";
inline constexpr std::int64_t kLeewaySeconds = 30;

/// The lifetime of the benchmark tokens: a day, so that no run outlasts them.
inline constexpr std::int64_t kTokenLifetimeSeconds = 86400;

/// TokenFixture is one algorithm's key, its loaded jwt-auth configuration and a token it issued.
struct TokenFixture {
  jwt::Algorithm algorithm = jwt::Algorithm::kHs256;
  /// The JWS name ("RS256"), which libjwt and cpp-jwt take to select the algorithm.
  std::string algorithm_name;
  /// The compact token, with the claims iss, sub, aud, iat, exp and two application claims.
  std::string token;
  /// The key as libjwt and cpp-jwt take it: the HMAC secret, or the public key in PEM.
  std::string verification_key;
  /// The configuration as jwt-auth loads it from its settings; `config.verifier` is the
  /// Verifier the plugin calls.
  jwt::JwtConfig config;
};

/// Returns the fixture of `algorithm`, built on the first call and kept for the process: RSA
/// 2048 for RS256, P-256 for ES256, Ed25519 for EdDSA and a 64-byte secret for HS256. Returns
/// kInternal when OpenSSL cannot make the key or jwt-auth rejects the configuration.
Result<const TokenFixture*> token_fixture(jwt::Algorithm algorithm);

}  // namespace outbound::bench
