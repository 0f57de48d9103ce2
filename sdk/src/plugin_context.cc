#include "outbound/plugin_context.h"

#include <nlohmann/json.hpp>

namespace outbound {

Result<Secret> PluginContext::secret_setting(std::string_view pointer) const {
  const std::string key(pointer);
  if (auto found = secrets.find(key); found != secrets.end()) return found->second.clone();

  nlohmann::json settings;
  try {
    settings = nlohmann::json::parse(settings_json);
    const nlohmann::json::json_pointer path(key);
    if (!settings.contains(path)) {
      return Status::not_found("setting " + key + " is missing");
    }
    const nlohmann::json& value = settings.at(path);
    if (!value.is_string()) {
      return Status::invalid_argument("setting " + key + " must be a string");
    }
    std::string text = value.get<std::string>();
    return Secret(std::move(text));
  } catch (const nlohmann::json::exception& error) {
    return Status::invalid_argument("cannot read setting " + key + ": " + error.what());
  }
}

}  // namespace outbound
