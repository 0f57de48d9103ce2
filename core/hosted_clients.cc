#include "hosted_clients.h"

#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "host_services.h"
#include "outbound/auth.h"
#include "outbound/mail.h"
#include "outbound/payment.h"

namespace outbound {
namespace {

using Milliseconds = std::chrono::duration<double, std::milli>;

/// Whether an operation needs an idempotency key so that its retries are safe.
enum class Mutation { kNone, kIdempotencyKey };

/// OperationAttributes are the metric attributes of each operation of one client, built once
/// so that counting a call's outcome does not allocate them.
class OperationAttributes {
 public:
  OperationAttributes(const std::string& client_id, std::initializer_list<const char*> operations) {
    by_operation_.reserve(operations.size() + 1);
    add(client_id, "health_check");
    for (const char* operation : operations) add(client_id, operation);
  }

  /// Returns the attributes of `operation`, or null when it is neither "health_check" nor one
  /// of the names given to the constructor.
  const MetricAttributes* find(std::string_view operation) const {
    for (const auto& [name, attributes] : by_operation_) {
      if (name == operation) return &attributes;
    }
    return nullptr;
  }

 private:
  void add(const std::string& client_id, const char* operation) {
    by_operation_.emplace_back(operation, MetricAttributes{{"outbound.client", client_id},
                                                           {"outbound.operation", operation}});
  }

  std::vector<std::pair<std::string_view, MetricAttributes>> by_operation_;
};

/// Runs one call of a hosted client under its policy.
class PolicyRunner {
 public:
  PolicyRunner(const ClientInfo& info, const CallPolicy& policy,
               const OperationAttributes& attributes)
      : info_(info), policy_(policy), attributes_(attributes) {}

  template <typename Call>
  auto run(const char* operation, const CallContext& caller, Mutation mutation, Call&& call,
           resilience::BreakerUse breaker = resilience::BreakerUse::kGuarded)
      -> decltype(call(caller)) {
    const auto start = policy_.clock->steady_now();
    CallContext context = prepare(caller, start, mutation);
    if (start >= context.deadline) {
      return finish(operation, context, start,
                    Status::deadline_exceeded(std::string(operation) + " on client '" + info_.id +
                                              "' was called after its deadline had passed"));
    }
    auto result = policy_.pipeline->run(operation, context, call, breaker);
    if constexpr (std::is_same_v<decltype(result), Status>) {
      return finish(operation, context, start, std::move(result));
    } else {
      if (result.ok()) {
        finish(operation, context, start, Status());
        return result;
      }
      return finish(operation, context, start, result.status());
    }
  }

 private:
  CallContext prepare(const CallContext& caller, CallContext::TimePoint now,
                      Mutation mutation) const {
    CallContext context = caller;
    const auto& timeouts = policy_.resilience.timeouts;
    const auto total = now + timeouts.total;
    if (context.deadline == CallContext::TimePoint{} || context.deadline > total) {
      context.deadline = total;
    }
    context.attempt_deadline = std::min(context.deadline, now + timeouts.attempt);
    if (context.request_id.empty()) context.request_id = new_uuid_v4();
    if (mutation == Mutation::kIdempotencyKey && context.idempotency_key.empty()) {
      context.idempotency_key = new_uuid_v4();
    }
    return context;
  }

  Status finish(const char* operation, const CallContext& context, CallContext::TimePoint start,
                Status status) const {
    const double elapsed_ms = Milliseconds(policy_.clock->steady_now() - start).count();
    const MetricAttributes* listed = attributes_.find(operation);
    MetricAttributes unlisted;
    if (!listed) unlisted = {{"outbound.client", info_.id}, {"outbound.operation", operation}};
    const MetricAttributes& attributes = listed ? *listed : unlisted;
    policy_.metrics->add("outbound.client.calls", 1, attributes);
    policy_.metrics->record("outbound.client.call.duration", elapsed_ms / 1000.0, attributes);
    if (status.ok()) {
      policy_.logger->debug("client={} op={} request_id={} ok in {:.3f} ms", info_.id, operation,
                            context.request_id, elapsed_ms);
    } else {
      policy_.metrics->add("outbound.client.failures", 1, attributes);
      const std::string& provider_request_id = status.provider().request_id;
      if (provider_request_id.empty()) {
        policy_.logger->debug("client={} op={} request_id={} failed in {:.3f} ms: {}", info_.id,
                              operation, context.request_id, elapsed_ms, status.to_string());
      } else {
        policy_.logger->debug(
            "client={} op={} request_id={} provider_request_id={} failed in {:.3f} ms: {}",
            info_.id, operation, context.request_id, provider_request_id, elapsed_ms,
            status.to_string());
      }
    }
    return status;
  }

  const ClientInfo& info_;
  const CallPolicy& policy_;
  const OperationAttributes& attributes_;
};

/// HostedClient is what the three hosted capabilities share: the plugin's client, the call
/// policy, and the ExternalClient methods, which run through the same policy.
template <typename Interface>
class HostedClient : public Interface {
 public:
  HostedClient(std::shared_ptr<Interface> plugin, CallPolicy policy,
               std::initializer_list<const char*> operations)
      : plugin_(std::move(plugin)),
        policy_(std::move(policy)),
        attributes_(plugin_->info().id, operations) {}

  const ClientInfo& info() const override { return plugin_->info(); }
  Status health_check(const CallContext& c) override {
    return runner().run("health_check", c, Mutation::kNone,
                        [&](const CallContext& ctx) { return plugin_->health_check(ctx); });
  }
  void close() override { plugin_->close(); }

 protected:
  PolicyRunner runner() const { return PolicyRunner(plugin_->info(), policy_, attributes_); }

  std::shared_ptr<Interface> plugin_;
  CallPolicy policy_;
  const OperationAttributes attributes_;
};

class HostedAuth final : public HostedClient<AuthProvider> {
 public:
  HostedAuth(std::shared_ptr<AuthProvider> plugin, CallPolicy policy)
      : HostedClient(std::move(plugin), std::move(policy), {"issue", "verify"}) {}
  // Tokens are issued and verified locally. Only a JWK Set fetch reaches the network, and it has
  // its own cooldown and keeps the last good keys. These calls bypass the breaker, so that a
  // failing key endpoint, or tokens with unknown key ids sent while it fails, cannot stop the
  // verifications that cached keys can do. Health checks still go through the breaker.
  Result<IssuedToken> issue(const CallContext& c, const IssueRequest& r) override {
    return runner().run(
        "issue", c, Mutation::kNone, [&](const CallContext& ctx) { return plugin_->issue(ctx, r); },
        resilience::BreakerUse::kBypassed);
  }
  Result<VerifiedToken> verify(const CallContext& c, const VerifyRequest& r) override {
    return runner().run(
        "verify", c, Mutation::kNone,
        [&](const CallContext& ctx) { return plugin_->verify(ctx, r); },
        resilience::BreakerUse::kBypassed);
  }
};

class HostedPayment final : public HostedClient<PaymentGateway> {
 public:
  HostedPayment(std::shared_ptr<PaymentGateway> plugin, CallPolicy policy)
      : HostedClient(std::move(plugin), std::move(policy),
                     {"create_charge", "capture_charge", "retrieve_charge", "list_charges",
                      "create_payment_intent", "confirm_payment_intent", "capture_payment_intent",
                      "cancel_payment_intent", "retrieve_payment_intent", "create_refund",
                      "retrieve_refund", "list_refunds", "create_customer", "retrieve_customer",
                      "update_customer", "verify_webhook"}) {}

#define OUTBOUND_HOSTED_PAYMENT_CALL(Ret, method, Req, mutation)                          \
  Result<Ret> method(const CallContext& c, const Req& r) override {                       \
    return runner().run(#method, c, mutation,                                             \
                        [&](const CallContext& ctx) { return plugin_->method(ctx, r); }); \
  }
  OUTBOUND_HOSTED_PAYMENT_CALL(Charge, create_charge, ChargeRequest, Mutation::kIdempotencyKey)
  OUTBOUND_HOSTED_PAYMENT_CALL(Charge, capture_charge, CaptureRequest, Mutation::kIdempotencyKey)
  OUTBOUND_HOSTED_PAYMENT_CALL(Charge, retrieve_charge, RetrieveRequest, Mutation::kNone)
  OUTBOUND_HOSTED_PAYMENT_CALL(Page<Charge>, list_charges, ListRequest, Mutation::kNone)
  OUTBOUND_HOSTED_PAYMENT_CALL(PaymentIntent, create_payment_intent, PaymentIntentRequest,
                               Mutation::kIdempotencyKey)
  OUTBOUND_HOSTED_PAYMENT_CALL(PaymentIntent, confirm_payment_intent, ConfirmPaymentIntentRequest,
                               Mutation::kIdempotencyKey)
  OUTBOUND_HOSTED_PAYMENT_CALL(PaymentIntent, capture_payment_intent, CaptureRequest,
                               Mutation::kIdempotencyKey)
  OUTBOUND_HOSTED_PAYMENT_CALL(PaymentIntent, cancel_payment_intent, CancelPaymentIntentRequest,
                               Mutation::kIdempotencyKey)
  OUTBOUND_HOSTED_PAYMENT_CALL(PaymentIntent, retrieve_payment_intent, RetrieveRequest,
                               Mutation::kNone)
  OUTBOUND_HOSTED_PAYMENT_CALL(Refund, create_refund, RefundRequest, Mutation::kIdempotencyKey)
  OUTBOUND_HOSTED_PAYMENT_CALL(Refund, retrieve_refund, RetrieveRequest, Mutation::kNone)
  OUTBOUND_HOSTED_PAYMENT_CALL(Page<Refund>, list_refunds, ListRequest, Mutation::kNone)
  OUTBOUND_HOSTED_PAYMENT_CALL(Customer, create_customer, CustomerRequest,
                               Mutation::kIdempotencyKey)
  OUTBOUND_HOSTED_PAYMENT_CALL(Customer, retrieve_customer, RetrieveRequest, Mutation::kNone)
  OUTBOUND_HOSTED_PAYMENT_CALL(Customer, update_customer, CustomerUpdate, Mutation::kIdempotencyKey)
#undef OUTBOUND_HOSTED_PAYMENT_CALL
  // A webhook is verified locally, so an open breaker must not stop it, and forged deliveries
  // must not count towards opening it.
  Result<WebhookEvent> verify_webhook(const CallContext& c,
                                      const WebhookVerifyRequest& r) override {
    return runner().run(
        "verify_webhook", c, Mutation::kNone,
        [&](const CallContext& ctx) { return plugin_->verify_webhook(ctx, r); },
        resilience::BreakerUse::kBypassed);
  }
};

class HostedMail final : public HostedClient<MailSender> {
 public:
  HostedMail(std::shared_ptr<MailSender> plugin, CallPolicy policy)
      : HostedClient(std::move(plugin), std::move(policy), {"send"}) {}
  Result<MailReceipt> send(const CallContext& c, const MailMessage& m) override {
    return runner().run("send", c, Mutation::kNone,
                        [&](const CallContext& ctx) { return plugin_->send(ctx, m); });
  }
};

}  // namespace

std::shared_ptr<ExternalClient> wrap_client(std::shared_ptr<ExternalClient> plugin_client,
                                            CallPolicy policy) {
  switch (plugin_client->kind()) {
    case ClientKind::kAuth:
      return std::make_shared<HostedAuth>(
          std::dynamic_pointer_cast<AuthProvider>(std::move(plugin_client)), std::move(policy));
    case ClientKind::kPayment:
      return std::make_shared<HostedPayment>(
          std::dynamic_pointer_cast<PaymentGateway>(std::move(plugin_client)), std::move(policy));
    case ClientKind::kMail:
      return std::make_shared<HostedMail>(
          std::dynamic_pointer_cast<MailSender>(std::move(plugin_client)), std::move(policy));
  }
  return nullptr;
}

}  // namespace outbound
