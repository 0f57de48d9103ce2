#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "jwt_auth/json_scanner.h"
#include "outbound/status.h"

namespace outbound::jwt {

/// Parses `text` as one JSON object into a document tree, with the rules of
/// scan_json_object(): strict JSON, no nesting deeper than kMaxJsonDepth, and no object with
/// two members of the same name. Returns kInvalidArgument with the scanner's message ("is not
/// valid JSON: ...") otherwise. Verification reads tokens with the scanner alone; this is for
/// the claims of an IssueRequest, which the signer extends.
Result<nlohmann::json> parse_json_object(std::string_view text);

}  // namespace outbound::jwt
