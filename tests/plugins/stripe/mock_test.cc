// The stripe plugin through the host, against stripe-stateful-mock on 127.0.0.1: charges,
// declines, injected failures, idempotent replays, refunds, customers, metadata and pages.
// Each test works in its own connected account, so the mock's state of other tests is not
// seen.

#include <algorithm>
#include <filesystem>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <nlohmann/json.hpp>

#include "outbound/host.h"
#include "outbound/payment.h"
#include "stripe_mock.h"
#include "test_support.h"

namespace outbound {
namespace {

using nlohmann::json;
using testing::StripeJournalEntry;

class StripeAgainstMock : public testing::StripeMockTest {
 protected:
  void SetUp() override {
    StripeMockTest::SetUp();
    if (HasFatalFailure()) return;
    open_host(json::object());
  }

  // Opens a host whose client "payments" is the stripe plugin on the mock, with `resilience`
  // overriding the defaults (two retries, short backoff). With `log` set, debug lines go there.
  void open_host(const json& resilience, std::ostringstream* log = nullptr) {
    json defaults = {
        {"timeouts", {{"connect_ms", 2000}, {"attempt_ms", 5000}, {"total_ms", 15000}}},
        {"retry",
         {{"max_retries", 2},
          {"initial_backoff_ms", 10},
          {"max_backoff_ms", 50},
          {"jitter", "none"}}}};
    json config = {{"plugin_dirs", {OUTBOUND_PLUGIN_DIR}},
                   {"defaults", defaults},
                   {"clients",
                    {{"payments",
                      {{"plugin", "stripe"},
                       {"settings",
                        {{"base_url", stripe_mock().base_url()},
                         {"api_key", api_key()},
                         {"api_version", "2020-08-27"}}},
                       {"resilience", resilience}}}}}};
    const auto path = dir_.path() / "config.json";
    testing::write_file(path, config.dump(2));
    host_.reset();
    HostOptions options;
    options.config_file = path.string();
    if (log) {
      options.log_level = "trace";
      options.log_destinations.push_back(std::make_shared<spdlog::sinks::ostream_sink_mt>(*log));
    }
    auto host = Host::open(std::move(options));
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = std::move(host).value();
    auto payments = host_->payments();
    ASSERT_TRUE(payments.ok()) << payments.status();
    payments_ = *payments;
  }

  RequestOptions in_account() const { return RequestOptions{account(), {}}; }

  ChargeRequest charge(const std::string& source, MinorUnits amount = 2000) const {
    ChargeRequest request;
    request.amount = amount;
    request.currency = "usd";
    request.source = source;
    request.options = in_account();
    return request;
  }

  // The charges the mock contains in this test's account, read directly from the mock.
  json charges_at_mock() {
    const auto reply =
        stripe_mock().request("GET", "/v1/charges?limit=100", api_key(), "", account());
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.json()["data"];
  }

  std::vector<StripeJournalEntry> posts_to(const std::string& path) {
    std::vector<StripeJournalEntry> posts;
    for (auto& entry : stripe_mock().journal()) {
      if (entry.method == "POST" && entry.path == path) posts.push_back(std::move(entry));
    }
    return posts;
  }

  testing::TempDir dir_;
  std::unique_ptr<Host> host_;
  std::shared_ptr<PaymentGateway> payments_;
};

TEST_F(StripeAgainstMock, ChargesAVisaToken) {
  ChargeRequest request = charge("tok_visa");
  request.description = "order 42";
  Result<Charge> created = payments_->create_charge({}, request);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->id.rfind("ch_", 0), 0u) << created->id;
  EXPECT_EQ(created->amount, 2000);
  EXPECT_EQ(created->currency, "usd");
  EXPECT_EQ(created->status, "succeeded");
  EXPECT_TRUE(created->paid);
  EXPECT_TRUE(created->captured);
  EXPECT_EQ(created->description, "order 42");
  EXPECT_FALSE(created->request_id.empty());
  EXPECT_FALSE(created->idempotent_replayed);

  Result<Charge> fetched = payments_->retrieve_charge({}, {created->id, in_account()});
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  EXPECT_EQ(fetched->id, created->id);
  EXPECT_EQ(fetched->amount_captured, 2000);
  EXPECT_EQ(charges_at_mock().size(), 1u);
}

TEST_F(StripeAgainstMock, SendsStripesHeadersAndOneKeyPerPost) {
  ASSERT_TRUE(payments_->create_charge({}, charge("tok_visa")).ok());
  const auto posts = posts_to("/v1/charges");
  ASSERT_EQ(posts.size(), 1u);
  const StripeJournalEntry& post = posts[0];
  EXPECT_EQ(post.header("authorization"), "Bearer " + std::string(api_key()));
  EXPECT_EQ(post.header("stripe-version"), "2020-08-27");
  EXPECT_EQ(post.header("stripe-account"), account());
  EXPECT_EQ(post.header("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(post.header("user-agent").value_or("").rfind("outbound/", 0), 0u);
  EXPECT_NE(post.header("user-agent").value_or("").find("stripe/1.0.0"), std::string::npos);
  const json agent = json::parse(post.header("x-stripe-client-user-agent").value_or("{}"));
  EXPECT_EQ(agent.value("bindings_version", ""), "1.0.0");
  EXPECT_EQ(agent.value("publisher", ""), "outbound");
  const std::regex uuid_v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  EXPECT_TRUE(std::regex_match(post.header("idempotency-key").value_or(""), uuid_v4))
      << post.header("idempotency-key").value_or("(none)");
  EXPECT_EQ(post.raw_body, "amount=2000&currency=usd&source=tok_visa");

  // A read carries no idempotency key.
  const Result<Page<Charge>> listed =
      payments_->list_charges({}, ListRequest{10, 0, "", {}, in_account()});
  ASSERT_TRUE(listed.ok()) << listed.status();
  for (const auto& entry : stripe_mock().journal()) {
    if (entry.method == "GET") {
      EXPECT_FALSE(entry.header("idempotency-key")) << entry.path;
    }
  }
}

struct Decline {
  const char* token;
  const char* code;
  const char* decline_code;
  const char* param;
};

TEST_F(StripeAgainstMock, EachDeclineTokenGivesItsCodes) {
  const Decline declines[] = {
      {"tok_chargeDeclined", "card_declined", "generic_decline", ""},
      {"tok_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds", ""},
      {"tok_chargeDeclinedFraudulent", "card_declined", "fraudulent", ""},
      {"tok_chargeDeclinedIncorrectCvc", "incorrect_cvc", "", "cvc"},
      {"tok_chargeDeclinedExpiredCard", "expired_card", "", "exp_month"},
      {"tok_chargeDeclinedProcessingError", "processing_error", "", ""},
  };
  for (const Decline& decline : declines) {
    SCOPED_TRACE(decline.token);
    stripe_mock().clear_journal();
    Result<Charge> result = payments_->create_charge({}, charge(decline.token));
    ASSERT_FALSE(result.ok());
    const Status& status = result.status();
    EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status;
    EXPECT_EQ(status.reason(), "card_declined");
    EXPECT_FALSE(status.retryable());
    EXPECT_EQ(status.provider().code, decline.code);
    EXPECT_EQ(status.provider().decline_code, decline.decline_code);
    EXPECT_EQ(status.provider().param, decline.param);
    EXPECT_EQ(status.provider().reply_code, 402);
    EXPECT_FALSE(status.provider().request_id.empty());
    // A decline is final: one request, no retry.
    EXPECT_EQ(posts_to("/v1/charges").size(), 1u);
  }
}

TEST_F(StripeAgainstMock, RateLimitIsReportedNotRetried) {
  Result<Charge> result = payments_->create_charge({}, charge("tok_429"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kResourceExhausted) << result.status();
  EXPECT_EQ(result.status().reason(), "rate_limit");
  EXPECT_EQ(result.status().provider().reply_code, 429);
  EXPECT_EQ(posts_to("/v1/charges").size(), 1u);
  EXPECT_EQ(charges_at_mock().size(), 0u);
}

TEST_F(StripeAgainstMock, ServerErrorIsRetriedWithTheSameKeyAndBody) {
  Result<Charge> result = payments_->create_charge({}, charge("tok_500"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable) << result.status();
  EXPECT_TRUE(result.status().retryable());
  const auto posts = posts_to("/v1/charges");
  ASSERT_EQ(posts.size(), 3u);  // The first attempt and max_retries 2.
  for (const auto& post : posts) {
    EXPECT_EQ(post.header("idempotency-key"), posts[0].header("idempotency-key"));
    EXPECT_EQ(post.raw_body, posts[0].raw_body);
    EXPECT_EQ(post.status, 500);
  }
  EXPECT_EQ(charges_at_mock().size(), 0u);
}

TEST_F(StripeAgainstMock, StoredFailureIsReplayedUnderItsKeyAndLeavesNoCharge) {
  // The mock, like Stripe, keeps the first outcome under the idempotency key: every retry of
  // this call gets the same 500, even though the chain's next outcome is a success.
  const std::string source = "tok_500|tok_visa|" + account();
  Result<Charge> first = payments_->create_charge({}, charge(source));
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().code(), StatusCode::kUnavailable) << first.status();
  const auto posts = posts_to("/v1/charges");
  ASSERT_EQ(posts.size(), 3u);
  std::set<std::string> keys;
  for (const auto& post : posts) keys.insert(post.header("idempotency-key").value_or(""));
  EXPECT_EQ(keys.size(), 1u);
  EXPECT_EQ(charges_at_mock().size(), 0u);

  // A new logical call gets a new key, and the chain moves on to its success.
  Result<Charge> second = payments_->create_charge({}, charge(source));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(charges_at_mock().size(), 1u);
}

TEST_F(StripeAgainstMock, CallersKeyReplaysTheFirstCharge) {
  CallContext context;
  context.idempotency_key = "order-42-" + account();
  Result<Charge> first = payments_->create_charge(context, charge("tok_visa"));
  ASSERT_TRUE(first.ok()) << first.status();
  Result<Charge> again = payments_->create_charge(context, charge("tok_visa"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->id, first->id);
  EXPECT_FALSE(first->idempotent_replayed);
  EXPECT_TRUE(again->idempotent_replayed);
  EXPECT_EQ(charges_at_mock().size(), 1u);

  // The same key with other parameters is refused, and not retried.
  Result<Charge> other = payments_->create_charge(context, charge("tok_visa", 3000));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), StatusCode::kFailedPrecondition) << other.status();
  EXPECT_EQ(other.status().reason(), "idempotency_error");
  EXPECT_EQ(charges_at_mock().size(), 1u);
}

TEST_F(StripeAgainstMock, BadAmountsNeverReachStripe) {
  for (MinorUnits amount : {MinorUnits{-1}, MinorUnits{0}}) {
    Result<Charge> result = payments_->create_charge({}, charge("tok_visa", amount));
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << result.status();
  }
  ChargeRequest dinar = charge("tok_visa", 5125);
  dinar.currency = "kwd";
  Result<Charge> result = payments_->create_charge({}, dinar);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("5120 or 5130"), std::string::npos);
  EXPECT_TRUE(stripe_mock().journal().empty());
}

TEST_F(StripeAgainstMock, ZeroDecimalAmountsAreWholeUnits) {
  ChargeRequest yen = charge("tok_visa", 500);
  yen.currency = "JPY";
  Result<Charge> created = payments_->create_charge({}, yen);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->amount, 500);
  EXPECT_EQ(created->currency, "jpy");
  EXPECT_EQ(posts_to("/v1/charges").at(0).raw_body, "amount=500&currency=jpy&source=tok_visa");
}

TEST_F(StripeAgainstMock, RefundsInPartThenInFullThenRefuses) {
  Result<Charge> created = payments_->create_charge({}, charge("tok_visa"));
  ASSERT_TRUE(created.ok()) << created.status();

  RefundRequest partial;
  partial.charge = created->id;
  partial.amount = 500;
  partial.reason = "requested_by_customer";
  partial.options = in_account();
  Result<Refund> first = payments_->create_refund({}, partial);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->amount, 500);
  EXPECT_EQ(first->charge, created->id);
  EXPECT_EQ(first->status, "succeeded");

  RefundRequest rest;
  rest.charge = created->id;
  rest.options = in_account();
  Result<Refund> second = payments_->create_refund({}, rest);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->amount, 1500);

  Result<Charge> refunded = payments_->retrieve_charge({}, {created->id, in_account()});
  ASSERT_TRUE(refunded.ok()) << refunded.status();
  EXPECT_TRUE(refunded->refunded);
  EXPECT_EQ(refunded->amount_refunded, 2000);

  Result<Refund> again = payments_->create_refund({}, rest);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition) << again.status();
  EXPECT_EQ(again.status().reason(), "charge_already_refunded");

  Result<Refund> fetched = payments_->retrieve_refund({}, {first->id, in_account()});
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  EXPECT_EQ(fetched->amount, 500);
  Result<Page<Refund>> refunds =
      payments_->list_refunds({}, ListRequest{100, 0, "", {}, in_account()});
  ASSERT_TRUE(refunds.ok()) << refunds.status();
  EXPECT_EQ(refunds->data.size(), 2u);
}

TEST_F(StripeAgainstMock, UnknownIdIsNotFound) {
  Result<Charge> result = payments_->retrieve_charge({}, {"ch_doesnotexist", in_account()});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kNotFound) << result.status();
  EXPECT_EQ(result.status().reason(), "resource_missing");
  EXPECT_EQ(result.status().provider().reply_code, 404);
}

TEST_F(StripeAgainstMock, IdsThatAreNotStripeIdsNeverReachIt) {
  for (const char* id : {"", "ch_1/../../v1/customers", "ch 1", "ch_1?x=y"}) {
    Result<Charge> result = payments_->retrieve_charge({}, {id, in_account()});
    ASSERT_FALSE(result.ok()) << id;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << result.status();
  }
  EXPECT_TRUE(stripe_mock().journal().empty());
}

TEST_F(StripeAgainstMock, MetadataRoundTripsExactly) {
  ChargeRequest request = charge("tok_visa");
  request.metadata = {{"order_id", "6735"},
                      {"k&=#", "v&=#[] +%20%"},
                      {"\xD0\xBA\xD0\xBB\xD1\x8E\xD1\x87", "\xC3\xA9\xF0\x9F\x98\x80 \xE4\xB8\xAD"},
                      {"spaces in key", "line\nbreak\ttab"}};
  Result<Charge> created = payments_->create_charge({}, request);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->metadata, request.metadata);
  Result<Charge> fetched = payments_->retrieve_charge({}, {created->id, in_account()});
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  EXPECT_EQ(fetched->metadata, request.metadata);
}

TEST_F(StripeAgainstMock, AuthorisesThenCaptures) {
  ChargeRequest request = charge("tok_visa");
  request.capture = false;
  Result<Charge> held = payments_->create_charge({}, request);
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_FALSE(held->captured);
  EXPECT_EQ(posts_to("/v1/charges").at(0).raw_body,
            "amount=2000&currency=usd&source=tok_visa&capture=false");

  Result<Charge> captured = payments_->capture_charge({}, {held->id, 1500, in_account()});
  ASSERT_TRUE(captured.ok()) << captured.status();
  EXPECT_TRUE(captured->captured);
  EXPECT_EQ(captured->amount_captured, 1500);
}

TEST_F(StripeAgainstMock, PagesThroughEveryChargeKeepingFilters) {
  CustomerRequest new_customer;
  new_customer.email = "pages@example.test";
  new_customer.source = "tok_visa";
  new_customer.options = in_account();
  Result<Customer> customer = payments_->create_customer({}, new_customer);
  ASSERT_TRUE(customer.ok()) << customer.status();
  std::set<std::string> made;
  for (int i = 0; i < 7; ++i) {
    ChargeRequest request = charge("tok_visa", 100 + i);
    Result<Charge> created = payments_->create_charge({}, request);
    ASSERT_TRUE(created.ok()) << created.status();
    made.insert(created->id);
  }
  stripe_mock().clear_journal();

  ListRequest list{3, 0, "", {}, in_account()};
  Result<Page<Charge>> all = payments_->list_charges({}, list);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->data.size(), 7u);
  EXPECT_EQ(all->pages_fetched, 3);
  EXPECT_FALSE(all->has_more);
  std::set<std::string> seen;
  for (const Charge& c : all->data) seen.insert(c.id);
  EXPECT_EQ(seen, made);

  list.max_items = 4;
  Result<Page<Charge>> some = payments_->list_charges({}, list);
  ASSERT_TRUE(some.ok()) << some.status();
  EXPECT_EQ(some->data.size(), 4u);
  EXPECT_TRUE(some->has_more);
  EXPECT_EQ(some->pages_fetched, 2);

  // A filter travels on every page.
  stripe_mock().clear_journal();
  ListRequest filtered{3, 0, "", {{"customer", customer->id}}, in_account()};
  Result<Page<Charge>> none = payments_->list_charges({}, filtered);
  ASSERT_TRUE(none.ok()) << none.status();
  for (const auto& entry : stripe_mock().journal()) {
    EXPECT_EQ(entry.query.value("customer", ""), customer->id) << entry.query.dump();
    EXPECT_EQ(entry.query.value("limit", ""), "3");
  }
}

TEST_F(StripeAgainstMock, CreatesReadsAndUpdatesACustomer) {
  CustomerRequest request;
  request.email = "ada@example.test";
  request.name = "Ada";
  request.metadata = {{"tier", "gold"}, {"drop", "me"}};
  request.options = in_account();
  Result<Customer> created = payments_->create_customer({}, request);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->id.rfind("cus_", 0), 0u);
  EXPECT_EQ(created->email, "ada@example.test");

  CustomerUpdate update;
  update.id = created->id;
  update.email = "ada@lovelace.test";
  update.metadata = {{"drop", ""}, {"tier", "platinum"}};
  update.options = in_account();
  Result<Customer> updated = payments_->update_customer({}, update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->email, "ada@lovelace.test");
  // Only the fields set are sent, and an empty value requests that Stripe remove the key. (The mock
  // does neither in its stored object: it clears the name and keeps the key with an empty
  // value, so the request is what this test checks.)
  const auto posts = posts_to("/v1/customers/" + created->id);
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].raw_body, "email=ada%40lovelace.test&metadata[drop]=&metadata[tier]=platinum");

  Result<Customer> fetched = payments_->retrieve_customer({}, {created->id, in_account()});
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  EXPECT_EQ(fetched->email, "ada@lovelace.test");
  EXPECT_EQ(fetched->metadata.at("tier"), "platinum");
}

TEST_F(StripeAgainstMock, TraceLogsNeverShowTheKey) {
  std::ostringstream log;
  open_host(json::object(), &log);
  ChargeRequest request = charge("tok_visa");
  request.metadata = {{"order", "42"}};
  ASSERT_TRUE(payments_->create_charge({}, request).ok());
  ASSERT_FALSE(payments_->create_charge({}, charge("tok_chargeDeclined")).ok());
  ASSERT_FALSE(payments_->create_charge({}, charge("tok_500")).ok());
  host_.reset();
  const std::string lines = log.str();
  EXPECT_NE(lines.find("stripe POST /v1/charges -> 200"), std::string::npos) << lines;
  EXPECT_NE(lines.find("stripe POST /v1/charges -> 402"), std::string::npos) << lines;
  EXPECT_EQ(lines.find(api_key()), std::string::npos) << lines;
  // Only the credential is masked: the headers after it stay readable.
  EXPECT_NE(lines.find("Authorization: [REDACTED]; Stripe-Version: 2020-08-27"), std::string::npos)
      << lines;
  EXPECT_NE(lines.find("Idempotency-Key: "), std::string::npos) << lines;
  // The secret part of the key is masked wherever it might appear.
  EXPECT_EQ(lines.find("outbound_tests"), std::string::npos) << lines;
}

TEST_F(StripeAgainstMock, ConcurrentCallsEachMakeOneCharge) {
  constexpr int kThreads = 8;
  constexpr int kChargesEach = 5;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kChargesEach; ++i) {
        if (!payments_->create_charge({}, charge("tok_visa", 100 + t)).ok()) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(std::count(failures.begin(), failures.end(), 0), kThreads);
  EXPECT_EQ(charges_at_mock().size(), static_cast<std::size_t>(kThreads * kChargesEach));
  std::set<std::string> keys;
  for (const auto& post : posts_to("/v1/charges")) {
    keys.insert(post.header("idempotency-key").value_or(""));
  }
  EXPECT_EQ(keys.size(), static_cast<std::size_t>(kThreads * kChargesEach));
}

TEST_F(StripeAgainstMock, HealthCheckReachesTheApi) {
  EXPECT_TRUE(payments_->health_check({}).ok());
}

TEST_F(StripeAgainstMock, WrongKeyIsUnauthenticatedAndNeverQuoted) {
  stripe_mock().clear_journal();
  json config = {
      {"plugin_dirs", {OUTBOUND_PLUGIN_DIR}},
      {"clients",
       {{"payments",
         {{"plugin", "stripe"},
          {"settings",
           {{"base_url", stripe_mock().base_url()}, {"api_key", "rk_test_restrictedkey123"}}}}}}}};
  // The mock takes only sk_test_ keys, so it refuses this restricted key with a 401.
  const auto path = dir_.path() / "wrong-key.json";
  testing::write_file(path, config.dump());
  HostOptions options;
  options.config_file = path.string();
  auto host = Host::open(std::move(options));
  ASSERT_TRUE(host.ok()) << host.status();
  auto payments = (*host)->payments();
  ASSERT_TRUE(payments.ok());
  Result<Charge> result = (*payments)->create_charge({}, charge("tok_visa"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kUnauthenticated) << result.status();
  EXPECT_EQ(result.status().message().find("rk_test_restrictedkey123"), std::string::npos)
      << result.status();
}

}  // namespace
}  // namespace outbound
