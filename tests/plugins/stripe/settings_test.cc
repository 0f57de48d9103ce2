#include "stripe/settings.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "outbound/setting_problems.h"

namespace outbound::stripe {
namespace {

// Builds a context the way the host does: credential-like strings move into `secrets` and
// read "[REDACTED]" in the JSON text.
PluginContext context_with(const std::string& settings_json, const char* api_key,
                           const char* webhook_secret = nullptr) {
  PluginContext context;
  context.settings_json = settings_json;
  if (api_key) context.secrets.emplace("/api_key", Secret::copy_of(api_key));
  if (webhook_secret) context.secrets.emplace("/webhook_secret", Secret::copy_of(webhook_secret));
  return context;
}

Status parse_error(const std::string& settings_json, const char* api_key = "sk_test_abc") {
  Result<Settings> settings = parse_settings(context_with(settings_json, api_key));
  EXPECT_FALSE(settings.ok()) << settings_json;
  return settings.ok() ? Status() : settings.status();
}

void expect_message(const Status& status, const std::string& part) {
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.reason(), "invalid_settings");
  EXPECT_NE(status.message().find(part), std::string::npos) << status.message();
}

TEST(StripeSettings, DefaultsWithOnlyAKey) {
  Result<Settings> settings =
      parse_settings(context_with(R"({"api_key":"[REDACTED]"})", "sk_test_abc"));
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->base_url, "https://api.stripe.com");
  EXPECT_EQ(settings->api_key.expose(), "sk_test_abc");
  EXPECT_EQ(settings->api_version, kDefaultApiVersion);
  EXPECT_TRUE(settings->webhook_secret.empty());
  EXPECT_EQ(settings->webhook_tolerance, std::chrono::seconds(300));
}

TEST(StripeSettings, ReadsEverySetting) {
  Result<Settings> settings = parse_settings(context_with(
      R"({"api_key":"[REDACTED]","base_url":"http://127.0.0.1:12111/","api_version":"2020-08-27",)"
      R"("webhook_secret":"[REDACTED]","webhook_tolerance_s":60,"ca_file":"ca.pem"})",
      "rk_test_abc", "whsec_abc"));
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->base_url, "http://127.0.0.1:12111");
  EXPECT_EQ(settings->api_version, "2020-08-27");
  EXPECT_EQ(settings->webhook_secret.expose(), "whsec_abc");
  EXPECT_EQ(settings->webhook_tolerance, std::chrono::seconds(60));
}

TEST(StripeSettings, PlainHttpOnlyForLoopback) {
  for (const char* url : {"http://localhost:8000", "http://127.0.0.1", "http://[::1]:9000",
                          "https://stripe.internal.example/v", "http://127.10.0.3:1"}) {
    const std::string json = std::string(R"({"api_key":"x","base_url":")") + url + "\"}";
    EXPECT_TRUE(parse_settings(context_with(json, "sk_test_abc")).ok()) << url;
  }
  expect_message(parse_error(R"({"api_key":"x","base_url":"http://api.stripe.com"})"),
                 "plain http is allowed only for a loopback host");
  expect_message(parse_error(R"({"api_key":"x","base_url":"http://127.0.0.1.evil.example"})"),
                 "plain http is allowed only for a loopback host");
  expect_message(parse_error(R"({"api_key":"x","base_url":"ftp://127.0.0.1"})"),
                 "not an http or https URL");
  expect_message(parse_error(R"({"api_key":"x","base_url":"https://u:p@api.stripe.com"})"),
                 "user name or password");
  expect_message(parse_error(R"({"api_key":"x","base_url":"https://api.stripe.com/?a=b"})"),
                 "remove the query");
  expect_message(parse_error(R"({"api_key":"x","base_url":"http://127.0.0.1:1?x=1"})"),
                 "remove the query");
  expect_message(parse_error(R"({"api_key":"x","base_url":"http://127.0.0.1:1#f"})"),
                 "remove the query");
}

TEST(StripeSettings, ChecksTheKeyWithoutQuotingIt) {
  expect_message(parse_error(R"({})", nullptr), "/api_key: is missing");
  const Status publishable = parse_error(R"({"api_key":"x"})", "pk_test_visiblepart");
  expect_message(publishable, "publishable key");
  EXPECT_EQ(publishable.message().find("visiblepart"), std::string::npos);
  expect_message(parse_error(R"({"api_key":"x"})", "sk_test_abc\n"), "whitespace");
  expect_message(parse_error(R"({"api_key":"x","base_url":"http://127.0.0.1:1"})", "sk_live_abc"),
                 "live key");
}

TEST(StripeSettings, RejectsBadValuesNamingThem) {
  expect_message(parse_error(R"({"api_key":"x","api_version":"latest"})"),
                 "/api_version: is \"latest\"");
  EXPECT_TRUE(parse_settings(context_with(R"({"api_key":"x","api_version":"2024-09-30.acacia"})",
                                          "sk_test_abc"))
                  .ok());
  expect_message(parse_error(R"({"api_key":"x","api_version":"2024-13-45"})"),
                 "/api_version: is \"2024-13-45\"");
  expect_message(parse_error(R"({"api_key":"x","webhook_tolerance_s":0})"),
                 "/webhook_tolerance_s: is 0");
  expect_message(parse_error(R"({"api_key":"x","webhook_tolerance_s":"300"})"),
                 "/webhook_tolerance_s");
  expect_message(parse_error(R"({"api_key":"x","base_url":5})"), "must be a string");
}

TEST(StripeSettings, UnknownKeysSuggestTheMeantOne) {
  expect_message(parse_error(R"({"api_key":"x","webhook_tolerance":300})"),
                 "did you mean /webhook_tolerance_s?");
  expect_message(parse_error(R"({"api_key":"x","secret_key":"y"})"), "did you mean /api_key?");
  expect_message(parse_error(R"({"api_key":"x","webhook_secert":"y"})"),
                 "did you mean /webhook_secret?");
  expect_message(parse_error(R"({"api_key":"x","colour":1})"), "the known settings are");
}

TEST(StripeSettings, ReportsEveryProblemAtOnce) {
  const Status status =
      parse_error(R"({"api_key":"x","base_url":"ftp://api.stripe.com","api_version":"latest",)"
                  R"("webhook_tolerance_s":0,"ca_file":"","colour":1})",
                  "pk_test_visiblepart");
  EXPECT_EQ(status.message().find("visiblepart"), std::string::npos);
  const auto problems = parse_setting_problems(status.message());
  ASSERT_TRUE(problems.has_value()) << status.message();
  std::vector<std::string> pointers;
  for (const SettingProblem& problem : *problems) pointers.push_back(problem.pointer);
  EXPECT_EQ(pointers, (std::vector<std::string>{"/colour", "/base_url", "/api_key", "/api_version",
                                                "/webhook_tolerance_s", "/ca_file"}));
  ASSERT_EQ(problems->size(), 6u);
  EXPECT_EQ((*problems)[0].problem.rfind("is unknown; the known settings are base_url", 0), 0u);
  EXPECT_NE((*problems)[1].problem.find("not an http or https URL"), std::string::npos);
  EXPECT_NE((*problems)[2].problem.find("publishable key"), std::string::npos);
  EXPECT_NE((*problems)[3].problem.find("not a Stripe API version"), std::string::npos);
  EXPECT_NE((*problems)[4].problem.find("from 1 to 86400"), std::string::npos);
  EXPECT_EQ((*problems)[5].problem, "is empty; give a value or remove it");
}

TEST(StripeSettings, UnknownBaseUrlSkipsTheLiveKeyCheck) {
  // Whether the URL is plain http is unknown, so only the URL is reported.
  const Status status =
      parse_error(R"({"api_key":"x","base_url":"http://127.0.0.1:1?x=1"})", "sk_live_abc");
  const auto problems = parse_setting_problems(status.message());
  ASSERT_TRUE(problems.has_value()) << status.message();
  ASSERT_EQ(problems->size(), 1u);
  EXPECT_EQ((*problems)[0].pointer, "/base_url");
}

}  // namespace
}  // namespace outbound::stripe
