#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>

#include "jwt_auth/claims.h"
#include "jwt_auth/jws.h"
#include "jwt_auth/key_set.h"
#include "outbound/auth.h"
#include "outbound/status.h"

namespace outbound::jwt {

/// VerifierOptions are the limits and claim rules of a Verifier.
struct VerifierOptions {
  ClaimPolicy claims;
  /// Tokens longer than this are rejected before they are decoded.
  std::size_t max_token_bytes = kDefaultMaxTokenBytes;
};

/// Verifier checks JWTs against a fixed set of keys and a claim policy.
///
/// Checks run in this order, and the first failure is returned: structure, header policy,
/// key selection, signature, then the payload as a JSON object and its claims. So a forged
/// token is reported as bad_signature even when it is also expired.
///
/// Thread safety: verify() may be called from several threads at once.
class Verifier {
 public:
  Verifier(KeySet keys, VerifierOptions options);

  /// Verifies `token` at the wall-clock time `now`. Returns the decoded token, or
  /// kUnauthenticated with a reason from outbound::auth_reason.
  Result<VerifiedToken> verify(std::string_view token,
                               std::chrono::system_clock::time_point now) const;

  /// Finishes a verification whose signature verify_compact_into() checked, with this
  /// verifier's keys or another set: parses the payload, checks the claims at `now` and
  /// returns the decoded token. Moves the contents out of `jws`, whose key must still live.
  Result<VerifiedToken> verify_claims(VerifiedJws& jws,
                                      std::chrono::system_clock::time_point now) const;

  const KeySet& keys() const { return keys_; }
  const VerifierOptions& options() const { return options_; }

 private:
  KeySet keys_;
  VerifierOptions options_;
};

}  // namespace outbound::jwt
