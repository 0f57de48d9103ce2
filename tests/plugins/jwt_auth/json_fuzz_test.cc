// Differential tests of the strict JSON scanner against nlohmann::json on generated, mutated
// and random documents. Both must accept and reject the same documents, and every value the
// scanner hands on must equal what nlohmann::json reads.
//
// The reference is nlohmann::json::parse with the checks the engine made with it before the
// scanner: no object with a repeated member name, no nesting deeper than kMaxJsonDepth, a
// top-level object. Two kinds of documents nlohmann::json accepts are not strict JSON, so the
// reference rejects them too. One starts with a byte order mark. The other has a NUL byte after
// the value, which nlohmann::json 3.11 takes for the end of the text, ignoring what follows.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "jwt_auth/claims.h"
#include "jwt_auth/json_scanner.h"
#include "jwt_auth/json_text.h"
#include "jwt_auth/jws_header.h"

namespace outbound::jwt {
namespace {

using nlohmann::json;

struct Reference {
  bool accepted = false;
  json value;
};

Reference reference_parse(const std::string& text) {
  if (text.find('\0') != std::string::npos || text.rfind("\xef\xbb\xbf", 0) == 0) return {};
  std::vector<std::set<std::string>> open_objects;
  bool rejected = false;
  const auto check = [&](int depth, json::parse_event_t event, json& parsed) {
    using Event = json::parse_event_t;
    // `depth` counts the containers around the one that starts.
    if ((event == Event::object_start || event == Event::array_start) &&
        static_cast<std::size_t>(depth) >= kMaxJsonDepth) {
      rejected = true;
    }
    if (event == Event::object_start) {
      open_objects.emplace_back();
    } else if (event == Event::object_end && !open_objects.empty()) {
      open_objects.pop_back();
    } else if (event == Event::key && !open_objects.empty() &&
               !open_objects.back().insert(parsed.get<std::string>()).second) {
      rejected = true;
    }
    return true;
  };
  Reference reference;
  try {
    reference.value = json::parse(text, check);
  } catch (const json::exception&) {
    return {};
  }
  reference.accepted = !rejected && reference.value.is_object();
  return reference;
}

JsonType reference_type(const json& value) {
  if (value.is_null()) return JsonType::kNull;
  if (value.is_boolean()) return JsonType::kBoolean;
  if (value.is_number()) return JsonType::kNumber;
  if (value.is_string()) return JsonType::kString;
  if (value.is_array()) return JsonType::kArray;
  return JsonType::kObject;
}

// Checks that `value`, as the scanner handed it on, reads as `expected` does.
void expect_same_value(const JsonValue& value, const json& expected) {
  ASSERT_EQ(value.type, reference_type(expected));
  std::string storage;
  switch (value.type) {
    case JsonType::kString:
      EXPECT_EQ(json_string_content(value.text, storage), expected.get<std::string>());
      break;
    case JsonType::kNumber:
      EXPECT_EQ(json_number_value(value.text), expected.get<double>()) << value.text;
      break;
    case JsonType::kArray: {
      JsonArrayReader elements(value.text);
      JsonValue element;
      std::size_t count = 0;
      while (elements.next(element)) {
        ASSERT_LT(count, expected.size());
        expect_same_value(element, expected[count]);
        ++count;
      }
      EXPECT_EQ(count, expected.size());
      break;
    }
    default:
      EXPECT_EQ(json::parse(value.text), expected);
      break;
  }
}

// MemberLog keeps the members the scanner hands on, with their names copied, because an
// unescaped name lives only during the scan.
class MemberLog final : public JsonMemberHandler {
 public:
  void member(std::string_view name, const JsonValue& value) override {
    members.emplace_back(std::string(name), value);
  }
  std::vector<std::pair<std::string, JsonValue>> members;
};

void expect_same_header_member(const HeaderMember& member, const json& object, const char* name) {
  SCOPED_TRACE(name);
  const auto found = object.find(name);
  ASSERT_EQ(member.present, found != object.end());
  if (!member.present) return;
  EXPECT_EQ(member.type, reference_type(*found));
  if (member.type == JsonType::kString) {
    EXPECT_EQ(member.value, found->get<std::string>());
  } else {
    EXPECT_EQ(json::parse(member.value), *found);
  }
}

void expect_same_claim(const std::optional<JsonValue>& claim, const json& object,
                       const char* name) {
  SCOPED_TRACE(name);
  const auto found = object.find(name);
  ASSERT_EQ(claim.has_value(), found != object.end());
  if (claim) expect_same_value(*claim, *found);
}

// The names the generator uses, so that documents repeat names and carry the members the
// header and claims readers pick out.
const std::vector<std::string> kNames = {
    "alg", "kid", "typ", "crit", "exp",       "nbf",       "iat",         "iss",           "sub",
    "aud", "a",   "b",   "",     "\\u0061lg", "ex\\u0070", "caf\xc3\xa9", "\\ud83d\\ude00"};

// The policy whose required claims the differential test looks up.
ClaimPolicy required_policy() {
  ClaimPolicy policy;
  policy.required_claims = {"a", "exp", "caf\xc3\xa9", "missing", "a"};
  return policy;
}

// Compares the scanner and its readers with the reference on one document.
void compare(const std::string& text, int& accepted, int& rejected) {
  SCOPED_TRACE(::testing::PrintToString(text));
  const Reference reference = reference_parse(text);
  MemberLog log;
  const Status scanned = scan_json_object(text, &log);
  ASSERT_EQ(scanned.ok(), reference.accepted) << scanned;
  JwsHeader header;
  ASSERT_EQ(parse_jws_header(text, header).ok(), reference.accepted);
  const ClaimPolicy policy = required_policy();
  ClaimSet claims;
  ASSERT_EQ(parse_claims(text, policy, claims).ok(), reference.accepted);
  if (!reference.accepted) {
    ++rejected;
    return;
  }
  ++accepted;

  const json& object = reference.value;
  ASSERT_EQ(log.members.size(), object.size());
  for (const auto& [name, value] : log.members) {
    SCOPED_TRACE(name);
    const auto found = object.find(name);
    ASSERT_NE(found, object.end());
    expect_same_value(value, *found);
  }
  expect_same_header_member(header.alg, object, "alg");
  expect_same_header_member(header.kid, object, "kid");
  expect_same_header_member(header.typ, object, "typ");
  expect_same_header_member(header.crit, object, "crit");
  for (const auto& [claim, name] : {std::pair{&claims.exp, "exp"}, std::pair{&claims.nbf, "nbf"},
                                    std::pair{&claims.iat, "iat"}, std::pair{&claims.iss, "iss"},
                                    std::pair{&claims.sub, "sub"}, std::pair{&claims.aud, "aud"}}) {
    expect_same_claim(*claim, object, name);
    std::optional<double> seconds;
    const Status read = read_numeric_date(*claim, name, seconds);
    Result<std::optional<double>> expected = read_numeric_date(object, name);
    EXPECT_EQ(read.ok(), expected.ok());
    EXPECT_EQ(read.message(), expected.status().message());
    if (read.ok() && expected.ok()) {
      EXPECT_EQ(seconds, *expected);
    }
  }
  for (std::size_t i = 0; i < policy.required_claims.size(); ++i) {
    EXPECT_EQ(claims.has_required(i), object.contains(policy.required_claims[i]));
  }
}

// DocumentGenerator writes random JSON objects: mostly valid, with repeated names, deep
// nesting, escapes, UTF-8 and numbers at the edges of the grammar, and now and then a flaw.
class DocumentGenerator {
 public:
  explicit DocumentGenerator(std::uint32_t seed) : random_(seed) {}

  std::string document() {
    std::string text = whitespace();
    object(text, 1);
    return text + whitespace();
  }

  std::mt19937& random() { return random_; }

 private:
  int below(int limit) { return std::uniform_int_distribution<int>(0, limit - 1)(random_); }
  bool chance(int percent) { return below(100) < percent; }

  std::string whitespace() {
    static const char* const kSpaces[] = {"", "", "", " ", "\n", "\t ", "\r\n"};
    return kSpaces[below(7)];
  }

  void object(std::string& text, int depth) {
    text += '{';
    const int members = chance(10) ? 20 + below(10) : below(5);
    for (int i = 0; i < members; ++i) {
      if (i > 0) text += ',';
      text += whitespace() + '"' + kNames[below(static_cast<int>(kNames.size()))] + '"';
      text += whitespace() + ':' + whitespace();
      value(text, depth + 1);
      text += whitespace();
    }
    text += '}';
  }

  void value(std::string& text, int depth) {
    // Deep chains test the nesting cap from both sides.
    if (chance(2)) {
      const int levels = static_cast<int>(kMaxJsonDepth) - depth - 1 + below(4);
      text += std::string(std::max(levels, 0), '[') + "1" + std::string(std::max(levels, 0), ']');
      return;
    }
    const int kind = below(depth > 6 ? 6 : 8);
    switch (kind) {
      case 0:
        text += chance(50) ? "true" : (chance(50) ? "false" : "null");
        break;
      case 1:
      case 2:
        number(text);
        break;
      case 3:
      case 4:
      case 5:
        string(text);
        break;
      case 6: {
        text += '[';
        const int elements = below(4);
        for (int i = 0; i < elements; ++i) {
          if (i > 0) text += ',' + whitespace();
          value(text, depth + 1);
        }
        text += ']';
        break;
      }
      default:
        object(text, depth);
        break;
    }
  }

  void number(std::string& text) {
    static const char* const kEdges[] = {
        "0",     "-0",      "1700000000", "253402300799", "253402300800",         "-1",
        "1e400", "-1e400",  "1e-400",     "0.5",          "9223372036854775807",  "1E+2",
        "1e-2",  "1.5e300", "4.9e-324",   "1700000000.5", "18446744073709551616", "-0.0e0"};
    if (chance(50)) {
      text += kEdges[below(18)];
      return;
    }
    if (chance(30)) text += '-';
    text += std::to_string(below(1000000));
    if (chance(30)) text += '.' + std::to_string(below(1000));
    if (chance(20))
      text +=
          std::string(chance(50) ? "e" : "E") + (chance(50) ? "-" : "") + std::to_string(below(30));
  }

  void string(std::string& text) {
    static const char* const kPieces[] = {"iss",
                                          "https://issuer.example",
                                          "\\\"",
                                          "\\\\",
                                          "\\/",
                                          "\\b\\f",
                                          "\\n\\r\\t",
                                          "\\u0041",
                                          "\\u00e9",
                                          "\\u20AC",
                                          "\\ud83d\\ude00",
                                          "\\u0000",
                                          "caf\xc3\xa9",
                                          "\xe2\x82\xac",
                                          "\xf0\x9f\x98\x80",
                                          "\xef\xbf\xbf",
                                          "orders-api",
                                          " ",
                                          "\\uDBFF\\uDFFF",
                                          "]}",
                                          ",:"};
    text += '"';
    const int pieces = below(4);
    for (int i = 0; i < pieces; ++i) text += kPieces[below(21)];
    text += '"';
  }

  std::mt19937 random_;
};

// Returns `text` with one to three random edits: a byte inserted, removed, replaced or
// repeated, or the text cut short.
std::string mutate(std::string text, std::mt19937& random) {
  static const std::string kBytes =
      std::string("{}[]:,\"\\ \t\n\r0123456789.eE+-truefalsnulx") +
      std::string("\0\x01\x1f\x7f\x80\xbf\xc0\xc2\xe0\xed\xf0\xf4\xf5\xff", 14);
  const auto below = [&](std::size_t limit) {
    return std::uniform_int_distribution<std::size_t>(0, limit - 1)(random);
  };
  const std::size_t edits = 1 + below(3);
  for (std::size_t i = 0; i < edits && !text.empty(); ++i) {
    const std::size_t at = below(text.size());
    switch (below(5)) {
      case 0:
        text.insert(at, 1, kBytes[below(kBytes.size())]);
        break;
      case 1:
        text.erase(at, 1);
        break;
      case 2:
        text[at] = kBytes[below(kBytes.size())];
        break;
      case 3:
        text.insert(at, text.substr(at, 1 + below(8)));
        break;
      default:
        text.resize(at);
        break;
    }
  }
  return text;
}

TEST(JsonFuzz, GeneratedAndMutatedDocumentsMatchNlohmann) {
  DocumentGenerator generator(20260104);
  int accepted = 0;
  int rejected = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::string document = generator.document();
    compare(document, accepted, rejected);
    for (int m = 0; m < 6; ++m) compare(mutate(document, generator.random()), accepted, rejected);
    if (::testing::Test::HasFatalFailure()) return;
  }
  // Both outcomes must be common, or the comparison would prove little.
  EXPECT_GT(accepted, 3000);
  EXPECT_GT(rejected, 3000);
}

TEST(JsonFuzz, RandomShortTextsMatchNlohmann) {
  std::mt19937 random(7);
  static const std::string kBytes = "{}[]:,\"\\ 01e-.tafn\"\"";
  int accepted = 0;
  int rejected = 0;
  for (int i = 0; i < 50000; ++i) {
    std::string text = "{";
    const std::size_t length = std::uniform_int_distribution<std::size_t>(0, 12)(random);
    for (std::size_t j = 0; j < length; ++j) {
      text += kBytes[std::uniform_int_distribution<std::size_t>(0, kBytes.size() - 1)(random)];
    }
    compare(text, accepted, rejected);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GT(accepted, 100);
  EXPECT_GT(rejected, 100);
}

}  // namespace
}  // namespace outbound::jwt
