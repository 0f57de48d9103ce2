#include "outbound/async.h"

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include "fake_clients.h"

namespace outbound {
namespace {

using std::chrono::milliseconds;
using testing::FakeAuth;
using testing::FakeMail;
using testing::FakePayments;
using testing::Latch;
using testing::quick_policy;

using PaymentRig = testing::Rig<FakePayments, AsyncPaymentGateway>;
using AuthRig = testing::Rig<FakeAuth, AsyncAuthProvider>;
using MailRig = testing::Rig<FakeMail, AsyncMailSender>;

constexpr auto kWait = std::chrono::seconds(10);

ChargeRequest charge_request(const std::string& description) {
  ChargeRequest request;
  request.amount = 1250;
  request.currency = "eur";
  request.description = description;
  return request;
}

/// Waits for `future` at most kWait; a test fails rather than hangs when a call never ends.
template <typename T>
T get(std::future<T>& future) {
  if (future.wait_for(kWait) != std::future_status::ready) {
    ADD_FAILURE() << "the async call did not complete within 10 s";
    std::abort();
  }
  return future.get();
}

/// Returns a future that a completion handler fulfils, and the handler.
template <typename T>
std::pair<std::future<Result<T>>, Completion<T>> handler_future() {
  auto promise = std::make_shared<std::promise<Result<T>>>();
  auto future = promise->get_future();
  return {std::move(future),
          [promise](Result<T> result) { promise->set_value(std::move(result)); }};
}

TEST(HostAsync, FutureAndHandlerMatchSync) {
  PaymentRig rig;
  auto sync = std::static_pointer_cast<PaymentGateway>(rig.hosted);

  const Result<Charge> direct = sync->create_charge(CallContext{}, charge_request("order-7"));
  auto future = rig.async->create_charge(CallContext{}, charge_request("order-7"));
  auto [handled, handler] = handler_future<Charge>();
  rig.async->create_charge(CallContext{}, charge_request("order-7"), handler);
  Result<Charge> from_future = get(future);
  Result<Charge> from_handler = get(handled);

  ASSERT_TRUE(direct.ok()) << direct.status();
  ASSERT_TRUE(from_future.ok()) << from_future.status();
  ASSERT_TRUE(from_handler.ok()) << from_handler.status();
  EXPECT_EQ(from_future->id, direct->id);
  EXPECT_EQ(from_handler->id, direct->id);
  EXPECT_EQ(from_future->amount, direct->amount);
  EXPECT_EQ(from_handler->currency, direct->currency);
  EXPECT_EQ(rig.fake->calls(), 3u);
}

TEST(HostAsync, FailuresMatchSync) {
  PaymentRig rig;
  rig.fake->fail_with(Status::not_found("no such charge: ch_404").set_reason("resource_missing"));
  auto sync = std::static_pointer_cast<PaymentGateway>(rig.hosted);
  RetrieveRequest request;
  request.id = "ch_404";

  const Result<Charge> direct = sync->retrieve_charge(CallContext{}, request);
  auto future = rig.async->retrieve_charge(CallContext{}, request);
  auto [handled, handler] = handler_future<Charge>();
  rig.async->retrieve_charge(CallContext{}, request, handler);
  Result<Charge> from_future = get(future);
  Result<Charge> from_handler = get(handled);

  ASSERT_FALSE(direct.ok());
  EXPECT_EQ(from_future.status(), direct.status());
  EXPECT_EQ(from_handler.status(), direct.status());
  EXPECT_EQ(from_future.status().reason(), "resource_missing");
  EXPECT_EQ(from_handler.status().reason(), "resource_missing");
}

TEST(HostAsync, EveryPaymentOperationReachesItsMethod) {
  PaymentRig rig;
  const CallContext none;
  RetrieveRequest retrieve;
  retrieve.id = "id_1";
  CaptureRequest capture;
  capture.id = "id_2";

  std::vector<std::pair<std::string, std::string>> got;  // method, returned id
  auto keep = [&got](const char* method, const auto& result) {
    got.emplace_back(method, result.ok() ? result->id : result.status().to_string());
  };
  auto f1 = rig.async->create_charge(none, charge_request("c"));
  auto f2 = rig.async->capture_charge(none, capture);
  auto f3 = rig.async->retrieve_charge(none, retrieve);
  auto f4 = rig.async->list_charges(none, ListRequest{});
  auto f5 = rig.async->create_payment_intent(none, PaymentIntentRequest{});
  auto f6 = rig.async->confirm_payment_intent(none, ConfirmPaymentIntentRequest{});
  auto f7 = rig.async->capture_payment_intent(none, capture);
  auto f8 = rig.async->cancel_payment_intent(none, CancelPaymentIntentRequest{});
  auto f9 = rig.async->retrieve_payment_intent(none, retrieve);
  auto f10 = rig.async->create_refund(none, RefundRequest{});
  auto f11 = rig.async->retrieve_refund(none, retrieve);
  auto f12 = rig.async->list_refunds(none, ListRequest{});
  auto f13 = rig.async->create_customer(none, CustomerRequest{});
  auto f14 = rig.async->retrieve_customer(none, retrieve);
  auto f15 = rig.async->update_customer(none, CustomerUpdate{});
  auto f16 = rig.async->verify_webhook(none, WebhookVerifyRequest{});
  keep("create_charge", get(f1));
  keep("capture_charge", get(f2));
  keep("retrieve_charge", get(f3));
  EXPECT_TRUE(get(f4).ok());
  keep("create_payment_intent", get(f5));
  keep("confirm_payment_intent", get(f6));
  keep("capture_payment_intent", get(f7));
  keep("cancel_payment_intent", get(f8));
  keep("retrieve_payment_intent", get(f9));
  keep("create_refund", get(f10));
  keep("retrieve_refund", get(f11));
  EXPECT_TRUE(get(f12).ok());
  keep("create_customer", get(f13));
  keep("retrieve_customer", get(f14));
  keep("update_customer", get(f15));
  keep("verify_webhook", get(f16));

  for (const auto& [method, id] : got) {
    SCOPED_TRACE(method);
    if (method == "create_charge") {
      EXPECT_EQ(id, "ch_c");
    } else {
      EXPECT_EQ(id.substr(0, method.size() + 1), method + ":");
    }
  }
  EXPECT_EQ(rig.fake->calls(), 16u);
  for (const std::string& method : rig.fake->methods()) {
    EXPECT_EQ(rig.registry->value("outbound.client.calls", {{"outbound.client", "payments"},
                                                            {"outbound.operation", method}}),
              1)
        << method;
  }
}

TEST(HostAsync, AuthAndMailFormsMatchSync) {
  AuthRig auth;
  MailRig mail;
  auto auth_sync = std::static_pointer_cast<AuthProvider>(auth.hosted);
  auto mail_sync = std::static_pointer_cast<MailSender>(mail.hosted);
  IssueRequest issue;
  issue.subject = "alice";
  VerifyRequest forged;
  forged.token = "forged";
  MailMessage message;
  message.subject = "welcome";
  message.to = {{"alice@example.com", "Alice"}};

  auto issued = auth.async->issue(CallContext{}, issue);
  auto [verified, on_verified] = handler_future<VerifiedToken>();
  auth.async->verify(CallContext{}, forged, on_verified);
  auto sent = mail.async->send(CallContext{}, message);
  auto health = mail.async->health_check(CallContext{});
  std::promise<Status> health_done;
  auth.async->health_check(CallContext{},
                           [&health_done](Status status) { health_done.set_value(status); });
  auto health_handled = health_done.get_future();

  Result<IssuedToken> token = get(issued);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->token, auth_sync->issue(CallContext{}, issue)->token);
  EXPECT_EQ(get(verified).status(), auth_sync->verify(CallContext{}, forged).status());
  Result<MailReceipt> receipt = get(sent);
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_EQ(receipt->message_id, mail_sync->send(CallContext{}, message)->message_id);
  ASSERT_EQ(receipt->recipients.size(), 1u);
  EXPECT_TRUE(receipt->recipients[0].accepted);
  EXPECT_TRUE(get(health).ok());
  EXPECT_TRUE(get(health_handled).ok());
  EXPECT_EQ(mail.async->kind(), ClientKind::kMail);
  EXPECT_EQ(auth.async->id(), "auth");
}

TEST(HostAsync, DeadlineIsFixedAtSubmission) {
  PaymentRig rig(quick_policy(milliseconds(5000)));

  const auto before = rig.clock->steady_now();
  auto future = rig.async->retrieve_charge(CallContext{}, RetrieveRequest{});
  const auto after = rig.clock->steady_now();
  ASSERT_TRUE(get(future).ok());
  const auto from_policy = rig.fake->last_deadline();
  CallContext early;
  early.deadline = rig.clock->steady_now() + milliseconds(700);
  auto with_caller_deadline = rig.async->retrieve_charge(early, RetrieveRequest{});
  ASSERT_TRUE(get(with_caller_deadline).ok());

  EXPECT_GE(from_policy, before + milliseconds(5000));
  EXPECT_LE(from_policy, after + milliseconds(5000));
  EXPECT_EQ(rig.fake->last_deadline(), early.deadline);
}

TEST(HostAsync, QueueTimeCountsAgainstTheDeadline) {
  PaymentRig rig(quick_policy(milliseconds(200)), 1);
  auto latch = std::make_shared<Latch>();
  rig.fake->hold_first_call(latch);

  auto slow = rig.async->retrieve_charge(CallContext{}, RetrieveRequest{});
  auto queued = rig.async->create_charge(CallContext{}, charge_request("late"));
  std::this_thread::sleep_for(milliseconds(400));
  latch->open();
  Result<Charge> late = get(queued);
  Result<Charge> first = get(slow);

  EXPECT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(late.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(late.status().reason(), "queue_timeout");
  EXPECT_NE(late.status().message().find("async queue"), std::string::npos) << late.status();
  EXPECT_EQ(rig.fake->methods(), std::vector<std::string>{"retrieve_charge"});
  EXPECT_EQ(rig.registry->value(
                "outbound.client.rejections",
                {{"outbound.client", "payments"}, {"outbound.rejection.reason", "queue_timeout"}}),
            1);
  EXPECT_EQ(
      rig.registry->value("outbound.client.failures", {{"outbound.client", "payments"},
                                                       {"outbound.operation", "create_charge"}}),
      1);
  const MetricsSnapshot snapshot = rig.registry->snapshot();
  const HistogramPoint* waited =
      snapshot.histogram("outbound.async.queue.duration", {{"outbound.client", "payments"}});
  ASSERT_NE(waited, nullptr);
  EXPECT_EQ(waited->count, 2u);
  EXPECT_GE(waited->sum, 0.2);
}

TEST(HostAsync, ConcurrentCallsRespectTheBulkhead) {
  config::Resilience policy = quick_policy();
  policy.bulkhead.max_concurrent = 2;
  policy.bulkhead.max_wait = milliseconds(5000);
  PaymentRig rig(policy, 6);
  rig.fake->sleep_per_call(milliseconds(20));

  std::vector<std::future<Result<Charge>>> futures;
  for (int i = 0; i < 24; ++i) {
    futures.push_back(rig.async->create_charge(CallContext{}, charge_request(std::to_string(i))));
  }
  int succeeded = 0;
  for (auto& future : futures) succeeded += get(future).ok() ? 1 : 0;

  EXPECT_EQ(succeeded, 24);
  EXPECT_EQ(rig.fake->max_running(), 2);
}

TEST(HostAsync, BulkheadRejectsWhenFullWithoutWaiting) {
  config::Resilience policy = quick_policy();
  policy.bulkhead.max_concurrent = 1;
  policy.bulkhead.max_wait = milliseconds(0);
  PaymentRig rig(policy, 4);
  rig.fake->sleep_per_call(milliseconds(50));

  std::vector<std::future<Result<Charge>>> futures;
  for (int i = 0; i < 12; ++i) {
    futures.push_back(rig.async->create_charge(CallContext{}, charge_request(std::to_string(i))));
  }
  int succeeded = 0;
  int rejected = 0;
  for (auto& future : futures) {
    Result<Charge> result = get(future);
    if (result.ok()) ++succeeded;
    if (result.status().reason() == "bulkhead_full") ++rejected;
  }

  EXPECT_EQ(succeeded + rejected, 12);
  EXPECT_GE(succeeded, 1);
  EXPECT_GE(rejected, 1);
  EXPECT_EQ(rig.fake->max_running(), 1);
  EXPECT_EQ(rig.registry->value(
                "outbound.client.rejections",
                {{"outbound.client", "payments"}, {"outbound.rejection.reason", "bulkhead_full"}}),
            rejected);
}

TEST(HostAsync, ShutdownCancelsQueuedCallsAndWaitsForRunning) {
  PaymentRig rig(quick_policy(), 1);
  auto latch = std::make_shared<Latch>();
  rig.fake->hold_first_call(latch);
  auto running = rig.async->retrieve_charge(CallContext{}, RetrieveRequest{});
  std::vector<std::future<Result<Charge>>> queued;
  for (int i = 0; i < 5; ++i) {
    queued.push_back(rig.async->create_charge(CallContext{}, charge_request(std::to_string(i))));
  }
  std::atomic<int> handled{0};
  rig.async->create_charge(CallContext{}, charge_request("h"), [&handled](Result<Charge> result) {
    if (result.status().reason() == "host_closed") ++handled;
  });
  while (rig.fake->calls() == 0) std::this_thread::sleep_for(milliseconds(1));

  std::thread closer([&rig] { rig.executor->shutdown(); });
  std::this_thread::sleep_for(milliseconds(50));
  latch->open();
  closer.join();

  ASSERT_EQ(running.wait_for(milliseconds(0)), std::future_status::ready);
  EXPECT_TRUE(running.get().ok());
  for (auto& future : queued) {
    ASSERT_EQ(future.wait_for(milliseconds(0)), std::future_status::ready);
    Result<Charge> result = future.get();
    EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(result.status().reason(), "host_closed");
  }
  EXPECT_EQ(handled.load(), 1);
  EXPECT_EQ(rig.fake->calls(), 1u);
}

TEST(HostAsync, CallsAfterShutdownCompleteAtOnce) {
  PaymentRig rig;
  rig.executor->shutdown();

  auto future = rig.async->create_charge(CallContext{}, charge_request("after"));
  std::thread::id handler_thread;
  Status handled;
  rig.async->health_check(CallContext{}, [&](Status status) {
    handler_thread = std::this_thread::get_id();
    handled = status;
  });

  ASSERT_EQ(future.wait_for(milliseconds(0)), std::future_status::ready);
  EXPECT_EQ(future.get().status().reason(), "host_closed");
  EXPECT_EQ(handler_thread, std::this_thread::get_id());
  EXPECT_EQ(handled.reason(), "host_closed");
  EXPECT_EQ(rig.fake->calls(), 0u);
}

TEST(HostAsync, ThrowingHandlerIsCaughtAndLoggedOnce) {
  std::ostringstream captured;
  auto logger = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(captured));
  PaymentRig rig(quick_policy(), 1, logger);

  for (int i = 0; i < 3; ++i) {
    rig.async->create_charge(CallContext{}, charge_request("boom"),
                             [](Result<Charge>) { throw std::runtime_error("handler bug"); });
  }
  auto after = rig.async->create_charge(CallContext{}, charge_request("after"));

  Result<Charge> result = get(after);
  EXPECT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(
      rig.registry->value("outbound.async.handler.exceptions", {{"outbound.client", "payments"}}),
      3);
  const std::string log = captured.str();
  const auto first = log.find("handler bug");
  EXPECT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find("handler bug", first + 1), std::string::npos) << log;
}

TEST(HostAsync, EmptyHandlerDiscardsTheResult) {
  PaymentRig rig(quick_policy(), 1);

  rig.async->create_charge(CallContext{}, charge_request("ignored"), Completion<Charge>());
  auto after = rig.async->create_charge(CallContext{}, charge_request("after"));

  EXPECT_TRUE(get(after).ok());
  EXPECT_EQ(rig.fake->calls(), 2u);
}

TEST(HostAsync, QueuedCallKeepsTheClientAlive) {
  PaymentRig rig(quick_policy(), 1);
  auto latch = std::make_shared<Latch>();
  rig.fake->hold_first_call(latch);
  std::weak_ptr<FakePayments> fake = rig.fake;
  auto blocked = rig.async->retrieve_charge(CallContext{}, RetrieveRequest{});
  auto queued = rig.async->create_charge(CallContext{}, charge_request("kept"));

  rig.fake.reset();
  rig.hosted.reset();
  rig.async.reset();
  const bool alive_while_queued = !fake.expired();
  latch->open();
  Result<Charge> result = get(queued);
  get(blocked);
  rig.executor->shutdown();

  EXPECT_TRUE(alive_while_queued);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->id, "ch_kept");
  EXPECT_TRUE(fake.expired());
}

}  // namespace
}  // namespace outbound
