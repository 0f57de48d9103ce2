#include "jwt_auth/json_object.h"

#include <string>

namespace outbound::jwt {

Result<nlohmann::json> parse_json_object(std::string_view text) {
  if (Status scanned = scan_json_object(text, nullptr); !scanned.ok()) return scanned;
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& error) {
    // The scanner accepts only what nlohmann::json accepts, so this is not expected.
    return Status::invalid_argument(std::string("is not valid JSON: ") + error.what());
  }
}

}  // namespace outbound::jwt
