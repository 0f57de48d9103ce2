// Tokens an attacker would send. Each must be rejected with kUnauthenticated, never
// retryable, with the auth_reason that names the failed check.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "jwt_auth/base64url.h"
#include "jwt_auth/ecdsa_signature.h"
#include "jwt_auth/verifier.h"
#include "test_support.h"

namespace outbound::jwt {
namespace {

using testing::at_seconds;
using testing::encode_token;
using testing::sign_token;

const auto kNow = at_seconds(1700000000);
constexpr char kSecret[] = "0123456789abcdefghijklmnopqrstuvwxyzABCD";
constexpr char kOtherSecret[] = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxw";
constexpr char kHeader[] = R"({"alg":"HS256","typ":"JWT","kid":"hs-1"})";
constexpr char kPayload[] = R"({"sub":"user-1","iss":"issuer-1","aud":"api","exp":1700000600})";

Key hmac_key(const char* secret, const char* key_id = "hs-1") {
  Result<Key> key = Key::from_hmac_secret(Algorithm::kHs256, secret, key_id);
  EXPECT_TRUE(key.ok()) << key.status();
  return std::move(key).value();
}

VerifierOptions policy() {
  VerifierOptions options;
  options.claims.issuer = "issuer-1";
  options.claims.audiences = {"api"};
  options.claims.leeway_s = 0;
  return options;
}

Verifier verifier_with(std::vector<Key> keys, VerifierOptions options = policy()) {
  KeySet set;
  for (Key& key : keys) EXPECT_TRUE(set.add(std::move(key)).ok());
  return Verifier(std::move(set), std::move(options));
}

Verifier hs256_verifier() { return verifier_with({hmac_key(kSecret)}); }

std::string hs256_token(std::string_view header, std::string_view payload) {
  return sign_token(hmac_key(kSecret), header, payload);
}

std::vector<std::string> segments(const std::string& token) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t dot = token.find('.'); dot != std::string::npos; dot = token.find('.', start)) {
    parts.push_back(token.substr(start, dot - start));
    start = dot + 1;
  }
  parts.push_back(token.substr(start));
  return parts;
}

struct HostileCase {
  std::string name;
  std::string token;
  const char* reason;
};

void expect_rejections(const Verifier& verifier, const std::vector<HostileCase>& cases) {
  for (const HostileCase& c : cases) {
    SCOPED_TRACE(c.name);
    Result<VerifiedToken> verified = verifier.verify(c.token, kNow);
    ASSERT_FALSE(verified.ok());
    EXPECT_EQ(verified.status().code(), StatusCode::kUnauthenticated);
    EXPECT_EQ(verified.status().reason(), c.reason) << verified.status().message();
    EXPECT_FALSE(verified.status().retryable());
    EXPECT_FALSE(verified.status().message().empty());
    if (!c.token.empty()) {
      EXPECT_EQ(verified.status().message().find(c.token), std::string::npos);
    }
  }
}

TEST(HostileToken, ValidTokenPassesTheSamePolicy) {
  Result<VerifiedToken> verified = hs256_verifier().verify(hs256_token(kHeader, kPayload), kNow);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject, "user-1");
  EXPECT_EQ(verified->key_id, "hs-1");
}

TEST(HostileToken, AlgNoneIsRejectedInEveryCasing) {
  std::vector<HostileCase> cases;
  for (const char* none : {"none", "None", "NONE", "nOnE"}) {
    const std::string header = std::string(R"({"alg":")") + none + R"(","typ":"JWT"})";
    const std::string input = base64url_encode(header) + "." + base64url_encode(kPayload);
    cases.push_back({std::string(none) + " with a MAC",
                     encode_token(header, kPayload, testing::raw_hmac_sha256(kSecret, input)),
                     auth_reason::kAlgorithmNotAllowed});
    cases.push_back({std::string(none) + " with junk bytes", encode_token(header, kPayload, "x"),
                     auth_reason::kAlgorithmNotAllowed});
    // The classic unsecured JWS, with an empty third segment.
    cases.push_back({std::string(none) + " with an empty signature", input + ".",
                     auth_reason::kAlgorithmNotAllowed});
  }
  expect_rejections(hs256_verifier(), cases);
}

TEST(HostileToken, HmacMadeWithRsaPublicKeyIsRejected) {
  // The attacker has the public key and uses its PEM text as an HMAC secret, hoping that the
  // verifier lets the header choose HMAC for the RSA key.
  const testing::KeyPair& rsa = testing::test_key_pair(Algorithm::kRs256);
  Result<Key> rs256 = Key::verification_key(Algorithm::kRs256, rsa.verification, "rs-1");
  ASSERT_TRUE(rs256.ok()) << rs256.status();
  const Verifier verifier = verifier_with({std::move(rs256).value()});

  std::vector<HostileCase> cases;
  for (const char* header :
       {R"({"alg":"HS256","typ":"JWT"})", R"({"alg":"HS256","typ":"JWT","kid":"rs-1"})"}) {
    const std::string input = base64url_encode(header) + "." + base64url_encode(kPayload);
    cases.push_back(
        {header, encode_token(header, kPayload, testing::raw_hmac_sha256(rsa.verification, input)),
         auth_reason::kAlgorithmNotAllowed});
  }
  expect_rejections(verifier, cases);
}

TEST(HostileToken, PssTokenAgainstPkcs1KeyIsRejected) {
  const testing::KeyPair& rsa = testing::test_key_pair(Algorithm::kRs256);
  Result<Key> ps256 = Key::signing_key(Algorithm::kPs256, rsa.signing);
  ASSERT_TRUE(ps256.ok()) << ps256.status();
  Result<Key> rs256 = Key::verification_key(Algorithm::kRs256, rsa.verification);
  ASSERT_TRUE(rs256.ok()) << rs256.status();
  const Verifier verifier = verifier_with({std::move(rs256).value()});
  expect_rejections(
      verifier, {{"PS256 with the RS256 key", sign_token(*ps256, R"({"alg":"PS256"})", kPayload),
                  auth_reason::kAlgorithmNotAllowed}});
}

TEST(HostileToken, UnsupportedAlgorithmsAreNotAllowed) {
  std::vector<HostileCase> cases;
  for (const char* alg : {"hs256", "HS999", "RS256", "ES512", "", "HS256 "}) {
    const std::string header = std::string(R"({"alg":")") + alg + R"("})";
    cases.push_back({std::string("alg \"") + alg + "\"",
                     encode_token(header, kPayload, "signature"),
                     auth_reason::kAlgorithmNotAllowed});
  }
  expect_rejections(hs256_verifier(), cases);
}

TEST(HostileToken, StructureErrorsAreMalformed) {
  const std::string good = hs256_token(kHeader, kPayload);
  const std::vector<std::string> parts = segments(good);
  const std::string& header = parts[0];
  const std::string& payload = parts[1];
  const std::string& signature = parts[2];

  // The signature is 32 bytes, so its last character carries 2 unused bits.
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string non_canonical = signature;
  non_canonical.back() = alphabet[alphabet.find(signature.back()) | 1];

  std::string deep = R"({"exp":1700000600,"x":)";
  for (int i = 0; i < 40; ++i) deep += "[";
  for (int i = 0; i < 40; ++i) deep += "]";
  deep += "}";

  const std::vector<HostileCase> cases = {
      {"stripped signature", header + "." + payload + ".", auth_reason::kBadSignature},
      {"two segments", header + "." + payload, auth_reason::kMalformed},
      {"four segments", good + "." + signature, auth_reason::kMalformed},
      {"one segment", header, auth_reason::kMalformed},
      {"empty token", "", auth_reason::kMalformed},
      {"empty header", "." + payload + "." + signature, auth_reason::kMalformed},
      {"empty payload", header + ".." + signature, auth_reason::kMalformed},
      {"padding on the header", header + "=." + payload + "." + signature, auth_reason::kMalformed},
      {"padding on the signature", good + "=", auth_reason::kMalformed},
      {"plus in the signature", header + "." + payload + ".+" + signature.substr(1),
       auth_reason::kMalformed},
      {"slash in the payload", header + "./" + payload.substr(1) + "." + signature,
       auth_reason::kMalformed},
      {"space in the payload",
       header + "." + payload.substr(0, 8) + " " + payload.substr(8) + "." + signature,
       auth_reason::kMalformed},
      {"newline after the token", good + "\n", auth_reason::kMalformed},
      {"non-canonical trailing bits", header + "." + payload + "." + non_canonical,
       auth_reason::kMalformed},
      {"header is an array", hs256_token(R"(["HS256"])", kPayload), auth_reason::kMalformed},
      {"header is a string", hs256_token(R"("HS256")", kPayload), auth_reason::kMalformed},
      {"header is not JSON", hs256_token("{alg:HS256}", kPayload), auth_reason::kMalformed},
      {"header repeats alg", hs256_token(R"({"alg":"HS256","alg":"none"})", kPayload),
       auth_reason::kMalformed},
      {"header without alg", hs256_token(R"({"typ":"JWT"})", kPayload), auth_reason::kMalformed},
      {"alg is a number", hs256_token(R"({"alg":256})", kPayload), auth_reason::kMalformed},
      {"kid is a number", hs256_token(R"({"alg":"HS256","kid":7})", kPayload),
       auth_reason::kMalformed},
      {"payload is not JSON", hs256_token(kHeader, "not json"), auth_reason::kMalformed},
      {"payload is an array", hs256_token(kHeader, "[1,2]"), auth_reason::kMalformed},
      {"payload repeats exp", hs256_token(kHeader, R"({"exp":1,"exp":1700000600})"),
       auth_reason::kMalformed},
      {"payload nests too deep", hs256_token(kHeader, deep), auth_reason::kMalformed},
  };
  expect_rejections(hs256_verifier(), cases);
}

TEST(HostileToken, TokenOverSizeCapIsMalformed) {
  const std::string filler(kDefaultMaxTokenBytes, 'a');
  const std::string big = hs256_token(
      kHeader,
      R"({"sub":"user-1","iss":"issuer-1","aud":"api","exp":1700000600,"pad":")" + filler + "\"}");
  expect_rejections(hs256_verifier(), {{"default cap", big, auth_reason::kMalformed}});

  const std::string good = hs256_token(kHeader, kPayload);
  VerifierOptions small = policy();
  small.max_token_bytes = good.size() - 1;
  const Verifier verifier = verifier_with({hmac_key(kSecret)}, small);
  expect_rejections(verifier, {{"one byte over a small cap", good, auth_reason::kMalformed}});
  small.max_token_bytes = good.size();
  EXPECT_TRUE(verifier_with({hmac_key(kSecret)}, small).verify(good, kNow).ok());
}

TEST(HostileToken, WrongSignatureIsBadSignature) {
  const std::string good = hs256_token(kHeader, kPayload);
  std::string flipped = good;
  // Change a character in the middle of the signature, keeping the base64url valid.
  char& c = flipped[flipped.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  const std::string expired_payload =
      R"({"sub":"user-1","iss":"issuer-1","aud":"api","exp":1600000000})";

  const std::vector<HostileCase> cases = {
      {"signature from another secret", sign_token(hmac_key(kOtherSecret), kHeader, kPayload),
       auth_reason::kBadSignature},
      {"one signature character changed", flipped, auth_reason::kBadSignature},
      {"truncated MAC",
       segments(good)[0] + "." + segments(good)[1] + "." + segments(good)[2].substr(0, 40),
       auth_reason::kBadSignature},
      // A forged token that is also expired reports the forgery.
      {"forged and expired", sign_token(hmac_key(kOtherSecret), kHeader, expired_payload),
       auth_reason::kBadSignature},
  };
  expect_rejections(hs256_verifier(), cases);
}

TEST(HostileToken, RsaSignatureFromAnotherKeyIsBadSignature) {
  Result<Key> attacker = Key::signing_key(
      Algorithm::kRs256, testing::test_key_pair(Algorithm::kRs256, 1).signing, "rs-1");
  ASSERT_TRUE(attacker.ok()) << attacker.status();
  Result<Key> real = Key::verification_key(
      Algorithm::kRs256, testing::test_key_pair(Algorithm::kRs256).verification, "rs-1");
  ASSERT_TRUE(real.ok()) << real.status();
  expect_rejections(verifier_with({std::move(real).value()}),
                    {{"RS256 from another key",
                      sign_token(*attacker, R"({"alg":"RS256","kid":"rs-1"})", kPayload),
                      auth_reason::kBadSignature}});
}

TEST(HostileToken, KeyCarryingHeadersAreIgnored) {
  // A token that brings its own key in `jwk` and signs with it must not verify.
  const std::string embedded =
      std::string(R"({"alg":"HS256","kid":"hs-1","jwk":{"kty":"oct","k":")") +
      base64url_encode(kOtherSecret) + R"("}})";
  expect_rejections(hs256_verifier(),
                    {{"embedded jwk", sign_token(hmac_key(kOtherSecret), embedded, kPayload),
                      auth_reason::kBadSignature}});

  // Pointers to remote keys are neither fetched nor a reason to reject a correctly signed token.
  const std::string pointers = R"({"alg":"HS256","kid":"hs-1","jku":"http://127.0.0.1:1/jwks",)"
                               R"("x5u":"http://127.0.0.1:1/x5u","x5c":["AA"]})";
  EXPECT_TRUE(hs256_verifier().verify(hs256_token(pointers, kPayload), kNow).ok());
}

TEST(HostileToken, CritHeaderIsRejected) {
  const std::vector<HostileCase> cases = {
      {"crit names an extension",
       hs256_token(R"({"alg":"HS256","crit":["exp"],"exp":1})", kPayload),
       auth_reason::kUnsupportedCritical},
      {"crit names b64", hs256_token(R"({"alg":"HS256","b64":false,"crit":["b64"]})", kPayload),
       auth_reason::kUnsupportedCritical},
      {"crit is empty", hs256_token(R"({"alg":"HS256","crit":[]})", kPayload),
       auth_reason::kMalformed},
      {"crit is a string", hs256_token(R"({"alg":"HS256","crit":"exp"})", kPayload),
       auth_reason::kMalformed},
      {"crit lists a number", hs256_token(R"({"alg":"HS256","crit":[1]})", kPayload),
       auth_reason::kMalformed},
  };
  expect_rejections(hs256_verifier(), cases);
}

TEST(HostileToken, KidMustSelectExactlyOneKey) {
  const Verifier verifier = verifier_with({hmac_key(kSecret, "a"), hmac_key(kOtherSecret, "b")});
  const std::vector<HostileCase> cases = {
      {"unknown kid", sign_token(hmac_key(kSecret), R"({"alg":"HS256","kid":"c"})", kPayload),
       auth_reason::kUnknownKey},
      {"kid differs in case",
       sign_token(hmac_key(kSecret), R"({"alg":"HS256","kid":"A"})", kPayload),
       auth_reason::kUnknownKey},
      {"no kid and two HS256 keys", sign_token(hmac_key(kSecret), R"({"alg":"HS256"})", kPayload),
       auth_reason::kUnknownKey},
      {"kid of the other key",
       sign_token(hmac_key(kSecret), R"({"alg":"HS256","kid":"b"})", kPayload),
       auth_reason::kBadSignature},
  };
  expect_rejections(verifier, cases);

  Result<VerifiedToken> verified = verifier.verify(
      sign_token(hmac_key(kOtherSecret), R"({"alg":"HS256","kid":"b"})", kPayload), kNow);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->key_id, "b");
}

TEST(HostileToken, TokenWithoutKidUsesSoleKey) {
  const testing::KeyPair& ec = testing::test_key_pair(Algorithm::kEs256);
  Result<Key> es256 = Key::verification_key(Algorithm::kEs256, ec.verification, "ec-1");
  ASSERT_TRUE(es256.ok()) << es256.status();
  const Verifier verifier = verifier_with({hmac_key(kSecret, "a"), std::move(es256).value()});
  Result<VerifiedToken> verified =
      verifier.verify(sign_token(hmac_key(kSecret), R"({"alg":"HS256"})", kPayload), kNow);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->key_id, "a");
}

TEST(HostileToken, Es256SignatureMustBeRawRAndS) {
  const testing::KeyPair& ec = testing::test_key_pair(Algorithm::kEs256);
  Result<Key> signing = Key::signing_key(Algorithm::kEs256, ec.signing);
  ASSERT_TRUE(signing.ok()) << signing.status();
  Result<Key> verification = Key::verification_key(Algorithm::kEs256, ec.verification);
  ASSERT_TRUE(verification.ok()) << verification.status();
  const Verifier verifier = verifier_with({std::move(verification).value()});

  const std::string header = R"({"alg":"ES256"})";
  const std::string good = sign_token(*signing, header, kPayload);
  ASSERT_TRUE(verifier.verify(good, kNow).ok());

  const std::string raw = *base64url_decode(segments(good)[2]);
  ASSERT_EQ(raw.size(), 64u);
  const std::string der = *ecdsa_jose_to_der(raw, 32);
  const std::vector<HostileCase> cases = {
      {"63 bytes", encode_token(header, kPayload, raw.substr(0, 63)), auth_reason::kBadSignature},
      {"65 bytes", encode_token(header, kPayload, raw + '\0'), auth_reason::kBadSignature},
      {"65 bytes with a leading zero", encode_token(header, kPayload, '\0' + raw),
       auth_reason::kBadSignature},
      {"DER encoded", encode_token(header, kPayload, der), auth_reason::kBadSignature},
      {"r and s zero", encode_token(header, kPayload, std::string(64, '\0')),
       auth_reason::kBadSignature},
  };
  expect_rejections(verifier, cases);
}

}  // namespace
}  // namespace outbound::jwt
