// The readers of validated JSON values: string content, numbers and array elements.

#include "jwt_auth/json_text.h"

#include <clocale>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace outbound::jwt {
namespace {

TEST(JsonText, StringContentWithoutEscapesPointsIntoText) {
  const std::string text = R"("https://issuer.example")";
  std::string storage;
  const std::string_view content = json_string_content(text, storage);
  EXPECT_EQ(content, "https://issuer.example");
  EXPECT_EQ(content.data(), text.data() + 1);
}

TEST(JsonText, StringContentReplacesEscapes) {
  const struct {
    const char* text;
    std::string content;
  } cases[] = {
      {R"("a\"b\\c\/d")", "a\"b\\c/d"},
      {R"("\b\f\n\r\t")", "\b\f\n\r\t"},
      {R"("\u0041\u00e9\u20ac")", "A\xc3\xa9\xe2\x82\xac"},
      {R"("\u0000")", std::string(1, '\0')},
      {R"("\u07FF\u0800\uFFFF")", "\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf"},
      {R"("\ud83d\ude00 and \uDBFF\uDFFF")", "\xf0\x9f\x98\x80 and \xf4\x8f\xbf\xbf"},
      {R"("https:\/\/issuer.example")", "https://issuer.example"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    std::string storage;
    EXPECT_EQ(json_string_content(c.text, storage), c.content);
  }
}

TEST(JsonText, NumberValueMatchesStrtod) {
  const char* const cases[] = {
      "0",
      "-0",
      "7",
      "1700000000",
      "253402300799",
      "1.5",
      "-2.25e3",
      "1e300",
      "123456789012345",
      "1234567890123456",
      "9007199254740993",
      "18446744073709551615",
      "18446744073709551616",
      "1.7976931348623157e308",
      "4.9e-324",
      "0.1",
      "1700000000.123456789",
  };
  for (const char* text : cases) {
    SCOPED_TRACE(text);
    EXPECT_EQ(json_number_value(text), std::strtod(text, nullptr));
  }
}

TEST(JsonText, NumberValueSaturatesLikeStrtod) {
  EXPECT_EQ(json_number_value("1e400"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(json_number_value("-1e400"), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(json_number_value("1e-400"), 0.0);
}

TEST(JsonText, NumberValueIgnoresTheProcessLocale) {
  // A locale whose decimal separator is a comma must not change how "1.5" reads.
  const char* previous = std::setlocale(LC_NUMERIC, nullptr);
  const std::string restore = previous != nullptr ? previous : "C";
  bool switched = false;
  for (const char* name : {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE", "fr_FR"}) {
    if (std::setlocale(LC_NUMERIC, name) != nullptr) {
      switched = true;
      break;
    }
  }
  const double value = json_number_value("1700000000.5");
  std::setlocale(LC_NUMERIC, restore.c_str());
  ASSERT_TRUE(switched) << "no locale with a decimal comma is available; scripts/setup.sh "
                           "builds de_DE.UTF-8 into .local/locale, which CTest passes as LOCPATH";
  EXPECT_EQ(value, 1700000000.5);
}

TEST(JsonText, ArrayReaderReturnsEachElement) {
  JsonArrayReader reader(R"([ "a" , 1.5e2,true,null,[1,[2]],{"k":"]"},"q\"]",{} ,[],"\\" ])");
  const std::vector<std::pair<JsonType, std::string>> expected = {
      {JsonType::kString, R"("a")"},    {JsonType::kNumber, "1.5e2"},
      {JsonType::kBoolean, "true"},     {JsonType::kNull, "null"},
      {JsonType::kArray, "[1,[2]]"},    {JsonType::kObject, R"({"k":"]"})"},
      {JsonType::kString, R"("q\"]")"}, {JsonType::kObject, "{}"},
      {JsonType::kArray, "[]"},         {JsonType::kString, R"("\\")"},
  };
  JsonValue element;
  for (const auto& [type, text] : expected) {
    SCOPED_TRACE(text);
    ASSERT_TRUE(reader.next(element));
    EXPECT_EQ(element.type, type);
    EXPECT_EQ(element.text, text);
  }
  EXPECT_FALSE(reader.next(element));
}

TEST(JsonText, ArrayReaderOfEmptyArray) {
  JsonValue element;
  EXPECT_FALSE(JsonArrayReader("[]").next(element));
  EXPECT_FALSE(JsonArrayReader("[ \n ]").next(element));
}

}  // namespace
}  // namespace outbound::jwt
