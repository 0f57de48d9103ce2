// The jwks_url setting and the jwks_* settings that go with it.

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "jwt_auth/jwks_url.h"
#include "jwt_auth/settings.h"

namespace outbound::jwt {
namespace {

using nlohmann::json;

TEST(JwksUrl, AcceptsHttpsAndLoopbackHttp) {
  for (const char* url : {
           "https://issuer.example/.well-known/jwks.json",
           "HTTPS://Issuer.Example:8443/jwks?tenant=a",
           "https://[2001:db8::1]/jwks",
           "https://issuer.example",
           "http://127.0.0.1:8080/jwks.json",
           "http://127.1.2.3/jwks",
           "http://localhost/jwks",
           "http://LOCALHOST:1/jwks",
           "http://[::1]:9000/jwks",
       }) {
    SCOPED_TRACE(url);
    EXPECT_TRUE(check_jwks_url(url).ok()) << check_jwks_url(url);
  }
}

TEST(JwksUrl, RejectsUnsafeOrMalformedUrls) {
  const struct {
    const char* url;
    const char* expected_text;
  } cases[] = {
      {"issuer.example/jwks", "is not an absolute https URL"},
      {"ftp://issuer.example/jwks", "is not an absolute https URL"},
      {"file:///etc/jwks.json", "is not an absolute https URL"},
      {"http://issuer.example/jwks", "uses http with a host that is not a loopback address"},
      {"http://127.evil.example/jwks", "uses http with a host that is not a loopback address"},
      {"http://128.0.0.1/jwks", "not a loopback address"},
      {"http://[::2]/jwks", "not a loopback address"},
      {"https://user:pass@issuer.example/jwks", "contains user information"},
      {"https://issuer.example/jwks#keys", "has a fragment"},
      {"https://issuer.example:0/jwks", "has an invalid port"},
      {"https://issuer.example:65536/jwks", "has an invalid port"},
      {"https://issuer.example:/jwks", "has an invalid port"},
      {"https://issuer.example:http/jwks", "has an invalid port"},
      {"https:///jwks", "has no valid host name"},
      {"https://[::1/jwks", "without its ']'"},
      {"https://issuer example/jwks", "contains a space or a control character"},
      {"https://issuer.example/jw\nks", "contains a space or a control character"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    const Status checked = check_jwks_url(c.url);
    ASSERT_FALSE(checked.ok());
    EXPECT_EQ(checked.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(checked.message().find(c.expected_text), std::string::npos) << checked.message();
  }
}

TEST(JwksUrl, MessagesLeaveOutTheQueryString) {
  EXPECT_EQ(url_without_query("https://issuer.example/jwks?api_key=s3cret#x"),
            "https://issuer.example/jwks");
  const Status checked = check_jwks_url("http://issuer.example/jwks?api_key=s3cret");
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.message().find("s3cret"), std::string::npos) << checked.message();
  EXPECT_NE(checked.message().find("\"http://issuer.example/jwks\""), std::string::npos)
      << checked.message();
}

Result<Settings> parse(const json& settings) {
  PluginContext context;
  context.settings_json = settings.dump();
  return parse_settings(context);
}

TEST(JwksSettings, DefaultsAndOverrides) {
  Result<Settings> defaults = parse({{"jwks_url", "https://issuer.example/jwks"}});
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  ASSERT_TRUE(defaults->jwks.has_value());
  EXPECT_EQ(defaults->jwks->url, "https://issuer.example/jwks");
  EXPECT_EQ(defaults->jwks->cache, std::chrono::seconds(300));
  EXPECT_EQ(defaults->jwks->cache_min, std::chrono::seconds(60));
  EXPECT_EQ(defaults->jwks->cache_max, std::chrono::seconds(86400));
  EXPECT_EQ(defaults->jwks->refresh_cooldown, std::chrono::seconds(30));
  EXPECT_EQ(defaults->jwks->max_stale, std::chrono::seconds(86400));

  Result<Settings> custom = parse({{"jwks_url", "https://issuer.example/jwks"},
                                   {"jwks_cache_s", 120},
                                   {"jwks_cache_min_s", 10},
                                   {"jwks_cache_max_s", 600},
                                   {"jwks_refresh_cooldown_s", 5},
                                   {"jwks_max_stale_s", 900}});
  ASSERT_TRUE(custom.ok()) << custom.status();
  EXPECT_EQ(custom->jwks->cache, std::chrono::seconds(120));
  EXPECT_EQ(custom->jwks->cache_min, std::chrono::seconds(10));
  EXPECT_EQ(custom->jwks->cache_max, std::chrono::seconds(600));
  EXPECT_EQ(custom->jwks->refresh_cooldown, std::chrono::seconds(5));
  EXPECT_EQ(custom->jwks->max_stale, std::chrono::seconds(900));

  Result<Settings> none = parse({{"algorithm", "HS256"}});
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->jwks.has_value());
}

TEST(JwksSettings, ErrorsNameThePointerAndTheFix) {
  const json url = "https://issuer.example/jwks";
  const struct {
    const char* name;
    json settings;
    const char* expected_text;
  } cases[] = {
      {"url not a string", {{"jwks_url", 5}}, "/jwks_url: must be a string"},
      {"url empty", {{"jwks_url", ""}}, "/jwks_url: is empty"},
      {"url over http",
       {{"jwks_url", "http://issuer.example/jwks"}},
       "/jwks_url: is \"http://issuer.example/jwks\", which uses http"},
      {"cache without url",
       {{"jwks_cache_s", 60}},
       "/jwks_cache_s: applies to keys fetched from /jwks_url, which is missing; set "
       "/jwks_url or remove /jwks_cache_s"},
      {"cooldown without url",
       {{"jwks_refresh_cooldown_s", 60}},
       "remove /jwks_refresh_cooldown_s"},
      {"cache zero",
       {{"jwks_url", url}, {"jwks_cache_s", 0}},
       "/jwks_cache_s: is 0; it must be a whole number from 1 to 604800"},
      {"cooldown zero",
       {{"jwks_url", url}, {"jwks_refresh_cooldown_s", 0}},
       "/jwks_refresh_cooldown_s: is 0"},
      {"cache as string",
       {{"jwks_url", url}, {"jwks_cache_max_s", "60"}},
       "/jwks_cache_max_s: must be a whole number"},
      {"minimum above maximum",
       {{"jwks_url", url}, {"jwks_cache_min_s", 600}, {"jwks_cache_max_s", 60}},
       "/jwks_cache_min_s: is 600, more than /jwks_cache_max_s (60); lower it or raise "
       "/jwks_cache_max_s"},
      {"misspelt setting", {{"jwks_url", url}, {"jwks_cache", 60}}, "did you mean /jwks_cache_s?"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Result<Settings> parsed = parse(c.settings);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find(c.expected_text), std::string::npos)
        << parsed.status().message();
  }
}

}  // namespace
}  // namespace outbound::jwt
