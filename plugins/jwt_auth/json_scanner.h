#pragma once

// A strict single-pass JSON scanner for token headers and payloads. It validates a whole
// document and hands the members of the top-level object to a handler, without building a
// document tree, so verification reads the few members it needs at the cost of one pass.

#include <cstddef>
#include <string_view>

#include "outbound/status.h"

namespace outbound::jwt {

/// The deepest nesting of objects and arrays accepted in a token's header or claims. The
/// top-level object is the first level, so `{"a":[{}]}` nests 3 levels.
inline constexpr std::size_t kMaxJsonDepth = 32;

/// JsonType is the type of a JSON value.
enum class JsonType { kNull, kBoolean, kNumber, kString, kArray, kObject };

/// Returns the name of `type` as nlohmann::json::type_name() spells it ("string", "boolean").
std::string_view json_type_name(JsonType type);

/// JsonValue is one value of a validated JSON document: its type and its JSON text exactly as
/// written, pointing into the document.
struct JsonValue {
  JsonType type = JsonType::kNull;
  /// The text of the value: a string with its quotes and escapes, a number as written.
  std::string_view text;
};

/// JsonMemberHandler receives the members of the top-level object from scan_json_object().
class JsonMemberHandler {
 public:
  /// Receives one member: `name` unescaped, `value` pointing into the document. Both views
  /// stay valid while the document text does, except that an unescaped name with escapes in
  /// the document lives only until scan_json_object() returns.
  virtual void member(std::string_view name, const JsonValue& value) = 0;

 protected:
  ~JsonMemberHandler() = default;
};

/// Scans `text` as one JSON object and passes each member of that object, in document order,
/// to `handler` (which may be null). The text must be strict JSON (RFC 8259). So it may not
/// have a byte order mark, comments, trailing commas, or bytes outside a value other than
/// space, tab, CR and LF. Strings must be well-formed UTF-8 with control characters escaped,
/// and every \u escape a valid code point, with a surrogate only in a high-low pair. Numbers
/// follow the grammar of RFC 8259 section 6 and stay within the range of a double.
///
/// The scan also rejects nesting deeper than kMaxJsonDepth, and an object, at any depth, with
/// two members of the same name after unescaping. Parsers resolve repeated names differently,
/// and RFC 7515 section 5.2 allows rejecting them. Under these rules it accepts exactly the
/// objects nlohmann::json 3.11 accepts, except two that are not strict JSON: nlohmann::json
/// skips a byte order mark, and it stops at a NUL byte after the value.
///
/// Returns kInvalidArgument with a message that starts with what is wrong: "is not valid JSON:
/// ...", "is a JSON array, not an object", "nests objects or arrays deeper than 32 levels" or
/// "has the member \"x\" more than once". The handler may have received members of a
/// document that is then rejected.
Status scan_json_object(std::string_view text, JsonMemberHandler* handler);

}  // namespace outbound::jwt
