// Punycode and A-labels. The expected values come from RFC 3492 section 7.1 and from Python's
// own "punycode" and "idna" codecs, a second implementation.

#include "mail/idna.h"

#include <string>

#include <gtest/gtest.h>

namespace outbound::mail {
namespace {

TEST(Punycode, EncodesKnownLabels) {
  const struct {
    const char* label;
    const char* encoded;
  } cases[] = {
      {"bücher", "bcher-kva"},
      {"münchen", "mnchen-3ya"},
      {"例え", "r8jz45g"},
      {"ドメイン名例", "eckwd4c7cu47r2wf"},
      {"правительство", "80aealotwbjpid2k"},
      {"ñ", "ida"},
      {"3年B組金八先生", "3B-ww4c5e180e575a65lsy2b"},
      {"Pročprostěnemluvíčesky", "Proprostnemluvesky-uyb24dma41a"},
      {"ليهمابتكلموشعربي؟", "egbpdaj6bu4bxfgehfvwxn"},
      {"abc", "abc-"},
  };
  for (const auto& known : cases) {
    SCOPED_TRACE(known.label);

    const std::optional<std::string> encoded = punycode_encode(known.label);

    ASSERT_TRUE(encoded.has_value());
    EXPECT_EQ(*encoded, known.encoded);
  }
}

TEST(Punycode, RejectsInvalidUtf8) {
  EXPECT_FALSE(punycode_encode("b\xfc"
                               "cher")
                   .has_value());
  EXPECT_FALSE(punycode_encode("\xed\xa0\x80").has_value());  // a UTF-16 surrogate
}

TEST(DomainToAscii, ConvertsOnlyNonAsciiLabels) {
  EXPECT_EQ(domain_to_ascii("exämple.de"), "xn--exmple-cua.de");
  EXPECT_EQ(domain_to_ascii("пример.испытание"), "xn--e1afmkfd.xn--80akhbyknj4f");
  EXPECT_EQ(domain_to_ascii("Mail.Bücher.Example"), "Mail.xn--bcher-kva.Example");
}

TEST(DomainToAscii, MakesCapitalsSmall) {
  // The expected values are Python's "idna" codec's, on the small-letter domains.
  EXPECT_EQ(domain_to_ascii("BÜCHER.example"), "xn--bcher-kva.example");
  EXPECT_EQ(domain_to_ascii("ŁÓDŹ.example"), "xn--d-uga0v4h.example");
  EXPECT_EQ(domain_to_ascii("ПРИМЕР.испытание"), "xn--e1afmkfd.xn--80akhbyknj4f");
  EXPECT_EQ(domain_to_ascii("ΕΛΛΆΔΑ.example"), "xn--hxakic4aa.example");
  EXPECT_EQ(domain_to_ascii("example.org"), "example.org");
}

TEST(DomainToAscii, RejectsLongOrInvalidLabels) {
  // 58 ASCII letters, a hyphen, and at least one digit for the "ü": over 63 with "xn--".
  const std::string long_label = std::string(58, 'a') + "ü";

  EXPECT_FALSE(domain_to_ascii(long_label + ".example").has_value());
  EXPECT_FALSE(domain_to_ascii("b\xfc.example").has_value());
}

TEST(AddressToAsciiDomain, ConvertsOnlyWhenTheLocalPartIsAscii) {
  EXPECT_EQ(address_to_ascii_domain("x@exämple.de"), "x@xn--exmple-cua.de");
  EXPECT_EQ(address_to_ascii_domain("\"a@b\"@bücher.example"), "\"a@b\"@xn--bcher-kva.example");
  EXPECT_EQ(address_to_ascii_domain("jöran@bücher.example"), "jöran@bücher.example");
  EXPECT_EQ(address_to_ascii_domain("x@example.org"), "x@example.org");
  EXPECT_EQ(address_to_ascii_domain("no-at-sign"), "no-at-sign");
}

}  // namespace
}  // namespace outbound::mail
