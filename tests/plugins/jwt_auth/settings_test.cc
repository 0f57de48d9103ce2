// The jwt-auth settings and keys: every problem found in one pass, each under its own JSON
// pointer, and no problem that only follows from another.

#include "jwt_auth/settings.h"

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "jwt_auth/config.h"
#include "outbound/setting_problems.h"

namespace outbound::jwt {
namespace {

using nlohmann::json;

constexpr const char* kSecret = "a-hmac-secret-of-at-least-32-bytes!";

PluginContext make_context(const json& settings,
                           const std::map<std::string, std::string>& secrets = {}) {
  PluginContext context;
  context.client.id = "auth";
  context.settings_json = settings.dump();
  for (const auto& [pointer, value] : secrets) {
    context.secrets.emplace(pointer, Secret::copy_of(value));
  }
  return context;
}

// Returns the problems load_config() reports for `settings`.
std::vector<SettingProblem> problems_of(const json& settings,
                                        const std::map<std::string, std::string>& secrets = {}) {
  Result<JwtConfig> config = load_config(make_context(settings, secrets));
  EXPECT_FALSE(config.ok()) << settings.dump();
  if (config.ok()) return {};
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().reason(), "invalid_settings");
  std::optional<std::vector<SettingProblem>> problems =
      parse_setting_problems(config.status().message());
  EXPECT_TRUE(problems.has_value()) << config.status().message();
  return problems.value_or(std::vector<SettingProblem>{});
}

std::vector<std::string> pointers_of(const std::vector<SettingProblem>& problems) {
  std::vector<std::string> pointers;
  for (const SettingProblem& problem : problems) pointers.push_back(problem.pointer);
  return pointers;
}

TEST(JwtSettings, ReportsEveryProblemAtOnce) {
  const json settings = {{"algorithm", "HS256"},
                         {"signing_key", "[REDACTED]"},
                         {"leeway", 5},
                         {"ttl_s", 0},
                         {"audience", json::array({"api", ""})},
                         {"require_exp", "yes"},
                         {"max_token_bytes", 0},
                         {"jwks_cache_s", 60}};
  const std::vector<SettingProblem> problems =
      problems_of(settings, {{"/signing_key", "too-short"}});
  EXPECT_EQ(pointers_of(problems),
            (std::vector<std::string>{"/leeway", "/jwks_cache_s", "/audience/1", "/ttl_s",
                                      "/require_exp", "/max_token_bytes", "/signing_key"}));
  ASSERT_EQ(problems.size(), 7u);
  EXPECT_EQ(problems[0].problem, "is unknown; did you mean /leeway_s?");
  EXPECT_EQ(problems[1].problem.rfind("applies to keys fetched from /jwks_url", 0), 0u);
  EXPECT_EQ(problems[2].problem, "is empty; give a value or remove it");
  EXPECT_EQ(problems[3].problem.rfind("is 0; it must be a whole number from 1", 0), 0u);
  EXPECT_EQ(problems[4].problem, "must be true or false, not a JSON string");
  EXPECT_EQ(problems[5].problem.rfind("is 0; it must be a whole number from 1", 0), 0u);
  EXPECT_EQ(problems[6].problem.rfind("is 9 bytes long", 0), 0u);
  EXPECT_EQ(problems[6].problem.find("too-short"), std::string::npos);
}

TEST(JwtSettings, EveryVerificationKeyEntryIsChecked) {
  const json settings = {
      {"algorithm", "HS256"},
      {"verification_keys", json::array({{{"kid", "a"}, {"key", "[REDACTED]"}},
                                         "not an object",
                                         {{"key_id", "c"}},
                                         {{"key_id", "d"}, {"key", "[REDACTED]"}}})}};
  const std::vector<SettingProblem> problems = problems_of(
      settings, {{"/verification_keys/0/key", kSecret}, {"/verification_keys/3/key", "short"}});
  EXPECT_EQ(pointers_of(problems),
            (std::vector<std::string>{"/verification_keys/0/kid", "/verification_keys/1",
                                      "/verification_keys/2/key", "/verification_keys/3/key"}));
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(problems[0].problem, "is unknown; did you mean /verification_keys/0/key_id?");
  EXPECT_EQ(problems[2].problem, "is missing; give the HMAC secret, or the PEM public key");
  EXPECT_EQ(problems[3].problem.rfind("is 5 bytes long", 0), 0u);
}

TEST(JwtSettings, BadAlgorithmHidesTheProblemsItCauses) {
  // Without a valid /algorithm, neither the signing key nor a verification key without its own
  // algorithm can be checked, and "missing" problems about the algorithm would be wrong.
  const json settings = {
      {"algorithm", "HS257"},
      {"signing_key", "[REDACTED]"},
      {"verification_keys", json::array({{{"key_id", "a"}, {"key", "[REDACTED]"}}})}};
  const std::vector<SettingProblem> problems =
      problems_of(settings, {{"/signing_key", kSecret}, {"/verification_keys/0/key", "short"}});
  EXPECT_EQ(pointers_of(problems), (std::vector<std::string>{"/algorithm"}));
}

TEST(JwtSettings, BadJwksUrlHidesNoKey) {
  const std::vector<SettingProblem> problems =
      problems_of({{"jwks_url", "http://issuer.example/jwks"}, {"jwks_cache_s", 0}});
  EXPECT_EQ(pointers_of(problems), (std::vector<std::string>{"/jwks_url", "/jwks_cache_s"}));
}

TEST(JwtSettings, KeyIdWithoutSigningKeyAndTtlTogether) {
  // Both name the missing /signing_key, so no third problem reports that the client has no key.
  const std::vector<SettingProblem> problems =
      problems_of({{"algorithm", "HS256"}, {"key_id", "k1"}, {"ttl_s", 60}});
  EXPECT_EQ(pointers_of(problems), (std::vector<std::string>{"/key_id", "/ttl_s"}));
}

TEST(JwtSettings, NoKeyAtAll) {
  const std::vector<SettingProblem> problems = problems_of({{"issuer", "https://issuer.example"}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].pointer, "");
  EXPECT_EQ(problems[0].problem.rfind("jwt-auth has no key: set /signing_key", 0), 0u);
}

TEST(JwtSettings, NotAnObjectStopsEarly) {
  const std::vector<SettingProblem> problems = problems_of(json::array({1}));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].pointer, "");
  EXPECT_EQ(problems[0].problem, "must be a JSON object, but the text is a JSON array");
}

TEST(JwtSettings, ParseSettingsCollectsIntoTheCaller) {
  SettingProblems problems;
  std::optional<Settings> settings =
      parse_settings(make_context({{"issuer", ""}, {"leeway_s", -1}}), problems);
  ASSERT_TRUE(settings.has_value());
  EXPECT_EQ(problems.size(), 2u);
  EXPECT_TRUE(problems.contains("/issuer"));
  EXPECT_TRUE(problems.contains("/leeway_s"));
  EXPECT_EQ(settings->leeway_s, kDefaultLeewaySeconds);
}

}  // namespace
}  // namespace outbound::jwt
