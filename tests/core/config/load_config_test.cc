#include <gtest/gtest.h>

#include "config/config.h"
#include "test_support.h"

namespace outbound::config {
namespace {

using testing::fake_environment;
using testing::TemporaryFolder;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(LoadConfig, MissingFileIsNotFound) {
  TemporaryFolder folder;
  const auto path = folder.path() / "absent.json";
  const Result<Config> config = load_config(path, fake_environment());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(contains(config.status().message(), path.string() + ": configuration file not found"))
      << config.status();
}

TEST(LoadConfig, FolderIsInvalidArgument) {
  TemporaryFolder folder;
  const Result<Config> config = load_config(folder.path(), fake_environment());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(contains(config.status().message(), "not a regular file")) << config.status();
}

TEST(LoadConfig, ResolvesPathsAgainstFileFolder) {
  TemporaryFolder folder;
  folder.write("etc/secrets/stripe_key", "sk_test_from_file\r\n");
  const auto file = folder.write("etc/outbound.json", R"({
    "_comment": "Loaded from disk.",
    "plugin_dirs": ["../build/plugins", "plugins"],
    "logging": {"level": "debug", "format": "json"},
    "clients": {
      "payments": {
        "plugin": "stripe",
        "settings": {"api_key": "${file:secrets/stripe_key}", "account": "acct_1"}
      }
    }
  })");
  const Result<Config> config = load_config(file, fake_environment());
  ASSERT_TRUE(config.ok()) << config.status();

  EXPECT_EQ(config->file, file);
  EXPECT_EQ(config->base_directory, folder.path() / "etc");
  ASSERT_EQ(config->plugin_dirs.size(), 2u);
  EXPECT_EQ(config->plugin_dirs[0], folder.path() / "build" / "plugins");
  EXPECT_EQ(config->plugin_dirs[1], folder.path() / "etc" / "plugins");
  EXPECT_EQ(config->logging.level, "debug");
  EXPECT_EQ(config->logging.format, "json");

  ASSERT_EQ(config->clients.size(), 1u);
  const ClientConfig& client = config->clients[0];
  EXPECT_EQ(client.id, "payments");
  EXPECT_EQ(client.plugin, "stripe");
  ASSERT_EQ(client.secrets.count("/api_key"), 1u);
  EXPECT_EQ(client.secrets.at("/api_key").expose(), "sk_test_from_file");
  EXPECT_EQ(client.settings_json, R"({"api_key":"[REDACTED]","account":"acct_1"})");
  EXPECT_TRUE(config->warnings.empty());
}

TEST(LoadConfig, RelativeConfigPathBecomesAbsolute) {
  TemporaryFolder folder;
  folder.write("outbound.json",
               R"({"plugin_dirs": ["plugins"], "clients": {"a": {"plugin": "x"}}})");
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(folder.path());
  const Result<Config> config = load_config("./outbound.json", fake_environment());
  std::filesystem::current_path(previous);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->file, folder.path() / "outbound.json");
  EXPECT_EQ(config->plugin_dirs.at(0), folder.path() / "plugins");
}

TEST(LoadConfig, ErrorLinesNameTheFile) {
  TemporaryFolder folder;
  const auto file = folder.write("bad.json", "{\"plugin_dirs\": [\"p\"], \"clients\": {}}");
  const Result<Config> config = load_config(file, fake_environment());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            file.string() +
                ": /clients: no clients are defined; add at least one client, as in "
                "\"auth\": {\"plugin\": \"jwt-auth\"}");
}

}  // namespace
}  // namespace outbound::config
