// The pool of set-up OpenSSL contexts each key keeps, and verification from many threads at
// once with every algorithm family.

#include "jwt_auth/context_pool.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "jwt_auth/verifier.h"
#include "test_support.h"

namespace outbound::jwt {
namespace {

// Context counts how many callers use it at once; it must never be more than one.
struct Context {
  std::atomic<int> users{0};
  int id = 0;
};

struct CountingFactory {
  std::shared_ptr<std::atomic<int>> made = std::make_shared<std::atomic<int>>(0);
  bool fail = false;

  std::unique_ptr<Context> operator()() const {
    if (fail) return nullptr;
    auto context = std::make_unique<Context>();
    context->id = ++*made;
    return context;
  }
};

TEST(ContextPool, ReusesAReturnedContext) {
  CountingFactory factory;
  ContextPool<Context> pool(factory, 4);
  int first_id = 0;
  {
    ContextPool<Context>::Lease lease = pool.acquire();
    ASSERT_TRUE(lease);
    first_id = lease->id;
  }
  EXPECT_EQ(pool.idle_count(), 1u);
  ContextPool<Context>::Lease again = pool.acquire();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->id, first_id);
  EXPECT_EQ(factory.made->load(), 1);
}

TEST(ContextPool, MakesAContextPerConcurrentLease) {
  CountingFactory factory;
  ContextPool<Context> pool(factory, 4);
  ContextPool<Context>::Lease a = pool.acquire();
  ContextPool<Context>::Lease b = pool.acquire();
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_NE(a.get(), b.get());
  EXPECT_EQ(factory.made->load(), 2);
}

TEST(ContextPool, KeepsAtMostMaxIdle) {
  CountingFactory factory;
  ContextPool<Context> pool(factory, 2);
  {
    std::vector<ContextPool<Context>::Lease> leases;
    for (int i = 0; i < 5; ++i) leases.push_back(pool.acquire());
  }
  EXPECT_EQ(pool.idle_count(), 2u);
}

TEST(ContextPool, DiscardedContextIsNotReused) {
  CountingFactory factory;
  ContextPool<Context> pool(factory, 4);
  {
    ContextPool<Context>::Lease lease = pool.acquire();
    lease.discard();
    EXPECT_FALSE(lease);
  }
  EXPECT_EQ(pool.idle_count(), 0u);
}

TEST(ContextPool, FactoryFailureGivesAnEmptyLease) {
  CountingFactory factory;
  factory.fail = true;
  ContextPool<Context> pool(factory, 4);
  ContextPool<Context>::Lease lease = pool.acquire();
  EXPECT_FALSE(lease);
  EXPECT_EQ(lease.get(), nullptr);
}

TEST(ContextPool, LendsEachContextToOneThreadAtATime) {
  CountingFactory factory;
  ContextPool<Context> pool(factory, 3);
  std::atomic<int> overlaps{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        ContextPool<Context>::Lease lease = pool.acquire();
        if (!lease || lease->users.fetch_add(1) != 0) ++overlaps;
        std::this_thread::yield();
        lease->users.fetch_sub(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_LE(pool.idle_count(), 3u);
}

TEST(ContextPool, VerifiersOfEveryFamilyShareKeysAcrossThreads) {
  // One token per algorithm, good and forged, verified by many threads at once through the
  // same Verifier, so the threads contend for each key's pooled contexts.
  const auto now = testing::at_seconds(1700000000);
  const std::string payload = R"({"sub":"user-1","exp":1700000600})";
  for (Algorithm algorithm : kAllAlgorithms) {
    const std::string name(algorithm_name(algorithm));
    SCOPED_TRACE(name);
    const testing::KeyPair& pair = testing::test_key_pair(algorithm);
    Result<Key> signing = Key::signing_key(algorithm, pair.signing, "k1");
    ASSERT_TRUE(signing.ok()) << signing.status();
    Result<Key> verification = Key::verification_key(algorithm, pair.verification, "k1");
    ASSERT_TRUE(verification.ok()) << verification.status();
    KeySet keys;
    ASSERT_TRUE(keys.add(std::move(verification).value()).ok());
    const Verifier verifier(std::move(keys), VerifierOptions{});

    const std::string header = R"({"alg":")" + name + R"(","kid":"k1"})";
    const std::string good = testing::sign_token(*signing, header, payload);
    std::string forged = good;
    forged[forged.size() - 5] = forged[forged.size() - 5] == 'A' ? 'B' : 'A';

    std::atomic<int> failures{0};
    std::atomic<bool> start{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
      threads.emplace_back([&] {
        while (!start.load()) std::this_thread::yield();
        for (int i = 0; i < 60; ++i) {
          Result<VerifiedToken> verified = verifier.verify(good, now);
          if (!verified.ok() || verified->subject != "user-1") ++failures;
          Result<VerifiedToken> rejected = verifier.verify(forged, now);
          if (rejected.ok() || rejected.status().reason() != auth_reason::kBadSignature) {
            ++failures;
          }
        }
      });
    }
    start.store(true);
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0);
  }
}

}  // namespace
}  // namespace outbound::jwt
