// RFC 2047 encoded words and RFC 2231 parameters, read back with the test's own decoders.

#include "mail/encoded_words.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mail/text.h"
#include "mail_test_support.h"

namespace outbound::mail {
namespace {

using testing::decode_encoded_words;

std::vector<std::string> words_of(const std::string& encoded) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start <= encoded.size()) {
    const std::size_t space = encoded.find(' ', start);
    words.push_back(encoded.substr(start, space == std::string::npos ? space : space - start));
    if (space == std::string::npos) break;
    start = space + 1;
  }
  return words;
}

TEST(EncodedWords, RoundTripKeepsEveryWordLegal) {
  const std::string texts[] = {
      "Grüße",
      "Ünïcödé subject with some ASCII words around the non-ASCII ones, long enough to split",
      "日本語のテキストはベース64でエンコードされます。とても長い件名になるように文字を追加します"
      "。",
      "emoji "
      "😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙😚☺️🙂🤗🤩🤔🤨😐😑😶"
      "🙄"
      "😏",
      "question? equals= underscore_ tab\there",
      "=?utf-8?Q?looks_encoded?=",
  };
  for (const std::string& text : texts) {
    SCOPED_TRACE(text);
    const std::string encoded = encode_words(text);
    EXPECT_EQ(decode_encoded_words(encoded), text);
    for (const std::string& word : words_of(encoded)) {
      SCOPED_TRACE(word);
      EXPECT_LE(word.size(), kMaxEncodedWord);
      EXPECT_EQ(word.rfind("=?utf-8?", 0), 0u);
      // Each word alone decodes to whole characters: no split inside a UTF-8 sequence.
      EXPECT_TRUE(is_valid_utf8(decode_encoded_words(word)));
    }
  }
}

TEST(EncodedWords, ChoosesTheShorterEncoding) {
  EXPECT_EQ(encode_words("Hello Zoë and friends").substr(0, 10), "=?utf-8?Q?");
  EXPECT_EQ(encode_words("Grüße aus Köln").substr(0, 10), "=?utf-8?B?");
  EXPECT_EQ(encode_words("日本語の件名").substr(0, 10), "=?utf-8?B?");
}

TEST(EncodedWords, QFormIsValidInAPhrase) {
  // RFC 2047 section 5 rule 3: only letters, digits and !*+-/ stay literal, '_' is a space.
  const std::string text =
      "Customer \"Jo\" (Smith) <ops>, eng@team; ümlaut and many more plain letters here";
  const std::string encoded = encode_words(text);
  ASSERT_EQ(encoded.substr(0, 10), "=?utf-8?Q?");
  EXPECT_EQ(decode_encoded_words(encoded), text);
  for (const std::string& word : words_of(encoded)) {
    const std::string payload = word.substr(10, word.size() - 12);
    EXPECT_EQ(payload.find_first_of(" \"(),<>@;:?"), std::string::npos) << payload;
  }
}

TEST(EncodedWords, FirstWordFitsTheRoomGiven) {
  const std::string text(200, 'x');
  const std::string with_umlaut = "ä" + text;
  const std::vector<std::string> words = words_of(encode_words(with_umlaut, 40));
  ASSERT_GE(words.size(), 2u);
  EXPECT_LE(words[0].size(), 40u);
  EXPECT_LE(words[1].size(), kMaxEncodedWord);
  // Below 24 the first word still fits any character.
  const std::vector<std::string> tight = words_of(encode_words("😀😀😀", 0));
  EXPECT_LE(tight[0].size(), 24u);
  EXPECT_EQ(decode_encoded_words(encode_words("😀😀😀", 0)), "😀😀😀");
}

TEST(Phrase, PicksAtomsQuotedStringOrEncodedWords) {
  struct Case {
    std::string name;
    std::string expected;
    bool encoded;
  };
  const Case cases[] = {
      {"Alice Example", "Alice Example", false},
      {"O'Brien", "O'Brien", false},
      {"John Q. Public", "\"John Q. Public\"", false},
      {"Doe, John", "\"Doe, John\"", false},
      {"Bob \"the\" Builder", "\"Bob \\\"the\\\" Builder\"", false},
      {"back\\slash", "\"back\\\\slash\"", false},
      {"two  spaces", "\"two  spaces\"", false},
      {"", "", false},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.name);
    const HeaderText phrase = format_phrase(test.name);
    EXPECT_EQ(phrase.text, test.expected);
    EXPECT_EQ(phrase.has_encoded_words, test.encoded);
  }
  for (const std::string& name :
       std::vector<std::string>{"Jöran", "tab\there", "=?utf-8?Q?x?=", std::string(901, 'a')}) {
    SCOPED_TRACE(name);
    const HeaderText phrase = format_phrase(name);
    EXPECT_TRUE(phrase.has_encoded_words);
    EXPECT_EQ(decode_encoded_words(phrase.text), name);
  }
}

TEST(Unstructured, EncodesOnlyWhatMustBe) {
  EXPECT_EQ(format_unstructured("Plain subject", 60, true).text, "Plain subject");
  EXPECT_FALSE(format_unstructured("Plain subject", 60, true).has_encoded_words);
  EXPECT_EQ(format_unstructured("with \"quotes\" (and) <brackets>", 60, true).text,
            "with \"quotes\" (and) <brackets>");
  EXPECT_TRUE(format_unstructured("Grüße", 60, true).has_encoded_words);
  EXPECT_TRUE(format_unstructured("=?utf-8?Q?x?=", 60, true).has_encoded_words);
  EXPECT_FALSE(format_unstructured("=?utf-8?Q?x?=", 60, false).has_encoded_words);
  EXPECT_TRUE(format_unstructured("bell\x07", 60, false).has_encoded_words);
  EXPECT_FALSE(format_unstructured("tab\tis fine", 60, false).has_encoded_words);
  const std::string long_run(1200, 'z');
  const HeaderText encoded = format_unstructured(long_run, 60, false);
  EXPECT_TRUE(encoded.has_encoded_words);
  EXPECT_EQ(decode_encoded_words(encoded.text), long_run);
}

TEST(Parameter, QuotesShortAsciiAndEncodesTheRest) {
  EXPECT_EQ(format_parameter("filename", "report.pdf"),
            std::vector<std::string>{"filename=\"report.pdf\""});
  EXPECT_EQ(format_parameter("filename", "a \"b\".txt"),
            std::vector<std::string>{"filename=\"a \\\"b\\\".txt\""});
  EXPECT_EQ(format_parameter("filename", "Résumé €.pdf"),
            std::vector<std::string>{"filename*=utf-8''R%C3%A9sum%C3%A9%20%E2%82%AC.pdf"});
}

TEST(Parameter, SplitsLongValuesIntoContinuations) {
  const std::string ascii = std::string(100, 'a') + ".txt";
  const std::vector<std::string> ascii_items = format_parameter("filename", ascii);
  ASSERT_GE(ascii_items.size(), 2u);
  std::string joined;
  for (std::size_t i = 0; i < ascii_items.size(); ++i) {
    const std::string prefix = "filename*" + std::to_string(i) + "=\"";
    ASSERT_EQ(ascii_items[i].rfind(prefix, 0), 0u) << ascii_items[i];
    joined += ascii_items[i].substr(prefix.size(), ascii_items[i].size() - prefix.size() - 1);
    EXPECT_LE(ascii_items[i].size() + 2, 78u);
  }
  EXPECT_EQ(joined, ascii);

  const std::string unicode = "Überweisungsbestätigung für die Rechnung Nummer 2026-0042 ✓.pdf";
  const std::vector<std::string> items = format_parameter("filename", unicode);
  ASSERT_GE(items.size(), 2u);
  EXPECT_EQ(items[0].rfind("filename*0*=utf-8''", 0), 0u) << items[0];
  EXPECT_EQ(items[1].rfind("filename*1*=", 0), 0u) << items[1];
  for (const std::string& item : items) EXPECT_LE(item.size() + 2, 78u) << item;
}

}  // namespace
}  // namespace outbound::mail
