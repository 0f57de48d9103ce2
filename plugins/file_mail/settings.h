#pragma once

#include <filesystem>

#include "outbound/plugin_context.h"
#include "outbound/status.h"

namespace outbound::file_mail {

/// Settings are the `file-mail` plugin's validated settings.
struct Settings {
  /// The folder messages are written to: absolute and lexically normal.
  std::filesystem::path directory;
};

/// Reads and checks the settings of `context` without touching the file system. Returns
/// kInvalidArgument naming the setting's JSON pointer and the fix: `directory` is required, a
/// non-empty string without NUL; a relative path is resolved against the configuration file's
/// folder (PluginContext::base_directory). Unknown keys are errors.
Result<Settings> parse_settings(const PluginContext& context);

}  // namespace outbound::file_mail
