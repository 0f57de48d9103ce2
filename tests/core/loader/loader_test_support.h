#pragma once

// Helpers shared by the loader's tests: fixture paths, temporary folders and client contexts.

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "loader/plugin_loader.h"
#include "outbound/plugin_context.h"

namespace outbound::loader::testing {

/// Returns the canonical folder of one fixture under OUTBOUND_FIXTURES_DIR ("good").
inline std::filesystem::path fixture_folder(std::string_view name) {
  return std::filesystem::weakly_canonical(std::filesystem::path(OUTBOUND_FIXTURES_DIR) / name);
}

/// Returns the canonical path of a fixture's library ("good", "good.so").
inline std::filesystem::path fixture_file(std::string_view folder, std::string_view file) {
  return fixture_folder(folder) / file;
}

/// TempFolder is a folder made by mkdtemp and removed with its contents on destruction.
class TempFolder {
 public:
  TempFolder() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "outbound-loader-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) {
      path_ = std::filesystem::canonical(pattern);
    }
  }
  ~TempFolder() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  /// The canonical path of the folder; empty when mkdtemp failed.
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Loads `folders` with a loader that logs nowhere.
inline Result<PluginCatalog> load_folders(const std::vector<std::filesystem::path>& folders,
                                          HostAbi host = HostAbi::current()) {
  return PluginLoader(nullptr, std::move(host)).load(folders);
}

/// Returns a context for an auth client of `plugin`, as the host would fill it in.
inline PluginContext auth_context(const LoadedPlugin& plugin) {
  PluginContext context;
  context.client.id = "test-client";
  context.client.kind = ClientKind::kAuth;
  context.client.plugin_name = plugin.description().name;
  context.client.plugin_version = plugin.description().version;
  context.client.plugin_file = plugin.description().file;
  return context;
}

}  // namespace outbound::loader::testing
