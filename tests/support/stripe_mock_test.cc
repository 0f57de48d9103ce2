#include "stripe_mock.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_support.h"
#include "wiremock.h"

namespace {

using outbound::testing::kStripeTestApiKey;
using outbound::testing::StripeJournalEntry;
using outbound::testing::StripeMock;
using outbound::testing::StripeMockOptions;
using outbound::testing::StripeMockTest;
using outbound::testing::StripeReply;
using outbound::testing::TempDir;

// Returns whether a TCP connection to `address` (IPv4 or IPv6 text) and `port` succeeds.
bool accepts_connections(const std::string& address, int port) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  auto* ipv4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* ipv6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET, address.c_str(), &ipv4->sin_addr) == 1) {
    ipv4->sin_family = AF_INET;
    ipv4->sin_port = htons(static_cast<std::uint16_t>(port));
    length = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, address.c_str(), &ipv6->sin6_addr) == 1) {
    ipv6->sin6_family = AF_INET6;
    ipv6->sin6_port = htons(static_cast<std::uint16_t>(port));
    length = sizeof(sockaddr_in6);
  } else {
    throw std::invalid_argument("not an IP address: " + address);
  }
  const int fd = socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool connected = connect(fd, reinterpret_cast<sockaddr*>(&storage), length) == 0;
  close(fd);
  return connected;
}

// Returns the local addresses, in /proc/net/tcp's hex form such as "0100007F", of the
// listening sockets on `port` in the table at `proc_path` (/proc/net/tcp or /proc/net/tcp6).
std::vector<std::string> listening_addresses(const std::string& proc_path, int port) {
  std::istringstream table(outbound::testing::read_file(proc_path));
  std::string line;
  std::getline(table, line);  // column titles
  std::vector<std::string> addresses;
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    const auto colon = local.rfind(':');
    if (colon == std::string::npos) continue;
    constexpr const char* kListen = "0A";
    if (state == kListen && std::stoi(local.substr(colon + 1), nullptr, 16) == port) {
      addresses.push_back(local.substr(0, colon));
    }
  }
  return addresses;
}

// Returns whether process `pid` exists: kill(pid, 0) succeeds, or fails for a reason other than
// ESRCH.
bool process_exists(pid_t pid) { return kill(pid, 0) == 0 || errno != ESRCH; }

TEST_F(StripeMockTest, StartsAndServesRequests) {
  EXPECT_TRUE(stripe_mock().running());
  EXPECT_GT(stripe_mock().pid(), 0);
  EXPECT_GT(stripe_mock().port(), 0);
  EXPECT_EQ(stripe_mock().base_url(), "http://127.0.0.1:" + std::to_string(stripe_mock().port()));

  const StripeReply listed = stripe_mock().request("GET", "/v1/charges", api_key(), {}, account());
  EXPECT_EQ(listed.status, 200);
  const nlohmann::json list = listed.json();
  EXPECT_EQ(list.value("object", ""), "list");
  ASSERT_TRUE(list.contains("data"));
  EXPECT_TRUE(list.at("data").empty());
  EXPECT_EQ(listed.headers.count("content-type"), 1u);
}

TEST_F(StripeMockTest, RequiresTestApiKey) {
  const StripeReply missing = stripe_mock().request("GET", "/v1/charges", "");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.json()["error"].value("type", ""), "invalid_request_error");

  const StripeReply live_key = stripe_mock().request("GET", "/v1/charges", "sk_live_abc");
  EXPECT_EQ(live_key.status, 401);
  EXPECT_NE(live_key.body.find("Invalid API Key provided"), std::string::npos) << live_key.body;
}

TEST_F(StripeMockTest, BindsLoopbackOnly) {
  const int port = stripe_mock().port();
  EXPECT_TRUE(accepts_connections("127.0.0.1", port));
  // A socket bound to 0.0.0.0 or :: would also accept these. The check uses other loopback
  // addresses rather than the machine's external address, so no traffic leaves loopback.
  EXPECT_FALSE(accepts_connections("127.0.0.2", port));
  EXPECT_FALSE(accepts_connections("::1", port));

  // The kernel's socket table lists one listener on the port, at 127.0.0.1 (0100007F).
  EXPECT_EQ(listening_addresses("/proc/net/tcp", port), std::vector<std::string>{"0100007F"});
  EXPECT_TRUE(listening_addresses("/proc/net/tcp6", port).empty());
}

TEST_F(StripeMockTest, JournalRecordsPostWithExactRawBody) {
  // Percent-encoding, a "+" for a space, and a nested key, which the parsed form decodes.
  const std::string form =
      "email=jenny%2Brosen%40example.test&description=caf%C3%A9+au+lait&metadata[order_id]=42";
  const StripeReply created = stripe_mock().request(
      "POST", "/v1/customers?expand[]=sources", api_key(), form, account(),
      {{"Idempotency-Key", "journal-post-1"}, {"Stripe-Version", "2020-08-27"}});
  ASSERT_EQ(created.status, 200) << created.body;
  // The mock still parses the body that the journal captured.
  const nlohmann::json customer = created.json();
  EXPECT_EQ(customer.value("email", ""), "jenny+rosen@example.test");
  EXPECT_EQ(customer.value("description", ""), "café au lait");
  EXPECT_EQ(customer["metadata"].value("order_id", ""), "42");

  const std::vector<StripeJournalEntry> journal = stripe_mock().journal();
  ASSERT_EQ(journal.size(), 1u);
  const StripeJournalEntry& entry = journal[0];
  EXPECT_EQ(entry.method, "POST");
  EXPECT_EQ(entry.path, "/v1/customers");
  EXPECT_EQ(entry.query, nlohmann::json::parse(R"({"expand":["sources"]})"));
  EXPECT_EQ(entry.raw_body, form);
  EXPECT_EQ(entry.body, nlohmann::json::parse(R"({"email":"jenny+rosen@example.test",
      "description":"café au lait","metadata":{"order_id":"42"}})"));
  EXPECT_EQ(entry.status, 200);
  EXPECT_EQ(entry.header("Authorization"), std::string("Bearer ") + kStripeTestApiKey);
  EXPECT_EQ(entry.header("Idempotency-Key"), "journal-post-1");
  EXPECT_EQ(entry.header("Stripe-Version"), "2020-08-27");
  EXPECT_EQ(entry.header("Stripe-Account"), account());
  EXPECT_EQ(entry.header("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(entry.header("X-Request-Id"), std::nullopt);
}

TEST_F(StripeMockTest, JournalKeepsBodyTheMockIgnores) {
  const std::string json_body = R"({"amount":2000,"currency":"usd"})";
  // A JSON body is ignored by the mock, as by Stripe, so the charge lacks its amount.
  const StripeReply ignored =
      stripe_mock().request("POST", "/v1/charges", api_key(), json_body, account(),
                            {{"Content-Type", "application/json"}});
  EXPECT_EQ(ignored.status, 400);
  EXPECT_EQ(ignored.json()["error"].value("code", ""), "parameter_missing");

  const std::vector<StripeJournalEntry> journal = stripe_mock().journal();
  ASSERT_EQ(journal.size(), 1u);
  EXPECT_EQ(journal[0].raw_body, json_body);
  EXPECT_EQ(journal[0].body, nlohmann::json::object());
  EXPECT_EQ(journal[0].status, 400);
}

TEST_F(StripeMockTest, ClearJournalEmptiesIt) {
  EXPECT_EQ(stripe_mock().request("GET", "/v1/customers", api_key(), {}, account()).status, 200);
  EXPECT_EQ(stripe_mock().journal().size(), 1u);
  stripe_mock().clear_journal();
  EXPECT_TRUE(stripe_mock().journal().empty());
}

TEST_F(StripeMockTest, AccountsIsolateCharges) {
  const std::string other_account = stripe_mock().new_account(api_key());
  ASSERT_NE(other_account, account());

  const StripeReply charged = stripe_mock().request(
      "POST", "/v1/charges", api_key(), "amount=2000&currency=usd&source=tok_visa", account());
  ASSERT_EQ(charged.status, 200) << charged.body;
  const std::string charge_id = charged.json().value("id", "");
  ASSERT_FALSE(charge_id.empty());

  const nlohmann::json own =
      stripe_mock().request("GET", "/v1/charges", api_key(), {}, account()).json();
  ASSERT_EQ(own.at("data").size(), 1u);
  EXPECT_EQ(own.at("data")[0].value("id", ""), charge_id);

  const nlohmann::json other =
      stripe_mock().request("GET", "/v1/charges", api_key(), {}, other_account).json();
  EXPECT_TRUE(other.at("data").empty());
  const StripeReply missing =
      stripe_mock().request("GET", "/v1/charges/" + charge_id, api_key(), {}, other_account);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json()["error"].value("code", ""), "resource_missing");
}

TEST_F(StripeMockTest, UnknownAccountIsForbidden) {
  const StripeReply reply =
      stripe_mock().request("GET", "/v1/charges", api_key(), {}, "acct_doesnotexist0");
  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(reply.json()["error"].value("code", ""), "account_invalid");
}

TEST_F(StripeMockTest, IdempotentReplayCarriesHeaders) {
  const std::string form = "amount=1500&currency=usd&source=tok_visa";
  const std::map<std::string, std::string> key = {{"Idempotency-Key", "replay-1"}};
  const StripeReply first =
      stripe_mock().request("POST", "/v1/charges", api_key(), form, account(), key);
  ASSERT_EQ(first.status, 200) << first.body;
  const StripeReply replay =
      stripe_mock().request("POST", "/v1/charges", api_key(), form, account(), key);
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(replay.body, first.body);
  EXPECT_EQ(first.headers.count("idempotent-replayed"), 0u);
  ASSERT_EQ(replay.headers.count("idempotent-replayed"), 1u);
  EXPECT_EQ(replay.headers.at("idempotent-replayed"), "true");
  ASSERT_EQ(first.headers.count("request-id"), 1u);
  EXPECT_EQ(replay.headers.count("original-request"), 1u);
}

TEST(StripeMock, StopLeavesNoProcess) {
  StripeMock server;
  ASSERT_NO_THROW(server.start());
  const pid_t pid = server.pid();
  const int port = server.port();
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(process_exists(pid));

  server.stop();
  EXPECT_FALSE(server.running());
  EXPECT_EQ(server.pid(), -1);
  const int signalled = kill(pid, 0);
  const int signal_error = errno;
  EXPECT_EQ(signalled, -1);
  EXPECT_EQ(signal_error, ESRCH);
  EXPECT_FALSE(accepts_connections("127.0.0.1", port));
  EXPECT_NO_THROW(server.stop());
}

TEST(StripeMock, DestructorStopsNode) {
  pid_t pid = -1;
  {
    StripeMock server;
    ASSERT_NO_THROW(server.start());
    pid = server.pid();
  }
  EXPECT_FALSE(process_exists(pid));
}

TEST(StripeMock, MissingPackageNamesSetup) {
  TempDir empty_modules;
  StripeMockOptions options;
  options.node_modules = empty_modules.path();
  StripeMock server(options);
  try {
    server.start();
    FAIL() << "start() succeeded without the npm package";
  } catch (const std::runtime_error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("exited with status 2"), std::string::npos) << message;
    EXPECT_NE(message.find("scripts/setup.sh"), std::string::npos) << message;
    // The launcher's own line, from node's output.
    EXPECT_NE(message.find("cannot load the npm package stripe-stateful-mock"), std::string::npos)
        << message;
  }
  EXPECT_FALSE(server.running());
}

TEST(StripeMock, MissingReadyTimesOut) {
  TempDir folder;
  const auto script = folder / "silent.js";
  outbound::testing::write_file(script, "console.log('starting'); setInterval(() => {}, 1000);\n");
  StripeMockOptions options;
  options.script = script;
  options.start_timeout = std::chrono::milliseconds(500);
  StripeMock server(options);
  const auto started = std::chrono::steady_clock::now();
  try {
    server.start();
    FAIL() << "start() succeeded without a READY line";
  } catch (const std::runtime_error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("did not print READY within 500 ms"), std::string::npos) << message;
    EXPECT_NE(message.find("starting"), std::string::npos) << message;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_FALSE(server.running());
}

TEST(StripeMock, ServesHttpsWithTestCertificate) {
  TempDir folder;
  const outbound::testing::TestCertificate certificate =
      outbound::testing::make_test_certificate(folder.path());
  StripeMockOptions options;
  options.tls_certificate = certificate.certificate;
  options.tls_private_key = certificate.private_key;
  StripeMock server(options);
  ASSERT_NO_THROW(server.start());
  EXPECT_EQ(server.base_url(), "https://127.0.0.1:" + std::to_string(server.port()));

  const StripeReply created =
      server.request("POST", "/v1/customers", kStripeTestApiKey, "email=tls%40example.test");
  EXPECT_EQ(created.status, 200) << created.body;
  const std::vector<StripeJournalEntry> journal = server.journal();
  ASSERT_EQ(journal.size(), 1u);
  EXPECT_EQ(journal[0].raw_body, "email=tls%40example.test");
}

}  // namespace
