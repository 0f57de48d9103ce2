#pragma once

// Readers for the values of a JSON document that scan_json_object() has validated. They do
// not check the text again, so they must not be given text that was not validated.

#include <string>
#include <string_view>

#include "jwt_auth/json_scanner.h"

namespace outbound::jwt {

/// Returns the content of the JSON string `text` (with its quotes) with escapes replaced by
/// the UTF-8 bytes they stand for. Without escapes the result points into `text`; with them,
/// it is decoded into `storage` and points there.
std::string_view json_string_content(std::string_view text, std::string& storage);

/// Appends `content`, the text between the quotes of a JSON string, to `out` with escapes
/// replaced by the UTF-8 bytes they stand for.
void append_unescaped(std::string_view content, std::string& out);

/// Returns the JSON number `text` as a double, as strtod() rounds it in the "C" locale:
/// magnitudes beyond the double range give an infinity, tiny ones 0 or a subnormal. This is the
/// value nlohmann::json's get<double>() returns for the same text.
double json_number_value(std::string_view text);

/// JsonArrayReader steps through the elements of a JSON array `text`.
class JsonArrayReader {
 public:
  explicit JsonArrayReader(std::string_view text);

  /// Sets `element` to the next element and returns true, or returns false after the last.
  bool next(JsonValue& element);

 private:
  const char* position_;
  const char* end_;
};

}  // namespace outbound::jwt
