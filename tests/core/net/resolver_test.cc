#include "net/resolver.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

namespace outbound::net {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

TEST(Resolver, IpLiteralNeedsNoLookup) {
  // A deadline in the past: a literal is parsed, never looked up, so it cannot time out.
  const SteadyTime passed = steady_clock::now() - milliseconds(1);
  for (const char* literal : {"127.0.0.1", "::1"}) {
    SCOPED_TRACE(literal);
    Result<std::vector<Poco::Net::SocketAddress>> addresses = resolve(literal, 2525, passed);
    ASSERT_TRUE(addresses.ok()) << addresses.status();
    ASSERT_EQ(addresses->size(), 1u);
    EXPECT_EQ(addresses->at(0).host().toString(), literal);
    EXPECT_EQ(addresses->at(0).port(), 2525);
  }
}

TEST(Resolver, LocalhostResolvesWithThePort) {
  Result<std::vector<Poco::Net::SocketAddress>> addresses =
      resolve("localhost", 8443, steady_clock::now() + milliseconds(5000));
  ASSERT_TRUE(addresses.ok()) << addresses.status();
  ASSERT_FALSE(addresses->empty());
  for (const Poco::Net::SocketAddress& address : *addresses) {
    EXPECT_TRUE(address.host().isLoopback()) << address.toString();
    EXPECT_EQ(address.port(), 8443);
  }
}

TEST(Resolver, UnknownNameIsUnavailable) {
  // RFC 2606 reserves .invalid, so the name never resolves.
  Result<std::vector<Poco::Net::SocketAddress>> addresses =
      resolve("no-such-host.invalid", 25, steady_clock::now() + milliseconds(5000));
  ASSERT_FALSE(addresses.ok());
  EXPECT_EQ(addresses.status().code(), StatusCode::kUnavailable) << addresses.status();
  EXPECT_NE(addresses.status().message().find("host name 'no-such-host.invalid' does not resolve"),
            std::string::npos)
      << addresses.status().message();
  EXPECT_TRUE(addresses.status().reason().empty());
}

TEST(Resolver, PassedDeadlineIsDeadlineExceeded) {
  const auto start = steady_clock::now();
  Result<std::vector<Poco::Net::SocketAddress>> addresses =
      resolve("no-such-host.invalid", 25, start - milliseconds(1));
  ASSERT_FALSE(addresses.ok());
  EXPECT_EQ(addresses.status().code(), StatusCode::kDeadlineExceeded) << addresses.status();
  EXPECT_LT(steady_clock::now() - start, milliseconds(50));
}

}  // namespace
}  // namespace outbound::net
