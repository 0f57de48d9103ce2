#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "jwt_auth/key.h"
#include "outbound/auth.h"
#include "outbound/status.h"

namespace outbound::jwt {

/// The token lifetime when the configuration sets no `ttl_s`.
inline constexpr std::chrono::seconds kDefaultTtl{900};

/// SignerOptions are the registered claims a Signer puts into every token.
struct SignerOptions {
  /// The `iss` claim; left out when empty.
  std::string issuer;
  /// The `aud` claim: a string for one audience, an array for several, left out when empty.
  std::vector<std::string> audiences;
  /// The lifetime of a token when the request gives none.
  std::chrono::seconds ttl = kDefaultTtl;
};

/// Signer issues JWTs with one signing key. The header is {"alg":..,"typ":"JWT","kid":..},
/// with `kid` only when the key has a key id, and is encoded once, at construction.
///
/// Thread safety: issue() may be called from several threads at once.
class Signer {
 public:
  /// Returns a Signer, or kInvalidArgument when `key` cannot sign (a public key) or the
  /// lifetime is not positive.
  static Result<Signer> create(Key key, SignerOptions options);

  /// Issues a token for `request` at `now`. The payload has `iss`, `sub`, `aud`, `iat` (now in
  /// whole seconds), `exp` (iat + lifetime) and the members of `request.claims_json`. That text
  /// must be a JSON object that sets none of `iss`, `sub`, `aud`, `iat` and `exp`, or empty,
  /// which adds nothing. Returns kInvalidArgument for a bad request.
  Result<IssuedToken> issue(const IssueRequest& request,
                            std::chrono::system_clock::time_point now) const;

  const Key& key() const { return key_; }
  const SignerOptions& options() const { return options_; }

  /// The header segment, base64url-encoded.
  const std::string& encoded_header() const { return encoded_header_; }

 private:
  Signer(Key key, SignerOptions options, std::string encoded_header);

  Key key_;
  SignerOptions options_;
  std::string encoded_header_;
};

}  // namespace outbound::jwt
