#include "outbound/currency.h"

#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

namespace outbound {
namespace {

TEST(Currency, MinorDigitsFollowStripesLists) {
  for (const char* code : {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf",
                           "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}) {
    EXPECT_EQ(currency_minor_digits(code), 0) << code;
  }
  for (const char* code : {"bhd", "jod", "kwd", "omr", "tnd"}) {
    EXPECT_EQ(currency_minor_digits(code), 3) << code;
  }
  for (const char* code : {"usd", "eur", "gbp", "isk", "huf", "twd"}) {
    EXPECT_EQ(currency_minor_digits(code), 2) << code;
  }
  EXPECT_EQ(currency_minor_digits("JPY"), 0);
  EXPECT_EQ(currency_minor_digits("Kwd"), 3);
}

TEST(Currency, FormatsAmountsInMajorUnits) {
  EXPECT_EQ(format_amount(2000, "usd"), "20.00 USD");
  EXPECT_EQ(format_amount(5, "eur"), "0.05 EUR");
  EXPECT_EQ(format_amount(-5, "eur"), "-0.05 EUR");
  EXPECT_EQ(format_amount(500, "jpy"), "500 JPY");
  EXPECT_EQ(format_amount(5120, "kwd"), "5.120 KWD");
  EXPECT_EQ(format_amount(0, "bhd"), "0.000 BHD");
  EXPECT_EQ(format_amount(std::numeric_limits<std::int64_t>::min(), "usd"),
            "-92233720368547758.08 USD");
}

TEST(Currency, AcceptsWholeMinorUnits) {
  EXPECT_TRUE(check_amount(2000, "usd", "amount").ok());
  EXPECT_TRUE(check_amount(0, "usd", "amount").ok());
  EXPECT_TRUE(check_amount(1, "jpy", "amount").ok());
  EXPECT_TRUE(check_amount(5120, "kwd", "amount").ok());
  EXPECT_TRUE(check_amount(4000, "isk", "amount").ok());
}

TEST(Currency, RejectsNegativeAmountsNamingTheValue) {
  const Status status = check_amount(-1, "usd", "refund amount");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("refund amount -1 is negative"), std::string::npos)
      << status.message();
}

TEST(Currency, ThreeDecimalAmountsMustEndInZero) {
  const Status status = check_amount(5125, "kwd", "amount");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("use 5120 or 5130"), std::string::npos) << status.message();
}

TEST(Currency, IcelandicKronaIsChargedInWholeKronur) {
  const Status status = check_amount(4010, "isk", "amount");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("use 4000 or 4100"), std::string::npos) << status.message();
}

TEST(Currency, RejectsCodesThatAreNotThreeLetters) {
  for (const char* code : {"", "us", "usdd", "u$d", "12a"}) {
    EXPECT_EQ(check_amount(100, code, "amount").code(), StatusCode::kInvalidArgument) << code;
  }
}

}  // namespace
}  // namespace outbound
