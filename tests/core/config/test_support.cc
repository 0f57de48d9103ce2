#include "test_support.h"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace outbound::config::testing {

Environment fake_environment(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    const auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

nlohmann::json minimal_config() {
  return {{"plugin_dirs", {"plugins"}}, {"clients", {{"auth", {{"plugin", "jwt-auth"}}}}}};
}

Result<Config> parse(const nlohmann::json& document, const Environment& environment) {
  return parse_text(document.dump(2), environment);
}

Result<Config> parse_text(std::string_view text, const Environment& environment) {
  return parse_config(text, kTestFile, kTestFile.parent_path(),
                      environment ? environment : fake_environment());
}

TemporaryFolder::TemporaryFolder() {
  std::string pattern = (std::filesystem::temp_directory_path() / "outbound-config-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  }
  path_ = pattern;
}

TemporaryFolder::~TemporaryFolder() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path TemporaryFolder::write(const std::filesystem::path& relative,
                                             std::string_view content) const {
  const std::filesystem::path file = path_ / relative;
  std::filesystem::create_directories(file.parent_path());
  std::ofstream stream(file, std::ios::binary | std::ios::trunc);
  stream.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!stream) throw std::runtime_error("cannot write " + file.string());
  return file;
}

}  // namespace outbound::config::testing
