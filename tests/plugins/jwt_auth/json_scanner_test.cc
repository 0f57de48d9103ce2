// The strict JSON scanner that reads token headers and payloads: what it accepts, what it
// rejects and why, and the members it passes on.

#include "jwt_auth/json_scanner.h"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace outbound::jwt {
namespace {

// MemberLog records the members the scanner passes on.
class MemberLog final : public JsonMemberHandler {
 public:
  struct Entry {
    std::string name;
    JsonType type;
    std::string text;
  };

  void member(std::string_view name, const JsonValue& value) override {
    entries.push_back({std::string(name), value.type, std::string(value.text)});
  }

  std::vector<Entry> entries;
};

// Returns `levels` nested arrays around `inner`, inside a top-level object: the object is the
// first level, so the result nests levels + 1.
std::string nested_arrays(int levels, const std::string& inner = "") {
  return R"({"a":)" + std::string(levels, '[') + inner + std::string(levels, ']') + "}";
}

TEST(JsonScanner, AcceptsStrictDocuments) {
  const char* const cases[] = {
      "{}",
      " \t\r\n{ \t\r\n} \t\r\n",
      R"({"a":1})",
      R"({"a":-0,"b":0.5,"c":1e10,"d":1E+2,"e":-1.25e-3,"f":123456789012345678901234567890})",
      R"({"a":true,"b":false,"c":null})",
      R"({"a":1.7976931348623157e308,"b":1e-400,"c":0.0001e310,"d":-4.9e-324})",
      R"({"a":"","b":"text","c":"\"\\\/\b\f\n\r\t"})",
      R"({"a":"\u0000\u00e9\u20AC\ud83d\ude00"})",
      "{\"a\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"}",
      R"({"a":[],"b":{},"c":[1,"x",[{}],{"d":[]}]})",
      R"({"":1,"a":{"":2}})",
      R"({"a":{"b":1},"c":{"b":1}})",
      R"({"a":[{"b":1},{"b":2}]})",
  };
  for (const char* text : cases) {
    SCOPED_TRACE(text);
    const Status scanned = scan_json_object(text, nullptr);
    EXPECT_TRUE(scanned.ok()) << scanned;
  }
}

TEST(JsonScanner, RejectsInvalidJson) {
  const struct {
    const char* name;
    std::string text;
  } cases[] = {
      {"empty text", ""},
      {"whitespace only", "  \n"},
      {"unclosed object", R"({"a":1)"},
      {"unclosed string", R"({"a":"x})"},
      {"trailing comma in an object", R"({"a":1,})"},
      {"trailing comma in an array", R"({"a":[1,]})"},
      {"missing value", R"({"a":})"},
      {"missing colon", R"({"a" 1})"},
      {"missing comma", R"({"a":1 "b":2})"},
      {"unquoted name", "{a:1}"},
      {"single quotes", "{'a':1}"},
      {"line comment", "{\"a\":1 // note\n}"},
      {"block comment", R"({/* note */"a":1})"},
      {"leading zero", R"({"a":01})"},
      {"negative leading zero", R"({"a":-01})"},
      {"plus sign", R"({"a":+1})"},
      {"minus alone", R"({"a":-})"},
      {"point without fraction digits", R"({"a":1.})"},
      {"point without integer digits", R"({"a":.5})"},
      {"exponent without digits", R"({"a":1e})"},
      {"exponent sign without digits", R"({"a":1e+})"},
      {"hex number", R"({"a":0x10})"},
      {"number beyond the double range", R"({"a":1e400})"},
      {"negative number beyond the double range", R"({"a":-1.8e308})"},
      {"integer beyond the double range", "{\"a\":1" + std::string(309, '0') + "}"},
      {"NaN", R"({"a":NaN})"},
      {"Infinity", R"({"a":Infinity})"},
      {"capitalised literal", R"({"a":True})"},
      {"truncated literal", R"({"a":nul})"},
      {"literal with extra letters", R"({"a":truex})"},
      {"raw tab in a string", "{\"a\":\"x\ty\"}"},
      {"raw newline in a string", "{\"a\":\"x\ny\"}"},
      {"raw NUL in a string", std::string("{\"a\":\"x\0y\"}", 10)},
      {"unknown escape", R"({"a":"\x41"})"},
      {"escaped single quote", R"({"a":"\'"})"},
      {"short unicode escape", R"({"a":"\u12"})"},
      {"unicode escape with a non-hex digit", R"({"a":"\u12g4"})"},
      {"lone high surrogate", R"({"a":"\ud83d"})"},
      {"high surrogate before a character", R"({"a":"\ud83dx"})"},
      {"high surrogate before a non-surrogate escape", R"({"a":"\ud83d\u0041"})"},
      {"two high surrogates", R"({"a":"\ud83d\ud83d"})"},
      {"lone low surrogate", R"({"a":"\ude00"})"},
      {"continuation byte alone", "{\"a\":\"\x80\"}"},
      {"overlong two-byte form", "{\"a\":\"\xc0\xaf\"}"},
      {"overlong three-byte form", "{\"a\":\"\xe0\x80\xaf\"}"},
      {"overlong four-byte form", "{\"a\":\"\xf0\x80\x80\xaf\"}"},
      {"UTF-8 surrogate", "{\"a\":\"\xed\xa0\x80\"}"},
      {"code point above U+10FFFF", "{\"a\":\"\xf4\x90\x80\x80\"}"},
      {"byte F5", "{\"a\":\"\xf5\x80\x80\x80\"}"},
      {"byte FF", "{\"a\":\"\xff\"}"},
      {"truncated sequence", "{\"a\":\"\xe2\x82\"}"},
      {"non-ASCII byte outside a string", "{\"a\":1}\xc2\xa0"},
      {"byte order mark", "\xef\xbb\xbf{\"a\":1}"},
      {"NUL after the object", std::string("{\"a\":1}\0", 8)},
      {"NUL and a second object", std::string("{\"a\":1}\0{\"a\":2}", 15)},
      {"text after the object", R"({"a":1}x)"},
      {"second object", R"({"a":1}{"b":2})"},
      {"vertical tab as whitespace", "{\v\"a\":1}"},
      {"form feed as whitespace", "{\f\"a\":1}"},
      {"array close for an object", R"({"a":1])"},
      {"object close for an array", R"({"a":[1}})"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Status scanned = scan_json_object(c.text, nullptr);
    ASSERT_FALSE(scanned.ok());
    EXPECT_EQ(scanned.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(scanned.message().rfind("is not valid JSON: ", 0), 0u) << scanned.message();
  }
}

TEST(JsonScanner, InvalidJsonMessageNamesTheByte) {
  const Status scanned = scan_json_object(R"({"a":01})", nullptr);
  ASSERT_FALSE(scanned.ok());
  EXPECT_NE(scanned.message().find("at byte 6"), std::string::npos) << scanned.message();
}

TEST(JsonScanner, RejectsValuesThatAreNotObjects) {
  const struct {
    const char* text;
    const char* message;
  } cases[] = {
      {"[1,2]", "is a JSON array, not an object"},
      {R"("HS256")", "is a JSON string, not an object"},
      {"7", "is a JSON number, not an object"},
      {"true", "is a JSON boolean, not an object"},
      {"null", "is a JSON null, not an object"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const Status scanned = scan_json_object(c.text, nullptr);
    ASSERT_FALSE(scanned.ok());
    EXPECT_EQ(scanned.message(), c.message);
  }
}

TEST(JsonScanner, RejectsRepeatedNamesAtEveryDepth) {
  const struct {
    const char* name;
    std::string text;
    const char* repeated;
  } cases[] = {
      {"top level", R"({"alg":"HS256","alg":"none"})", "alg"},
      {"nested object", R"({"a":{"b":1,"b":2}})", "b"},
      {"object in an array", R"({"a":[1,{"c":1,"d":2,"c":3}]})", "c"},
      {"same name after unescaping", R"({"alg":1,"\u0061lg":2})", "alg"},
      {"escaped solidus", R"({"a/b":1,"a\/b":2})", "a/b"},
      {"empty names", R"({"":1,"":2})", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Status scanned = scan_json_object(c.text, nullptr);
    ASSERT_FALSE(scanned.ok());
    EXPECT_EQ(scanned.message(),
              "has the member \"" + std::string(c.repeated) + "\" more than once");
  }
}

TEST(JsonScanner, FindsRepeatedNamesInLargeObjects) {
  // Past 16 members an object is searched through a hash set; both ways must find a repeat.
  for (int members : {15, 16, 17, 40, 5000}) {
    SCOPED_TRACE(members);
    std::string text = "{";
    for (int i = 0; i < members; ++i) text += "\"m" + std::to_string(i) + "\":" + "{\"x\":1},";
    std::string repeated = text + "\"m0\":1}";
    text += "\"last\":1}";
    EXPECT_TRUE(scan_json_object(text, nullptr).ok());
    EXPECT_FALSE(scan_json_object(repeated, nullptr).ok());
    // A nested object of its own may reuse the names of the large object around it.
    std::string nested = text;
    nested.insert(nested.size() - 1, ",\"inner\":{\"m0\":1,\"m1\":2}");
    EXPECT_TRUE(scan_json_object(nested, nullptr).ok());
  }
}

TEST(JsonScanner, CapsNestingDepth) {
  // The top-level object is the first level.
  EXPECT_TRUE(scan_json_object(nested_arrays(kMaxJsonDepth - 1), nullptr).ok());
  EXPECT_TRUE(scan_json_object(nested_arrays(kMaxJsonDepth - 1, "1,\"x\""), nullptr).ok());
  const Status too_deep = scan_json_object(nested_arrays(kMaxJsonDepth), nullptr);
  ASSERT_FALSE(too_deep.ok());
  EXPECT_EQ(too_deep.message(), "nests objects or arrays deeper than 32 levels");

  std::string objects = "{";
  for (std::size_t i = 1; i < kMaxJsonDepth; ++i) objects += "\"o\":{";
  objects += std::string(kMaxJsonDepth, '}');
  EXPECT_TRUE(scan_json_object(objects, nullptr).ok());
  objects.insert(objects.size() - kMaxJsonDepth, "\"o\":{}");
  EXPECT_FALSE(scan_json_object(objects, nullptr).ok());
}

TEST(JsonScanner, RejectsDeepNestingWithoutRecursion) {
  // A hostile header of a million brackets is rejected at the cap, without a deep stack.
  EXPECT_FALSE(scan_json_object(nested_arrays(1000000), nullptr).ok());
}

TEST(JsonScanner, PassesTopLevelMembersInOrder) {
  MemberLog log;
  const Status scanned = scan_json_object(
      R"( { "alg" : "HS256" , "n":-1.5e3,"o":{"alg":"none"},"a":[ 1 , "x" ],"t":true,"z":null } )",
      &log);
  ASSERT_TRUE(scanned.ok()) << scanned;
  const std::vector<MemberLog::Entry> expected = {
      {"alg", JsonType::kString, R"("HS256")"},
      {"n", JsonType::kNumber, "-1.5e3"},
      {"o", JsonType::kObject, R"({"alg":"none"})"},
      {"a", JsonType::kArray, R"([ 1 , "x" ])"},
      {"t", JsonType::kBoolean, "true"},
      {"z", JsonType::kNull, "null"},
  };
  ASSERT_EQ(log.entries.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(expected[i].name);
    EXPECT_EQ(log.entries[i].name, expected[i].name);
    EXPECT_EQ(log.entries[i].type, expected[i].type);
    EXPECT_EQ(log.entries[i].text, expected[i].text);
  }
}

TEST(JsonScanner, UnescapesMemberNames) {
  MemberLog log;
  ASSERT_TRUE(scan_json_object(R"({"\u0061lg":1,"caf\u00e9":2,"\ud83d\ude00":3})", &log).ok());
  ASSERT_EQ(log.entries.size(), 3u);
  EXPECT_EQ(log.entries[0].name, "alg");
  EXPECT_EQ(log.entries[1].name, "caf\xc3\xa9");
  EXPECT_EQ(log.entries[2].name, "\xf0\x9f\x98\x80");
}

TEST(JsonScanner, PassesNoMembersOfOtherValues) {
  MemberLog log;
  EXPECT_FALSE(scan_json_object(R"([{"alg":"none"}])", &log).ok());
  EXPECT_TRUE(log.entries.empty());
}

TEST(JsonScanner, NamesEveryType) {
  EXPECT_EQ(json_type_name(JsonType::kNull), "null");
  EXPECT_EQ(json_type_name(JsonType::kBoolean), "boolean");
  EXPECT_EQ(json_type_name(JsonType::kNumber), "number");
  EXPECT_EQ(json_type_name(JsonType::kString), "string");
  EXPECT_EQ(json_type_name(JsonType::kArray), "array");
  EXPECT_EQ(json_type_name(JsonType::kObject), "object");
}

}  // namespace
}  // namespace outbound::jwt
