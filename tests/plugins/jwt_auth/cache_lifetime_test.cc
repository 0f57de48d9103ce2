// The lifetime of a fetched JWK Set from Cache-Control and Age.

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "jwt_auth/cache_lifetime.h"

namespace outbound::jwt {
namespace {

using std::chrono::seconds;

TEST(CacheLifetime, ReadsCacheControlWithinLimits) {
  const CacheLimits limits{seconds(300), seconds(60), seconds(3600)};
  const struct {
    const char* name;
    HttpHeaders headers;
    std::int64_t expected_seconds;
    const char* expected_source;
  } cases[] = {
      {"no header", {}, 300, "jwks_cache_s"},
      {"max-age", {{"Cache-Control", "public, max-age=600"}}, 600, "max-age=600"},
      {"field name in lower case", {{"cache-control", "max-age=600"}}, 600, "max-age=600"},
      {"directive in upper case", {{"Cache-Control", "MAX-AGE=600"}}, 600, "max-age=600"},
      {"quoted value", {{"Cache-Control", "max-age=\"600\""}}, 600, "max-age=600"},
      {"spaces", {{"Cache-Control", " must-revalidate ,  max-age=600 "}}, 600, "max-age=600"},
      {"below the minimum", {{"Cache-Control", "max-age=5"}}, 60, "max-age=5 clamped to 60"},
      {"above the maximum", {{"Cache-Control", "max-age=86400"}}, 3600, "clamped to 3600"},
      {"huge", {{"Cache-Control", "max-age=99999999999999999999999"}}, 3600, "clamped to 3600"},
      {"max-age zero", {{"Cache-Control", "max-age=0"}}, 60, "max-age=0 clamped to 60"},
      {"no-cache", {{"Cache-Control", "no-cache, max-age=600"}}, 60, "no-cache"},
      {"no-store", {{"Cache-Control", "max-age=600, no-store"}}, 60, "no-store"},
      {"no-store in a second field",
       {{"Cache-Control", "max-age=600"}, {"Cache-Control", "no-store"}},
       60,
       "no-store"},
      {"Age subtracted",
       {{"Cache-Control", "max-age=600"}, {"Age", "100"}},
       500,
       "max-age=600 minus Age 100"},
      {"Age beyond max-age",
       {{"Cache-Control", "max-age=600"}, {"Age", "900"}},
       60,
       "minus Age 900 clamped to 60"},
      {"Age not a number", {{"Cache-Control", "max-age=600"}, {"Age", "soon"}}, 600, "max-age=600"},
      {"s-maxage alone", {{"Cache-Control", "s-maxage=600"}}, 300, "jwks_cache_s"},
      {"max-age not a number", {{"Cache-Control", "max-age=ten"}}, 300, "jwks_cache_s"},
      {"max-age negative", {{"Cache-Control", "max-age=-1"}}, 300, "jwks_cache_s"},
      {"max-age without value", {{"Cache-Control", "max-age"}}, 300, "jwks_cache_s"},
      {"two different max-age",
       {{"Cache-Control", "max-age=600, max-age=60"}},
       300,
       "jwks_cache_s"},
      {"two equal max-age", {{"Cache-Control", "max-age=600, max-age=600"}}, 600, "max-age=600"},
      {"Expires ignored", {{"Expires", "Thu, 01 Jan 2099 00:00:00 GMT"}}, 300, "jwks_cache_s"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const CacheLifetime lifetime = cache_lifetime(c.headers, limits);
    EXPECT_EQ(lifetime.ttl.count(), c.expected_seconds);
    EXPECT_NE(lifetime.source.find(c.expected_source), std::string::npos) << lifetime.source;
  }
}

TEST(CacheLifetime, FallbackIsNotClamped) {
  const CacheLimits limits{seconds(10), seconds(60), seconds(3600)};
  EXPECT_EQ(cache_lifetime({}, limits).ttl, seconds(10));
}

}  // namespace
}  // namespace outbound::jwt
