#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "config/config.h"

namespace outbound::config::testing {

/// The file name parse_config is given in tests; messages start with it.
inline const std::filesystem::path kTestFile = "/etc/outbound/outbound.json";

/// Returns an Environment that reads `variables` instead of the process environment.
Environment fake_environment(std::map<std::string, std::string> variables = {});

/// Returns the smallest valid configuration: one plugin folder and one client.
nlohmann::json minimal_config();

/// Parses `document` as if it were kTestFile.
Result<Config> parse(const nlohmann::json& document, const Environment& environment = {});

/// Parses `text` as if it were kTestFile.
Result<Config> parse_text(std::string_view text, const Environment& environment = {});

/// TemporaryFolder is a folder made with mkdtemp and removed with its content on destruction.
class TemporaryFolder {
 public:
  TemporaryFolder();
  ~TemporaryFolder();
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }

  /// Writes `content` to `relative` inside the folder, creating folders on the way, and
  /// returns the absolute path.
  std::filesystem::path write(const std::filesystem::path& relative,
                              std::string_view content) const;

 private:
  std::filesystem::path path_;
};

}  // namespace outbound::config::testing
