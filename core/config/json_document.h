#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "config/diagnostics.h"

namespace outbound::config {

/// The parsed configuration; objects keep the order of the file, so clients keep theirs.
using Json = nlohmann::ordered_json;

/// Objects and arrays nested deeper than this are rejected, which bounds the recursion of every
/// walk over the document. Real configurations nest about six levels.
inline constexpr int kMaxJsonDepth = 64;

/// Parses `text` as JSON. A syntax error is recorded with its line and column and returns
/// nullopt. Duplicate keys and nesting deeper than kMaxJsonDepth are recorded too, but the
/// document is still returned so that other problems can be reported with them.
std::optional<Json> parse_document(std::string_view text, Diagnostics& diagnostics);

/// Overwrites every string value in `document` with zeros, so that literal credentials do not
/// outlive the document in freed memory. Keys are left alone: they are names, not secrets.
void wipe_strings(Json& document);

/// Returns the JSON type of `value` for messages: "a string", "an object", "true", "null", or
/// the number itself ("5000.5").
std::string describe_value(const Json& value);

}  // namespace outbound::config
