#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "outbound/status.h"

namespace outbound::jwt {

/// The deepest nesting of objects and arrays accepted in a token's header or claims.
inline constexpr std::size_t kMaxJsonDepth = 32;

/// Parses `text` as one JSON object. Rejects invalid JSON, a value that is not an object,
/// nesting deeper than kMaxJsonDepth, and an object with two members of the same name, which
/// parsers resolve differently (RFC 7515 section 5.2 allows rejecting it). Returns
/// kInvalidArgument with a message that starts with what is wrong ("is not valid JSON: ...").
Result<nlohmann::json> parse_json_object(std::string_view text);

}  // namespace outbound::jwt
