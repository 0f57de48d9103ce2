#include "jwt_auth/jws.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "jwt_auth/base64url.h"
#include "jwt_auth/json_object.h"
#include "jwt_auth/rejection.h"

namespace outbound::jwt {
namespace {

Status malformed(std::string message) {
  return token_rejected(auth_reason::kMalformed, std::move(message));
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

Result<std::string> decode_segment(std::string_view segment, const char* name) {
  if (segment.empty()) return malformed(std::string("token ") + name + " segment is empty");
  std::optional<std::string> bytes = base64url_decode(segment);
  if (!bytes) {
    return malformed(std::string("token ") + name +
                     " segment is not strict base64url (padding, '+', '/', whitespace and a "
                     "non-zero final bit are rejected)");
  }
  return std::move(*bytes);
}

// Applies the header policy to `alg` and returns the algorithm it names.
Result<Algorithm> check_algorithm(const nlohmann::json& header, const KeySet& keys) {
  const auto alg = header.find("alg");
  if (alg == header.end()) return malformed("token header has no alg");
  if (!alg->is_string()) return malformed("token header alg is not a string");
  const auto& name = alg->get_ref<const std::string&>();

  if (equals_ignoring_case(name, "none")) {
    return token_rejected(auth_reason::kAlgorithmNotAllowed,
                          "token alg " + quote_token_value(name) +
                              " marks an unsecured JWS, which is never accepted");
  }
  const std::optional<Algorithm> algorithm = parse_algorithm(name);
  if (!algorithm || !keys.allows(*algorithm)) {
    return token_rejected(auth_reason::kAlgorithmNotAllowed,
                          "token alg " + quote_token_value(name) +
                              " is not allowed; the configured keys use " +
                              keys.allowed_algorithm_names());
  }
  return *algorithm;
}

// RFC 7515 section 4.1.11: a recipient must reject a JWS whose `crit` lists an extension it
// does not understand, and `crit` must be a non-empty array of names. No extension is
// understood here, so every well-formed `crit` is rejected.
Status check_critical(const nlohmann::json& header) {
  const auto crit = header.find("crit");
  if (crit == header.end()) return Status();
  if (!crit->is_array() || crit->empty()) {
    return malformed("token header crit is not a non-empty array of header names");
  }
  for (const nlohmann::json& name : *crit) {
    if (!name.is_string()) return malformed("token header crit lists a value that is not a name");
  }
  return token_rejected(auth_reason::kUnsupportedCritical,
                        "token header crit requires the extension " +
                            quote_token_value(crit->front().get_ref<const std::string&>()) +
                            ", which this verifier does not support");
}

}  // namespace

Result<DecodedJws> decode_compact(std::string_view token, std::size_t max_token_bytes) {
  if (token.size() > max_token_bytes) {
    return malformed("token is " + std::to_string(token.size()) + " bytes, more than the " +
                     std::to_string(max_token_bytes) + " that max_token_bytes allows");
  }
  const auto dots = static_cast<std::size_t>(std::count(token.begin(), token.end(), '.'));
  if (dots != 2) {
    return malformed("token has " + std::to_string(dots + 1) +
                     " segments; a compact JWS has exactly 3, separated by dots");
  }
  const std::size_t first_dot = token.find('.');
  const std::size_t second_dot = token.find('.', first_dot + 1);

  DecodedJws decoded;
  decoded.signing_input = token.substr(0, second_dot);

  Result<std::string> header = decode_segment(token.substr(0, first_dot), "header");
  if (!header.ok()) return header.status();
  Result<std::string> payload =
      decode_segment(token.substr(first_dot + 1, second_dot - first_dot - 1), "payload");
  if (!payload.ok()) return payload.status();
  // An empty signature passes this stage so that the header decides the reason: `alg:none`
  // is rejected as a forbidden algorithm, and a stripped signature as a bad signature.
  const std::string_view signature_segment = token.substr(second_dot + 1);
  Result<std::string> signature = std::string();
  if (!signature_segment.empty()) signature = decode_segment(signature_segment, "signature");
  if (!signature.ok()) return signature.status();

  Result<nlohmann::json> parsed = parse_json_object(*header);
  if (!parsed.ok()) return malformed("token header " + parsed.status().message());

  decoded.header_json = std::move(header).value();
  decoded.header = std::move(parsed).value();
  decoded.payload = std::move(payload).value();
  decoded.signature = std::move(signature).value();
  return decoded;
}

Result<VerifiedJws> verify_compact(const KeySet& keys, std::string_view token,
                                   std::size_t max_token_bytes) {
  Result<DecodedJws> decoded = decode_compact(token, max_token_bytes);
  if (!decoded.ok()) return decoded.status();
  const nlohmann::json& header = decoded->header;

  Result<Algorithm> algorithm = check_algorithm(header, keys);
  if (!algorithm.ok()) return algorithm.status();
  if (Status critical = check_critical(header); !critical.ok()) return critical;

  const std::string* key_id = nullptr;
  if (const auto kid = header.find("kid"); kid != header.end()) {
    if (!kid->is_string()) return malformed("token header kid is not a string");
    key_id = &kid->get_ref<const std::string&>();
  }
  Result<const Key*> key = keys.select(*algorithm, key_id);
  if (!key.ok()) return key.status();

  if (decoded->signature.empty()) {
    return token_rejected(auth_reason::kBadSignature, "token has no signature");
  }
  if (!(*key)->verify(decoded->signing_input, decoded->signature)) {
    std::string key_description = (*key)->key_id().empty()
                                      ? "the " + std::string(algorithm_name(*algorithm)) + " key"
                                      : "key \"" + (*key)->key_id() + "\"";
    return token_rejected(auth_reason::kBadSignature,
                          "token signature does not verify with " + key_description);
  }

  VerifiedJws verified;
  verified.header_json = std::move(decoded->header_json);
  verified.header = std::move(decoded->header);
  verified.payload = std::move(decoded->payload);
  verified.key = *key;
  return verified;
}

Result<std::string> sign_compact(const Key& key, std::string_view header_json,
                                 std::string_view payload) {
  std::string token;
  base64url_append(header_json, token);
  token += '.';
  base64url_append(payload, token);
  Result<std::string> signature = key.sign(token);
  if (!signature.ok()) return signature.status();
  token += '.';
  base64url_append(*signature, token);
  return token;
}

}  // namespace outbound::jwt
