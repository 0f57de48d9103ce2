// The examples of RFC 7515 appendix A (HS256, RS256, ES256) and RFC 8037 appendix A.4
// (Ed25519), taken byte for byte. Their payload expires at 1300819380, so verification runs
// on an injected time before that.

#include <string>

#include <gtest/gtest.h>

#include "jwt_auth/base64url.h"
#include "jwt_auth/jws.h"
#include "jwt_auth/key.h"
#include "jwt_auth/verifier.h"
#include "test_support.h"

namespace outbound::jwt {
namespace {

using testing::at_seconds;

// {"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}
constexpr char kPayload[] =
    "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";
constexpr char kPayloadSegment[] =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
    "fQ";
constexpr std::int64_t kExp = 1300819380;
const auto kBeforeExp = at_seconds(1300819000);

// RFC 7515 appendix A.1.
constexpr char kHs256Header[] = "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}";
constexpr char kHs256Key[] =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
constexpr char kHs256Token[] =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
    "fQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

// RFC 7515 appendix A.2.
constexpr char kRs256Token[] =
    "eyJhbGciOiJSUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
    "fQ."
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5"
    "jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1"
    "L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYE"
    "UipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

// RFC 7515 appendix A.3.
constexpr char kEs256Token[] =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
    "fQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

// RFC 8037 appendix A.4: the payload is the text "Example of Ed25519 signing", not JSON.
constexpr char kEdDsaPayload[] = "Example of Ed25519 signing";
constexpr char kEdDsaToken[] =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

Verifier verifier_for(Key key) {
  KeySet keys;
  EXPECT_TRUE(keys.add(std::move(key)).ok());
  return Verifier(std::move(keys), VerifierOptions{});
}

Key rfc_hs256_key() {
  Result<Key> key = Key::from_hmac_secret(Algorithm::kHs256, *base64url_decode(kHs256Key));
  EXPECT_TRUE(key.ok()) << key.status();
  return std::move(key).value();
}

TEST(Rfc7515, PayloadSegmentEncodesExampleClaims) {
  EXPECT_EQ(base64url_encode(kPayload), kPayloadSegment);
}

TEST(Rfc7515, Hs256SignReproducesAppendixA1) {
  EXPECT_EQ(testing::sign_token(rfc_hs256_key(), kHs256Header, kPayload), kHs256Token);
}

TEST(Rfc7515, Hs256VerifiesAppendixA1) {
  const Verifier verifier = verifier_for(rfc_hs256_key());
  Result<VerifiedToken> verified = verifier.verify(kHs256Token, kBeforeExp);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->header_json, kHs256Header);
  EXPECT_EQ(verified->claims_json, kPayload);
  EXPECT_EQ(verified->algorithm, "HS256");
  EXPECT_EQ(verified->subject, "");
  ASSERT_TRUE(verified->expires_at.has_value());
  EXPECT_EQ(*verified->expires_at, at_seconds(kExp));
}

TEST(Rfc7515, Hs256AppendixA1ExpiresAtExpPlusLeeway) {
  const Verifier verifier = verifier_for(rfc_hs256_key());
  const std::int64_t leeway = VerifierOptions{}.claims.leeway_s;
  EXPECT_TRUE(verifier.verify(kHs256Token, at_seconds(kExp + leeway - 1)).ok());
  Result<VerifiedToken> expired = verifier.verify(kHs256Token, at_seconds(kExp + leeway));
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.status().reason(), auth_reason::kExpired);
}

TEST(Rfc7515, Rs256SignReproducesAppendixA2) {
  Result<Key> key = Key::from_private_pem(Algorithm::kRs256, testing::rfc7515_rsa_private_pem());
  ASSERT_TRUE(key.ok()) << key.status();
  // RSASSA-PKCS1-v1_5 is deterministic, so the signature must match byte for byte.
  EXPECT_EQ(testing::sign_token(*key, "{\"alg\":\"RS256\"}", kPayload), kRs256Token);
}

TEST(Rfc7515, Rs256VerifiesAppendixA2) {
  Result<Key> key = Key::from_private_pem(Algorithm::kRs256, testing::rfc7515_rsa_private_pem());
  ASSERT_TRUE(key.ok()) << key.status();
  Result<Key> public_key = key->verification_copy("");
  ASSERT_TRUE(public_key.ok()) << public_key.status();
  const Verifier verifier = verifier_for(std::move(public_key).value());
  Result<VerifiedToken> verified = verifier.verify(kRs256Token, kBeforeExp);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->claims_json, kPayload);
  EXPECT_EQ(verified->algorithm, "RS256");
}

TEST(Rfc7515, Es256VerifiesAppendixA3) {
  Result<Key> key = Key::from_public_pem(Algorithm::kEs256, testing::rfc7515_ec_public_pem());
  ASSERT_TRUE(key.ok()) << key.status();
  const Verifier verifier = verifier_for(std::move(key).value());
  Result<VerifiedToken> verified = verifier.verify(kEs256Token, kBeforeExp);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->claims_json, kPayload);
  EXPECT_EQ(verified->algorithm, "ES256");
}

TEST(Rfc7515, Es256SignsWithAppendixA3Key) {
  // ECDSA signatures are randomised, so signing is checked by verifying and by length.
  Result<Key> key = Key::from_private_pem(Algorithm::kEs256, testing::rfc7515_ec_private_pem());
  ASSERT_TRUE(key.ok()) << key.status();
  const std::string input = std::string("eyJhbGciOiJFUzI1NiJ9.") + kPayloadSegment;
  Result<std::string> signature = key->sign(input);
  ASSERT_TRUE(signature.ok()) << signature.status();
  EXPECT_EQ(signature->size(), 64u);
  Result<Key> public_key =
      Key::from_public_pem(Algorithm::kEs256, testing::rfc7515_ec_public_pem());
  ASSERT_TRUE(public_key.ok()) << public_key.status();
  EXPECT_TRUE(public_key->verify(input, *signature));
}

TEST(Rfc8037, Ed25519SignReproducesAppendixA4) {
  Result<Key> key =
      Key::from_private_pem(Algorithm::kEdDsa, testing::rfc8037_ed25519_private_pem());
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(testing::sign_token(*key, "{\"alg\":\"EdDSA\"}", kEdDsaPayload), kEdDsaToken);
}

TEST(Rfc8037, Ed25519VerifiesAppendixA4AtJwsLayer) {
  Result<Key> key =
      Key::from_private_pem(Algorithm::kEdDsa, testing::rfc8037_ed25519_private_pem());
  ASSERT_TRUE(key.ok()) << key.status();
  Result<Key> public_key = key->verification_copy("");
  ASSERT_TRUE(public_key.ok()) << public_key.status();
  KeySet keys;
  ASSERT_TRUE(keys.add(std::move(public_key).value()).ok());

  Result<VerifiedJws> verified = verify_compact(keys, kEdDsaToken, kDefaultMaxTokenBytes);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->payload, kEdDsaPayload);
  EXPECT_EQ(verified->header_json, "{\"alg\":\"EdDSA\"}");
}

TEST(Rfc8037, Ed25519AppendixA4IsMalformedAsJwt) {
  // The signature holds, but a JWT needs a JSON object as payload.
  Result<Key> key =
      Key::from_private_pem(Algorithm::kEdDsa, testing::rfc8037_ed25519_private_pem());
  ASSERT_TRUE(key.ok()) << key.status();
  const Verifier verifier = verifier_for(std::move(key).value());
  Result<VerifiedToken> verified = verifier.verify(kEdDsaToken, kBeforeExp);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().reason(), auth_reason::kMalformed);
}

}  // namespace
}  // namespace outbound::jwt
