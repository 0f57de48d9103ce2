// Tokens whose header or payload exercise the strict JSON scanner through a Verifier: escapes,
// nested members named like registered ones, and documents nlohmann::json would have accepted.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "jwt_auth/verifier.h"
#include "test_support.h"

namespace outbound::jwt {
namespace {

using testing::at_seconds;

const auto kNow = at_seconds(1700000000);
constexpr char kSecret[] = "0123456789abcdefghijklmnopqrstuvwxyzABCD";
constexpr char kHeader[] = R"({"alg":"HS256","kid":"hs-1"})";

Key hmac_key() {
  Result<Key> key = Key::from_hmac_secret(Algorithm::kHs256, kSecret, "hs-1");
  EXPECT_TRUE(key.ok()) << key.status();
  return std::move(key).value();
}

Verifier verifier_with(ClaimPolicy claims) {
  KeySet keys;
  EXPECT_TRUE(keys.add(hmac_key()).ok());
  VerifierOptions options;
  options.claims = std::move(claims);
  return Verifier(std::move(keys), options);
}

ClaimPolicy issuer_and_audience() {
  ClaimPolicy policy;
  policy.issuer = "https://issuer.example";
  policy.audiences = {"api"};
  return policy;
}

std::string token(std::string_view header, std::string_view payload) {
  return testing::sign_token(hmac_key(), header, payload);
}

// Returns the reason of the rejection, or "ok" when the token verifies.
std::string outcome(const Verifier& verifier, const std::string& token_text) {
  Result<VerifiedToken> verified = verifier.verify(token_text, kNow);
  return verified.ok() ? "ok" : verified.status().reason();
}

TEST(StrictJsonToken, EscapedClaimsAreUnescaped) {
  const std::string payload =
      R"({"iss":"https:\/\/issuer.example","aud":["web","\u0061pi"],"sub":"user-\u00e9",)"
      R"("\u0065xp":1700000600})";
  Result<VerifiedToken> verified =
      verifier_with(issuer_and_audience()).verify(token(kHeader, payload), kNow);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject, "user-\xc3\xa9");
  ASSERT_TRUE(verified->expires_at.has_value());
  EXPECT_EQ(*verified->expires_at, at_seconds(1700000600));
}

TEST(StrictJsonToken, VerifiedTokenKeepsTheExactText) {
  const std::string header = "{ \"alg\" : \"HS256\",\n \"kid\":\"hs-1\" }";
  const std::string payload = "{\"exp\" : 1700000600, \"n\":\"\\u00e9\" }";
  Result<VerifiedToken> verified =
      verifier_with(ClaimPolicy{}).verify(token(header, payload), kNow);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->header_json, header);
  EXPECT_EQ(verified->claims_json, payload);
  EXPECT_EQ(verified->algorithm, "HS256");
  EXPECT_EQ(verified->key_id, "hs-1");
}

TEST(StrictJsonToken, NestedMembersAreNotClaims) {
  const Verifier verifier = verifier_with(issuer_and_audience());
  const struct {
    const char* name;
    const char* payload;
    const char* reason;
  } cases[] = {
      {"nested exp does not expire",
       R"({"iss":"https://issuer.example","aud":"api","exp":1700000600,"o":{"exp":1}})", "ok"},
      {"nested iss does not count",
       R"({"aud":"api","exp":1700000600,"o":{"iss":"https://issuer.example"}})",
       auth_reason::kClaimMismatch},
      {"nested aud does not count",
       R"({"iss":"https://issuer.example","exp":1700000600,"l":[{"aud":"api"}]})",
       auth_reason::kClaimMismatch},
      {"nested exp is not required exp",
       R"({"iss":"https://issuer.example","aud":"api","o":{"exp":1700000600}})",
       auth_reason::kClaimMismatch},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(outcome(verifier, token(kHeader, c.payload)), c.reason);
  }
}

TEST(StrictJsonToken, EscapedHeaderMembersAreRead) {
  const Verifier verifier = verifier_with(ClaimPolicy{});
  const std::string payload = R"({"exp":1700000600})";
  const struct {
    const char* name;
    const char* header;
    const char* reason;
  } cases[] = {
      {"escaped member name", R"({"\u0061lg":"HS256","kid":"hs-1"})", "ok"},
      {"escaped algorithm", R"({"alg":"HS\u0032\u00356","kid":"hs\u002d1"})", "ok"},
      {"escaped none", R"({"alg":"\u006eone"})", auth_reason::kAlgorithmNotAllowed},
      {"alg twice through an escape", R"({"alg":"HS256","\u0061lg":"none"})",
       auth_reason::kMalformed},
      {"escaped crit", R"({"alg":"HS256","crit":["\u0062\u0036\u0034"],"b64":false})",
       auth_reason::kUnsupportedCritical},
      {"escaped kid of no key", R"({"alg":"HS256","kid":"hs\u002d2"})", auth_reason::kUnknownKey},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(outcome(verifier, token(c.header, payload)), c.reason);
  }
}

TEST(StrictJsonToken, CritMessageNamesTheUnescapedExtension) {
  Result<VerifiedToken> verified =
      verifier_with(ClaimPolicy{})
          .verify(
              token(R"({"alg":"HS256","crit":["\u0062\u0036\u0034"]})", R"({"exp":1700000600})"),
              kNow);
  ASSERT_FALSE(verified.ok());
  EXPECT_NE(verified.status().message().find("\"b64\""), std::string::npos)
      << verified.status().message();
}

TEST(StrictJsonToken, LaxJsonIsMalformed) {
  const Verifier verifier = verifier_with(ClaimPolicy{});
  const std::string payload = R"({"exp":1700000600})";
  const struct {
    const char* name;
    std::string header;
    std::string payload;
  } cases[] = {
      {"byte order mark before the header", "\xef\xbb\xbf" + std::string(kHeader), payload},
      {"NUL and text after the header", std::string(kHeader) + std::string(1, '\0') + "{}",
       payload},
      {"trailing comma in the header", R"({"alg":"HS256","kid":"hs-1",})", payload},
      {"comment in the header", R"({"alg":"HS256",/*x*/"kid":"hs-1"})", payload},
      {"invalid UTF-8 in the header", "{\"alg\":\"HS256\",\"x\":\"\xc0\xaf\"}", payload},
      {"lone surrogate in the payload", kHeader, R"({"exp":1700000600,"x":"\ud800"})"},
      {"NUL after the payload", kHeader, payload + std::string(1, '\0')},
      {"leading zero in the payload", kHeader, R"({"exp":01700000600})"},
      {"single-quoted payload", kHeader, "{'exp':1700000600}"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(outcome(verifier, token(c.header, c.payload)), auth_reason::kMalformed);
  }
}

TEST(StrictJsonToken, ManyRequiredClaims) {
  // More than 64 required claims, past the inline flags of ClaimSet.
  ClaimPolicy policy;
  std::string payload = R"({"exp":1700000600)";
  for (int i = 0; i < 70; ++i) {
    policy.required_claims.push_back("c" + std::to_string(i));
    if (i != 66) payload += ",\"c" + std::to_string(i) + "\":" + std::to_string(i);
  }
  const Verifier verifier = verifier_with(policy);
  Result<VerifiedToken> missing = verifier.verify(token(kHeader, payload + "}"), kNow);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().reason(), auth_reason::kClaimMismatch);
  EXPECT_NE(missing.status().message().find("\"c66\""), std::string::npos)
      << missing.status().message();
  EXPECT_TRUE(verifier.verify(token(kHeader, payload + ",\"c66\":0}"), kNow).ok());
}

}  // namespace
}  // namespace outbound::jwt
