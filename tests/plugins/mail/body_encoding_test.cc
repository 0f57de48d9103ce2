// Line ending normalisation and the transfer encodings of RFC 2045.

#include "mail/body_encoding.h"

#include <string>

#include <gtest/gtest.h>

#include "mail_test_support.h"

namespace outbound::mail {
namespace {

using testing::decode_base64;
using testing::decode_quoted_printable;
using testing::has_lone_cr_or_lf;
using testing::split_lines;

TEST(LineEndings, NormalisesEveryFormToCrlf) {
  EXPECT_EQ(normalize_line_endings("a\nb\rc\r\nd"), "a\r\nb\r\nc\r\nd");
  EXPECT_EQ(normalize_line_endings("\n.\n"), "\r\n.\r\n");
  EXPECT_EQ(normalize_line_endings("\r.\r"), "\r\n.\r\n");
  EXPECT_EQ(normalize_line_endings("\r\n.\n"), "\r\n.\r\n");
  EXPECT_EQ(normalize_line_endings("\n.\r\n"), "\r\n.\r\n");
  EXPECT_EQ(normalize_line_endings("\n\r"), "\r\n\r\n");
  EXPECT_EQ(normalize_line_endings("\r\r\n"), "\r\n\r\n");
  EXPECT_EQ(normalize_line_endings(""), "");
}

TEST(TextEncoding, SevenBitOnlyForShortPrintableAscii) {
  EXPECT_EQ(choose_text_encoding("plain\r\ntext\twith tab\r\n"), TransferEncoding::kSevenBit);
  EXPECT_EQ(choose_text_encoding(std::string(998, 'x')), TransferEncoding::kSevenBit);
  EXPECT_EQ(choose_text_encoding(std::string(999, 'x')), TransferEncoding::kQuotedPrintable);
  EXPECT_EQ(choose_text_encoding("Grüße"), TransferEncoding::kQuotedPrintable);
  EXPECT_EQ(choose_text_encoding(std::string("nul\0inside", 10)),
            TransferEncoding::kQuotedPrintable);
  EXPECT_EQ(choose_text_encoding("bell\x07"), TransferEncoding::kQuotedPrintable);
  EXPECT_EQ(choose_text_encoding("del\x7f"), TransferEncoding::kQuotedPrintable);
}

TEST(QuotedPrintable, RoundTripsWithShortLines) {
  const std::string texts[] = {
      std::string(1200, 'a'),
      "Grüße aus Köln\r\nzweite Zeile = gleich\r\n",
      "trailing space \r\ntrailing tab\t\r\n",
      std::string("nul\0and\x01control", 15),
      "=3D already looks encoded=\r\n.\r\n.leading dot\r\n",
      std::string(80, '=') + std::string(80, ' ') + "x",
      "",
  };
  for (const std::string& text : texts) {
    SCOPED_TRACE(text.substr(0, 40));
    const std::string encoded = quoted_printable(text);
    EXPECT_EQ(decode_quoted_printable(encoded), text);
    EXPECT_FALSE(has_lone_cr_or_lf(encoded));
    for (const std::string& line : split_lines(encoded)) {
      EXPECT_LE(line.size(), 76u) << line;
      // RFC 2045 rule 3: no space or tab ends an encoded line.
      if (!line.empty()) {
        EXPECT_NE(line.back(), ' ') << line;
        EXPECT_NE(line.back(), '\t') << line;
      }
      for (char c : line) {
        EXPECT_TRUE((c >= 33 && c <= 126) || c == ' ' || c == '\t') << static_cast<int>(c);
      }
    }
  }
}

TEST(QuotedPrintable, DoesNotSplitAnEscape) {
  const std::string encoded = quoted_printable(std::string(100, '='));
  for (const std::string& line : split_lines(encoded)) {
    const std::size_t last_equals = line.rfind('=');
    // A line ends with a soft break "=" or with a whole "=3D".
    EXPECT_TRUE(last_equals + 1 == line.size() || last_equals + 3 == line.size()) << line;
  }
}

TEST(Base64, WritesLinesOf76) {
  std::string binary;
  for (int i = 0; i < 1000; ++i) binary += static_cast<char>(i * 37 % 256);
  const std::string encoded = base64_lines(binary);
  EXPECT_EQ(decode_base64(encoded), binary);
  const auto lines = split_lines(encoded);
  ASSERT_EQ(lines.back(), "");
  for (std::size_t i = 0; i + 2 < lines.size(); ++i) EXPECT_EQ(lines[i].size(), 76u);
  EXPECT_LE(lines[lines.size() - 2].size(), 76u);
  EXPECT_EQ(base64_lines(""), "");
  EXPECT_EQ(base64_lines("f"), "Zg==\r\n");
  EXPECT_EQ(base64_lines("fo"), "Zm8=\r\n");
  EXPECT_EQ(base64_lines("foo"), "Zm9v\r\n");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
}

TEST(TextBody, EndsWithCrlf) {
  EXPECT_EQ(encode_text_body("no newline", TransferEncoding::kSevenBit), "no newline\r\n");
  EXPECT_EQ(encode_text_body("newline\r\n", TransferEncoding::kSevenBit), "newline\r\n");
  EXPECT_EQ(encode_text_body("", TransferEncoding::kSevenBit), "");
  EXPECT_EQ(encode_text_body("ü", TransferEncoding::kQuotedPrintable), "=C3=BC\r\n");
}

}  // namespace
}  // namespace outbound::mail
