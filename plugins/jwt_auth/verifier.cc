#include "jwt_auth/verifier.h"

#include <utility>

#include "jwt_auth/json_object.h"
#include "jwt_auth/rejection.h"

namespace outbound::jwt {

Verifier::Verifier(KeySet keys, VerifierOptions options)
    : keys_(std::move(keys)), options_(std::move(options)) {}

Result<VerifiedToken> Verifier::verify(std::string_view token,
                                       std::chrono::system_clock::time_point now) const {
  Result<VerifiedJws> jws = verify_compact(keys_, token, options_.max_token_bytes);
  if (!jws.ok()) return jws.status();

  // The payload is parsed only once the signature holds, so unauthenticated input never
  // reaches the claims parser.
  Result<nlohmann::json> claims = parse_json_object(jws->payload);
  if (!claims.ok()) {
    return token_rejected(auth_reason::kMalformed, "token payload " + claims.status().message());
  }
  if (Status checked = check_claims(*claims, options_.claims, now); !checked.ok()) return checked;

  VerifiedToken verified;
  verified.header_json = std::move(jws->header_json);
  verified.claims_json = std::move(jws->payload);
  if (const auto sub = claims->find("sub"); sub != claims->end()) {
    verified.subject = sub->get<std::string>();
  }
  verified.algorithm = std::string(algorithm_name(jws->key->algorithm()));
  verified.key_id = jws->key->key_id();
  // check_claims has already rejected an exp that does not read as a NumericDate.
  Result<std::optional<double>> exp = read_numeric_date(*claims, "exp");
  if (exp.ok() && exp->has_value()) verified.expires_at = time_point_from_seconds(**exp);
  return verified;
}

}  // namespace outbound::jwt
