// Key loading: every key is bound to one algorithm and checked against it once, at load time.

#include <string>

#include <gtest/gtest.h>

#include "jwt_auth/key.h"
#include "jwt_auth/key_set.h"
#include "test_support.h"

namespace outbound::jwt {
namespace {

using testing::generate_private_pem;
using testing::public_pem_of;
using testing::test_key_pair;

void expect_invalid(const Result<Key>& key, const std::string& expected_text) {
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(key.status().message().find(expected_text), std::string::npos)
      << key.status().message();
}

TEST(Key, RejectsKeyTypeThatDoesNotMatchAlgorithm) {
  const std::string rsa = test_key_pair(Algorithm::kRs256).signing;
  const std::string p256 = test_key_pair(Algorithm::kEs256).signing;
  const std::string p384 = test_key_pair(Algorithm::kEs384).signing;
  const std::string ed25519 = test_key_pair(Algorithm::kEdDsa).signing;
  const std::string ed448 = generate_private_pem("ED448");
  const std::string p521 = generate_private_pem("EC", 0, "secp521r1");
  const struct {
    const char* name;
    Algorithm algorithm;
    std::string pem;
    const char* expected_text;
  } cases[] = {
      {"RSA key for ES256", Algorithm::kEs256, rsa,
       "is an RSA key of 2048 bits, but ES256 needs an EC P-256 key"},
      {"P-384 key for ES256", Algorithm::kEs256, p384,
       "is an EC P-384 key, but ES256 needs an EC P-256 key"},
      {"P-256 key for ES384", Algorithm::kEs384, p256,
       "is an EC P-256 key, but ES384 needs an EC P-384 key"},
      {"P-521 key for ES384", Algorithm::kEs384, p521, "is an EC P-521 key"},
      {"Ed448 key for EdDSA", Algorithm::kEdDsa, ed448,
       "is an Ed448 key, but EdDSA needs an Ed25519 key"},
      {"EC key for RS256", Algorithm::kRs256, p256,
       "is an EC P-256 key, but RS256 needs an RSA key"},
      {"Ed25519 key for PS256", Algorithm::kPs256, ed25519, "is an Ed25519 key, but PS256"},
      {"RSA key for EdDSA", Algorithm::kEdDsa, rsa, "EdDSA needs an Ed25519 key"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    expect_invalid(Key::from_private_pem(c.algorithm, c.pem), c.expected_text);
    expect_invalid(Key::from_public_pem(c.algorithm, public_pem_of(c.pem)), c.expected_text);
  }
}

TEST(Key, RejectsRsaKeyUnder2048Bits) {
  const std::string small = generate_private_pem("RSA", 1024);
  for (Algorithm algorithm : {Algorithm::kRs256, Algorithm::kPs512}) {
    SCOPED_TRACE(std::string(algorithm_name(algorithm)));
    expect_invalid(Key::from_private_pem(algorithm, small), "1024 bits");
    expect_invalid(Key::from_public_pem(algorithm, public_pem_of(small)), "at least 2048 bits");
  }
}

TEST(Key, RejectsHmacSecretShorterThanDigest) {
  for (const auto& [algorithm, minimum] :
       {std::pair{Algorithm::kHs256, 32u}, std::pair{Algorithm::kHs384, 48u},
        std::pair{Algorithm::kHs512, 64u}}) {
    SCOPED_TRACE(std::string(algorithm_name(algorithm)));
    expect_invalid(Key::from_hmac_secret(algorithm, std::string(minimum - 1, 'k')),
                   "at least " + std::to_string(minimum) + " bytes");
    EXPECT_TRUE(Key::from_hmac_secret(algorithm, std::string(minimum, 'k')).ok());
  }
}

TEST(Key, RejectsPemTextAsHmacSecret) {
  expect_invalid(
      Key::from_hmac_secret(Algorithm::kHs256, test_key_pair(Algorithm::kRs256).verification),
      "is PEM key text, but HS256 needs a shared secret");
}

TEST(Key, RejectsMaterialOfTheWrongKind) {
  const testing::KeyPair& ec = test_key_pair(Algorithm::kEs256);
  expect_invalid(Key::from_private_pem(Algorithm::kEs256, ec.verification),
                 "is a public key, but signing needs the private key");
  expect_invalid(Key::from_public_pem(Algorithm::kEs256, ec.signing),
                 "is a private key, but a verification key must be the public key alone");
  expect_invalid(Key::from_private_pem(Algorithm::kHs256, ec.signing), "takes a shared secret");
  expect_invalid(Key::from_hmac_secret(Algorithm::kEs256, std::string(64, 'k')),
                 "not a shared secret");
  expect_invalid(Key::from_private_pem(Algorithm::kEs256, "not a key"), "is not a PEM private key");
  expect_invalid(Key::from_public_pem(Algorithm::kEs256, "not a key"), "is not a PEM public key");
  expect_invalid(
      Key::from_public_pem(Algorithm::kEs256,
                           "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
      "is a certificate");
}

TEST(Key, RejectsEncryptedPrivateKey) {
  const std::string encrypted =
      "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n"
      "-----END ENCRYPTED PRIVATE KEY-----\n";
  expect_invalid(Key::from_private_pem(Algorithm::kRs256, encrypted), "encrypted private key");
}

TEST(Key, ErrorMessagesNeverContainKeyMaterial) {
  const std::string secret = "short-secret-value";
  Result<Key> key = Key::from_hmac_secret(Algorithm::kHs256, secret);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().message().find(secret), std::string::npos);

  const std::string pem = test_key_pair(Algorithm::kRs256).signing;
  Result<Key> wrong = Key::from_private_pem(Algorithm::kEs256, pem);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().message().find("MII"), std::string::npos);
}

TEST(Key, VerificationCopyHoldsOnlyThePublicKey) {
  for (Algorithm algorithm : {Algorithm::kRs256, Algorithm::kEs384, Algorithm::kEdDsa}) {
    SCOPED_TRACE(std::string(algorithm_name(algorithm)));
    Result<Key> key = Key::signing_key(algorithm, test_key_pair(algorithm).signing, "signing");
    ASSERT_TRUE(key.ok()) << key.status();
    EXPECT_TRUE(key->can_sign());
    Result<Key> copy = key->verification_copy("copy");
    ASSERT_TRUE(copy.ok()) << copy.status();
    EXPECT_FALSE(copy->can_sign());
    EXPECT_EQ(copy->key_id(), "copy");
    EXPECT_TRUE(copy->same_key_as(*key));
    EXPECT_FALSE(copy->sign("input").ok());

    Result<std::string> signature = key->sign("input");
    ASSERT_TRUE(signature.ok()) << signature.status();
    EXPECT_TRUE(copy->verify("input", *signature));
    EXPECT_FALSE(copy->verify("other input", *signature));
  }
}

TEST(Key, SameKeyComparesMaterialAndAlgorithm) {
  Result<Key> a = Key::from_hmac_secret(Algorithm::kHs256, std::string(32, 'a'));
  Result<Key> b = Key::from_hmac_secret(Algorithm::kHs256, std::string(32, 'b'));
  Result<Key> a384 = Key::from_hmac_secret(Algorithm::kHs384, std::string(48, 'a'));
  Result<Key> a_again = Key::from_hmac_secret(Algorithm::kHs256, std::string(32, 'a'));
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(a384.ok());
  ASSERT_TRUE(a_again.ok());
  EXPECT_TRUE(a->same_key_as(*a_again));
  EXPECT_FALSE(a->same_key_as(*b));
  EXPECT_FALSE(a->same_key_as(*a384));

  Result<Key> rsa =
      Key::verification_key(Algorithm::kRs256, test_key_pair(Algorithm::kRs256).verification);
  Result<Key> other_rsa =
      Key::verification_key(Algorithm::kRs256, test_key_pair(Algorithm::kRs256, 1).verification);
  ASSERT_TRUE(rsa.ok()) << rsa.status();
  ASSERT_TRUE(other_rsa.ok()) << other_rsa.status();
  EXPECT_FALSE(rsa->same_key_as(*other_rsa));
}

TEST(Key, AcceptsTraditionalPrivateKeyForms) {
  // The RFC 7515 appendix A.3 key in the SEC 1 form ("BEGIN EC PRIVATE KEY") that
  // `openssl ecparam -genkey` writes.
  const std::string sec1 =
      "-----BEGIN EC PRIVATE KEY-----\n"
      "MHcCAQEEII6bEJ5xkJi/mASH3x9dd+nLKWBuvtImO19XwhPfhPSyoAoGCCqGSM49\n"
      "AwEHoUQDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEXH8UTNG72b\n"
      "focs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==\n"
      "-----END EC PRIVATE KEY-----\n";
  Result<Key> key = Key::from_private_pem(Algorithm::kEs256, sec1);
  ASSERT_TRUE(key.ok()) << key.status();
  Result<Key> rfc = Key::from_public_pem(Algorithm::kEs256, testing::rfc7515_ec_public_pem());
  ASSERT_TRUE(rfc.ok()) << rfc.status();
  EXPECT_TRUE(key->same_key_as(*rfc));
}

TEST(KeySet, RejectsDuplicateKeyIds) {
  KeySet keys;
  Result<Key> first = Key::from_hmac_secret(Algorithm::kHs256, std::string(32, 'a'), "k");
  Result<Key> second = Key::from_hmac_secret(Algorithm::kHs256, std::string(32, 'b'), "k");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(keys.add(std::move(first).value()).ok());
  const Status added = keys.add(std::move(second).value());
  EXPECT_EQ(added.code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace outbound::jwt
