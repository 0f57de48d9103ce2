#include "file_mail/settings.h"

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "outbound/near_miss.h"

namespace outbound::file_mail {
namespace {

using nlohmann::json;

// Adds a problem for every member of `root` other than "directory".
void check_names(const json& root, SettingProblems& problems) {
  const std::vector<std::string> known = {"directory"};
  for (auto member = root.begin(); member != root.end(); ++member) {
    const std::string& name = member.key();
    if (name == "directory") continue;
    const bool synonym = name == "dir" || name == "path" || name == "folder";
    const bool near_miss = synonym || suggest_near_miss(name, known).has_value();
    problems.add(append_json_pointer("", name), near_miss
                                                    ? "is unknown; did you mean /directory?"
                                                    : "is unknown; the only setting is directory");
  }
}

// Returns the absolute, lexically normal form of the `directory` value `text`.
std::optional<std::filesystem::path> resolve_directory(const std::string& text,
                                                       const PluginContext& context,
                                                       SettingProblems& problems) {
  std::filesystem::path directory(text);
  if (directory.is_relative()) {
    std::filesystem::path base(context.base_directory);
    if (base.empty()) {
      std::error_code error;
      base = std::filesystem::current_path(error);
      if (error) {
        problems.add("/directory", "is relative, and the current folder is unknown (" +
                                       error.message() + "); give an absolute path");
        return std::nullopt;
      }
    }
    directory = base / directory;
  }
  directory = directory.lexically_normal();
  // "out/" normalises to "out/", whose last element is empty; drop it.
  if (!directory.has_filename() && directory.has_relative_path()) {
    directory = directory.parent_path();
  }
  return directory;
}

}  // namespace

std::optional<Settings> parse_settings(const PluginContext& context, SettingProblems& problems) {
  const json root = json::parse(context.settings_json, nullptr, false);
  if (root.is_discarded() || !root.is_object()) {
    problems.add("", "must be a JSON object");
    return std::nullopt;
  }
  check_names(root, problems);

  const auto found = root.find("directory");
  if (found == root.end()) {
    problems.add("/directory",
                 "is missing; give the folder to write messages to, such as \"mail-out\" "
                 "(relative to the configuration file's folder) or an absolute path");
    return std::nullopt;
  }
  if (!found->is_string()) {
    problems.add("/directory", std::string("must be a string, not a JSON ") + found->type_name());
    return std::nullopt;
  }

  const std::string& text = found->get_ref<const std::string&>();
  if (text.empty()) {
    problems.add("/directory", "is empty; give the folder to write messages to");
    return std::nullopt;
  }
  if (text.find('\0') != std::string::npos) {
    problems.add("/directory", "contains a NUL character, which no path may contain");
    return std::nullopt;
  }

  std::optional<std::filesystem::path> directory = resolve_directory(text, context, problems);
  if (!directory || !problems.empty()) return std::nullopt;
  Settings settings;
  settings.directory = std::move(*directory);
  return settings;
}

Result<Settings> parse_settings(const PluginContext& context) {
  SettingProblems problems;
  std::optional<Settings> settings = parse_settings(context, problems);
  if (!settings) return problems.status();
  return std::move(*settings);
}

}  // namespace outbound::file_mail
