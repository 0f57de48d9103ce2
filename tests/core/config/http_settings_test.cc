#include "config/http_settings.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace outbound::config {
namespace {

using nlohmann::json;
using testing::minimal_config;
using testing::parse;
using testing::TemporaryFolder;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

json with_settings(json settings) {
  json document = minimal_config();
  document["clients"]["auth"]["settings"] = std::move(settings);
  return document;
}

TEST(HttpSettings, DefaultsWhenAbsent) {
  Result<Config> config = parse(minimal_config());
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  const HttpSettings& http = config->clients.at(0).http;
  EXPECT_EQ(http.max_connections_per_host, 10);
  EXPECT_EQ(http.idle_timeout.count(), 30000);
  EXPECT_LT(http.idle_timeout.count(), 60000);
  EXPECT_EQ(http.max_response_bytes, 8u * 1024 * 1024);
  EXPECT_TRUE(http.verify_tls);
  EXPECT_TRUE(http.ca_file.empty());
}

TEST(HttpSettings, ReadsValuesAndHidesThemFromThePlugin) {
  Result<Config> config = parse(with_settings({{"issuer", "me"},
                                               {"http",
                                                {{"max_connections_per_host", 4},
                                                 {"idle_timeout_ms", 5000},
                                                 {"max_response_bytes", 65536}}}}));
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  const ClientConfig& client = config->clients.at(0);
  EXPECT_EQ(client.http.max_connections_per_host, 4);
  EXPECT_EQ(client.http.idle_timeout.count(), 5000);
  EXPECT_EQ(client.http.max_response_bytes, 65536u);
  EXPECT_FALSE(contains(client.settings_json, "http")) << client.settings_json;
  EXPECT_TRUE(contains(client.settings_json, "issuer"));
}

TEST(HttpSettings, NamesEachBadValueAndItsFix) {
  Result<Config> config = parse(with_settings({{"http",
                                                {{"max_connections_per_host", 0},
                                                 {"idle_timeout_ms", "30s"},
                                                 {"max_response_bytes", 10},
                                                 {"verify_tls", "no"},
                                                 {"idle_timeout", 1}}}}));
  ASSERT_FALSE(config.ok());
  const std::string& message = config.status().message();
  EXPECT_TRUE(
      contains(message, "/clients/auth/settings/http/max_connections_per_host: 0 is out of range"))
      << message;
  EXPECT_TRUE(contains(message, "from 1 to 1024")) << message;
  EXPECT_TRUE(
      contains(message, "/clients/auth/settings/http/idle_timeout_ms: expected a whole number"))
      << message;
  EXPECT_TRUE(contains(message, "/clients/auth/settings/http/max_response_bytes")) << message;
  EXPECT_TRUE(contains(message, "/clients/auth/settings/http/verify_tls: expected true or false"))
      << message;
  EXPECT_TRUE(contains(message, "idle_timeout_ms")) << message;  // the near miss of idle_timeout
}

TEST(HttpSettings, HttpMustBeAnObject) {
  Result<Config> config = parse(with_settings({{"http", 5}}));
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.status().message(), "/clients/auth/settings/http"))
      << config.status().message();
}

TEST(HttpSettings, VerificationOffIsAWarning) {
  Result<Config> config = parse(with_settings({{"http", {{"verify_tls", false}}}}));
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  EXPECT_FALSE(config->clients.at(0).http.verify_tls);
  ASSERT_EQ(config->warnings.size(), 1u);
  EXPECT_TRUE(contains(config->warnings[0], "/clients/auth/settings/http/verify_tls"))
      << config->warnings[0];
  EXPECT_TRUE(contains(config->warnings[0], "TLS verification is off")) << config->warnings[0];
}

TEST(HttpSettings, CaFileMustExist) {
  TemporaryFolder folder;
  const auto bundle = folder.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  Result<Config> config = parse(with_settings({{"ca_file", bundle.string()}}));
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  EXPECT_EQ(config->clients.at(0).http.ca_file, bundle);
  EXPECT_TRUE(contains(config->clients.at(0).settings_json, "ca_file"));

  Result<Config> missing =
      parse(with_settings({{"ca_file", (folder.path() / "nope.pem").string()}}));
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(contains(missing.status().message(), "/clients/auth/settings/ca_file: the CA file"))
      << missing.status().message();
  EXPECT_TRUE(contains(missing.status().message(), "does not exist")) << missing.status().message();
}

TEST(HttpSettings, CanonicalTextChangesWithEverySetting) {
  HttpSettings a;
  HttpSettings b;
  EXPECT_EQ(canonical_json(a), canonical_json(b));
  b.idle_timeout = std::chrono::milliseconds(1);
  EXPECT_NE(canonical_json(a), canonical_json(b));
}

}  // namespace
}  // namespace outbound::config
