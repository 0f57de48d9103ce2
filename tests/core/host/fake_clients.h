#pragma once

// In-process clients of every kind for the host's tests, and a rig that wraps one in the
// host's call policy (wrap_client) and in an async client on a pool of its own, as the Host
// does, without loading a plugin.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include "async/async_clients.h"
#include "async/executor.h"
#include "hosted_clients.h"
#include "metrics/registry.h"
#include "outbound/async.h"
#include "outbound/auth.h"
#include "outbound/mail.h"
#include "outbound/payment.h"
#include "resilience/pipeline.h"

namespace outbound::testing {

/// OffsetClock is the system clock plus an offset a test moves forward, so that a fake call
/// can take a known time without sleeping for it while real waits still work.
class OffsetClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now() + offset();
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now() + offset();
  }
  void advance(std::chrono::nanoseconds by) { offset_ns_ += by.count(); }

 private:
  std::chrono::nanoseconds offset() const { return std::chrono::nanoseconds(offset_ns_.load()); }
  std::atomic<long long> offset_ns_{0};
};

/// Latch lets a test hold fake calls until it opens it. A held call waits at most 10 s, so a
/// broken test cannot hang.
class Latch {
 public:
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(10), [this] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
};

/// Behaviour shared by the fakes: records each call and what it saw, and follows the knobs a
/// test sets (a time to take, a latch to wait on, a failure to return).
class FakeBehaviour {
 public:
  /// Runs the knobs for `method`; returns a non-ok status when the call must fail.
  Status enter(const char* method, const CallContext& context) {
    {
      std::lock_guard lock(mutex_);
      methods_.emplace_back(method);
      last_deadline_ = context.deadline;
    }
    const int now_running = ++running_;
    int seen = max_running_.load();
    while (now_running > seen && !max_running_.compare_exchange_weak(seen, now_running)) {
    }
    if (hold_ && first_held_.exchange(false)) hold_->wait();
    if (sleep_ > std::chrono::milliseconds::zero()) std::this_thread::sleep_for(sleep_);
    if (clock_ && takes_ > std::chrono::nanoseconds::zero()) clock_->advance(takes_);
    --running_;
    return fail_with_;
  }

  std::vector<std::string> methods() const {
    std::lock_guard lock(mutex_);
    return methods_;
  }
  std::size_t calls() const { return methods().size(); }
  CallContext::TimePoint last_deadline() const {
    std::lock_guard lock(mutex_);
    return last_deadline_;
  }
  int max_running() const { return max_running_.load(); }

  /// Makes the first call wait on `latch` before it returns; later calls do not wait.
  void hold_first_call(std::shared_ptr<Latch> latch) {
    hold_ = std::move(latch);
    first_held_ = true;
  }
  /// Makes every call sleep for `duration` in real time.
  void sleep_per_call(std::chrono::milliseconds duration) { sleep_ = duration; }
  /// Makes every call move `clock` forward by `duration`.
  void take(std::shared_ptr<OffsetClock> clock, std::chrono::nanoseconds duration) {
    clock_ = std::move(clock);
    takes_ = duration;
  }
  /// Makes every call fail with `status`; an ok status makes calls succeed again.
  void fail_with(Status status) { fail_with_ = std::move(status); }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> methods_;
  CallContext::TimePoint last_deadline_{};
  std::atomic<int> running_{0};
  std::atomic<int> max_running_{0};
  std::shared_ptr<Latch> hold_;
  std::atomic<bool> first_held_{false};
  std::chrono::milliseconds sleep_{0};
  std::shared_ptr<OffsetClock> clock_;
  std::chrono::nanoseconds takes_{0};
  Status fail_with_;
};

inline ClientInfo fake_info(std::string id, ClientKind kind) {
  ClientInfo info;
  info.id = std::move(id);
  info.kind = kind;
  info.plugin_name = "fake";
  info.plugin_version = "1.0.0";
  return info;
}

/// FakePayments returns, for every operation, an object whose id names the operation and the
/// request, so that a test can tell which method ran on which input.
class FakePayments final : public PaymentGateway, public FakeBehaviour {
 public:
  explicit FakePayments(std::string id = "payments")
      : info_(fake_info(std::move(id), ClientKind::kPayment)) {}

  const ClientInfo& info() const override { return info_; }
  Status health_check(const CallContext& context) override {
    return enter("health_check", context);
  }
  void close() override {}

  Result<Charge> create_charge(const CallContext& context, const ChargeRequest& request) override {
    if (Status status = enter("create_charge", context); !status.ok()) return status;
    Charge charge;
    charge.id = "ch_" + request.description;
    charge.amount = request.amount;
    charge.currency = request.currency;
    charge.status = "succeeded";
    return charge;
  }
  Result<Charge> capture_charge(const CallContext& c, const CaptureRequest& r) override {
    return object<Charge>("capture_charge", c, r.id);
  }
  Result<Charge> retrieve_charge(const CallContext& c, const RetrieveRequest& r) override {
    return object<Charge>("retrieve_charge", c, r.id);
  }
  Result<Page<Charge>> list_charges(const CallContext& context,
                                    const ListRequest& request) override {
    if (Status status = enter("list_charges", context); !status.ok()) return status;
    Page<Charge> page;
    for (int i = 0; i < request.max_items; ++i) {
      Charge charge;
      charge.id = "ch_" + std::to_string(i);
      page.data.push_back(charge);
    }
    page.pages_fetched = 1;
    return page;
  }
  Result<PaymentIntent> create_payment_intent(const CallContext& c,
                                              const PaymentIntentRequest& r) override {
    return object<PaymentIntent>("create_payment_intent", c, r.description);
  }
  Result<PaymentIntent> confirm_payment_intent(const CallContext& c,
                                               const ConfirmPaymentIntentRequest& r) override {
    return object<PaymentIntent>("confirm_payment_intent", c, r.id);
  }
  Result<PaymentIntent> capture_payment_intent(const CallContext& c,
                                               const CaptureRequest& r) override {
    return object<PaymentIntent>("capture_payment_intent", c, r.id);
  }
  Result<PaymentIntent> cancel_payment_intent(const CallContext& c,
                                              const CancelPaymentIntentRequest& r) override {
    return object<PaymentIntent>("cancel_payment_intent", c, r.id);
  }
  Result<PaymentIntent> retrieve_payment_intent(const CallContext& c,
                                                const RetrieveRequest& r) override {
    return object<PaymentIntent>("retrieve_payment_intent", c, r.id);
  }
  Result<Refund> create_refund(const CallContext& c, const RefundRequest& r) override {
    return object<Refund>("create_refund", c, r.charge);
  }
  Result<Refund> retrieve_refund(const CallContext& c, const RetrieveRequest& r) override {
    return object<Refund>("retrieve_refund", c, r.id);
  }
  Result<Page<Refund>> list_refunds(const CallContext& c, const ListRequest&) override {
    if (Status status = enter("list_refunds", c); !status.ok()) return status;
    return Page<Refund>{};
  }
  Result<Customer> create_customer(const CallContext& c, const CustomerRequest& r) override {
    return object<Customer>("create_customer", c, r.email);
  }
  Result<Customer> retrieve_customer(const CallContext& c, const RetrieveRequest& r) override {
    return object<Customer>("retrieve_customer", c, r.id);
  }
  Result<Customer> update_customer(const CallContext& c, const CustomerUpdate& r) override {
    return object<Customer>("update_customer", c, r.id);
  }
  Result<WebhookEvent> verify_webhook(const CallContext& c,
                                      const WebhookVerifyRequest& r) override {
    return object<WebhookEvent>("verify_webhook", c, r.payload);
  }

 private:
  template <typename T>
  Result<T> object(const char* method, const CallContext& context, const std::string& key) {
    if (Status status = enter(method, context); !status.ok()) return status;
    T value;
    value.id = std::string(method) + ":" + key;
    return value;
  }

  ClientInfo info_;
};

/// FakeAuth issues "token-for-<subject>" and accepts only tokens of that form.
class FakeAuth final : public AuthProvider, public FakeBehaviour {
 public:
  explicit FakeAuth(std::string id = "auth") : info_(fake_info(std::move(id), ClientKind::kAuth)) {}

  const ClientInfo& info() const override { return info_; }
  Status health_check(const CallContext& context) override {
    return enter("health_check", context);
  }
  void close() override {}

  Result<IssuedToken> issue(const CallContext& context, const IssueRequest& request) override {
    if (Status status = enter("issue", context); !status.ok()) return status;
    IssuedToken token;
    token.token = "token-for-" + request.subject;
    token.algorithm = "none";
    return token;
  }
  Result<VerifiedToken> verify(const CallContext& context, const VerifyRequest& request) override {
    if (Status status = enter("verify", context); !status.ok()) return status;
    const std::string prefix = "token-for-";
    if (request.token.rfind(prefix, 0) != 0) {
      return Status::unauthenticated("the token was not issued by the fake")
          .set_reason(auth_reason::kBadSignature);
    }
    VerifiedToken verified;
    verified.subject = request.token.substr(prefix.size());
    return verified;
  }

 private:
  ClientInfo info_;
};

/// FakeMail accepts every recipient of `to` and reports the message's subject as its id.
class FakeMail final : public MailSender, public FakeBehaviour {
 public:
  explicit FakeMail(std::string id = "mail") : info_(fake_info(std::move(id), ClientKind::kMail)) {}

  const ClientInfo& info() const override { return info_; }
  Status health_check(const CallContext& context) override {
    return enter("health_check", context);
  }
  void close() override {}

  Result<MailReceipt> send(const CallContext& context, const MailMessage& message) override {
    if (Status status = enter("send", context); !status.ok()) return status;
    MailReceipt receipt;
    receipt.message_id = message.subject;
    for (const auto& to : message.to) {
      RecipientResult recipient;
      recipient.address = to.address;
      recipient.accepted = true;
      recipient.reply_code = 250;
      receipt.recipients.push_back(recipient);
    }
    return receipt;
  }

 private:
  ClientInfo info_;
};

/// Returns a policy without retries whose calls have `total` to finish.
inline config::Resilience quick_policy(std::chrono::milliseconds total = std::chrono::seconds(5)) {
  config::Resilience policy;
  policy.timeouts.total = total;
  policy.timeouts.attempt = total;
  policy.retry.max_retries = 0;
  return policy;
}

/// Rig is one fake client as the Host serves it: wrapped in the call policy, with a metrics
/// registry, and in an async client on a pool of `threads` threads.
template <typename Fake, typename Async>
struct Rig {
  explicit Rig(const config::Resilience& policy = quick_policy(), std::size_t threads = 2,
               std::shared_ptr<spdlog::logger> log = nullptr)
      : clock(std::make_shared<OffsetClock>()),
        logger(log ? std::move(log)
                   : std::make_shared<spdlog::logger>(
                         "test", std::make_shared<spdlog::sinks::null_sink_mt>())),
        registry(std::make_shared<metrics::MetricsRegistry>()),
        fake(std::make_shared<Fake>()),
        executor(std::make_unique<async::AsyncExecutor>(threads, logger)) {
    const std::string id = fake->info().id;
    auto pipeline = std::make_shared<resilience::Pipeline>(id, policy, clock, logger, registry);
    hosted = wrap_client(fake, CallPolicy{policy, clock, logger, registry, pipeline});
    auto binding = std::make_shared<AsyncBinding>();
    binding->client = hosted;
    binding->gate = executor->gate();
    binding->total_timeout = policy.timeouts.total;
    binding->clock = clock;
    binding->logger = logger;
    binding->metrics = registry;
    binding->client_attributes = {{"outbound.client", id}};
    async = std::static_pointer_cast<Async>(make_async_client(std::move(binding)));
  }

  std::shared_ptr<OffsetClock> clock;
  std::shared_ptr<spdlog::logger> logger;
  std::shared_ptr<metrics::MetricsRegistry> registry;
  std::shared_ptr<Fake> fake;
  std::unique_ptr<async::AsyncExecutor> executor;
  std::shared_ptr<ExternalClient> hosted;
  std::shared_ptr<Async> async;
};

}  // namespace outbound::testing
