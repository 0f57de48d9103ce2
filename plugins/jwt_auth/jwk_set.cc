#include "jwt_auth/jwk_set.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <utility>

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <nlohmann/json.hpp>

#include "jwt_auth/base64url.h"
#include "jwt_auth/json_object.h"
#include "jwt_auth/openssl_util.h"
#include "jwt_auth/rejection.h"

namespace outbound::jwt {
namespace {

using nlohmann::json;
using ParamBuildPtr =
    std::unique_ptr<OSSL_PARAM_BLD, OpensslDeleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, OpensslDeleter<OSSL_PARAM, OSSL_PARAM_free>>;

// RFC 7518 section 3.3 sets the minimum. OpenSSL refuses to verify with larger moduli, and with
// public exponents over 64 bits once the modulus is over 3072 bits.
constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = OPENSSL_RSA_MAX_MODULUS_BITS;
constexpr std::size_t kMaxRsaExponentBytes = OPENSSL_RSA_MAX_PUBEXP_BITS / 8;

// Members that only a private key has (RFC 7518 section 6, RFC 8037 section 2).
constexpr std::array<const char*, 7> kPrivateMembers = {"d", "p", "q", "dp", "dq", "qi", "oth"};

constexpr std::array<Algorithm, 6> kRsaAlgorithms = {Algorithm::kRs256, Algorithm::kRs384,
                                                     Algorithm::kRs512, Algorithm::kPs256,
                                                     Algorithm::kPs384, Algorithm::kPs512};

// The outcome of one JWK Set entry: its keys, or why it was skipped.
struct EntryOutcome {
  std::vector<Key> keys;
  std::string skip_reason;
  bool expected_skip = false;
};

EntryOutcome skip(std::string reason, bool expected = false) {
  EntryOutcome outcome;
  outcome.skip_reason = std::move(reason);
  outcome.expected_skip = expected;
  return outcome;
}

// Reads the string member `name`. A missing member gives nullopt, and another type sets
// `problem`.
std::optional<std::string> string_member(const json& entry, const char* name,
                                         std::string& problem) {
  const auto found = entry.find(name);
  if (found == entry.end()) return std::nullopt;
  if (!found->is_string()) {
    problem = std::string(name) + " is a JSON " + found->type_name() + ", not a string";
    return std::nullopt;
  }
  return found->get<std::string>();
}

// Reads a required base64url member: a Base64urlUInt or a coordinate (RFC 7518 section 6).
Result<std::string> bytes_member(const json& entry, const char* name) {
  std::string problem;
  const std::optional<std::string> text = string_member(entry, name, problem);
  if (!problem.empty()) return Status::invalid_argument(problem);
  if (!text) return Status::invalid_argument(std::string("has no ") + name);
  std::optional<std::string> bytes = base64url_decode(*text);
  if (!bytes || bytes->empty()) {
    return Status::invalid_argument(std::string(name) + " is not non-empty strict base64url");
  }
  return std::move(*bytes);
}

Result<EvpPkeyPtr> key_from_params(const char* type, OSSL_PARAM_BLD* build) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(build));
  EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return Status::invalid_argument("is not a valid public key (OpenSSL: " +
                                    take_openssl_error("EVP_PKEY_fromdata failed") + ")");
  }
  return EvpPkeyPtr(pkey);
}

// Runs OpenSSL's public key check: an odd modulus and exponent for RSA, a point on the curve
// and not at infinity for EC.
Status check_public_key(const EvpPkeyPtr& pkey) {
  EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!context || EVP_PKEY_public_check(context.get()) != 1) {
    return Status::invalid_argument("fails OpenSSL's public key check (" +
                                    take_openssl_error("EVP_PKEY_public_check failed") + ")");
  }
  return Status();
}

Result<EvpPkeyPtr> rsa_key(const json& entry) {
  Result<std::string> modulus = bytes_member(entry, "n");
  if (!modulus.ok()) return modulus.status();
  Result<std::string> exponent = bytes_member(entry, "e");
  if (!exponent.ok()) return exponent.status();

  if (exponent->size() > kMaxRsaExponentBytes) {
    return Status::invalid_argument("e is " + std::to_string(exponent->size()) +
                                    " bytes long; public exponents over " +
                                    std::to_string(kMaxRsaExponentBytes) +
                                    " bytes are not accepted (issuers use 65537, \"AQAB\")");
  }
  const auto as_bignum = [](const std::string& bytes) {
    return BignumPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                               static_cast<int>(bytes.size()), nullptr));
  };
  BignumPtr n = as_bignum(*modulus);
  BignumPtr e = as_bignum(*exponent);

  const int bits = n ? BN_num_bits(n.get()) : 0;
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return Status::invalid_argument("n is a " + std::to_string(bits) +
                                    "-bit modulus; RSA keys need " + std::to_string(kMinRsaBits) +
                                    " to " + std::to_string(kMaxRsaBits) +
                                    " bits (RFC 7518 section 3.3)");
  }

  ParamBuildPtr build(OSSL_PARAM_BLD_new());
  if (!build || !e || OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return Status::internal("cannot build RSA parameters: " +
                            take_openssl_error("OSSL_PARAM_BLD failed"));
  }
  return key_from_params("RSA", build.get());
}

// A JWK curve this engine verifies with.
struct Curve {
  const char* jose_name;
  const char* openssl_name;
  std::size_t coordinate_bytes;
  Algorithm algorithm;
};
constexpr std::array<Curve, 2> kCurves = {Curve{"P-256", "prime256v1", 32, Algorithm::kEs256},
                                          Curve{"P-384", "secp384r1", 48, Algorithm::kEs384}};

Result<EvpPkeyPtr> ec_key(const json& entry, const Curve& curve) {
  std::string point = "\x04";
  for (const char* name : {"x", "y"}) {
    Result<std::string> coordinate = bytes_member(entry, name);
    if (!coordinate.ok()) return coordinate.status();
    // RFC 7518 section 6.2: a coordinate is the full size of the field, zeros included.
    if (coordinate->size() != curve.coordinate_bytes) {
      return Status::invalid_argument(
          std::string(name) + " is " + std::to_string(coordinate->size()) + " bytes; a " +
          curve.jose_name + " coordinate is " + std::to_string(curve.coordinate_bytes) + " bytes");
    }
    point += *coordinate;
  }
  ParamBuildPtr build(OSSL_PARAM_BLD_new());
  if (!build ||
      OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve.openssl_name,
                                      0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return Status::internal("cannot build EC parameters: " +
                            take_openssl_error("OSSL_PARAM_BLD failed"));
  }
  return key_from_params("EC", build.get());
}

Result<EvpPkeyPtr> ed25519_key(const json& entry) {
  Result<std::string> x = bytes_member(entry, "x");
  if (!x.ok()) return x.status();
  if (x->size() != 32) {
    return Status::invalid_argument("x is " + std::to_string(x->size()) +
                                    " bytes; an Ed25519 public key is 32 bytes");
  }
  EvpPkeyPtr pkey(EVP_PKEY_new_raw_public_key_ex(
      nullptr, "ED25519", nullptr, reinterpret_cast<const unsigned char*>(x->data()), x->size()));
  if (!pkey) {
    return Status::invalid_argument("x is not an Ed25519 public key (OpenSSL: " +
                                    take_openssl_error("EVP_PKEY_new_raw_public_key failed") + ")");
  }
  return pkey;
}

std::string names_of(const std::vector<Algorithm>& algorithms) {
  std::string names;
  for (Algorithm algorithm : algorithms) {
    if (!names.empty()) names += ", ";
    names += algorithm_name(algorithm);
  }
  return names;
}

// Builds the public key of `entry` for its `kty`, and sets `allowed` to the algorithms that
// key type verifies.
Result<EvpPkeyPtr> public_key(const json& entry, const std::string& kty,
                              std::vector<Algorithm>& allowed) {
  if (kty == "RSA") {
    allowed.assign(kRsaAlgorithms.begin(), kRsaAlgorithms.end());
    return rsa_key(entry);
  }
  std::string problem;
  const std::optional<std::string> crv = string_member(entry, "crv", problem);
  if (!problem.empty()) return Status::invalid_argument(problem);
  if (!crv) return Status::invalid_argument("has no crv");
  if (kty == "EC") {
    for (const Curve& curve : kCurves) {
      if (*crv != curve.jose_name) continue;
      allowed = {curve.algorithm};
      return ec_key(entry, curve);
    }
    return Status::invalid_argument("crv " + quote_token_value(*crv) +
                                    " is not supported for kty \"EC\"; P-256 and P-384 are");
  }
  if (*crv != "Ed25519") {
    return Status::invalid_argument("crv " + quote_token_value(*crv) +
                                    " is not supported for kty \"OKP\"; Ed25519 is");
  }
  allowed = {Algorithm::kEdDsa};
  return ed25519_key(entry);
}

// Returns the reason to skip `entry` because of its `use` or `key_ops`, or an empty string.
std::string purpose_problem(const json& entry, bool& expected) {
  std::string problem;
  const std::optional<std::string> use = string_member(entry, "use", problem);
  if (!problem.empty()) return problem;
  if (use && *use != "sig") {
    expected = true;
    return "use is " + quote_token_value(*use) + ", not \"sig\"";
  }
  const auto key_ops = entry.find("key_ops");
  if (key_ops == entry.end()) return {};
  if (!key_ops->is_array() || !std::all_of(key_ops->begin(), key_ops->end(),
                                           [](const json& op) { return op.is_string(); })) {
    return "key_ops is not an array of strings";
  }
  if (std::find(key_ops->begin(), key_ops->end(), json("verify")) == key_ops->end()) {
    expected = true;
    return "key_ops does not list \"verify\"";
  }
  return {};
}

EntryOutcome parse_entry(const json& entry, const std::string& key_id) {
  bool expected = false;
  if (std::string problem = purpose_problem(entry, expected); !problem.empty()) {
    return skip(std::move(problem), expected);
  }

  std::string problem;
  const std::optional<std::string> kty = string_member(entry, "kty", problem);
  if (!problem.empty()) return skip(problem);
  if (!kty) return skip("has no kty");
  if (*kty == "oct") {
    return skip(
        "kty \"oct\" is a shared secret, and jwt-auth never takes HMAC keys from a URL; list "
        "them in verification_keys");
  }
  if (*kty != "RSA" && *kty != "EC" && *kty != "OKP") {
    return skip("kty " + quote_token_value(*kty) +
                " is not supported; RSA, EC and OKP (Ed25519) are");
  }
  for (const char* name : kPrivateMembers) {
    if (entry.contains(name)) {
      return skip(std::string("contains the private key member \"") + name +
                  "\"; a JWK Set must publish public keys only, so the issuer should remove it");
    }
  }
  const std::optional<std::string> alg = string_member(entry, "alg", problem);
  if (!problem.empty()) return skip(problem);

  std::vector<Algorithm> allowed;
  Result<EvpPkeyPtr> pkey = public_key(entry, *kty, allowed);
  if (!pkey.ok()) return skip(pkey.status().message());
  if (Status checked = check_public_key(*pkey); !checked.ok()) return skip(checked.message());

  if (alg) {
    const std::optional<Algorithm> bound = parse_algorithm(*alg);
    if (!bound || std::find(allowed.begin(), allowed.end(), *bound) == allowed.end()) {
      return skip("alg " + quote_token_value(*alg) + " does not suit this key, which allows " +
                  names_of(allowed));
    }
    allowed = {*bound};
  }

  EntryOutcome outcome;
  for (Algorithm algorithm : allowed) {
    // Every Key shares the one EVP_PKEY, which OpenSSL allows to be used from several threads.
    EVP_PKEY_up_ref(pkey->get());
    Result<Key> key = Key::from_public_pkey(algorithm, EvpPkeyPtr(pkey->get()), key_id);
    if (!key.ok()) return skip("key " + key.status().message());
    outcome.keys.push_back(std::move(key).value());
  }
  return outcome;
}

// Returns the key id of `entry`, or sets `problem` when its kid is unusable.
std::string entry_key_id(const json& entry, std::string& problem) {
  const std::optional<std::string> kid = string_member(entry, "kid", problem);
  if (!kid) return {};
  if (kid->empty()) problem = "kid is empty";
  if (kid->size() > kMaxJwkKeyIdBytes) {
    problem = "kid is " + std::to_string(kid->size()) + " bytes, more than the " +
              std::to_string(kMaxJwkKeyIdBytes) + " accepted";
  }
  return *kid;
}

std::string describe_entry(std::size_t index, const std::string& key_id) {
  std::string description = "/keys/" + std::to_string(index);
  if (!key_id.empty()) description += " (kid " + quote_token_value(key_id) + ")";
  return description;
}

}  // namespace

Result<JwkSetKeys> parse_jwk_set(std::string_view text) {
  if (text.size() > kMaxJwkSetBytes) {
    return Status::invalid_argument("is " + std::to_string(text.size()) + " bytes, more than the " +
                                    std::to_string(kMaxJwkSetBytes) + " a JWK Set may have");
  }
  Result<json> document = parse_json_object(text);
  if (!document.ok()) return document.status();
  const auto keys = document->find("keys");
  if (keys == document->end() || !keys->is_array()) {
    return Status::invalid_argument("is a JSON object without a \"keys\" array, so not a JWK Set");
  }
  if (keys->size() > kMaxJwkSetKeys) {
    return Status::invalid_argument("lists " + std::to_string(keys->size()) +
                                    " keys, more than the " + std::to_string(kMaxJwkSetKeys) +
                                    " accepted");
  }

  JwkSetKeys result;
  std::map<std::string, std::size_t> index_by_key_id;
  for (std::size_t i = 0; i < keys->size(); ++i) {
    const json& entry = (*keys)[i];
    if (!entry.is_object()) {
      result.skipped.push_back(
          {describe_entry(i, {}) + " is a JSON " + entry.type_name() + ", not an object", false});
      continue;
    }
    std::string problem;
    const std::string key_id = entry_key_id(entry, problem);
    const std::string description = describe_entry(i, problem.empty() ? key_id : std::string());
    if (!problem.empty()) {
      result.skipped.push_back({description + " is skipped: " + problem, false});
      continue;
    }
    EntryOutcome outcome = parse_entry(entry, key_id);
    if (outcome.keys.empty()) {
      result.skipped.push_back(
          {description + " is skipped: " + outcome.skip_reason, outcome.expected_skip});
      continue;
    }
    if (!key_id.empty()) {
      const auto [earlier, inserted] = index_by_key_id.emplace(key_id, i);
      if (!inserted) {
        return Status::invalid_argument("lists the kid " + quote_token_value(key_id) +
                                        " at /keys/" + std::to_string(earlier->second) +
                                        " and /keys/" + std::to_string(i) +
                                        ", so a token's kid could not select one key");
      }
    }
    result.groups.push_back(std::move(outcome.keys));
  }

  if (result.groups.empty()) {
    std::string message = "lists no usable signing key";
    for (std::size_t i = 0; i < result.skipped.size() && i < 3; ++i) {
      message += (i == 0 ? ": " : "; ") + result.skipped[i].description;
    }
    if (result.skipped.size() > 3) {
      message += "; and " + std::to_string(result.skipped.size() - 3) + " more";
    }
    return Status::invalid_argument(message);
  }
  return result;
}

}  // namespace outbound::jwt
