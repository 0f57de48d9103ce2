#pragma once

#include <string>
#include <string_view>

#include "outbound/status.h"

namespace outbound::bench {

/// CppJwtVerifier verifies tokens with cpp-jwt 1.4: jwt::decode() with the algorithm list, the
/// key, the expected issuer and audience and the leeway, which checks the signature, exp, nbf
/// when present, iss and aud. cpp-jwt takes the key as text on every call, so it parses a PEM
/// public key again for each token. Only cpp_jwt_verifier.cc includes cpp-jwt, because its
/// namespace `jwt` would otherwise be confused with outbound::jwt in the other files.
class CppJwtVerifier {
 public:
  /// Makes a verifier for the JWS algorithm `algorithm_name` ("HS256", "RS256" or "ES256")
  /// with `key`: the HMAC secret, or the public key in PEM.
  CppJwtVerifier(std::string algorithm_name, std::string key);

  /// Returns ok when `token` verifies and its claims match kIssuer, kAudience and the current
  /// time within kLeewaySeconds; otherwise kUnauthenticated with cpp-jwt's error message.
  Status verify(std::string_view token) const;

 private:
  std::string algorithm_name_;
  std::string key_;
};

}  // namespace outbound::bench
