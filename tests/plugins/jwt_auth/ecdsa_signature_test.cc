#include "jwt_auth/ecdsa_signature.h"

#include <random>
#include <string>

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>

#include "jwt_auth/openssl_util.h"

namespace outbound::jwt {
namespace {

TEST(EcdsaSignature, ConvertsJoseToDerAndBack) {
  // r has a leading zero byte, which DER drops and the JOSE form must restore.
  std::string jose(64, '\0');
  for (std::size_t i = 1; i < 32; ++i) jose[i] = static_cast<char>(i);
  for (std::size_t i = 32; i < 64; ++i) jose[i] = static_cast<char>(0x80 + i);

  const std::optional<std::string> der = ecdsa_jose_to_der(jose, 32);
  ASSERT_TRUE(der.has_value());
  EXPECT_EQ(static_cast<unsigned char>((*der)[0]), 0x30);  // DER SEQUENCE
  const std::optional<std::string> back = ecdsa_der_to_jose(*der, 32);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, jose);
}

TEST(EcdsaSignature, RejectsJoseOfWrongLength) {
  for (std::size_t length : {0, 1, 63, 65, 96, 128}) {
    SCOPED_TRACE(length);
    EXPECT_FALSE(ecdsa_jose_to_der(std::string(length, '\x01'), 32).has_value());
  }
  EXPECT_TRUE(ecdsa_jose_to_der(std::string(96, '\x01'), 48).has_value());
  EXPECT_FALSE(ecdsa_jose_to_der(std::string(64, '\x01'), 48).has_value());
}

// The conversion the engine used before, through BIGNUM and i2d_ECDSA_SIG.
std::string bignum_jose_to_der(const std::string& jose, std::size_t field_size) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(jose.data());
  EcdsaSigPtr signature(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes, static_cast<int>(field_size), nullptr);
  BIGNUM* s = BN_bin2bn(bytes + field_size, static_cast<int>(field_size), nullptr);
  EXPECT_EQ(ECDSA_SIG_set0(signature.get(), r, s), 1);
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(signature.get(), &der);
  EXPECT_GT(length, 0);
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

TEST(EcdsaSignature, MatchesBignumConversionOnRandomSignatures) {
  std::mt19937 random(42);
  std::uniform_int_distribution<int> byte(0, 255);
  for (std::size_t field_size : {32, 48, 66}) {
    for (int i = 0; i < 4000; ++i) {
      std::string jose(2 * field_size, '\0');
      for (char& c : jose) c = static_cast<char>(byte(random));
      // Leading zero bytes and a high first bit are the cases DER encodes differently.
      const int shape = i % 8;
      if (shape == 1) jose[0] = '\0';
      if (shape == 2) jose.replace(0, 5, 5, '\0');
      if (shape == 3) jose[field_size] = '\x80';
      if (shape == 4) {
        jose.replace(field_size, field_size - 1, field_size - 1, '\0');
        jose[2 * field_size - 1] = static_cast<char>(jose[2 * field_size - 1] | 1);
      }
      if (shape == 5) jose[0] = '\x7f';
      if (shape == 6) {
        jose.replace(0, field_size - 1, field_size - 1, '\0');
        jose[field_size - 1] = static_cast<char>(jose[field_size - 1] | 1);
      }
      if (shape == 7) {
        jose[field_size - 1] = '\x01';
        jose[2 * field_size - 1] = '\xff';
        jose.replace(0, field_size - 1, field_size - 1, '\0');
        jose.replace(field_size, field_size - 1, field_size - 1, '\0');
      }
      SCOPED_TRACE(::testing::PrintToString(jose));
      const std::optional<std::string> der = ecdsa_jose_to_der(jose, field_size);
      ASSERT_TRUE(der.has_value());
      EXPECT_EQ(*der, bignum_jose_to_der(jose, field_size));
      const std::optional<std::string> back = ecdsa_der_to_jose(*der, field_size);
      ASSERT_TRUE(back.has_value());
      EXPECT_EQ(*back, jose);
    }
  }
}

TEST(EcdsaSignature, RejectsZeroROrS) {
  std::string r_zero(64, '\x01');
  r_zero.replace(0, 32, 32, '\0');
  std::string s_zero(64, '\x01');
  s_zero.replace(32, 32, 32, '\0');
  for (const std::string& jose : {r_zero, s_zero, std::string(64, '\0')}) {
    SCOPED_TRACE(::testing::PrintToString(jose));
    EXPECT_FALSE(ecdsa_jose_to_der(jose, 32).has_value());
  }
}

TEST(EcdsaSignature, WritesLongFormLengthForP521) {
  // Two 67-byte INTEGERs (66 bytes and a 0x00) make a SEQUENCE of 138 bytes, which needs the
  // two-byte length form.
  unsigned char der[kMaxEcdsaDerSize];
  const std::size_t size = ecdsa_jose_to_der_into(std::string(132, '\xff'), 66, der);
  ASSERT_EQ(size, 141u);
  EXPECT_EQ(der[0], 0x30);
  EXPECT_EQ(der[1], 0x81);
  EXPECT_EQ(der[2], 138);
  EXPECT_EQ(der[3], 0x02);
  EXPECT_EQ(der[4], 67);
  EXPECT_EQ(der[5], 0x00);
}

TEST(EcdsaSignature, RejectsUnsupportedFieldSizes) {
  EXPECT_FALSE(ecdsa_jose_to_der("", 0).has_value());
  EXPECT_FALSE(ecdsa_jose_to_der(std::string(134, '\x01'), 67).has_value());
}

TEST(EcdsaSignature, RejectsDerThatDoesNotFit) {
  // r of 33 significant bytes cannot be written into a 32-byte field.
  std::string jose(96, '\x01');
  const std::optional<std::string> der = ecdsa_jose_to_der(jose, 48);
  ASSERT_TRUE(der.has_value());
  EXPECT_FALSE(ecdsa_der_to_jose(*der, 32).has_value());
}

TEST(EcdsaSignature, RejectsInvalidDer) {
  EXPECT_FALSE(ecdsa_der_to_jose("not der", 32).has_value());
  const std::optional<std::string> der = ecdsa_jose_to_der(std::string(64, '\x02'), 32);
  ASSERT_TRUE(der.has_value());
  EXPECT_FALSE(ecdsa_der_to_jose(*der + "x", 32).has_value());
}

}  // namespace
}  // namespace outbound::jwt
