// The jwt-auth client with jwks_url, driven through an in-process HTTP transport and a clock
// the tests move. They cover caching by max-age or jwks_cache_s, the refetch on an unknown kid
// behind the cooldown, the last good keys kept through failures, and health_check()'s fetch.

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "jwks_test_support.h"
#include "jwt_auth/jwks_cache.h"
#include "jwt_auth/jwt_auth.h"
#include "test_support.h"

namespace outbound::jwt {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using testing::CountingMetrics;
using testing::FakeTransport;
using testing::jwk_set;
using testing::LogCapture;
using testing::public_jwk;
using testing::SteppingClock;
using testing::test_key_pair;

constexpr std::int64_t kStart = 1700000000;
constexpr char kUrl[] = "https://issuer.example/jwks?tenant=secret-tenant";
constexpr char kUrlInMessages[] = "https://issuer.example/jwks";

class JwksClient : public ::testing::Test {
 protected:
  std::unique_ptr<JwtAuth> open(json settings = json::object(),
                                const std::map<std::string, std::string>& secrets = {}) {
    if (!settings.contains("jwks_url")) settings["jwks_url"] = kUrl;
    PluginContext context;
    context.client.id = "auth";
    context.client.kind = ClientKind::kAuth;
    context.client.plugin_name = "jwt-auth";
    context.settings_json = settings.dump();
    for (const auto& [pointer, value] : secrets) {
      context.secrets.emplace(pointer, Secret::copy_of(value));
    }
    context.clock = clock;
    context.http = transport;
    context.metrics = metrics;
    context.logger = log.logger();
    Result<std::unique_ptr<JwtAuth>> created = JwtAuth::create(context);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? std::move(created).value() : nullptr;
  }

  // Serves a JWK Set with the public keys of the named test keys, and extra header fields.
  void serve_keys(const std::vector<std::pair<Algorithm, std::string>>& keys,
                  HttpHeaders headers = {}) {
    std::vector<json> jwks;
    for (const auto& [algorithm, kid] : keys) {
      jwks.push_back(public_jwk(test_key_pair(algorithm, variant_of(kid)).signing, kid,
                                std::string(algorithm_name(algorithm))));
    }
    transport->serve(jwk_set(jwks), 200, std::move(headers));
  }

  // Returns a token signed by the test key named `kid`, valid for a day from now.
  std::string token(Algorithm algorithm, const std::string& kid) {
    Result<Key> key =
        Key::signing_key(algorithm, test_key_pair(algorithm, variant_of(kid)).signing);
    EXPECT_TRUE(key.ok()) << key.status();
    json header = {{"alg", algorithm_name(algorithm)}};
    if (!kid.empty()) header["kid"] = kid;
    const std::int64_t now =
        std::chrono::duration_cast<seconds>(clock->now().time_since_epoch()).count();
    const json claims = {{"sub", "user-1"}, {"exp", now + 86400}};
    return testing::sign_token(*key, header.dump(), claims.dump());
  }

  Result<VerifiedToken> verify(JwtAuth& auth, const std::string& token,
                               const CallContext& context = CallContext{}) {
    return auth.verify(context, VerifyRequest{token});
  }

  void advance(seconds step) { clock->advance(step); }

  // Each kid names its own key: "a" is variant 0, "b" variant 1, and so on.
  static int variant_of(const std::string& kid) { return kid.empty() ? 0 : kid[0] - 'a'; }

  std::shared_ptr<SteppingClock> clock = std::make_shared<SteppingClock>(kStart);
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  std::shared_ptr<CountingMetrics> metrics = std::make_shared<CountingMetrics>();
  LogCapture log;
};

void expect_unavailable(const Result<VerifiedToken>& verified, const std::string& cause) {
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(verified.status().reason(), kJwksUnavailableReason);
  // Within the cooldown another attempt would not fetch again, so the host must not retry.
  EXPECT_FALSE(verified.status().retryable());
  EXPECT_NE(verified.status().message().find(kUrlInMessages), std::string::npos)
      << verified.status().message();
  EXPECT_EQ(verified.status().message().find("secret-tenant"), std::string::npos)
      << verified.status().message();
  EXPECT_NE(verified.status().message().find(cause), std::string::npos)
      << verified.status().message();
}

TEST_F(JwksClient, OpeningMakesNoRequest) {
  serve_keys({{Algorithm::kEs256, "a"}});
  auto auth = open();
  ASSERT_NE(auth, nullptr);
  EXPECT_EQ(transport->sends(), 0);
  EXPECT_NE(log.text().find("the JWK Set at https://issuer.example/jwks, fetched on first use"),
            std::string::npos)
      << log.text();
}

TEST_F(JwksClient, FirstUseSendsGetWithCallContext) {
  serve_keys({{Algorithm::kEs256, "a"}});
  auto auth = open();
  ASSERT_NE(auth, nullptr);
  CallContext context;
  context.request_id = "req-1";
  context.deadline = clock->steady_now() + seconds(5);
  context.attempt_deadline = clock->steady_now() + seconds(2);

  Result<VerifiedToken> verified = verify(*auth, token(Algorithm::kEs256, "a"), context);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->key_id, "a");
  EXPECT_EQ(verified->algorithm, "ES256");

  const std::vector<testing::RecordedRequest> requests = transport->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].request.method, "GET");
  EXPECT_EQ(requests[0].request.url, kUrl);
  EXPECT_EQ(find_header(requests[0].request.headers, "accept"), "application/json");
  EXPECT_TRUE(requests[0].request.replay_safe);
  EXPECT_FALSE(requests[0].request.follow_redirects);
  EXPECT_TRUE(requests[0].request.body.empty());
  EXPECT_EQ(requests[0].context.request_id, "req-1");
  EXPECT_EQ(requests[0].context.deadline, context.deadline);
  EXPECT_EQ(requests[0].context.attempt_deadline, context.attempt_deadline);
  EXPECT_EQ(metrics->count("outbound.jwt.jwks.fetches,result=ok,trigger=first_use"), 1);
}

TEST_F(JwksClient, ParsesOncePerFetch) {
  serve_keys({{Algorithm::kEs256, "a"}, {Algorithm::kRs256, "b"}});
  auto auth = open();
  ASSERT_NE(auth, nullptr);
  const std::string es256 = token(Algorithm::kEs256, "a");
  const std::string rs256 = token(Algorithm::kRs256, "b");
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(verify(*auth, i % 2 == 0 ? es256 : rs256).ok());
  }
  EXPECT_EQ(transport->sends(), 1);
  EXPECT_EQ(metrics->total("outbound.jwt.jwks.fetches"), 1);
  EXPECT_EQ(metrics->count("outbound.jwt.verifications,result=ok"), 50);
}

TEST_F(JwksClient, RespectsMaxAge) {
  serve_keys({{Algorithm::kEs256, "a"}}, {{"Cache-Control", "public, max-age=600"}});
  auto auth = open({{"jwks_cache_s", 60}});
  ASSERT_NE(auth, nullptr);
  const std::string signed_token = token(Algorithm::kEs256, "a");
  ASSERT_TRUE(verify(*auth, signed_token).ok());
  EXPECT_EQ(transport->sends(), 1);

  advance(seconds(599));
  ASSERT_TRUE(verify(*auth, signed_token).ok());
  EXPECT_EQ(transport->sends(), 1);

  advance(seconds(1));
  ASSERT_TRUE(verify(*auth, signed_token).ok());
  EXPECT_EQ(transport->sends(), 2);
  EXPECT_EQ(metrics->count("outbound.jwt.jwks.fetches,result=ok,trigger=expired"), 1);
  EXPECT_EQ(metrics->clients(), std::set<std::string>{"auth"});
  EXPECT_NE(log.text().find("fresh for 600 s (max-age=600)"), std::string::npos) << log.text();
}

TEST_F(JwksClient, UsesConfiguredLifetimeWithoutMaxAge) {
  serve_keys({{Algorithm::kEs256, "a"}});
  auto auth = open({{"jwks_cache_s", 120}});
  ASSERT_NE(auth, nullptr);
  const std::string signed_token = token(Algorithm::kEs256, "a");
  ASSERT_TRUE(verify(*auth, signed_token).ok());
  advance(seconds(119));
  ASSERT_TRUE(verify(*auth, signed_token).ok());
  EXPECT_EQ(transport->sends(), 1);
  advance(seconds(1));
  ASSERT_TRUE(verify(*auth, signed_token).ok());
  EXPECT_EQ(transport->sends(), 2);
}

TEST_F(JwksClient, NoCacheAndLargeMaxAgeAreClamped) {
  const struct {
    const char* name;
    const char* cache_control;
    std::int64_t expected_lifetime;
  } cases[] = {
      {"no-cache", "no-cache", 90},
      {"no-store", "no-store", 90},
      {"max-age below the minimum", "max-age=1", 90},
      {"max-age above the maximum", "max-age=999999", 1000},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    transport = std::make_shared<FakeTransport>();
    serve_keys({{Algorithm::kEs256, "a"}}, {{"Cache-Control", c.cache_control}});
    auto auth = open({{"jwks_cache_min_s", 90}, {"jwks_cache_max_s", 1000}});
    ASSERT_NE(auth, nullptr);
    const std::string signed_token = token(Algorithm::kEs256, "a");
    ASSERT_TRUE(verify(*auth, signed_token).ok());
    advance(seconds(c.expected_lifetime - 1));
    ASSERT_TRUE(verify(*auth, signed_token).ok());
    EXPECT_EQ(transport->sends(), 1);
    advance(seconds(1));
    ASSERT_TRUE(verify(*auth, signed_token).ok());
    EXPECT_EQ(transport->sends(), 2);
  }
}

TEST_F(JwksClient, UnknownKidRefetchesOncePerCooldown) {
  serve_keys({{Algorithm::kEs256, "a"}});
  auto auth = open({{"jwks_refresh_cooldown_s", 30}});
  ASSERT_NE(auth, nullptr);
  ASSERT_TRUE(verify(*auth, token(Algorithm::kEs256, "a")).ok());
  ASSERT_EQ(transport->sends(), 1);

  // The cooldown also counts from the first fetch, so a kid right after it waits.
  Result<VerifiedToken> early = verify(*auth, token(Algorithm::kEs256, "b"));
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.status().reason(), auth_reason::kUnknownKey);
  EXPECT_EQ(transport->sends(), 1);

  advance(seconds(30));
  Result<VerifiedToken> still_unknown = verify(*auth, token(Algorithm::kEs256, "b"));
  ASSERT_FALSE(still_unknown.ok());
  EXPECT_EQ(still_unknown.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(still_unknown.status().reason(), auth_reason::kUnknownKey);
  EXPECT_FALSE(still_unknown.status().retryable());
  EXPECT_EQ(transport->sends(), 2);
  EXPECT_EQ(metrics->count("outbound.jwt.jwks.fetches,result=ok,trigger=unknown_kid"), 1);

  // Other unknown kids within the cooldown cost no request.
  for (const char* kid : {"b", "c", "d", "e"}) {
    SCOPED_TRACE(kid);
    Result<VerifiedToken> unknown = verify(*auth, token(Algorithm::kEs256, kid));
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.status().reason(), auth_reason::kUnknownKey);
  }
  EXPECT_EQ(transport->sends(), 2);

  advance(seconds(29));
  EXPECT_FALSE(verify(*auth, token(Algorithm::kEs256, "c")).ok());
  EXPECT_EQ(transport->sends(), 2);
  advance(seconds(1));
  EXPECT_FALSE(verify(*auth, token(Algorithm::kEs256, "c")).ok());
  EXPECT_EQ(transport->sends(), 3);
}

TEST_F(JwksClient, RotatedKeyVerifiesAfterRefetch) {
  serve_keys({{Algorithm::kEs256, "a"}});
  auto auth = open();
  ASSERT_NE(auth, nullptr);
  ASSERT_TRUE(verify(*auth, token(Algorithm::kEs256, "a")).ok());

  // The issuer rotates to an RS256 key "b", an algorithm the first set did not have.
  serve_keys({{Algorithm::kEs256, "a"}, {Algorithm::kRs256, "b"}});
  advance(seconds(30));
  Result<VerifiedToken> rotated = verify(*auth, token(Algorithm::kRs256, "b"));
  ASSERT_TRUE(rotated.ok()) << rotated.status();
  EXPECT_EQ(rotated->key_id, "b");
  EXPECT_EQ(transport->sends(), 2);
  EXPECT_TRUE(verify(*auth, token(Algorithm::kEs256, "a")).ok());
  EXPECT_EQ(transport->sends(), 2);
}

TEST_F(JwksClient, TokenWithoutKidDoesNotRefetchOnceLoaded) {
  serve_keys({{Algorithm::kEs256, "a"}});
  auto auth = open();
  ASSERT_NE(auth, nullptr);
  ASSERT_TRUE(verify(*auth, token(Algorithm::kEs256, "a")).ok());
  advance(seconds(60));
  Result<VerifiedToken> kidless = verify(*auth, token(Algorithm::kRs256, ""));
  ASSERT_FALSE(kidless.ok());
  EXPECT_EQ(kidless.status().reason(), auth_reason::kAlgorithmNotAllowed);
  EXPECT_EQ(transport->sends(), 1);
}

TEST_F(JwksClient, TokenWithoutKidTriggersFirstFetch) {
  serve_keys({{Algorithm::kEdDsa, ""}});
  auto auth = open();
  ASSERT_NE(auth, nullptr);
  Result<VerifiedToken> verified = verify(*auth, token(Algorithm::kEdDsa, ""));
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(transport->sends(), 1);
}

TEST_F(JwksClient, HmacTokenNeverCausesFetch) {
  serve_keys({{Algorithm::kEs256, "a"}});
  auto auth = open();
  ASSERT_NE(auth, nullptr);
  Result<VerifiedToken> hmac = verify(*auth, token(Algorithm::kHs256, "a"));
  ASSERT_FALSE(hmac.ok());
  EXPECT_EQ(hmac.status().reason(), auth_reason::kAlgorithmNotAllowed);
  EXPECT_FALSE(verify(*auth, "not.a.token").ok());
  EXPECT_EQ(transport->sends(), 0);
}

TEST_F(JwksClient, KeepsLastGoodKeysWhenEndpointFails) {
  serve_keys({{Algorithm::kEs256, "a"}}, {{"Cache-Control", "max-age=300"}});
  auto auth = open({{"jwks_refresh_cooldown_s", 30}});
  ASSERT_NE(auth, nullptr);
  const std::string signed_token = token(Algorithm::kEs256, "a");
  ASSERT_TRUE(verify(*auth, signed_token).ok());

  transport->fail_with(Status::unavailable("connection refused"));
  advance(seconds(300));
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE(round);
    for (int i = 0; i < 10; ++i) {
      Result<VerifiedToken> verified = verify(*auth, signed_token);
      ASSERT_TRUE(verified.ok()) << verified.status();
    }
    advance(seconds(30));
  }
  // One attempt per cooldown after the lifetime ended, each a failure.
  EXPECT_EQ(transport->sends(), 6);
  EXPECT_EQ(metrics->count("outbound.jwt.jwks.fetches,result=transport_error,trigger=expired"), 5);
  EXPECT_EQ(log.lines_with("could not fetch its JWK Set"), 5);
  EXPECT_EQ(log.lines_with("warning jwt-auth client 'auth' could not fetch its JWK Set"), 1)
      << log.text();
  EXPECT_NE(log.text().find("GET https://issuer.example/jwks failed: connection refused"),
            std::string::npos)
      << log.text();

  serve_keys({{Algorithm::kEs256, "a"}});
  ASSERT_TRUE(verify(*auth, signed_token).ok());
  EXPECT_EQ(transport->sends(), 7);
  EXPECT_EQ(log.lines_with("again after 5 failed attempt(s)"), 1) << log.text();

  // A new run of failures warns again, once.
  transport->fail_with(Status::unavailable("connection reset"));
  advance(seconds(300));
  ASSERT_TRUE(verify(*auth, signed_token).ok());
  advance(seconds(30));
  ASSERT_TRUE(verify(*auth, signed_token).ok());
  EXPECT_EQ(transport->sends(), 9);
  EXPECT_EQ(log.lines_with("warning jwt-auth client 'auth' could not fetch its JWK Set"), 2)
      << log.text();
}

TEST_F(JwksClient, StaleKeysDroppedAfterMaxStale) {
  serve_keys({{Algorithm::kEs256, "a"}}, {{"Cache-Control", "max-age=300"}});
  auto auth = open({{"jwks_refresh_cooldown_s", 30}, {"jwks_max_stale_s", 600}});
  ASSERT_NE(auth, nullptr);
  const std::string signed_token = token(Algorithm::kEs256, "a");
  ASSERT_TRUE(verify(*auth, signed_token).ok());
  transport->fail_with(Status::unavailable("connection refused"));

  // Within jwks_max_stale_s of the lifetime's end the old keys still verify.
  advance(seconds(300 + 570));
  Result<VerifiedToken> stale = verify(*auth, signed_token);
  advance(seconds(31));
  Result<VerifiedToken> dropped = verify(*auth, signed_token);

  ASSERT_TRUE(stale.ok()) << stale.status();
  expect_unavailable(dropped, "jwks_max_stale_s (600 s)");
  EXPECT_EQ(log.lines_with("error jwt-auth client 'auth' dropped the keys fetched from"), 1)
      << log.text();

  serve_keys({{Algorithm::kEs256, "a"}});
  advance(seconds(31));
  ASSERT_TRUE(verify(*auth, signed_token).ok());
}

TEST_F(JwksClient, NoGoodSetMakesVerificationUnavailable) {
  const struct {
    const char* name;
    int status;
    std::string body;
    const char* cause;
    const char* result;
  } cases[] = {
      {"HTTP 503", 503, "", "GET https://issuer.example/jwks returned HTTP 503", "http_status"},
      {"HTTP 404", 404, jwk_set({}), "returned HTTP 404", "http_status"},
      {"HTML body", 200, "<html>", "returned a body that is not a usable JWK Set: it is not valid",
       "invalid_jwks"},
      {"empty set", 200, R"({"keys":[]})", "it lists no usable signing key", "invalid_jwks"},
      {"only oct keys", 200, R"({"keys":[{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}]})",
       "kty \"oct\" is a shared secret", "invalid_jwks"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    transport = std::make_shared<FakeTransport>();
    metrics = std::make_shared<CountingMetrics>();
    transport->serve(c.body, c.status);
    auto auth = open();
    ASSERT_NE(auth, nullptr);
    expect_unavailable(verify(*auth, token(Algorithm::kEs256, "a")), c.cause);
    EXPECT_EQ(metrics->count(std::string("outbound.jwt.jwks.fetches,result=") + c.result +
                             ",trigger=first_use"),
              1);
    EXPECT_EQ(metrics->count("outbound.jwt.verifications,result=jwks_unavailable"), 1);
  }
}

TEST_F(JwksClient, FailedFirstFetchIsRetriedAfterCooldown) {
  transport->fail_with(Status::unavailable("connection refused"));
  auto auth = open({{"jwks_refresh_cooldown_s", 20}});
  ASSERT_NE(auth, nullptr);
  const std::string signed_token = token(Algorithm::kEs256, "a");
  expect_unavailable(verify(*auth, signed_token), "no JWK Set has been fetched yet");
  expect_unavailable(verify(*auth, signed_token), "failed: connection refused");
  EXPECT_EQ(transport->sends(), 1);

  serve_keys({{Algorithm::kEs256, "a"}});
  advance(seconds(19));
  expect_unavailable(verify(*auth, signed_token), "connection refused");
  EXPECT_EQ(transport->sends(), 1);
  advance(seconds(1));
  Result<VerifiedToken> verified = verify(*auth, signed_token);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(transport->sends(), 2);
}

TEST_F(JwksClient, UnknownKidWhileEndpointFailsIsUnavailable) {
  serve_keys({{Algorithm::kEs256, "a"}});
  auto auth = open();
  ASSERT_NE(auth, nullptr);
  ASSERT_TRUE(verify(*auth, token(Algorithm::kEs256, "a")).ok());
  transport->serve("", 502);
  advance(seconds(30));
  expect_unavailable(verify(*auth, token(Algorithm::kEs256, "b")),
                     "token kid matches no key, and the JWK Set could not be fetched again");
  EXPECT_TRUE(verify(*auth, token(Algorithm::kEs256, "a")).ok());
  EXPECT_EQ(transport->sends(), 2);
}

TEST_F(JwksClient, HealthCheckFetchesEveryTime) {
  serve_keys({{Algorithm::kEs256, "a"}}, {{"Cache-Control", "max-age=3600"}});
  auto auth = open();
  ASSERT_NE(auth, nullptr);
  CallContext context;
  context.request_id = "health-1";
  EXPECT_EQ(auth->health_check(context), Status());
  EXPECT_EQ(auth->health_check(context), Status());
  EXPECT_EQ(transport->sends(), 2);
  EXPECT_EQ(transport->requests().back().context.request_id, "health-1");
  EXPECT_EQ(metrics->count("outbound.jwt.jwks.fetches,result=ok,trigger=health_check"), 2);

  // The keys it fetched serve verification without another request.
  EXPECT_TRUE(verify(*auth, token(Algorithm::kEs256, "a")).ok());
  EXPECT_EQ(transport->sends(), 2);

  transport->serve("", 503);
  const Status failing = auth->health_check(context);
  EXPECT_EQ(failing.code(), StatusCode::kUnavailable);
  EXPECT_NE(failing.message().find("jwt-auth client 'auth': GET https://issuer.example/jwks "
                                   "returned HTTP 503"),
            std::string::npos)
      << failing.message();
  EXPECT_EQ(failing.message().find("secret-tenant"), std::string::npos);
  EXPECT_EQ(transport->sends(), 3);
  // The failed check keeps the keys.
  EXPECT_TRUE(verify(*auth, token(Algorithm::kEs256, "a")).ok());

  auth->close();
  EXPECT_EQ(auth->health_check(context).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(transport->sends(), 3);
}

TEST_F(JwksClient, FailedHealthCheckKeepsLifetime) {
  serve_keys({{Algorithm::kEs256, "a"}}, {{"Cache-Control", "max-age=600"}});
  auto auth = open({{"jwks_refresh_cooldown_s", 30}});
  ASSERT_NE(auth, nullptr);
  const std::string signed_token = token(Algorithm::kEs256, "a");
  ASSERT_TRUE(verify(*auth, signed_token).ok());

  transport->serve("", 503);
  advance(seconds(10));
  EXPECT_EQ(auth->health_check(CallContext{}).code(), StatusCode::kUnavailable);
  EXPECT_EQ(transport->sends(), 2);

  // The keys are still fresh, so the failure does not bring the next fetch forward.
  advance(seconds(100));
  EXPECT_TRUE(verify(*auth, signed_token).ok());
  EXPECT_EQ(transport->sends(), 2);
  advance(seconds(490));
  EXPECT_TRUE(verify(*auth, signed_token).ok());
  EXPECT_EQ(transport->sends(), 3);
}

TEST_F(JwksClient, StaticKeysComeFirst) {
  const json settings = {
      {"verification_keys",
       json::array({{{"key_id", "a"}, {"algorithm", "ES256"}, {"key", "[REDACTED]"}}})}};
  const std::map<std::string, std::string> secrets = {
      {"/verification_keys/0/key", test_key_pair(Algorithm::kEs256, 0).verification}};
  // The JWK Set reuses kid "a" for another key, and adds "b".
  serve_keys({{Algorithm::kRs256, "a"}, {Algorithm::kEs256, "b"}});
  auto auth = open(settings, secrets);
  ASSERT_NE(auth, nullptr);

  ASSERT_TRUE(verify(*auth, token(Algorithm::kEs256, "a")).ok());
  EXPECT_EQ(transport->sends(), 0);

  ASSERT_TRUE(verify(*auth, token(Algorithm::kEs256, "b")).ok());
  EXPECT_EQ(transport->sends(), 1);
  // The fetched key with the static key's kid is ignored, with a warning.
  Result<VerifiedToken> shadowed = verify(*auth, token(Algorithm::kRs256, "a"));
  ASSERT_FALSE(shadowed.ok());
  EXPECT_EQ(shadowed.status().reason(), auth_reason::kAlgorithmNotAllowed);
  EXPECT_EQ(log.lines_with("warning jwt-auth client 'auth' ignores a key from "
                           "https://issuer.example/jwks: the key with kid \"a\" is skipped"),
            1)
      << log.text();
  EXPECT_TRUE(verify(*auth, token(Algorithm::kEs256, "a")).ok());
}

TEST_F(JwksClient, SigningKeyIssuesAndVerifiesWithoutFetch) {
  const json settings = {{"algorithm", "EdDSA"}, {"signing_key", "[REDACTED]"}, {"key_id", "own"}};
  auto auth = open(settings, {{"/signing_key", test_key_pair(Algorithm::kEdDsa, 5).signing}});
  ASSERT_NE(auth, nullptr);
  IssueRequest request;
  request.subject = "user-1";
  Result<IssuedToken> issued = auth->issue(CallContext{}, request);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_TRUE(verify(*auth, issued->token).ok());
  EXPECT_EQ(transport->sends(), 0);
}

TEST_F(JwksClient, IssueWithoutSigningKeyFails) {
  auto auth = open();
  ASSERT_NE(auth, nullptr);
  IssueRequest request;
  request.subject = "user-1";
  Result<IssuedToken> issued = auth->issue(CallContext{}, request);
  ASSERT_FALSE(issued.ok());
  EXPECT_EQ(issued.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(issued.status().message().find(
                "jwt-auth client 'auth' verifies with keys from jwks_url and has no signing key; "
                "set signing_key and algorithm"),
            std::string::npos)
      << issued.status().message();
  EXPECT_EQ(transport->sends(), 0);
}

TEST_F(JwksClient, MalformedKeyIsLoggedOncePerChangedSet) {
  std::vector<json> keys = {public_jwk(test_key_pair(Algorithm::kEs256).signing, "a"),
                            {{"kty", "RSA"}, {"kid", "broken"}}};
  transport->serve(jwk_set(keys), 200, {{"Cache-Control", "max-age=60"}});
  auto auth = open();
  ASSERT_NE(auth, nullptr);
  const std::string signed_token = token(Algorithm::kEs256, "a");
  ASSERT_TRUE(verify(*auth, signed_token).ok());
  advance(seconds(60));
  ASSERT_TRUE(verify(*auth, signed_token).ok());
  EXPECT_EQ(transport->sends(), 2);
  EXPECT_EQ(log.lines_with("warning jwt-auth client 'auth' ignores a key from "
                           "https://issuer.example/jwks: /keys/1 (kid \"broken\") is skipped: "
                           "has no n"),
            1)
      << log.text();
  EXPECT_EQ(log.lines_with("debug jwt-auth client 'auth' ignores a key"), 1) << log.text();
}

TEST_F(JwksClient, MissingTransportFailsToLoad) {
  PluginContext context;
  context.client.id = "auth";
  context.settings_json = json{{"jwks_url", kUrl}}.dump();
  Result<std::unique_ptr<JwtAuth>> created = JwtAuth::create(context);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(created.status().message().find("the host gave it no HTTP transport"),
            std::string::npos)
      << created.status().message();
}

TEST_F(JwksClient, TransportExceptionIsAFailedFetch) {
  class ThrowingTransport final : public HttpTransport {
   public:
    Result<HttpResponse> send(const CallContext&, const HttpRequest&) override {
      throw std::runtime_error("socket exploded");
    }
  };
  PluginContext context;
  context.client.id = "auth";
  context.settings_json = json{{"jwks_url", kUrl}}.dump();
  context.clock = clock;
  context.http = std::make_shared<ThrowingTransport>();
  Result<std::unique_ptr<JwtAuth>> created = JwtAuth::create(context);
  ASSERT_TRUE(created.ok()) << created.status();
  expect_unavailable(verify(**created, token(Algorithm::kEs256, "a")), "socket exploded");
  const Status health = (*created)->health_check(CallContext{});
  EXPECT_EQ(health.code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace outbound::jwt
