#include "jwt_auth/verifier.h"

#include <utility>

#include "jwt_auth/json_text.h"
#include "jwt_auth/rejection.h"

namespace outbound::jwt {

Verifier::Verifier(KeySet keys, VerifierOptions options)
    : keys_(std::move(keys)), options_(std::move(options)) {}

Result<VerifiedToken> Verifier::verify(std::string_view token,
                                       std::chrono::system_clock::time_point now) const {
  VerifiedJws jws;
  if (Status verified = verify_compact_into(keys_, token, options_.max_token_bytes, jws);
      !verified.ok()) {
    return verified;
  }
  return verify_claims(jws, now);
}

Result<VerifiedToken> Verifier::verify_claims(VerifiedJws& jws,
                                              std::chrono::system_clock::time_point now) const {
  // The payload is parsed only once the signature holds, so unauthenticated input never
  // reaches the claims parser.
  ClaimSet claims;
  if (Status parsed = parse_claims(jws.payload, options_.claims, claims); !parsed.ok()) {
    return token_rejected(auth_reason::kMalformed, "token payload " + parsed.message());
  }
  if (Status checked = check_claims(claims, options_.claims, now); !checked.ok()) return checked;

  // The claims point into jws.payload, so everything is read from them before it moves.
  VerifiedToken verified;
  if (claims.sub) {
    const std::string_view subject = json_string_content(claims.sub->text, verified.subject);
    if (subject.data() != verified.subject.data()) verified.subject.assign(subject);
  }
  // check_claims has already rejected an exp that does not read as a NumericDate.
  std::optional<double> exp;
  if (read_numeric_date(claims.exp, "exp", exp).ok() && exp) {
    verified.expires_at = time_point_from_seconds(*exp);
  }
  verified.header_json = std::move(jws.header_json);
  verified.claims_json = std::move(jws.payload);
  verified.algorithm.assign(algorithm_name(jws.key->algorithm()));
  verified.key_id = jws.key->key_id();
  return verified;
}

}  // namespace outbound::jwt
