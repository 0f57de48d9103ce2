#include "jwt_auth/signer.h"

#include <cmath>
#include <cstdint>
#include <utility>

#include <nlohmann/json.hpp>

#include "jwt_auth/base64url.h"
#include "jwt_auth/claims.h"
#include "jwt_auth/json_object.h"

namespace outbound::jwt {
namespace {

// The claims the signer sets itself, with the way a caller changes each of them.
struct ReservedClaim {
  const char* name;
  const char* instead;
};
constexpr ReservedClaim kReservedClaims[] = {
    {"iss", "the issuer setting"},
    {"sub", "IssueRequest.subject"},
    {"aud", "the audience setting"},
    {"iat", "nothing: it is the time of issue"},
    {"exp", "IssueRequest.ttl or the ttl_s setting"},
};

Result<nlohmann::json> parse_extra_claims(const std::string& claims_json) {
  if (claims_json.empty()) return nlohmann::json::object();
  Result<nlohmann::json> claims = parse_json_object(claims_json);
  if (!claims.ok()) {
    return Status::invalid_argument("IssueRequest.claims_json " + claims.status().message() +
                                    "; give a JSON object such as {\"role\":\"admin\"}");
  }
  for (const ReservedClaim& reserved : kReservedClaims) {
    if (claims->contains(reserved.name)) {
      return Status::invalid_argument(std::string("IssueRequest.claims_json sets \"") +
                                      reserved.name + "\", which jwt-auth sets itself; use " +
                                      reserved.instead);
    }
  }
  if (Result<std::optional<double>> nbf = read_numeric_date(*claims, "nbf"); !nbf.ok()) {
    return Status::invalid_argument(
        "IssueRequest.claims_json has an nbf that is not a NumericDate: give seconds since the "
        "epoch between 0 and " +
        std::to_string(kMaxNumericDate));
  }
  return claims;
}

}  // namespace

Signer::Signer(Key key, SignerOptions options, std::string encoded_header)
    : key_(std::move(key)),
      options_(std::move(options)),
      encoded_header_(std::move(encoded_header)) {}

Result<Signer> Signer::create(Key key, SignerOptions options) {
  if (!key.can_sign()) {
    return Status::invalid_argument(
        "the signing key is a public key; signing needs the private key");
  }
  if (options.ttl.count() <= 0 || options.ttl.count() > kMaxNumericDate) {
    return Status::invalid_argument("the token lifetime is " + std::to_string(options.ttl.count()) +
                                    " s; give a positive number of seconds");
  }
  // nlohmann::ordered_json keeps the members in the order written here.
  nlohmann::ordered_json header;
  header["alg"] = algorithm_name(key.algorithm());
  header["typ"] = "JWT";
  if (!key.key_id().empty()) header["kid"] = key.key_id();
  std::string encoded = base64url_encode(header.dump());
  return Signer(std::move(key), std::move(options), std::move(encoded));
}

Result<IssuedToken> Signer::issue(const IssueRequest& request,
                                  std::chrono::system_clock::time_point now) const {
  if (request.subject.empty()) {
    return Status::invalid_argument("IssueRequest.subject is empty; set the sub claim's value");
  }
  const std::chrono::seconds ttl = request.ttl.value_or(options_.ttl);
  if (ttl.count() <= 0) {
    return Status::invalid_argument("IssueRequest.ttl is " + std::to_string(ttl.count()) +
                                    " s; give a positive lifetime");
  }
  const auto issued_at = static_cast<std::int64_t>(std::floor(seconds_since_epoch(now)));
  if (issued_at < 0 || ttl.count() > kMaxNumericDate - issued_at) {
    return Status::invalid_argument("the token would expire after 9999-12-31 (iat " +
                                    std::to_string(issued_at) + ", lifetime " +
                                    std::to_string(ttl.count()) + " s); give a shorter ttl");
  }
  const std::int64_t expires_at = issued_at + ttl.count();

  Result<nlohmann::json> payload = parse_extra_claims(request.claims_json);
  if (!payload.ok()) return payload.status();
  if (!options_.issuer.empty()) (*payload)["iss"] = options_.issuer;
  (*payload)["sub"] = request.subject;
  if (options_.audiences.size() == 1) {
    (*payload)["aud"] = options_.audiences.front();
  } else if (!options_.audiences.empty()) {
    (*payload)["aud"] = options_.audiences;
  }
  (*payload)["iat"] = issued_at;
  (*payload)["exp"] = expires_at;

  std::string token = encoded_header_;
  token += '.';
  try {
    base64url_append(payload->dump(), token);
  } catch (const nlohmann::json::exception& error) {
    return Status::invalid_argument(std::string("cannot serialise the claims: ") + error.what());
  }
  Result<std::string> signature = key_.sign(token);
  if (!signature.ok()) return signature.status();
  token += '.';
  base64url_append(*signature, token);

  IssuedToken issued;
  issued.token = std::move(token);
  issued.algorithm = std::string(algorithm_name(key_.algorithm()));
  issued.key_id = key_.key_id();
  issued.issued_at = time_point_from_seconds(static_cast<double>(issued_at));
  issued.expires_at = time_point_from_seconds(static_cast<double>(expires_at));
  return issued;
}

}  // namespace outbound::jwt
