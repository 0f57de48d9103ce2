// The stripe plugin through the host against WireMock on 127.0.0.1: faults in front of
// stripe-stateful-mock (WireMock fails the first POST and proxies the later ones to the mock),
// and Stripe-shaped stubs for what the mock lacks: PaymentIntents, Stripe-Should-Retry, lock
// timeouts, odd list pages and bodies that are not JSON.

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "outbound/host.h"
#include "outbound/payment.h"
#include "stripe/webhook.h"
#include "stripe_mock.h"
#include "test_support.h"
#include "wiremock.h"

namespace outbound {
namespace {

using nlohmann::json;
using testing::LoggedRequest;

constexpr const char* kApiKey = testing::kStripeTestApiKey;
constexpr const char* kWebhookSecret = "whsec_wiremock_tests";

class StripeThroughWireMock : public testing::WireMockTest {
 protected:
  // Opens a host whose client "payments" is the stripe plugin on WireMock, with the attempt
  // and total timeouts given and two retries after 10 ms.
  void open_host(int attempt_ms = 2000, int total_ms = 8000,
                 const json& circuit_breaker = json::object()) {
    json config = {{"plugin_dirs", {OUTBOUND_PLUGIN_DIR}},
                   {"defaults",
                    {{"timeouts",
                      {{"connect_ms", std::min(attempt_ms, 1000)},
                       {"attempt_ms", attempt_ms},
                       {"total_ms", total_ms}}},
                     {"retry",
                      {{"max_retries", 2},
                       {"initial_backoff_ms", 10},
                       {"max_backoff_ms", 20},
                       {"jitter", "none"}}},
                     {"circuit_breaker", circuit_breaker}}},
                   {"clients",
                    {{"payments",
                      {{"plugin", "stripe"},
                       {"settings",
                        {{"base_url", wiremock().base_url()},
                         {"api_key", kApiKey},
                         {"webhook_secret", kWebhookSecret}}}}}}}};
    const auto path = dir_.path() / "config.json";
    testing::write_file(path, config.dump(2));
    HostOptions options;
    options.config_file = path;
    auto host = Host::open(std::move(options));
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = std::move(host).value();
    auto payments = host_->payments();
    ASSERT_TRUE(payments.ok()) << payments.status();
    payments_ = *payments;
  }

  // Stubs `method path` to reply with `first` once, then with `then` for every later request.
  void stub_sequence(const std::string& method, const std::string& path, const json& first,
                     const json& then) {
    const std::string scenario = method + path;
    wiremock().stub(json{
        {"scenarioName", scenario},
        {"requiredScenarioState", "Started"},
        {"newScenarioState", "after-first"},
        {"request", {{"method", method}, {"urlPath", path}}},
        {"response",
         first}}.dump());
    wiremock().stub(json{
        {"scenarioName", scenario},
        {"requiredScenarioState", "after-first"},
        {"request", {{"method", method}, {"urlPath", path}}},
        {"response",
         then}}.dump());
  }

  std::vector<LoggedRequest> requests_to(const std::string& method, const std::string& path) {
    std::vector<LoggedRequest> found;
    for (auto& request : wiremock().requests()) {
      const std::string url_path = request.url.substr(0, request.url.find('?'));
      if (request.method == method && url_path == path) found.push_back(std::move(request));
    }
    return found;
  }

  static void expect_one_key_and_body(const std::vector<LoggedRequest>& requests) {
    ASSERT_FALSE(requests.empty());
    const auto key = requests[0].header("Idempotency-Key");
    ASSERT_TRUE(key.has_value());
    for (const auto& request : requests) {
      EXPECT_EQ(request.header("Idempotency-Key"), key);
      EXPECT_EQ(request.body, requests[0].body);
    }
  }

  static json stripe_json(int status, const json& body, json headers = json::object()) {
    headers["Content-Type"] = "application/json";
    if (!headers.contains("Request-Id")) headers["Request-Id"] = "req_wiremock";
    return {{"status", status}, {"jsonBody", body}, {"headers", headers}};
  }

  testing::TempDir dir_;
  std::unique_ptr<Host> host_;
  std::shared_ptr<PaymentGateway> payments_;
};

ChargeRequest visa_charge(const std::string& account) {
  ChargeRequest request;
  request.amount = 2000;
  request.currency = "usd";
  request.source = "tok_visa";
  request.options.account = account;
  return request;
}

// The fault sequences in front of the real mock: after each, the mock contains exactly one charge.
class StripeFaultsBeforeMock : public StripeThroughWireMock {
 protected:
  void SetUp() override {
    StripeThroughWireMock::SetUp();
    if (HasFatalFailure()) return;
    mock_ = &testing::shared_stripe_mock();
    account_ = mock_->new_account(kApiKey);
    proxy_ = {{"proxyBaseUrl", mock_->base_url()}};
  }

  std::size_t charges_at_mock() const {
    const auto reply = mock_->request("GET", "/v1/charges?limit=100", kApiKey, "", account_);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.json()["data"].size();
  }

  testing::StripeMock* mock_ = nullptr;
  std::string account_;
  json proxy_;
};

TEST_F(StripeFaultsBeforeMock, ServerErrorThenSuccessMakesOneCharge) {
  open_host();
  stub_sequence("POST", "/v1/charges",
                stripe_json(500, {{"error", {{"type", "api_error"}, {"message", "boom"}}}}),
                proxy_);
  Result<Charge> charge = payments_->create_charge({}, visa_charge(account_));
  ASSERT_TRUE(charge.ok()) << charge.status();
  const auto posts = requests_to("POST", "/v1/charges");
  EXPECT_EQ(posts.size(), 2u);
  expect_one_key_and_body(posts);
  EXPECT_EQ(charges_at_mock(), 1u);
}

TEST_F(StripeFaultsBeforeMock, DroppedConnectionThenSuccessMakesOneCharge) {
  open_host();
  stub_sequence("POST", "/v1/charges", {{"fault", "CONNECTION_RESET_BY_PEER"}}, proxy_);
  Result<Charge> charge = payments_->create_charge({}, visa_charge(account_));
  ASSERT_TRUE(charge.ok()) << charge.status();
  const auto posts = requests_to("POST", "/v1/charges");
  EXPECT_EQ(posts.size(), 2u);
  expect_one_key_and_body(posts);
  EXPECT_EQ(charges_at_mock(), 1u);
}

TEST_F(StripeFaultsBeforeMock, LostResponseIsReplayedNotRepeated) {
  // The first POST reaches the mock, which makes the charge, but its reply comes after the
  // attempt's deadline. The retry carries the same key, so the mock replays that charge.
  open_host(/*attempt_ms=*/600, /*total_ms=*/8000);
  json slow = proxy_;
  slow["fixedDelayMilliseconds"] = 1500;
  stub_sequence("POST", "/v1/charges", slow, proxy_);
  Result<Charge> charge = payments_->create_charge({}, visa_charge(account_));
  ASSERT_TRUE(charge.ok()) << charge.status();
  EXPECT_TRUE(charge->idempotent_replayed);
  const auto posts = requests_to("POST", "/v1/charges");
  EXPECT_EQ(posts.size(), 2u);
  expect_one_key_and_body(posts);
  EXPECT_EQ(charges_at_mock(), 1u);
}

json payment_intent(const std::string& status, json extra = json::object()) {
  json intent = {{"id", "pi_3Test"},
                 {"object", "payment_intent"},
                 {"amount", 2000},
                 {"amount_capturable", status == "requires_capture" ? 2000 : 0},
                 {"amount_received", status == "succeeded" ? 2000 : 0},
                 {"currency", "usd"},
                 {"status", status},
                 {"capture_method", "manual"},
                 {"client_secret", "pi_3Test_secret_abcdef"},
                 {"customer", nullptr},
                 {"payment_method", "pm_card_visa"},
                 {"latest_charge", nullptr},
                 {"metadata", {{"order", "42"}}},
                 {"created", 1764800000},
                 {"livemode", false}};
  intent.update(extra);
  return intent;
}

TEST_F(StripeThroughWireMock, PaymentIntentLifecycle) {
  open_host();
  wiremock().stub(json{{"request",
                        {{"method", "POST"},
                         {"urlPath", "/v1/payment_intents"},
                         {"bodyPatterns",
                          {{{"equalTo",
                             "amount=2000&currency=usd&payment_method=pm_card_visa"
                             "&payment_method_types[0]=card&metadata[order]=42&confirm=true"
                             "&capture_method=manual"}}}}}},
                       {"response", stripe_json(200, payment_intent("requires_capture"))}}
                      .dump());
  wiremock().stub(json{
      {"request",
       {{"method", "POST"},
        {"urlPath", "/v1/payment_intents/pi_3Test/capture"},
        {"bodyPatterns", {{{"equalTo", "amount_to_capture=1500"}}}}}},
      {"response", stripe_json(200, payment_intent("succeeded", {{"amount_received", 1500},
                                                                 {"latest_charge", "ch_3Test"}}))}}
                      .dump());
  wiremock().stub(
      json{{"request", {{"method", "POST"}, {"urlPath", "/v1/payment_intents/pi_3Test/confirm"}}},
           {"response", stripe_json(200, payment_intent("requires_capture"))}}
          .dump());
  wiremock().stub(
      json{{"request",
            {{"method", "POST"},
             {"urlPath", "/v1/payment_intents/pi_3Test/cancel"},
             {"bodyPatterns", {{{"equalTo", "cancellation_reason=abandoned"}}}}}},
           {"response",
            stripe_json(200, payment_intent("canceled", {{"cancellation_reason", "abandoned"}}))}}
          .dump());
  wiremock().stub(
      json{{"request", {{"method", "GET"}, {"urlPath", "/v1/payment_intents/pi_3Test"}}},
           {"response", stripe_json(200, payment_intent("succeeded"))}}
          .dump());

  PaymentIntentRequest request;
  request.amount = 2000;
  request.currency = "usd";
  request.payment_method = "pm_card_visa";
  request.payment_method_types = {"card"};
  request.metadata = {{"order", "42"}};
  request.confirm = true;
  request.capture_method = "manual";
  Result<PaymentIntent> created = payments_->create_payment_intent({}, request);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->id, "pi_3Test");
  EXPECT_EQ(created->status, "requires_capture");
  EXPECT_EQ(created->amount_capturable, 2000);
  EXPECT_EQ(created->client_secret.expose(), "pi_3Test_secret_abcdef");
  EXPECT_EQ(created->raw_json.find("pi_3Test_secret_abcdef"), std::string::npos);
  EXPECT_EQ(created->request_id, "req_wiremock");

  Result<PaymentIntent> confirmed = payments_->confirm_payment_intent({}, {"pi_3Test", "", "", {}});
  ASSERT_TRUE(confirmed.ok()) << confirmed.status();

  Result<PaymentIntent> captured = payments_->capture_payment_intent({}, {"pi_3Test", 1500, {}});
  ASSERT_TRUE(captured.ok()) << captured.status();
  EXPECT_EQ(captured->status, "succeeded");
  EXPECT_EQ(captured->amount_received, 1500);
  EXPECT_EQ(captured->latest_charge, "ch_3Test");

  Result<PaymentIntent> canceled =
      payments_->cancel_payment_intent({}, {"pi_3Test", "abandoned", {}});
  ASSERT_TRUE(canceled.ok()) << canceled.status();
  EXPECT_EQ(canceled->cancellation_reason, "abandoned");

  Result<PaymentIntent> fetched = payments_->retrieve_payment_intent({}, {"pi_3Test", {}});
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  EXPECT_EQ(fetched->metadata.at("order"), "42");

  // Every POST had its own key; none was sent twice.
  std::set<std::string> keys;
  int posts = 0;
  for (const auto& logged : wiremock().requests()) {
    if (logged.method != "POST") continue;
    ++posts;
    keys.insert(logged.header("Idempotency-Key").value_or(""));
  }
  EXPECT_EQ(posts, 4);
  EXPECT_EQ(keys.size(), 4u);
}

TEST_F(StripeThroughWireMock, PaymentIntentDeclineKeepsItsDetails) {
  open_host();
  wiremock().stub(json{
      {"request", {{"method", "POST"}, {"urlPath", "/v1/payment_intents"}}},
      {"response", stripe_json(402,
                               {{"error",
                                 {{"type", "card_error"},
                                  {"code", "card_declined"},
                                  {"decline_code", "do_not_honor"},
                                  {"message", "Your card was declined."},
                                  {"payment_intent", payment_intent("requires_payment_method")}}}},
                               {{"Request-Id", "req_decline"}})}}
                      .dump());
  PaymentIntentRequest request;
  request.amount = 2000;
  request.currency = "usd";
  request.payment_method = "pm_card_chargeDeclined";
  request.confirm = true;
  Result<PaymentIntent> result = payments_->create_payment_intent({}, request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().reason(), "card_declined");
  EXPECT_EQ(result.status().provider().decline_code, "do_not_honor");
  EXPECT_EQ(result.status().provider().request_id, "req_decline");
  EXPECT_EQ(requests_to("POST", "/v1/payment_intents").size(), 1u);
}

TEST_F(StripeThroughWireMock, ShouldRetryTrueRetriesEvenA400) {
  open_host();
  stub_sequence("POST", "/v1/payment_intents",
                stripe_json(400, {{"error", {{"type", "invalid_request_error"}}}},
                            {{"Stripe-Should-Retry", "true"}}),
                stripe_json(200, payment_intent("requires_payment_method")));
  PaymentIntentRequest request;
  request.amount = 2000;
  request.currency = "usd";
  Result<PaymentIntent> result = payments_->create_payment_intent({}, request);
  ASSERT_TRUE(result.ok()) << result.status();
  const auto posts = requests_to("POST", "/v1/payment_intents");
  EXPECT_EQ(posts.size(), 2u);
  expect_one_key_and_body(posts);
}

TEST_F(StripeThroughWireMock, ShouldRetryFalseStopsEvenA503) {
  open_host();
  wiremock().stub(json{{"request", {{"method", "POST"}, {"urlPath", "/v1/payment_intents"}}},
                       {"response", stripe_json(503, {{"error", {{"type", "api_error"}}}},
                                                {{"Stripe-Should-Retry", "false"}})}}
                      .dump());
  PaymentIntentRequest request;
  request.amount = 2000;
  request.currency = "usd";
  Result<PaymentIntent> result = payments_->create_payment_intent({}, request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(result.status().retryable());
  EXPECT_EQ(requests_to("POST", "/v1/payment_intents").size(), 1u);
}

TEST_F(StripeThroughWireMock, LockTimeoutAndKeyInUseAreRetried) {
  open_host();
  stub_sequence(
      "POST", "/v1/charges",
      stripe_json(429, {{"error", {{"type", "invalid_request_error"}, {"code", "lock_timeout"}}}}),
      stripe_json(
          409, {{"error", {{"type", "idempotency_error"}, {"code", "idempotency_key_in_use"}}}}));
  Result<Charge> result = payments_->create_charge({}, visa_charge(""));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kAborted) << result.status();
  const auto posts = requests_to("POST", "/v1/charges");
  EXPECT_EQ(posts.size(), 3u);
  expect_one_key_and_body(posts);
}

TEST_F(StripeThroughWireMock, ResetOnAPostIsRetriedWithTheSameKey) {
  open_host();
  stub_sequence("POST", "/v1/payment_intents/pi_3Test/capture",
                {{"fault", "CONNECTION_RESET_BY_PEER"}},
                stripe_json(200, payment_intent("succeeded")));
  Result<PaymentIntent> result = payments_->capture_payment_intent({}, {"pi_3Test", {}, {}});
  ASSERT_TRUE(result.ok()) << result.status();
  const auto posts = requests_to("POST", "/v1/payment_intents/pi_3Test/capture");
  EXPECT_EQ(posts.size(), 2u);
  expect_one_key_and_body(posts);
}

TEST_F(StripeThroughWireMock, DelayPastTheDeadlineEndsTheCall) {
  open_host(/*attempt_ms=*/400, /*total_ms=*/1000);
  wiremock().stub(
      json{{"request", {{"method", "GET"}, {"urlPath", "/v1/payment_intents/pi_3Test"}}},
           {"response",
            {{"status", 200},
             {"fixedDelayMilliseconds", 5000},
             {"jsonBody", payment_intent("succeeded")}}}}
          .dump());
  const auto started = std::chrono::steady_clock::now();
  Result<PaymentIntent> result = payments_->retrieve_payment_intent({}, {"pi_3Test", {}});
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kDeadlineExceeded) << result.status();
  EXPECT_LT(elapsed, std::chrono::milliseconds(1300));
  EXPECT_GE(elapsed, std::chrono::milliseconds(900));
}

TEST_F(StripeThroughWireMock, EmptyPageEndsTheListing) {
  open_host();
  const json charge = {{"id", "ch_1"}, {"object", "charge"}, {"amount", 100}, {"currency", "usd"}};
  wiremock().stub(json{
      {"request",
       {{"method", "GET"},
        {"urlPath", "/v1/charges"},
        {"queryParameters", {{"starting_after", {{"absent", true}}}}}}},
      {"response",
       stripe_json(200, {{"object", "list"}, {"has_more", true}, {"data", json::array({charge})}})}}
                      .dump());
  wiremock().stub(json{
      {"request",
       {{"method", "GET"},
        {"urlPath", "/v1/charges"},
        {"queryParameters",
         {{"starting_after", {{"equalTo", "ch_1"}}}, {"status", {{"equalTo", "succeeded"}}}}}}},
      {"response",
       stripe_json(200, {{"object", "list"}, {"has_more", true}, {"data", json::array()}})}}
                      .dump());
  ListRequest request;
  request.page_size = 1;
  request.filters = {{"status", "succeeded"}};
  Result<Page<Charge>> page = payments_->list_charges({}, request);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->data.size(), 1u);
  EXPECT_EQ(page->pages_fetched, 2);
  EXPECT_FALSE(page->has_more);
}

TEST_F(StripeThroughWireMock, WebhooksVerifyWhileTheBreakerIsOpen) {
  open_host(2000, 8000, {{"minimum_calls", 2}, {"window", {{"type", "count"}, {"size", 2}}}});
  wiremock().stub(R"({"request":{"method":"POST","urlPath":"/v1/charges"},
                      "response":{"status":503,"jsonBody":{"error":{"type":"api_error"}}}})");
  ASSERT_FALSE(payments_->create_charge({}, visa_charge("")).ok());
  Result<Charge> rejected = payments_->create_charge({}, visa_charge(""));
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.status().reason(), "circuit_open") << rejected.status();

  const std::string payload = R"({"id":"evt_1","object":"event","type":"charge.succeeded",)"
                              R"("created":1764800000,"data":{"object":{"id":"ch_1"}}})";
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const std::string header =
      "t=" + std::to_string(now) + ",v1=" + stripe::webhook_signature(kWebhookSecret, now, payload);
  Result<WebhookEvent> event = payments_->verify_webhook({}, {payload, header});
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->id, "evt_1");
  EXPECT_EQ(event->type, "charge.succeeded");
}

TEST_F(StripeThroughWireMock, SuccessThatIsNotJsonIsAClearError) {
  open_host();
  wiremock().stub(R"({"request":{"method":"POST","urlPath":"/v1/charges"},
                      "response":{"status":200,"body":"<html>proxy login</html>"}})");
  Result<Charge> result = payments_->create_charge({}, visa_charge(""));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(result.status().reason(), "unexpected_response");
  EXPECT_FALSE(result.status().retryable());
  EXPECT_EQ(requests_to("POST", "/v1/charges").size(), 1u);
}

}  // namespace
}  // namespace outbound
