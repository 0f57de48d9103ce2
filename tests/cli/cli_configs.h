#pragma once

// Configuration files for the end-to-end tests of the pay and mail commands. The including
// target defines OUTBOUND_PLUGIN_DIR, the folder of the built plugins, and
// OUTBOUND_STUB_PAYMENT_DIR, the folder of the stub payment plugins.

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace outbound::cli_testing {

/// Writes the configuration {"plugin_dirs": `plugin_dirs`, "clients": `clients`} to the file
/// `name` in `dir` and returns its path.
inline std::filesystem::path write_configuration(const testing::TempDir& dir,
                                                 const std::string& name,
                                                 const nlohmann::json& plugin_dirs,
                                                 const nlohmann::json& clients) {
  const nlohmann::json config = {{"plugin_dirs", plugin_dirs}, {"clients", clients}};
  const std::filesystem::path path = dir / name;
  testing::write_file(path, config.dump(2));
  return path;
}

/// Returns a jwt-auth client that signs and verifies HS256 tokens with a fixed test key.
inline nlohmann::json hs256_auth_client() {
  return {{"plugin", "jwt-auth"},
          {"settings",
           {{"algorithm", "HS256"}, {"signing_key", "cli-test-hmac-secret-0123456789abcdef"}}}};
}

/// Returns a client of the stub payment plugin `plugin` with `settings`. Without a state_file
/// setting, the stub keeps its objects in memory, so each command starts with none.
inline nlohmann::json stub_payment_client(const nlohmann::json& settings = nlohmann::json::object(),
                                          const std::string& plugin = "stub-payment") {
  return {{"plugin", plugin}, {"settings", settings}};
}

/// Writes a configuration whose only client is the stub payment client "payments", with
/// `settings`, to the file `name` in `dir` and returns its path.
inline std::filesystem::path write_payment_config(
    const testing::TempDir& dir, const nlohmann::json& settings = nlohmann::json::object(),
    const std::string& plugin = "stub-payment", const std::string& name = "config.json") {
  return write_configuration(dir, name, {OUTBOUND_STUB_PAYMENT_DIR},
                             {{"payments", stub_payment_client(settings, plugin)}});
}

}  // namespace outbound::cli_testing
