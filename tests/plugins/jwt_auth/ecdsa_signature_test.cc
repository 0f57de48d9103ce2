#include "jwt_auth/ecdsa_signature.h"

#include <string>

#include <gtest/gtest.h>

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
