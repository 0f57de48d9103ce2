// JWK Set parsing: each key type becomes ready verification keys, and a malformed or rejected
// entry is skipped with its reason without losing the rest of the set.

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "jwks_test_support.h"
#include "jwt_auth/base64url.h"
#include "jwt_auth/jwk_set.h"
#include "jwt_auth/jws.h"
#include "jwt_auth/key_set.h"
#include "outbound/auth.h"
#include "test_support.h"

namespace outbound::jwt {
namespace {

using nlohmann::json;
using testing::generate_private_pem;
using testing::jwk_set;
using testing::public_jwk;
using testing::test_key_pair;

constexpr char kPayload[] = R"({"sub":"user-1"})";

std::string pem_of(Algorithm algorithm) { return test_key_pair(algorithm).signing; }

// Signs a token with the private key of `algorithm`'s test key pair, under `kid` when given.
std::string signed_token(Algorithm algorithm, const std::string& kid, int variant = 0) {
  Result<Key> key = Key::signing_key(algorithm, test_key_pair(algorithm, variant).signing);
  EXPECT_TRUE(key.ok()) << key.status();
  json header = {{"alg", algorithm_name(algorithm)}};
  if (!kid.empty()) header["kid"] = kid;
  return key.ok() ? testing::sign_token(*key, header.dump(), kPayload) : std::string();
}

KeySet key_set_of(JwkSetKeys parsed) {
  KeySet keys;
  for (std::vector<Key>& group : parsed.groups) {
    const Status added = keys.add_group(std::move(group));
    EXPECT_TRUE(added.ok()) << added;
  }
  return keys;
}

Result<JwkSetKeys> parse_or_fail(const std::string& text) {
  Result<JwkSetKeys> parsed = parse_jwk_set(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed;
}

TEST(JwkSet, EveryKeyTypeVerifies) {
  const struct {
    const char* name;
    Algorithm algorithm;
    const char* jwk_alg;
  } cases[] = {
      {"RSA with alg RS256", Algorithm::kRs256, "RS256"},
      {"RSA with alg PS384", Algorithm::kPs384, "PS384"},
      {"RSA without alg, RS512", Algorithm::kRs512, ""},
      {"RSA without alg, PS256", Algorithm::kPs256, ""},
      {"EC P-256", Algorithm::kEs256, "ES256"},
      {"EC P-256 without alg", Algorithm::kEs256, ""},
      {"EC P-384", Algorithm::kEs384, "ES384"},
      {"OKP Ed25519", Algorithm::kEdDsa, "EdDSA"},
      {"OKP Ed25519 without alg", Algorithm::kEdDsa, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Result<JwkSetKeys> parsed =
        parse_or_fail(jwk_set({public_jwk(pem_of(c.algorithm), "k1", c.jwk_alg)}));
    ASSERT_TRUE(parsed.ok());
    EXPECT_TRUE(parsed->skipped.empty());
    const KeySet keys = key_set_of(std::move(parsed).value());

    Result<VerifiedJws> verified =
        verify_compact(keys, signed_token(c.algorithm, "k1"), kDefaultMaxTokenBytes);
    ASSERT_TRUE(verified.ok()) << verified.status();
    EXPECT_EQ(verified->key->algorithm(), c.algorithm);
    EXPECT_EQ(verified->key->key_id(), "k1");
    EXPECT_EQ(verified->payload, kPayload);
  }
}

TEST(JwkSet, KeyTypeDecidesAlgorithmsWithoutAlg) {
  const struct {
    const char* name;
    Algorithm key_algorithm;
    std::vector<Algorithm> expected;
  } cases[] = {
      {"RSA",
       Algorithm::kRs256,
       {Algorithm::kRs256, Algorithm::kRs384, Algorithm::kRs512, Algorithm::kPs256,
        Algorithm::kPs384, Algorithm::kPs512}},
      {"EC P-256", Algorithm::kEs256, {Algorithm::kEs256}},
      {"EC P-384", Algorithm::kEs384, {Algorithm::kEs384}},
      {"Ed25519", Algorithm::kEdDsa, {Algorithm::kEdDsa}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Result<JwkSetKeys> parsed = parse_or_fail(jwk_set({public_jwk(pem_of(c.key_algorithm), "k")}));
    ASSERT_TRUE(parsed.ok());
    ASSERT_EQ(parsed->groups.size(), 1u);
    std::vector<Algorithm> algorithms;
    for (const Key& key : parsed->groups[0]) algorithms.push_back(key.algorithm());
    EXPECT_EQ(algorithms, c.expected);
  }
}

TEST(JwkSet, AlgBindsKeyToOneAlgorithm) {
  Result<JwkSetKeys> parsed =
      parse_or_fail(jwk_set({public_jwk(pem_of(Algorithm::kRs256), "rsa", "RS256")}));
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->groups.size(), 1u);
  EXPECT_EQ(parsed->groups[0].size(), 1u);
  const KeySet keys = key_set_of(std::move(parsed).value());

  // The same RSA key signs a PS256 token, which the JWK's alg does not allow.
  Result<VerifiedJws> verified =
      verify_compact(keys, signed_token(Algorithm::kPs256, "rsa"), kDefaultMaxTokenBytes);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().reason(), auth_reason::kAlgorithmNotAllowed);
}

TEST(JwkSet, KidSelectsOnlyItsAlgorithms) {
  // An RSA JWK without alg verifies an RS384 token under its kid, but not an ES256 token.
  Result<JwkSetKeys> parsed = parse_or_fail(jwk_set({public_jwk(pem_of(Algorithm::kRs256), "k")}));
  ASSERT_TRUE(parsed.ok());
  const KeySet keys = key_set_of(std::move(parsed).value());
  EXPECT_TRUE(
      verify_compact(keys, signed_token(Algorithm::kRs384, "k"), kDefaultMaxTokenBytes).ok());
  Result<VerifiedJws> es256 =
      verify_compact(keys, signed_token(Algorithm::kEs256, "k"), kDefaultMaxTokenBytes);
  ASSERT_FALSE(es256.ok());
  EXPECT_EQ(es256.status().reason(), auth_reason::kAlgorithmNotAllowed);
}

TEST(JwkSet, KeyWithoutKidVerifiesTokenWithoutKid) {
  Result<JwkSetKeys> parsed = parse_or_fail(jwk_set({public_jwk(pem_of(Algorithm::kEs256), "")}));
  ASSERT_TRUE(parsed.ok());
  const KeySet keys = key_set_of(std::move(parsed).value());
  EXPECT_TRUE(
      verify_compact(keys, signed_token(Algorithm::kEs256, ""), kDefaultMaxTokenBytes).ok());
}

TEST(JwkSet, OctKeyIsRejected) {
  const json oct = {{"kty", "oct"}, {"kid", "hmac"}, {"k", base64url_encode(std::string(32, 'k'))}};
  Result<JwkSetKeys> parsed =
      parse_or_fail(jwk_set({oct, public_jwk(pem_of(Algorithm::kEs256), "ec")}));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->groups.size(), 1u);
  ASSERT_EQ(parsed->skipped.size(), 1u);
  EXPECT_FALSE(parsed->skipped[0].expected);
  EXPECT_NE(parsed->skipped[0].description.find("/keys/0 (kid \"hmac\") is skipped: kty \"oct\""),
            std::string::npos)
      << parsed->skipped[0].description;

  Result<JwkSetKeys> only_oct = parse_jwk_set(jwk_set({oct}));
  ASSERT_FALSE(only_oct.ok());
  EXPECT_NE(only_oct.status().message().find("lists no usable signing key"), std::string::npos);
  EXPECT_NE(only_oct.status().message().find("never takes HMAC keys from a URL"), std::string::npos)
      << only_oct.status().message();
}

TEST(JwkSet, MalformedEntrySkipsOnlyThatKey) {
  const json rsa = public_jwk(pem_of(Algorithm::kRs256), "bad");
  const json p256 = public_jwk(pem_of(Algorithm::kEs256), "bad");
  const json ed25519 = public_jwk(pem_of(Algorithm::kEdDsa), "bad");
  const auto with = [](json base, const char* name, json value) {
    base[name] = std::move(value);
    return base;
  };
  const auto without = [](json base, const char* name) {
    base.erase(name);
    return base;
  };
  std::string off_curve_x = *base64url_decode(p256["x"].get<std::string>());
  off_curve_x[5] = static_cast<char>(off_curve_x[5] ^ 1);
  const json rsa_1024 = public_jwk(generate_private_pem("RSA", 1024), "bad");
  const json p521 = public_jwk(generate_private_pem("EC", 0, "secp521r1"), "bad");

  const struct {
    const char* name;
    json entry;
    const char* expected_text;
  } cases[] = {
      {"not an object", json::array({1}), "/keys/0 is a JSON array, not an object"},
      {"kid a number", with(rsa, "kid", 7), "kid is a JSON number, not a string"},
      {"kid empty", with(rsa, "kid", ""), "kid is empty"},
      {"kid too long", with(rsa, "kid", std::string(300, 'k')), "kid is 300 bytes"},
      {"kty missing", without(rsa, "kty"), "has no kty"},
      {"kty unknown", with(rsa, "kty", "DSA"), "kty \"DSA\" is not supported"},
      {"use not a string", with(rsa, "use", 1), "use is a JSON number"},
      {"key_ops not a list", with(rsa, "key_ops", "verify"), "key_ops is not an array of strings"},
      {"n missing", without(rsa, "n"), "has no n"},
      {"n padded", with(rsa, "n", rsa["n"].get<std::string>() + "="), "n is not non-empty strict"},
      {"e empty", with(rsa, "e", ""), "e is not non-empty strict base64url"},
      {"e huge", with(rsa, "e", base64url_encode(std::string(9, '\x01'))), "e is 9 bytes long"},
      {"RSA 1024 bits", rsa_1024, "n is a 1024-bit modulus"},
      {"RSA even exponent", with(rsa, "e", base64url_encode(std::string_view("\x01\x00\x00", 3))),
       "fails OpenSSL's public key check"},
      {"private member d", with(rsa, "d", rsa["n"]), "contains the private key member \"d\""},
      {"alg for another key type", with(rsa, "alg", "ES256"), "alg \"ES256\" does not suit"},
      {"alg HMAC on RSA", with(rsa, "alg", "HS256"), "alg \"HS256\" does not suit"},
      {"alg none", with(rsa, "alg", "none"), "alg \"none\" does not suit"},
      {"alg not a string", with(rsa, "alg", 256), "alg is a JSON number"},
      {"crv missing", without(p256, "crv"), "has no crv"},
      {"crv P-521", p521, "crv \"P-521\" is not supported for kty \"EC\""},
      {"x short", with(p256, "x", base64url_encode(std::string(31, 'x'))),
       "x is 31 bytes; a P-256 coordinate is 32 bytes"},
      {"y missing", without(p256, "y"), "has no y"},
      {"point not on curve", with(p256, "x", base64url_encode(off_curve_x)), "public key"},
      {"P-256 key with ES384", with(p256, "alg", "ES384"), "alg \"ES384\" does not suit"},
      {"EC private member d", with(p256, "d", p256["x"]), "private key member \"d\""},
      {"OKP Ed448", with(ed25519, "crv", "Ed448"),
       "crv \"Ed448\" is not supported for kty \"OKP\""},
      {"OKP x long", with(ed25519, "x", base64url_encode(std::string(33, 'x'))),
       "x is 33 bytes; an Ed25519 public key is 32 bytes"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const json good = public_jwk(pem_of(Algorithm::kEs256), "good");
    Result<JwkSetKeys> parsed = parse_or_fail(jwk_set({c.entry, good}));
    ASSERT_TRUE(parsed.ok());
    ASSERT_EQ(parsed->groups.size(), 1u);
    EXPECT_EQ(parsed->groups[0].front().key_id(), "good");
    ASSERT_EQ(parsed->skipped.size(), 1u);
    EXPECT_FALSE(parsed->skipped[0].expected);
    EXPECT_NE(parsed->skipped[0].description.find(c.expected_text), std::string::npos)
        << parsed->skipped[0].description;
  }
}

TEST(JwkSet, KeysForOtherPurposesAreExpectedSkips) {
  const json rsa = public_jwk(pem_of(Algorithm::kRs256), "enc-key");
  json encryption = rsa;
  encryption["use"] = "enc";
  json wrap_only = rsa;
  wrap_only["kid"] = "wrap-key";
  wrap_only["key_ops"] = json::array({"wrapKey", "encrypt"});
  json verify_ops = public_jwk(pem_of(Algorithm::kEs256), "sig-key");
  verify_ops["key_ops"] = json::array({"verify"});
  verify_ops["use"] = "sig";

  Result<JwkSetKeys> parsed = parse_or_fail(jwk_set({encryption, wrap_only, verify_ops}));
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->groups.size(), 1u);
  EXPECT_EQ(parsed->groups[0].front().key_id(), "sig-key");
  ASSERT_EQ(parsed->skipped.size(), 2u);
  EXPECT_TRUE(parsed->skipped[0].expected);
  EXPECT_NE(parsed->skipped[0].description.find("use is \"enc\", not \"sig\""), std::string::npos);
  EXPECT_TRUE(parsed->skipped[1].expected);
  EXPECT_NE(parsed->skipped[1].description.find("key_ops does not list \"verify\""),
            std::string::npos);
}

TEST(JwkSet, DuplicateKidRejectsTheSet) {
  Result<JwkSetKeys> parsed =
      parse_jwk_set(jwk_set({public_jwk(pem_of(Algorithm::kEs256), "same"),
                             public_jwk(pem_of(Algorithm::kRs256), "same")}));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("lists the kid \"same\" at /keys/0 and /keys/1"),
            std::string::npos)
      << parsed.status().message();
}

TEST(JwkSet, KidOfSkippedKeyMayRepeat) {
  json encryption = public_jwk(pem_of(Algorithm::kRs256), "same");
  encryption["use"] = "enc";
  Result<JwkSetKeys> parsed =
      parse_or_fail(jwk_set({encryption, public_jwk(pem_of(Algorithm::kEs256), "same")}));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->groups.size(), 1u);
}

TEST(JwkSet, DocumentThatIsNotAJwkSetFails) {
  std::vector<json> many(kMaxJwkSetKeys + 1, public_jwk(pem_of(Algorithm::kEs256), ""));
  const struct {
    const char* name;
    std::string text;
    const char* expected_text;
  } cases[] = {
      {"not JSON", "<html>", "is not valid JSON"},
      {"array", "[]", "is a JSON array, not an object"},
      {"no keys", R"({"key":[]})", "without a \"keys\" array"},
      {"keys an object", R"({"keys":{}})", "without a \"keys\" array"},
      {"empty keys", R"({"keys":[]})", "lists no usable signing key"},
      {"repeated member", R"({"keys":[],"keys":[]})", "more than once"},
      {"too many keys", jwk_set(many), "lists 101 keys, more than the 100 accepted"},
      {"too large", std::string(kMaxJwkSetBytes + 1, ' '), "more than the 1048576"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Result<JwkSetKeys> parsed = parse_jwk_set(c.text);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find(c.expected_text), std::string::npos)
        << parsed.status().message();
  }
}

TEST(JwkSet, UnknownMembersAreIgnored) {
  json jwk = public_jwk(pem_of(Algorithm::kRs256), "k", "RS256");
  jwk["x5t"] = "ignored";
  jwk["x5c"] = json::array({"ignored"});
  jwk["ext"] = true;
  Result<JwkSetKeys> parsed =
      parse_or_fail(json{{"keys", json::array({jwk})}, {"extra", 1}}.dump());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->groups.size(), 1u);
  EXPECT_TRUE(parsed->skipped.empty());
}

}  // namespace
}  // namespace outbound::jwt
