#include "jwt_auth/json_object.h"

#include <set>
#include <string>
#include <vector>

namespace outbound::jwt {

Result<nlohmann::json> parse_json_object(std::string_view text) {
  // The callback receives every member name and keeps the names of each open object on a stack.
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  bool too_deep = false;
  const auto check_structure = [&](int depth, nlohmann::json::parse_event_t event,
                                   nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (static_cast<std::size_t>(depth) > kMaxJsonDepth) too_deep = true;
    if (event == Event::object_start) {
      open_objects.emplace_back();
    } else if (event == Event::object_end) {
      if (!open_objects.empty()) open_objects.pop_back();
    } else if (event == Event::key && !open_objects.empty()) {
      const auto& name = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(name).second && duplicate.empty()) duplicate = name;
    }
    return true;
  };

  nlohmann::json value;
  try {
    value = nlohmann::json::parse(text.begin(), text.end(), check_structure);
  } catch (const nlohmann::json::exception& error) {
    return Status::invalid_argument(std::string("is not valid JSON: ") + error.what());
  }
  if (!value.is_object()) {
    return Status::invalid_argument(std::string("is a JSON ") + value.type_name() +
                                    ", not an object");
  }
  if (too_deep) {
    return Status::invalid_argument("nests objects or arrays deeper than " +
                                    std::to_string(kMaxJsonDepth) + " levels");
  }
  if (!duplicate.empty()) {
    return Status::invalid_argument("has the member \"" + duplicate.substr(0, 64) +
                                    "\" more than once");
  }
  return value;
}

}  // namespace outbound::jwt
