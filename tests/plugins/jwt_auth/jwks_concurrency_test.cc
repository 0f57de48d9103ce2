// Many threads verify while the JWK Set is fetched and refetched. These tests run under
// ThreadSanitizer too (label `concurrency`), so each stays well under two seconds.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "jwks_test_support.h"
#include "jwt_auth/jwt_auth.h"
#include "test_support.h"

namespace outbound::jwt {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::FakeTransport;
using testing::jwk_set;
using testing::public_jwk;
using testing::SteppingClock;
using testing::test_key_pair;

constexpr int kThreads = 8;
constexpr std::int64_t kStart = 1700000000;

std::string signed_token(Algorithm algorithm, int variant, const std::string& kid) {
  Result<Key> key = Key::signing_key(algorithm, test_key_pair(algorithm, variant).signing);
  EXPECT_TRUE(key.ok()) << key.status();
  const json header = {{"alg", algorithm_name(algorithm)}, {"kid", kid}};
  // Valid for a year, so that the clock the test moves never expires it.
  const json claims = {{"sub", "user-1"}, {"exp", kStart + 365 * 86400}};
  return testing::sign_token(*key, header.dump(), claims.dump());
}

std::unique_ptr<JwtAuth> open(const std::shared_ptr<SteppingClock>& clock,
                              const std::shared_ptr<FakeTransport>& transport) {
  PluginContext context;
  context.client.id = "auth";
  context.settings_json =
      json{{"jwks_url", "https://issuer.example/jwks"}, {"jwks_refresh_cooldown_s", 1}}.dump();
  context.clock = clock;
  context.http = transport;
  Result<std::unique_ptr<JwtAuth>> created = JwtAuth::create(context);
  EXPECT_TRUE(created.ok()) << created.status();
  return created.ok() ? std::move(created).value() : nullptr;
}

TEST(JwksConcurrency, ColdStartMakesOneFetch) {
  auto clock = std::make_shared<SteppingClock>(kStart);
  auto transport = std::make_shared<FakeTransport>();
  transport->serve(jwk_set({public_jwk(test_key_pair(Algorithm::kEs256).signing, "a")}));
  // Long enough that every thread arrives while the first fetch is still running.
  transport->set_delay(milliseconds(100));
  auto auth = open(clock, transport);
  ASSERT_NE(auth, nullptr);
  const std::string token = signed_token(Algorithm::kEs256, 0, "a");

  std::atomic<int> verified{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      if (auth->verify(CallContext{}, VerifyRequest{token}).ok()) ++verified;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(verified.load(), kThreads);
  EXPECT_EQ(transport->sends(), 1);
}

TEST(JwksConcurrency, VerifiersKeepWorkingWhileKeysAreRefetched) {
  auto clock = std::make_shared<SteppingClock>(kStart);
  auto transport = std::make_shared<FakeTransport>();
  const json key_a = public_jwk(test_key_pair(Algorithm::kRs256, 0).signing, "a", "RS256");
  const json key_b = public_jwk(test_key_pair(Algorithm::kEs256, 1).signing, "b", "ES256");
  const json key_c = public_jwk(test_key_pair(Algorithm::kEdDsa, 2).signing, "c", "EdDSA");
  // Every set contains "a" and "b", in changing order, so each fetch parses another body.
  const std::vector<std::string> bodies = {jwk_set({key_a, key_b}), jwk_set({key_b, key_a}),
                                           jwk_set({key_a, key_b, key_c})};
  transport->serve(bodies[0], 200, {{"Cache-Control", "max-age=60"}});
  transport->set_delay(milliseconds(2));
  auto auth = open(clock, transport);
  ASSERT_NE(auth, nullptr);
  const std::vector<std::string> tokens = {signed_token(Algorithm::kRs256, 0, "a"),
                                           signed_token(Algorithm::kEs256, 1, "b")};
  // Signed by a key no set contains, so it drives refetches behind the 1 s cooldown.
  const std::string unknown = signed_token(Algorithm::kEs256, 3, "z");

  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::atomic<int> verifications{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; !stop.load() && i < 400; ++i) {
        const std::string& token = (i % 10 == 9) ? unknown : tokens[(t + i) % 2];
        const Result<VerifiedToken> verified = auth->verify(CallContext{}, VerifyRequest{token});
        if (&token == &unknown) {
          if (verified.ok() || verified.status().reason() != auth_reason::kUnknownKey) ++failures;
        } else {
          if (!verified.ok()) ++failures;
          ++verifications;
        }
      }
    });
  }
  // Moves the clock past the lifetime and the cooldown again and again, swapping the body.
  for (int step = 0; step < 20; ++step) {
    std::this_thread::sleep_for(milliseconds(10));
    transport->serve(bodies[static_cast<std::size_t>(step) % bodies.size()], 200,
                     {{"Cache-Control", "max-age=60"}});
    clock->advance(std::chrono::seconds(61));
  }
  stop.store(true);
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(verifications.load(), 0);
  EXPECT_GE(transport->sends(), 2);
  // At most one fetch per lifetime or cooldown: the first, then two per clock step.
  EXPECT_LE(transport->sends(), 1 + 2 * 20);
}

}  // namespace
}  // namespace outbound::jwt
