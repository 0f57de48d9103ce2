// The jwt-auth plugin class, driven through a PluginContext built by hand the way the host
// builds it: settings text with "[REDACTED]" in place of secrets, the secrets by JSON pointer,
// and an injected clock.

#include <map>
#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "jwt_auth/jwt_auth.h"
#include "test_support.h"

namespace outbound::jwt {
namespace {

using nlohmann::json;
using testing::at_seconds;
using testing::FixedClock;
using testing::test_key_pair;

const auto kNow = at_seconds(1700000000);
constexpr char kSecret[] = "0123456789abcdefghijklmnopqrstuvwxyzABCD";
constexpr char kRedacted[] = "[REDACTED]";

PluginContext make_context(const json& settings, const std::map<std::string, std::string>& secrets,
                           std::shared_ptr<FixedClock> clock = std::make_shared<FixedClock>(kNow)) {
  PluginContext context;
  context.client.id = "auth";
  context.client.kind = ClientKind::kAuth;
  context.client.plugin_name = "jwt-auth";
  context.client.plugin_version = "1.0.0";
  context.settings_json = settings.dump();
  for (const auto& [pointer, value] : secrets) {
    context.secrets.emplace(pointer, Secret::copy_of(value));
  }
  context.clock = std::move(clock);
  return context;
}

std::unique_ptr<JwtAuth> create_or_fail(const PluginContext& context) {
  Result<std::unique_ptr<JwtAuth>> created = JwtAuth::create(context);
  EXPECT_TRUE(created.ok()) << created.status();
  return created.ok() ? std::move(created).value() : nullptr;
}

IssueRequest request_for(const std::string& subject, const std::string& claims_json = "{}") {
  IssueRequest request;
  request.subject = subject;
  request.claims_json = claims_json;
  return request;
}

json hs256_settings() {
  return {{"algorithm", "HS256"},
          {"signing_key", kRedacted},
          {"key_id", "k1"},
          {"issuer", "https://issuer.example"},
          {"audience", json::array({"api", "web"})},
          {"ttl_s", 60},
          {"leeway_s", 0}};
}

TEST(JwtAuthPlugin, IssuesAndVerifiesWithSecretFromHost) {
  auto auth = create_or_fail(make_context(hs256_settings(), {{"/signing_key", kSecret}}));
  ASSERT_NE(auth, nullptr);
  EXPECT_EQ(auth->info().plugin_name, "jwt-auth");

  Result<IssuedToken> issued =
      auth->issue(CallContext{}, request_for("user-1", R"({"role":"admin"})"));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->algorithm, "HS256");
  EXPECT_EQ(issued->key_id, "k1");
  EXPECT_EQ(issued->issued_at, kNow);
  EXPECT_EQ(issued->expires_at, kNow + std::chrono::seconds(60));

  Result<VerifiedToken> verified = auth->verify(CallContext{}, VerifyRequest{issued->token});
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject, "user-1");
  EXPECT_EQ(verified->key_id, "k1");
  const json claims = json::parse(verified->claims_json);
  EXPECT_EQ(claims.at("iss"), "https://issuer.example");
  EXPECT_EQ(claims.at("aud"), json::array({"api", "web"}));
  EXPECT_EQ(claims.at("role"), "admin");
  EXPECT_EQ(json::parse(verified->header_json),
            json::parse(R"({"alg":"HS256","typ":"JWT","kid":"k1"})"));
}

TEST(JwtAuthPlugin, ReadsLiteralSigningKeyFromSettings) {
  json settings = hs256_settings();
  settings["signing_key"] = kSecret;
  auto auth = create_or_fail(make_context(settings, {}));
  ASSERT_NE(auth, nullptr);
  Result<IssuedToken> issued = auth->issue(CallContext{}, request_for("user-1"));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_TRUE(auth->verify(CallContext{}, VerifyRequest{issued->token}).ok());
}

TEST(JwtAuthPlugin, ReadsReferencedStringSettingsFromSecrets) {
  json settings = hs256_settings();
  settings["issuer"] = kRedacted;
  auto auth = create_or_fail(
      make_context(settings, {{"/signing_key", kSecret}, {"/issuer", "https://from-env.example"}}));
  ASSERT_NE(auth, nullptr);
  Result<IssuedToken> issued = auth->issue(CallContext{}, request_for("user-1"));
  ASSERT_TRUE(issued.ok()) << issued.status();
  Result<VerifiedToken> verified = auth->verify(CallContext{}, VerifyRequest{issued->token});
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(json::parse(verified->claims_json).at("iss"), "https://from-env.example");
}

TEST(JwtAuthPlugin, AsymmetricSigningKeyVerifiesItsOwnTokens) {
  for (const char* algorithm : {"RS256", "PS384", "ES256", "ES384", "EdDSA"}) {
    SCOPED_TRACE(algorithm);
    const json settings = {{"algorithm", algorithm}, {"signing_key", kRedacted}};
    const std::string pem = test_key_pair(*parse_algorithm(algorithm)).signing;
    auto auth = create_or_fail(make_context(settings, {{"/signing_key", pem}}));
    ASSERT_NE(auth, nullptr);
    Result<IssuedToken> issued = auth->issue(CallContext{}, request_for("user-1"));
    ASSERT_TRUE(issued.ok()) << issued.status();
    Result<VerifiedToken> verified = auth->verify(CallContext{}, VerifyRequest{issued->token});
    ASSERT_TRUE(verified.ok()) << verified.status();
    EXPECT_EQ(verified->algorithm, algorithm);
  }
}

TEST(JwtAuthPlugin, SigningKeyAndVerificationKeysBothVerify) {
  const testing::KeyPair& old_key = test_key_pair(Algorithm::kRs256);
  const json settings = {
      {"algorithm", "ES256"},
      {"signing_key", kRedacted},
      {"key_id", "new"},
      {"verification_keys",
       json::array({{{"key_id", "old"}, {"algorithm", "RS256"}, {"key", kRedacted}}})}};
  auto auth = create_or_fail(
      make_context(settings, {{"/signing_key", test_key_pair(Algorithm::kEs256).signing},
                              {"/verification_keys/0/key", old_key.verification}}));
  ASSERT_NE(auth, nullptr);

  Result<IssuedToken> issued = auth->issue(CallContext{}, request_for("user-1"));
  ASSERT_TRUE(issued.ok()) << issued.status();
  Result<VerifiedToken> own = auth->verify(CallContext{}, VerifyRequest{issued->token});
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->key_id, "new");

  Result<Key> old_signing = Key::signing_key(Algorithm::kRs256, old_key.signing, "old");
  ASSERT_TRUE(old_signing.ok()) << old_signing.status();
  const std::string old_token = testing::sign_token(*old_signing, R"({"alg":"RS256","kid":"old"})",
                                                    R"({"sub":"u","exp":1700000600})");
  Result<VerifiedToken> rotated = auth->verify(CallContext{}, VerifyRequest{old_token});
  ASSERT_TRUE(rotated.ok()) << rotated.status();
  EXPECT_EQ(rotated->key_id, "old");
}

TEST(JwtAuthPlugin, VerificationKeyMayShareSigningKeyId) {
  const testing::KeyPair& pair = test_key_pair(Algorithm::kEdDsa);
  const json settings = {
      {"algorithm", "EdDSA"},
      {"signing_key", kRedacted},
      {"key_id", "ed-1"},
      {"verification_keys",
       json::array({{{"key_id", "ed-1"}, {"algorithm", "EdDSA"}, {"key", kRedacted}}})}};
  auto auth = create_or_fail(make_context(
      settings, {{"/signing_key", pair.signing}, {"/verification_keys/0/key", pair.verification}}));
  ASSERT_NE(auth, nullptr);
  Result<IssuedToken> issued = auth->issue(CallContext{}, request_for("user-1"));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_TRUE(auth->verify(CallContext{}, VerifyRequest{issued->token}).ok());
}

TEST(JwtAuthPlugin, VerifyOnlyClientCannotIssue) {
  const json settings = {
      {"algorithm", "HS256"},
      {"verification_keys", json::array({{{"key_id", "k1"}, {"key", kRedacted}}})}};
  auto auth = create_or_fail(make_context(settings, {{"/verification_keys/0/key", kSecret}}));
  ASSERT_NE(auth, nullptr);

  Result<IssuedToken> issued = auth->issue(CallContext{}, request_for("user-1"));
  ASSERT_FALSE(issued.ok());
  EXPECT_EQ(issued.status().code(), StatusCode::kFailedPrecondition);

  Result<Key> key = Key::from_hmac_secret(Algorithm::kHs256, kSecret, "k1");
  ASSERT_TRUE(key.ok()) << key.status();
  const std::string token =
      testing::sign_token(*key, R"({"alg":"HS256","kid":"k1"})", R"({"sub":"u","exp":1700000600})");
  EXPECT_TRUE(auth->verify(CallContext{}, VerifyRequest{token}).ok());
}

TEST(JwtAuthPlugin, InjectedClockDecidesExpiry) {
  auto clock = std::make_shared<FixedClock>(kNow);
  auto auth = create_or_fail(make_context(hs256_settings(), {{"/signing_key", kSecret}}, clock));
  ASSERT_NE(auth, nullptr);
  Result<IssuedToken> issued = auth->issue(CallContext{}, request_for("user-1"));
  ASSERT_TRUE(issued.ok()) << issued.status();

  clock->set(kNow + std::chrono::seconds(59));
  EXPECT_TRUE(auth->verify(CallContext{}, VerifyRequest{issued->token}).ok());
  clock->set(kNow + std::chrono::seconds(60));
  Result<VerifiedToken> expired = auth->verify(CallContext{}, VerifyRequest{issued->token});
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(expired.status().reason(), auth_reason::kExpired);
  EXPECT_FALSE(expired.status().retryable());
}

TEST(JwtAuthPlugin, RequestTtlOverridesDefault) {
  auto auth = create_or_fail(make_context(hs256_settings(), {{"/signing_key", kSecret}}));
  ASSERT_NE(auth, nullptr);
  IssueRequest request = request_for("user-1");
  request.ttl = std::chrono::seconds(5);
  Result<IssuedToken> issued = auth->issue(CallContext{}, request);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->expires_at, kNow + std::chrono::seconds(5));
}

TEST(JwtAuthPlugin, IssueRejectsClaimsThatAreNotAnObject) {
  auto auth = create_or_fail(make_context(hs256_settings(), {{"/signing_key", kSecret}}));
  ASSERT_NE(auth, nullptr);
  for (const char* claims : {"[]", "42", "\"text\"", "null", "{"}) {
    SCOPED_TRACE(claims);
    Result<IssuedToken> issued = auth->issue(CallContext{}, request_for("user-1", claims));
    ASSERT_FALSE(issued.ok());
    EXPECT_EQ(issued.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(JwtAuthPlugin, RejectedTokenHasReason) {
  auto auth = create_or_fail(make_context(hs256_settings(), {{"/signing_key", kSecret}}));
  ASSERT_NE(auth, nullptr);
  Result<VerifiedToken> verified = auth->verify(CallContext{}, VerifyRequest{"not.a.token"});
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(verified.status().reason(), auth_reason::kMalformed);
  EXPECT_FALSE(verified.status().retryable());
}

TEST(JwtAuthPlugin, HealthCheckAndClose) {
  auto auth = create_or_fail(make_context(hs256_settings(), {{"/signing_key", kSecret}}));
  ASSERT_NE(auth, nullptr);
  EXPECT_TRUE(auth->health_check(CallContext{}).ok());
  Result<IssuedToken> issued = auth->issue(CallContext{}, request_for("user-1"));
  ASSERT_TRUE(issued.ok()) << issued.status();

  auth->close();
  auth->close();
  EXPECT_EQ(auth->health_check(CallContext{}).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(auth->issue(CallContext{}, request_for("user-1")).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(auth->verify(CallContext{}, VerifyRequest{issued->token}).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(JwtAuthPlugin, LogsLoadWithoutKeyMaterial) {
  std::ostringstream log;
  auto logger = std::make_shared<spdlog::logger>(
      "plugin.jwt-auth", std::make_shared<spdlog::sinks::ostream_sink_st>(log));
  logger->set_level(spdlog::level::debug);
  PluginContext context = make_context(hs256_settings(), {{"/signing_key", kSecret}});
  context.logger = logger;
  auto auth = create_or_fail(context);
  ASSERT_NE(auth, nullptr);
  EXPECT_FALSE(auth->verify(CallContext{}, VerifyRequest{"a.b.c"}).ok());
  logger->flush();

  EXPECT_NE(log.str().find("jwt-auth client 'auth' loaded"), std::string::npos) << log.str();
  EXPECT_NE(log.str().find("rejected a token"), std::string::npos) << log.str();
  EXPECT_EQ(log.str().find(kSecret), std::string::npos);
}

class CountingMetrics final : public MetricsSink {
 public:
  void add(std::string_view name, double value, const MetricAttributes& attributes) override {
    std::string key(name);
    for (const auto& [label, label_value] : attributes) key += "," + label + "=" + label_value;
    counts[key] += value;
  }
  void record(std::string_view, double, const MetricAttributes&) override {}
  std::map<std::string, double> counts;
};

TEST(JwtAuthPlugin, CountsVerificationsByResult) {
  auto metrics = std::make_shared<CountingMetrics>();
  PluginContext context = make_context(hs256_settings(), {{"/signing_key", kSecret}});
  context.metrics = metrics;
  auto auth = create_or_fail(context);
  ASSERT_NE(auth, nullptr);
  Result<IssuedToken> issued = auth->issue(CallContext{}, request_for("user-1"));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_TRUE(auth->verify(CallContext{}, VerifyRequest{issued->token}).ok());
  EXPECT_FALSE(auth->verify(CallContext{}, VerifyRequest{"a.b"}).ok());

  EXPECT_EQ(metrics->counts["outbound.jwt.issued,outbound.client=auth"], 1);
  EXPECT_EQ(metrics->counts["outbound.jwt.verifications,outbound.client=auth,result=ok"], 1);
  EXPECT_EQ(metrics->counts["outbound.jwt.verifications,outbound.client=auth,result=malformed"],
            1);
}

struct SettingsCase {
  const char* name;
  json settings;
  std::map<std::string, std::string> secrets;
  const char* expected_text;
};

TEST(JwtAuthPlugin, SettingsErrorsNameThePointer) {
  const std::string rsa = test_key_pair(Algorithm::kRs256).signing;
  const std::string rsa_public = test_key_pair(Algorithm::kRs256).verification;
  const std::string p384 = test_key_pair(Algorithm::kEs384).signing;
  const std::string ed448 = testing::generate_private_pem("ED448");
  const std::string rsa_1024 = testing::generate_private_pem("RSA", 1024);
  const std::map<std::string, std::string> hs_secret = {{"/signing_key", kSecret}};
  const json hs = {{"algorithm", "HS256"}, {"signing_key", kRedacted}};
  const auto with = [](json base, const char* name, json value) {
    base[name] = std::move(value);
    return base;
  };
  const auto verification = [](json entry) {
    return json{{"algorithm", "HS256"}, {"verification_keys", json::array({std::move(entry)})}};
  };

  const std::vector<SettingsCase> cases = {
      {"unknown setting", with(hs, "leeway", 5), hs_secret,
       "/leeway: is unknown; did you mean /leeway_s?"},
      {"misspelt setting", with(hs, "isuer", "x"), hs_secret, "did you mean /issuer?"},
      {"unrelated setting", with(hs, "colour", "x"), hs_secret, "the known settings are"},
      {"unknown algorithm", with(hs, "algorithm", "HS257"), hs_secret,
       "/algorithm: is \"HS257\", which is not a supported algorithm; use one of HS256, "
       "HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA"},
      {"algorithm none", with(hs, "algorithm", "none"), hs_secret,
       "/algorithm: is \"none\""},
      {"algorithm in lower case", with(hs, "algorithm", "rs256"), hs_secret, "did you mean RS256?"},
      {"algorithm not a string", with(hs, "algorithm", 256), hs_secret,
       "/algorithm: must be a string"},
      {"short HMAC secret",
       hs,
       {{"/signing_key", "too-short"}},
       "/signing_key: is 9 bytes long"},
      {"PEM as HMAC secret",
       hs,
       {{"/signing_key", rsa_public}},
       "/signing_key: is PEM key text"},
      {"RSA key for ES256",
       with(hs, "algorithm", "ES256"),
       {{"/signing_key", rsa}},
       "/signing_key: is an RSA key of 2048 bits, but ES256 needs an EC P-256 key"},
      {"P-384 key for ES256",
       with(hs, "algorithm", "ES256"),
       {{"/signing_key", p384}},
       "/signing_key: is an EC P-384 key, but ES256 needs an EC P-256 key"},
      {"Ed448 key for EdDSA",
       with(hs, "algorithm", "EdDSA"),
       {{"/signing_key", ed448}},
       "/signing_key: is an Ed448 key, but EdDSA needs an Ed25519 key"},
      {"RSA key under 2048 bits",
       with(hs, "algorithm", "RS256"),
       {{"/signing_key", rsa_1024}},
       "/signing_key: is an RSA key of 1024 bits, but RS256 needs at least 2048 bits"},
      {"public key as signing key",
       with(hs, "algorithm", "RS256"),
       {{"/signing_key", rsa_public}},
       "/signing_key: is a public key"},
      {"garbage as signing key",
       with(hs, "algorithm", "RS256"),
       {{"/signing_key", "garbage"}},
       "/signing_key: is not a PEM private key"},
      {"signing key without algorithm",
       {{"signing_key", kRedacted}},
       hs_secret,
       "/algorithm: is missing"},
      {"key id without signing key",
       {{"algorithm", "HS256"}, {"key_id", "k1"}},
       {},
       "/key_id: names the signing key, but /signing_key is missing"},
      {"ttl without signing key", {{"ttl_s", 60}}, {}, "/ttl_s:"},
      {"no key at all", json::object(), {}, "jwt-auth has no key"},
      {"signing key is a number",
       with(hs, "signing_key", 5),
       {},
       "/signing_key: must be a string"},
      {"empty key id", with(hs, "key_id", ""), hs_secret, "/key_id: is empty"},
      {"ttl zero", with(hs, "ttl_s", 0), hs_secret,
       "/ttl_s: is 0; it must be a whole number from 1"},
      {"ttl fractional", with(hs, "ttl_s", 1.5), hs_secret,
       "/ttl_s: must be a whole number"},
      {"ttl beyond year 9999", with(hs, "ttl_s", 9223372036854775807LL), hs_secret,
       "/ttl_s: is"},
      {"negative leeway", with(hs, "leeway_s", -1), hs_secret, "/leeway_s: is -1"},
      {"leeway as string", with(hs, "leeway_s", "30"), hs_secret, "/leeway_s: must be"},
      {"audience number", with(hs, "audience", 7), hs_secret,
       "/audience: must be a string or a list of strings"},
      {"audience empty list", with(hs, "audience", json::array()), hs_secret,
       "/audience: is an empty list"},
      {"audience entry empty", with(hs, "audience", json::array({"api", ""})), hs_secret,
       "/audience/1: is empty"},
      {"required claims string", with(hs, "required_claims", "tenant"), hs_secret,
       "/required_claims: must be a list of strings"},
      {"require_exp as string", with(hs, "require_exp", "yes"), hs_secret,
       "/require_exp: must be true or false"},
      {"max token bytes zero", with(hs, "max_token_bytes", 0), hs_secret,
       "/max_token_bytes: is 0"},
      {"max token bytes huge", with(hs, "max_token_bytes", 1 << 30), hs_secret,
       "/max_token_bytes: is 1073741824"},
      {"verification keys empty", with(hs, "verification_keys", json::array()), hs_secret,
       "/verification_keys: must be a non-empty list"},
      {"verification key not an object", with(hs, "verification_keys", json::array({"k"})),
       hs_secret, "/verification_keys/0: must be an object"},
      {"verification key with kid",
       verification({{"kid", "a"}, {"key", kRedacted}}),
       {{"/verification_keys/0/key", kSecret}},
       "/verification_keys/0/kid: is unknown; did you mean /verification_keys/0/key_id?"},
      {"verification key without key",
       verification({{"key_id", "a"}}),
       {},
       "/verification_keys/0/key: is missing"},
      {"verification key too short",
       verification({{"key_id", "a"}, {"key", kRedacted}}),
       {{"/verification_keys/0/key", "short"}},
       "/verification_keys/0/key: is 5 bytes long"},
      {"verification key without algorithm",
       {{"verification_keys", json::array({{{"key_id", "a"}, {"key", kRedacted}}})}},
       {{"/verification_keys/0/key", kSecret}},
       "/verification_keys/0/algorithm: is missing"},
      {"verification private key",
       {{"verification_keys",
         json::array({{{"key_id", "a"}, {"algorithm", "RS256"}, {"key", kRedacted}}})}},
       {{"/verification_keys/0/key", rsa}},
       "/verification_keys/0/key: is a private key"},
      {"duplicate verification key ids",
       {{"algorithm", "HS256"},
        {"verification_keys", json::array({{{"key_id", "a"}, {"key", kRedacted}},
                                           {{"key_id", "a"}, {"key", kRedacted}}})}},
       {{"/verification_keys/0/key", kSecret}, {"/verification_keys/1/key", kSecret}},
       "/verification_keys/1/key_id: key id \"a\" is used by two keys"},
      {"verification key shares the signing key id but not the key",
       {{"algorithm", "HS256"},
        {"signing_key", kRedacted},
        {"key_id", "k1"},
        {"verification_keys", json::array({{{"key_id", "k1"}, {"key", kRedacted}}})}},
       {{"/signing_key", kSecret}, {"/verification_keys/0/key", std::string(40, 'z')}},
       "/verification_keys/0: has the key_id of /signing_key but another key"},
      {"kid-less keys of one algorithm",
       {{"algorithm", "HS256"},
        {"signing_key", kRedacted},
        {"verification_keys", json::array({{{"key", kRedacted}}})}},
       {{"/signing_key", kSecret}, {"/verification_keys/0/key", std::string(40, 'z')}},
       "give both keys a key id"},
      {"settings not an object", json::array(), {}, "(root): must be a JSON object"},
  };
  for (const SettingsCase& c : cases) {
    SCOPED_TRACE(c.name);
    Result<std::unique_ptr<JwtAuth>> created = JwtAuth::create(make_context(c.settings, c.secrets));
    ASSERT_FALSE(created.ok());
    EXPECT_EQ(created.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(created.status().message().find(c.expected_text), std::string::npos)
        << created.status().message();
    EXPECT_NE(created.status().message().find("jwt-auth client 'auth'"), std::string::npos);
    for (const auto& [pointer, secret] : c.secrets) {
      EXPECT_EQ(created.status().message().find(secret), std::string::npos) << pointer;
    }
  }
}

TEST(JwtAuthPlugin, SettingsTextThatIsNotJsonIsInvalid) {
  PluginContext context;
  context.settings_json = "{algorithm: HS256";
  Result<std::unique_ptr<JwtAuth>> created = JwtAuth::create(context);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(created.status().message().find("not valid JSON"), std::string::npos);
}

}  // namespace
}  // namespace outbound::jwt
