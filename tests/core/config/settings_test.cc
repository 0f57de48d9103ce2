#include "config/settings.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace outbound::config {
namespace {

using nlohmann::json;
using testing::fake_environment;
using testing::minimal_config;
using testing::parse;
using testing::parse_text;
using testing::TemporaryFolder;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string exposed(const ClientConfig& client, const std::string& pointer) {
  const auto found = client.secrets.find(pointer);
  if (found == client.secrets.end()) return "<no secret at " + pointer + ">";
  return std::string(found->second.expose());
}

TEST(CredentialKey, MatchesTable) {
  struct Case {
    std::string key;
    bool expected;
  };
  const Case cases[] = {
      {"key", true},           {"KEY", true},          {"password", true},
      {"passwd", true},        {"secret", true},       {"token", true},
      {"passphrase", true},    {"apikey", true},       {"ApiKey", true},
      {"api_key", true},       {"api-key", true},      {"Signing-Key", true},
      {"client_secret", true}, {"access_token", true}, {"smtp_password", true},
      {"key_id", false},       {"api_key_id", false},  {"secret_id", false},
      {"token_url", false},    {"keys", false},        {"monkey", false},
      {"username", false},     {"tokens", false},      {"", false},
      {"_key", true},          {"passwords", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.key);
    EXPECT_EQ(is_credential_key(c.key), c.expected);
  }
}

TEST(ClientSettings, MovesCredentialLiteralsToSecrets) {
  json document = minimal_config();
  document["clients"]["auth"]["settings"] = json::parse(R"({
    "issuer": "https://issuer.example",
    "api_key": "sk_test_literal",
    "key_id": "kid-2024",
    "verification_keys": [
      {"key_id": "kid-1", "key": "first-key-pem"},
      {"key_id": "kid-2", "key": "second-key-pem"}
    ],
    "backup_token": ["token-one", "token-two"],
    "leeway_s": 30,
    "strict": true,
    "audience": null
  })");
  const Result<Config> config = parse(document);
  ASSERT_TRUE(config.ok()) << config.status();
  const ClientConfig& client = config->clients.at(0);

  EXPECT_EQ(client.secrets.size(), 5u);
  EXPECT_EQ(exposed(client, "/api_key"), "sk_test_literal");
  EXPECT_EQ(exposed(client, "/verification_keys/0/key"), "first-key-pem");
  EXPECT_EQ(exposed(client, "/verification_keys/1/key"), "second-key-pem");
  EXPECT_EQ(exposed(client, "/backup_token/0"), "token-one");
  EXPECT_EQ(exposed(client, "/backup_token/1"), "token-two");

  const json settings = json::parse(client.settings_json);
  EXPECT_EQ(settings["api_key"], "[REDACTED]");
  EXPECT_EQ(settings["key_id"], "kid-2024");
  EXPECT_EQ(settings["issuer"], "https://issuer.example");
  EXPECT_EQ(settings["verification_keys"][0]["key_id"], "kid-1");
  EXPECT_EQ(settings["verification_keys"][0]["key"], "[REDACTED]");
  EXPECT_EQ(settings["verification_keys"][1]["key"], "[REDACTED]");
  EXPECT_EQ(settings["backup_token"], json({"[REDACTED]", "[REDACTED]"}));
  EXPECT_EQ(settings["leeway_s"], 30);
  EXPECT_EQ(settings["strict"], true);
  EXPECT_TRUE(settings["audience"].is_null());
  EXPECT_FALSE(contains(client.settings_json, "sk_test_literal"));
  EXPECT_FALSE(contains(client.settings_json, "key-pem"));
}

TEST(ClientSettings, KeepsFileOrderOfKeys) {
  json document = minimal_config();
  const Result<Config> config = parse_text(R"({
    "plugin_dirs": ["p"],
    "clients": {"auth": {"plugin": "jwt-auth", "settings": {"zeta": 1, "alpha": 2}}}
  })");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->clients.at(0).settings_json, R"({"zeta":1,"alpha":2})");
}

TEST(ClientSettings, EveryReferenceBecomesSecret) {
  TemporaryFolder folder;
  folder.write("secrets/smtp_password", "file-password\n");
  json document = minimal_config();
  document["clients"]["auth"]["settings"] = {
      {"region", "${env:REGION}"},
      {"authorization", "Bearer ${env:TOKEN}"},
      {"smtp_password", "${file:secrets/smtp_password}"},
      {"template", "Hello $${name}"},
  };
  const auto environment = fake_environment({{"REGION", "eu-west-1"}, {"TOKEN", "env-token"}});
  const Result<Config> config =
      parse_config(document.dump(), folder.path() / "outbound.json", folder.path(), environment);
  ASSERT_TRUE(config.ok()) << config.status();
  const ClientConfig& client = config->clients.at(0);
  EXPECT_EQ(client.secrets.size(), 3u);
  EXPECT_EQ(exposed(client, "/region"), "eu-west-1");
  EXPECT_EQ(exposed(client, "/authorization"), "Bearer env-token");
  EXPECT_EQ(exposed(client, "/smtp_password"), "file-password");

  const json settings = json::parse(client.settings_json);
  EXPECT_EQ(settings["region"], "[REDACTED]");
  EXPECT_EQ(settings["authorization"], "[REDACTED]");
  EXPECT_EQ(settings["smtp_password"], "[REDACTED]");
  EXPECT_EQ(settings["template"], "Hello ${name}");
}

TEST(ClientSettings, PointersEscapeSlashAndTilde) {
  json document = minimal_config();
  document["clients"]["auth"]["settings"] = {{"headers", {{"x/api~key", "${env:HEADER}"}}}};
  const Result<Config> config = parse(document, fake_environment({{"HEADER", "header-value"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(exposed(config->clients.at(0), "/headers/x~1api~0key"), "header-value");
}

TEST(ClientSettings, SettingsKeysAreNotValidated) {
  json document = minimal_config();
  document["clients"]["auth"]["settings"] = {{"resilence", 1}, {"anything", {{"goes", true}}}};
  const Result<Config> config = parse(document);
  EXPECT_TRUE(config.ok()) << config.status();
}

TEST(ClientSettings, WarnsAboutShortSecrets) {
  json document = minimal_config();
  document["clients"]["auth"]["settings"] = {
      {"password", "x9q"}, {"token", "long-enough"}, {"pin_secret", ""}};
  const Result<Config> config = parse(document);
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->warnings.size(), 2u);
  EXPECT_TRUE(contains(config->warnings[0],
                       "/clients/auth/settings/password: secret is 3 "
                       "characters long"))
      << config->warnings[0];
  EXPECT_TRUE(contains(config->warnings[1], "/clients/auth/settings/pin_secret: secret is 0 "))
      << config->warnings[1];
  for (const auto& warning : config->warnings) {
    SCOPED_TRACE(warning);
    EXPECT_FALSE(contains(warning, "x9q"));
  }
}

TEST(ClientSettings, MissingVariableNamesItNotValues) {
  json document = minimal_config();
  document["clients"]["auth"]["settings"] = {
      {"api_key", "${env:STRIPE_API_KEY}"},
      {"token", "${env:PRESENT_TOKEN}"},
      {"password", "literal-password-value"},
  };
  const Result<Config> config =
      parse(document, fake_environment({{"PRESENT_TOKEN", "present-token-value"}}));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  const std::string& message = config.status().message();
  EXPECT_TRUE(contains(message,
                       "/clients/auth/settings/api_key: environment variable "
                       "\"STRIPE_API_KEY\" is not set"))
      << message;
  EXPECT_FALSE(contains(message, "present-token-value"));
  EXPECT_FALSE(contains(message, "literal-password-value"));
}

TEST(ClientSettings, ErrorsNeverContainCanary) {
  TemporaryFolder folder;
  folder.write("password.txt", "canary-XYZ-file\n");
  const std::string text = R"({
    "plugin_dirs": ["plugins"],
    "defaults": {"timeouts": {"total_ms": 0}},
    "clients": {
      "payments": {
        "plugin": "stripe",
        "api_kee": "canary-XYZ-misplaced",
        "settings": {
          "api_key": "canary-XYZ-literal",
          "token": "${env:CANARY_TOKEN}",
          "password": "${file:password.txt}",
          "webhook_secret": "canary-XYZ-${env:MISSING}",
          "signing_key": "canary-XYZ-unterminated ${env:CANARY_TOKEN",
          "mixed": "${vault:canary-XYZ-scheme}"
        },
        "resilience": {"retry": {"jitter": "ful", "max_retries": "3"}}
      },
      "bad id": {"plugin": "x", "settings": {"secret": "canary-XYZ-other"}}
    }
  })";
  const Result<Config> config =
      parse_config(text, folder.path() / "outbound.json", folder.path(),
                   fake_environment({{"CANARY_TOKEN", "canary-XYZ-env"}}));
  ASSERT_FALSE(config.ok());

  const std::string& message = config.status().message();
  // The misplaced key, the reference errors, the range error and the client id are reported.
  EXPECT_TRUE(contains(message, "/clients/payments/api_kee: unknown key")) << message;
  EXPECT_TRUE(contains(message, "environment variable \"MISSING\" is not set")) << message;
  EXPECT_TRUE(contains(message, "/clients/payments/settings/signing_key: unterminated")) << message;
  EXPECT_TRUE(contains(message, "/defaults/timeouts/total_ms")) << message;
  EXPECT_TRUE(contains(message, "/clients/bad id: invalid client id")) << message;
  EXPECT_TRUE(contains(message,
                       "/clients/payments/settings/mixed: unknown reference scheme "
                       "\"vault\""))
      << message;
  EXPECT_FALSE(contains(message, "canary")) << message;
  EXPECT_FALSE(contains(config.status().to_string(), "canary"));
}

TEST(ClientSettings, SyntaxErrorsNeverContainCanary) {
  const std::string prefix = R"({"plugin_dirs": ["p"], "clients": {"a": {"plugin": "x", )"
                             R"("settings": {"password": ")";
  const std::string cases[] = {
      prefix + "canary-XYZ-unterminated",
      prefix + "canary-XYZ-control\x01" + "\"}}}}",
      prefix + "canary-XYZ-bad-escape\\q\"}}}}",
      prefix + "canary-XYZ-ok\" canary-XYZ-after}}}}",
  };
  for (const auto& text : cases) {
    SCOPED_TRACE(text);
    const Result<Config> config = parse_text(text);
    ASSERT_FALSE(config.ok());
    EXPECT_TRUE(contains(config.status().message(), "invalid JSON")) << config.status();
    EXPECT_FALSE(contains(config.status().message(), "canary")) << config.status();
  }
}

}  // namespace
}  // namespace outbound::config
