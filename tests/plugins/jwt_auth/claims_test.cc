// Claim checks through a Verifier with an HS256 key, at a fixed time.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "jwt_auth/claims.h"
#include "jwt_auth/verifier.h"
#include "test_support.h"

namespace outbound::jwt {
namespace {

using testing::at_seconds;

constexpr std::int64_t kNowSeconds = 1700000000;
const auto kNow = at_seconds(kNowSeconds);
constexpr char kSecret[] = "0123456789abcdefghijklmnopqrstuvwxyzABCD";

Key hmac_key() {
  Result<Key> key = Key::from_hmac_secret(Algorithm::kHs256, kSecret);
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

ClaimPolicy no_leeway() {
  ClaimPolicy policy;
  policy.leeway_s = 0;
  return policy;
}

std::string token_with(const std::string& payload) {
  return testing::sign_token(hmac_key(), R"({"alg":"HS256"})", payload);
}

std::string exp_claims(const std::string& exp) { return R"({"sub":"u","exp":)" + exp + "}"; }

// Returns the reason of the rejection, or "ok" when the token verifies.
std::string outcome(const Verifier& verifier, const std::string& payload,
                    std::chrono::system_clock::time_point now = kNow) {
  Result<VerifiedToken> verified = verifier.verify(token_with(payload), now);
  if (verified.ok()) return "ok";
  EXPECT_EQ(verified.status().code(), StatusCode::kUnauthenticated);
  EXPECT_FALSE(verified.status().retryable());
  return verified.status().reason();
}

TEST(Claims, ExpiredAtExactlyExpWithoutLeeway) {
  const Verifier verifier = verifier_with(no_leeway());
  const std::string payload = exp_claims(std::to_string(kNowSeconds));
  EXPECT_EQ(outcome(verifier, payload, kNow), auth_reason::kExpired);
  EXPECT_EQ(outcome(verifier, payload, kNow - std::chrono::seconds(1)), "ok");
  EXPECT_EQ(outcome(verifier, payload, kNow - std::chrono::milliseconds(1)), "ok");
}

TEST(Claims, LeewayExtendsExpiry) {
  ClaimPolicy policy;
  policy.leeway_s = 30;
  const Verifier verifier = verifier_with(policy);
  EXPECT_EQ(outcome(verifier, exp_claims(std::to_string(kNowSeconds - 29))), "ok");
  EXPECT_EQ(outcome(verifier, exp_claims(std::to_string(kNowSeconds - 30))), auth_reason::kExpired);
}

TEST(Claims, FractionalExpIsCompared) {
  const Verifier verifier = verifier_with(no_leeway());
  const std::string payload = exp_claims(std::to_string(kNowSeconds) + ".5");
  EXPECT_EQ(outcome(verifier, payload, kNow + std::chrono::milliseconds(499)), "ok");
  EXPECT_EQ(outcome(verifier, payload, kNow + std::chrono::milliseconds(500)),
            auth_reason::kExpired);
}

TEST(Claims, NumericDateOutOfRangeIsMalformed) {
  const Verifier verifier = verifier_with(ClaimPolicy{});
  const struct {
    const char* name;
    std::string payload;
  } cases[] = {
      {"exp 1e300", exp_claims("1e300")},
      {"exp 2^63-1", exp_claims("9223372036854775807")},
      {"exp 2^64-1", exp_claims("18446744073709551615")},
      {"exp -1", exp_claims("-1")},
      {"exp -9223372036854775808", exp_claims("-9223372036854775808")},
      {"exp one past 9999-12-31", exp_claims("253402300800")},
      {"exp 1e400 overflows double", exp_claims("1e400")},
      {"exp as string", exp_claims("\"1700000600\"")},
      {"exp as boolean", exp_claims("true")},
      {"exp null", exp_claims("null")},
      {"nbf 1e300", R"({"exp":1700000600,"nbf":1e300})"},
      {"nbf 2^63-1", R"({"exp":1700000600,"nbf":9223372036854775807})"},
      {"iat negative", R"({"exp":1700000600,"iat":-5})"},
      {"iat as object", R"({"exp":1700000600,"iat":{}})"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(outcome(verifier, c.payload), auth_reason::kMalformed);
  }
}

TEST(Claims, LargestNumericDateSaturatesExpiry) {
  const Verifier verifier = verifier_with(ClaimPolicy{});
  Result<VerifiedToken> verified =
      verifier.verify(token_with(exp_claims(std::to_string(kMaxNumericDate))), kNow);
  ASSERT_TRUE(verified.ok()) << verified.status();
  ASSERT_TRUE(verified->expires_at.has_value());
  EXPECT_EQ(*verified->expires_at, std::chrono::system_clock::time_point::max());
}

TEST(Claims, NotBeforeIsInclusive) {
  const Verifier verifier = verifier_with(no_leeway());
  const std::string payload =
      R"({"exp":1700000600,"nbf":)" + std::to_string(kNowSeconds + 10) + "}";
  EXPECT_EQ(outcome(verifier, payload, kNow), auth_reason::kNotYetValid);
  EXPECT_EQ(outcome(verifier, payload, kNow + std::chrono::seconds(9)), auth_reason::kNotYetValid);
  EXPECT_EQ(outcome(verifier, payload, kNow + std::chrono::seconds(10)), "ok");
}

TEST(Claims, LeewayAppliesToNotBefore) {
  ClaimPolicy policy;
  policy.leeway_s = 30;
  const Verifier verifier = verifier_with(policy);
  EXPECT_EQ(outcome(verifier, R"({"exp":1700000600,"nbf":1700000030})"), "ok");
  EXPECT_EQ(outcome(verifier, R"({"exp":1700000600,"nbf":1700000031})"), auth_reason::kNotYetValid);
}

TEST(Claims, IssuedInTheFutureIsNotYetValid) {
  ClaimPolicy policy;
  policy.leeway_s = 30;
  const Verifier verifier = verifier_with(policy);
  EXPECT_EQ(outcome(verifier, R"({"exp":1700000600,"iat":1700000030})"), "ok");
  EXPECT_EQ(outcome(verifier, R"({"exp":1700000600,"iat":1700000031})"), auth_reason::kNotYetValid);
}

TEST(Claims, ExpIsRequiredByDefault) {
  EXPECT_EQ(outcome(verifier_with(ClaimPolicy{}), R"({"sub":"u"})"), auth_reason::kClaimMismatch);

  ClaimPolicy optional_exp;
  optional_exp.require_exp = false;
  Result<VerifiedToken> verified =
      verifier_with(optional_exp).verify(token_with(R"({"sub":"u"})"), kNow);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_FALSE(verified->expires_at.has_value());
}

TEST(Claims, IssuerMustMatchExactly) {
  ClaimPolicy policy;
  policy.issuer = "https://issuer.example";
  const Verifier verifier = verifier_with(policy);
  const struct {
    const char* name;
    const char* payload;
    std::string expected;
  } cases[] = {
      {"same issuer", R"({"exp":1700000600,"iss":"https://issuer.example"})", "ok"},
      {"other issuer", R"({"exp":1700000600,"iss":"https://evil.example"})",
       auth_reason::kClaimMismatch},
      {"issuer with a suffix", R"({"exp":1700000600,"iss":"https://issuer.example.evil"})",
       auth_reason::kClaimMismatch},
      {"issuer in upper case", R"({"exp":1700000600,"iss":"HTTPS://ISSUER.EXAMPLE"})",
       auth_reason::kClaimMismatch},
      {"no issuer", R"({"exp":1700000600})", auth_reason::kClaimMismatch},
      {"issuer is a list", R"({"exp":1700000600,"iss":["https://issuer.example"]})",
       auth_reason::kMalformed},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(outcome(verifier, c.payload), c.expected);
  }
}

TEST(Claims, AudienceMustContainAnAcceptedValue) {
  ClaimPolicy policy;
  policy.audiences = {"api", "admin"};
  const Verifier verifier = verifier_with(policy);
  const struct {
    const char* name;
    const char* payload;
    std::string expected;
  } cases[] = {
      {"string", R"({"exp":1700000600,"aud":"api"})", "ok"},
      {"second accepted value", R"({"exp":1700000600,"aud":"admin"})", "ok"},
      {"array containing one", R"({"exp":1700000600,"aud":["other","admin"]})", "ok"},
      {"other string", R"({"exp":1700000600,"aud":"web"})", auth_reason::kClaimMismatch},
      {"array without one", R"({"exp":1700000600,"aud":["web","mobile"]})",
       auth_reason::kClaimMismatch},
      {"empty array", R"({"exp":1700000600,"aud":[]})", auth_reason::kClaimMismatch},
      {"missing", R"({"exp":1700000600})", auth_reason::kClaimMismatch},
      {"number", R"({"exp":1700000600,"aud":7})", auth_reason::kMalformed},
      {"array with a number", R"({"exp":1700000600,"aud":["api",7]})", auth_reason::kMalformed},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(outcome(verifier, c.payload), c.expected);
  }
}

TEST(Claims, RequiredClaimsMustBePresent) {
  ClaimPolicy policy;
  policy.required_claims = {"tenant", "scope"};
  const Verifier verifier = verifier_with(policy);
  EXPECT_EQ(outcome(verifier, R"({"exp":1700000600,"tenant":"t","scope":null})"), "ok");
  EXPECT_EQ(outcome(verifier, R"({"exp":1700000600,"tenant":"t"})"), auth_reason::kClaimMismatch);
}

TEST(Claims, SubjectMustBeString) {
  EXPECT_EQ(outcome(verifier_with(ClaimPolicy{}), R"({"exp":1700000600,"sub":12})"),
            auth_reason::kMalformed);
}

TEST(Claims, ReadNumericDateAcceptsIntegersAndFractions) {
  const nlohmann::json claims = nlohmann::json::parse(R"({"a":0,"b":1.25,"c":253402300799})");
  for (const auto& [name, expected] :
       {std::pair{"a", 0.0}, std::pair{"b", 1.25}, std::pair{"c", 253402300799.0}}) {
    SCOPED_TRACE(name);
    Result<std::optional<double>> value = read_numeric_date(claims, name);
    ASSERT_TRUE(value.ok()) << value.status();
    ASSERT_TRUE(value->has_value());
    EXPECT_EQ(**value, expected);
  }
  Result<std::optional<double>> absent = read_numeric_date(claims, "d");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
}

TEST(Claims, TimePointConversionSaturates) {
  using TimePoint = std::chrono::system_clock::time_point;
  EXPECT_EQ(time_point_from_seconds(1e300), TimePoint::max());
  EXPECT_EQ(time_point_from_seconds(static_cast<double>(kMaxNumericDate)), TimePoint::max());
  EXPECT_EQ(time_point_from_seconds(-1e300), TimePoint::min());
  EXPECT_EQ(time_point_from_seconds(1700000000.0), kNow);
}

}  // namespace
}  // namespace outbound::jwt
