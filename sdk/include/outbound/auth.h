#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "outbound/client.h"
#include "outbound/export.h"

namespace outbound {

/// Reasons an AuthProvider puts into Status::reason() when it rejects a token. Scripts and
/// the command line match these strings, so they never change meaning.
namespace auth_reason {
inline constexpr const char* kExpired = "expired";                            // now >= exp + leeway
inline constexpr const char* kNotYetValid = "not_yet_valid";                  // now < nbf - leeway
inline constexpr const char* kBadSignature = "bad_signature";                 // signature mismatch
inline constexpr const char* kAlgorithmNotAllowed = "algorithm_not_allowed";  // header alg
inline constexpr const char* kMalformed = "malformed";                        // structure, encoding
inline constexpr const char* kClaimMismatch = "claim_mismatch";               // iss, aud, required
inline constexpr const char* kUnknownKey = "unknown_key";                     // kid not configured
inline constexpr const char* kUnsupportedCritical = "unsupported_critical";   // crit header
}  // namespace auth_reason

/// IssueRequest is a request for a signed token about `subject`.
struct IssueRequest {
  /// The `sub` claim.
  std::string subject;
  /// Further claims as the text of one JSON object, merged into the payload. The registered
  /// claims the provider sets itself (`iss`, `aud`, `iat`, `exp`, `nbf`) may be overridden
  /// only where the provider documents it.
  std::string claims_json = "{}";
  /// Lifetime of the token; the provider's configured default when empty.
  std::optional<std::chrono::seconds> ttl;
};

/// IssuedToken is a signed token and what went into it.
struct IssuedToken {
  /// The compact serialisation (three base64url segments for a JWS).
  std::string token;
  std::string algorithm;
  std::string key_id;
  std::chrono::system_clock::time_point issued_at;
  std::chrono::system_clock::time_point expires_at;
};

/// VerifyRequest is a request to check that `token` is authentic and currently valid.
struct VerifyRequest {
  std::string token;
};

/// VerifiedToken is a token that passed every check, with its decoded parts.
struct VerifiedToken {
  /// The protected header and the claims, as JSON object text exactly as decoded.
  std::string header_json;
  std::string claims_json;
  std::string subject;
  std::string algorithm;
  std::string key_id;
  std::optional<std::chrono::system_clock::time_point> expires_at;
};

/// AuthProvider issues and verifies bearer tokens.
///
/// verify() returns kUnauthenticated with an auth_reason for a token that is forged, expired
/// or otherwise unacceptable, and kInvalidArgument only for a request the provider cannot
/// process at all. A rejection is never retryable.
class OUTBOUND_SDK_API AuthProvider : public ExternalClient {
 public:
  ~AuthProvider() override;

  virtual Result<IssuedToken> issue(const CallContext& context, const IssueRequest& request) = 0;
  virtual Result<VerifiedToken> verify(const CallContext& context,
                                       const VerifyRequest& request) = 0;
};

}  // namespace outbound
