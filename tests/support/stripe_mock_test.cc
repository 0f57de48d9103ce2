#include "stripe_mock.h"

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "peer_probes.h"
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
  outbound::testing::expect_loopback_only(stripe_mock().port());
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
  EXPECT_TRUE(outbound::testing::process_exists(pid));

  server.stop();
  outbound::testing::expect_stopped(server, pid, port);
}

TEST(StripeMock, DestructorStopsNode) {
  pid_t pid = -1;
  {
    StripeMock server;
    ASSERT_NO_THROW(server.start());
    pid = server.pid();
  }
  EXPECT_FALSE(outbound::testing::process_exists(pid));
}

TEST(StripeMock, MissingPackageNamesSetup) {
  TempDir empty_modules;
  StripeMockOptions options;
  options.node_modules = empty_modules.path();
  StripeMock server(options);
  const std::string message = outbound::testing::start_error(server, "without the npm package");
  EXPECT_NE(message.find("exited with status 2"), std::string::npos) << message;
  EXPECT_NE(message.find("scripts/setup.sh"), std::string::npos) << message;
  // The launcher's own line, from node's output.
  EXPECT_NE(message.find("cannot load the npm package stripe-stateful-mock"), std::string::npos)
      << message;
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
  const std::string message = outbound::testing::start_error(server, "without a READY line");
  EXPECT_NE(message.find("did not print READY within 500 ms"), std::string::npos) << message;
  EXPECT_NE(message.find("starting"), std::string::npos) << message;
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
