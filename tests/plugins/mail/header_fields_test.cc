// Header folding (RFC 5322 section 2.2.3), field names and the date format.

#include "mail/header_fields.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "mail_test_support.h"

namespace outbound::mail {
namespace {

using testing::field_value;
using testing::split_lines;

TEST(Fold, KeepsShortFieldsOnOneLine) {
  EXPECT_EQ(fold_field("Subject", "Hello", kFoldWidth, FieldSyntax::kUnstructured),
            "Subject: Hello\r\n");
  EXPECT_EQ(fold_field("X-Empty", "", kFoldWidth, FieldSyntax::kUnstructured), "X-Empty:\r\n");
}

TEST(Fold, BreaksBeforeWhitespaceAndUnfoldsToTheValue) {
  std::string value;
  for (int i = 0; i < 40; ++i) value += "word" + std::to_string(i) + (i % 3 == 0 ? "  " : " ");
  value += "end";
  const std::string folded = fold_field("Subject", value, kFoldWidth, FieldSyntax::kUnstructured);
  ASSERT_EQ(folded.substr(folded.size() - 2), "\r\n");
  const auto lines = split_lines(folded.substr(0, folded.size() - 2));
  ASSERT_GT(lines.size(), 1u);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    SCOPED_TRACE(lines[i]);
    EXPECT_LE(lines[i].size(), kFoldWidth);
    if (i > 0) {
      EXPECT_EQ(lines[i][0], ' ');
    }
    EXPECT_NE(lines[i].find_first_not_of(" \t"), std::string::npos);
  }
  EXPECT_EQ(field_value(folded, "Subject"), value);
}

TEST(Fold, NeverLeavesAWhitespaceOnlyLine) {
  const std::string value = std::string(70, 'a') + "          " + std::string(10, 'b') + "     ";
  const std::string folded = fold_field("Subject", value, kFoldWidth, FieldSyntax::kUnstructured);
  for (const std::string& line : split_lines(folded.substr(0, folded.size() - 2))) {
    EXPECT_NE(line.find_first_not_of(" \t"), std::string::npos) << folded;
  }
  EXPECT_EQ(field_value(folded, "Subject"), value);
}

TEST(Fold, LeavesQuotedStringsWholeInStructuredFields) {
  const std::string name = "\"" + std::string(30, 'n') + " " + std::string(30, 'm') + " x\"";
  const std::string value = name + " <someone@example.com>, " + name + " <other@example.com>";
  const std::string folded = fold_field("To", value, kFoldWidth, FieldSyntax::kStructured);
  EXPECT_NE(folded.find(name), std::string::npos) << folded;
  EXPECT_EQ(field_value(folded, "To"), value);
  // The same text as unstructured may break inside the quotes.
  const std::string loose = fold_field("Subject", value, kFoldWidth, FieldSyntax::kUnstructured);
  for (const std::string& line : split_lines(loose.substr(0, loose.size() - 2))) {
    EXPECT_LE(line.size(), kFoldWidth) << loose;
  }
}

TEST(Fold, KeepsAnUnbreakableRunOnItsLine) {
  const std::string run(120, 'r');
  const std::string folded =
      fold_field("X-Long", "a " + run + " b", kFoldWidth, FieldSyntax::kUnstructured);
  EXPECT_EQ(folded, "X-Long: a\r\n " + run + "\r\n b\r\n");
}

TEST(FieldName, AcceptsPrintableAsciiWithoutColon) {
  EXPECT_TRUE(valid_field_name("X-Campaign"));
  EXPECT_TRUE(valid_field_name("List-Unsubscribe"));
  EXPECT_TRUE(valid_field_name(std::string(kMaxFieldName, 'x')));
  EXPECT_FALSE(valid_field_name(std::string(kMaxFieldName + 1, 'x')));
  EXPECT_FALSE(valid_field_name(""));
  EXPECT_FALSE(valid_field_name("X Campaign"));
  EXPECT_FALSE(valid_field_name("X:Campaign"));
  EXPECT_FALSE(valid_field_name("X-Ü"));
  EXPECT_FALSE(valid_field_name("X-\x7f"));
}

TEST(FieldName, ReservesWhatTheBuilderWrites) {
  for (const char* name :
       {"From", "to", "CC", "Bcc", "Reply-To", "Subject", "date", "Message-ID", "MIME-Version",
        "Content-Type", "content-transfer-encoding", "Content-Disposition"}) {
    EXPECT_TRUE(reserved_field_name(name)) << name;
  }
  for (const char* name : {"X-Mailer", "Sender", "List-Id", "In-Reply-To", "References", "Contents",
                           "X-Content-Type"}) {
    EXPECT_FALSE(reserved_field_name(name)) << name;
  }
}

TEST(Date, FormatsRfc5322InUtc) {
  using std::chrono::seconds;
  using std::chrono::system_clock;
  EXPECT_EQ(format_date(system_clock::time_point(seconds(0))), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(format_date(system_clock::time_point(seconds(1767225600))),
            "Thu, 01 Jan 2026 00:00:00 +0000");
  EXPECT_EQ(
      format_date(system_clock::time_point(seconds(1709251199)) + std::chrono::milliseconds(999)),
      "Thu, 29 Feb 2024 23:59:59 +0000");
}

}  // namespace
}  // namespace outbound::mail
