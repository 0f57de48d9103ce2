#pragma once

#include <filesystem>
#include <optional>

#include "outbound/plugin_context.h"
#include "outbound/setting_problems.h"
#include "outbound/status.h"

namespace outbound::file_mail {

/// Settings are the `file-mail` plugin's validated settings.
struct Settings {
  /// The folder messages are written to: absolute and lexically normal.
  std::filesystem::path directory;
};

/// Reads and checks the settings of `context` without touching the file system, adding each
/// problem found to `problems`: `directory` is required, a non-empty string without NUL; a
/// relative path is resolved against the configuration file's folder
/// (PluginContext::base_directory). Unknown keys are problems. Returns nullopt when any
/// problem was found.
std::optional<Settings> parse_settings(const PluginContext& context, SettingProblems& problems);

/// Like the overload above, and returns kInvalidArgument with reason "invalid_settings" and
/// one line per problem (see SettingProblems::status) when any was found.
Result<Settings> parse_settings(const PluginContext& context);

}  // namespace outbound::file_mail
