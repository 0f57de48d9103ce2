#pragma once

#include <string>

#include "outbound/status.h"

namespace outbound::bench {

/// LibjwtVerifier verifies tokens with libjwt 1.10 as an application would: jwt_decode() checks
/// the signature with the key, then the application checks alg, exp, iat, iss and aud through
/// libjwt's grant getters, because libjwt 1.10 validates no claims itself. jwt_decode() takes
/// the key as bytes on every call, so libjwt parses a PEM public key again for each token.
class LibjwtVerifier {
 public:
  /// Makes a verifier for the JWS algorithm `algorithm_name` ("HS256", "RS256" or "ES256")
  /// with `key`: the HMAC secret, or the public key in PEM.
  LibjwtVerifier(std::string algorithm_name, std::string key);

  /// Returns ok when `token` verifies and its claims match kIssuer, kAudience and the current
  /// time within kLeewaySeconds; otherwise kUnauthenticated saying which check failed.
  Status verify(const std::string& token) const;

 private:
  std::string algorithm_name_;
  std::string key_;
};

}  // namespace outbound::bench
