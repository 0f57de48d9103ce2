#include "file_mail/settings.h"

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace outbound::file_mail {
namespace {

using nlohmann::json;

Status invalid(std::string_view pointer, const std::string& problem) {
  return Status::invalid_argument("file-mail setting " + std::string(pointer) + " " + problem);
}

}  // namespace

Result<Settings> parse_settings(const PluginContext& context) {
  const json root = json::parse(context.settings_json, nullptr, false);
  if (root.is_discarded() || !root.is_object()) {
    return Status::invalid_argument("file-mail settings must be a JSON object");
  }
  for (auto member = root.begin(); member != root.end(); ++member) {
    if (member.key() == "directory") continue;
    const bool near_miss = member.key() == "dir" || member.key() == "path" ||
                           member.key() == "folder" || member.key() == "Directory";
    return invalid("/" + member.key(), near_miss ? "is unknown; did you mean /directory?"
                                                 : "is unknown; the only setting is directory");
  }
  const auto found = root.find("directory");
  if (found == root.end()) {
    return invalid("/directory",
                   "is missing; give the folder to write messages to, such as \"mail-out\" "
                   "(relative to the configuration file's folder) or an absolute path");
  }
  if (!found->is_string()) {
    return invalid("/directory", std::string("must be a string, not a JSON ") + found->type_name());
  }
  const std::string& text = found->get_ref<const std::string&>();
  if (text.empty()) return invalid("/directory", "is empty; give the folder to write messages to");
  if (text.find('\0') != std::string::npos) {
    return invalid("/directory", "contains a NUL character, which no path may contain");
  }

  std::filesystem::path directory(text);
  if (directory.is_relative()) {
    std::filesystem::path base(context.base_directory);
    if (base.empty()) {
      std::error_code error;
      base = std::filesystem::current_path(error);
      if (error) {
        return invalid("/directory", "is relative, and the current folder is unknown (" +
                                         error.message() + "); give an absolute path");
      }
    }
    directory = base / directory;
  }
  Settings settings;
  settings.directory = directory.lexically_normal();
  // "out/" normalises to "out/", whose last element is empty; drop it.
  if (!settings.directory.has_filename() && settings.directory.has_relative_path()) {
    settings.directory = settings.directory.parent_path();
  }
  return settings;
}

}  // namespace outbound::file_mail
