#include "http/url.h"

#include <gtest/gtest.h>

namespace outbound::http {
namespace {

TEST(ParseUrl, SplitsOriginAndTarget) {
  Result<Url> url = parse_url("HTTPS://API.Example.com/v1/charges?limit=3#top");
  ASSERT_TRUE(url.ok()) << url.status().to_string();
  EXPECT_EQ(url->origin.scheme, "https");
  EXPECT_EQ(url->origin.host, "api.example.com");
  EXPECT_EQ(url->origin.port, 443);
  EXPECT_EQ(url->target, "/v1/charges?limit=3");
  EXPECT_EQ(url->origin.host_header(), "api.example.com");
  EXPECT_EQ(url->for_log(), "https://api.example.com/v1/charges?...");
}

TEST(ParseUrl, ReadsPortsAndIpv6) {
  Result<Url> plain = parse_url("http://127.0.0.1:8089");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->origin.port, 8089);
  EXPECT_EQ(plain->target, "/");
  EXPECT_EQ(plain->origin.host_header(), "127.0.0.1:8089");
  Result<Url> v6 = parse_url("http://[::1]:9000/x");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->origin.host, "::1");
  EXPECT_EQ(v6->origin.host_header(), "[::1]:9000");
  EXPECT_EQ(v6->origin.key(), "http://[::1]:9000");
  Result<Url> query_only = parse_url("http://h?x=1");
  ASSERT_TRUE(query_only.ok());
  EXPECT_EQ(query_only->target, "/?x=1");
}

TEST(ParseUrl, RefusesWhatCannotBeSentSafely) {
  for (const char* text : {"", "ftp://host/", "api.example.com/v1", "http://user:pw@host/",
                           "http://host:0/", "http://host:65536/", "http://host:12x/",
                           "http://ho st/", "http://host/a\r\nb", "http:///path", "http://[::1/"}) {
    Result<Url> url = parse_url(text);
    EXPECT_FALSE(url.ok()) << text;
    if (!url.ok()) {
      EXPECT_EQ(url.status().code(), StatusCode::kInvalidArgument) << text;
    }
  }
}

TEST(ParseUrl, UserInformationMessageDoesNotQuoteFixWrongly) {
  Result<Url> url = parse_url("https://user:secret@host/");
  ASSERT_FALSE(url.ok());
  EXPECT_NE(url.status().message().find("header"), std::string::npos);
}

TEST(ResolveLocation, HandlesEveryReferenceForm) {
  const Url base = parse_url("https://a.example:8443/v1/things/1?x=2").value();
  EXPECT_EQ(resolve_location(base, "https://b.example/z")->origin.host, "b.example");
  Result<Url> scheme_relative = resolve_location(base, "//c.example/p");
  ASSERT_TRUE(scheme_relative.ok());
  EXPECT_EQ(scheme_relative->origin.scheme, "https");
  EXPECT_EQ(scheme_relative->origin.host, "c.example");
  Result<Url> absolute_path = resolve_location(base, "/other?q=1");
  ASSERT_TRUE(absolute_path.ok());
  EXPECT_EQ(absolute_path->origin, base.origin);
  EXPECT_EQ(absolute_path->target, "/other?q=1");
  EXPECT_EQ(resolve_location(base, "2")->target, "/v1/things/2");
  EXPECT_EQ(resolve_location(base, "../list")->target, "/v1/list");
  EXPECT_EQ(resolve_location(base, "../../../../top")->target, "/top");
  EXPECT_EQ(resolve_location(base, "./")->target, "/v1/things/");
  EXPECT_FALSE(resolve_location(base, "").ok());
  EXPECT_FALSE(resolve_location(base, "a b").ok());
}

TEST(LoopbackHost, KnowsLoopbackNames) {
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.8.0.1"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_FALSE(is_loopback_host("api.stripe.com"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
  EXPECT_FALSE(is_loopback_host("127.evil.example"));
  EXPECT_FALSE(is_loopback_host("127.0.0.1.evil.example"));
  EXPECT_FALSE(is_loopback_host("127.0.0.256"));
}

}  // namespace
}  // namespace outbound::http
