#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/logger.h>
#include <nlohmann/json.hpp>

#include "outbound/payment.h"
#include "outbound/plugin_context.h"
#include "stripe/form.h"
#include "stripe/settings.h"

namespace outbound::stripe {

/// StripeGateway is the `stripe` plugin: a PaymentGateway over Stripe's v1 API, sending every
/// request through the host's HTTP transport within the CallContext's deadlines.
///
/// Each call makes one attempt; the host's pipeline retries it when the returned Status is
/// retryable (see error_from_response). A POST carries `Idempotency-Key`: the CallContext's,
/// which the host keeps the same for every attempt of one logical call, or, when a caller
/// outside the host gives none, a random UUID v4 for this attempt. Its body is built the same
/// way on every attempt, so a retry replays the first request byte for byte.
///
/// Values that can never succeed (a negative or fractional-looking amount, an id that is not
/// a Stripe id, metadata beyond Stripe's limits) are kInvalidArgument before any request.
///
/// Thread safety: every method may be called from several threads at once.
class StripeGateway final : public PaymentGateway {
 public:
  /// Reads the settings (see parse_settings). Makes no network call. kFailedPrecondition when
  /// the host gives no HTTP transport.
  static Result<std::unique_ptr<StripeGateway>> create(const PluginContext& context);

  const ClientInfo& info() const override { return info_; }
  /// Lists one charge (GET /v1/charges?limit=1): checks the key and that Stripe replies.
  Status health_check(const CallContext& context) override;
  void close() override;

  Result<Charge> create_charge(const CallContext& context, const ChargeRequest& request) override;
  Result<Charge> capture_charge(const CallContext& context, const CaptureRequest& request) override;
  Result<Charge> retrieve_charge(const CallContext& context,
                                 const RetrieveRequest& request) override;
  Result<Page<Charge>> list_charges(const CallContext& context,
                                    const ListRequest& request) override;

  Result<PaymentIntent> create_payment_intent(const CallContext& context,
                                              const PaymentIntentRequest& request) override;
  Result<PaymentIntent> confirm_payment_intent(const CallContext& context,
                                               const ConfirmPaymentIntentRequest& request) override;
  Result<PaymentIntent> capture_payment_intent(const CallContext& context,
                                               const CaptureRequest& request) override;
  Result<PaymentIntent> cancel_payment_intent(const CallContext& context,
                                              const CancelPaymentIntentRequest& request) override;
  Result<PaymentIntent> retrieve_payment_intent(const CallContext& context,
                                                const RetrieveRequest& request) override;

  Result<Refund> create_refund(const CallContext& context, const RefundRequest& request) override;
  Result<Refund> retrieve_refund(const CallContext& context,
                                 const RetrieveRequest& request) override;
  Result<Page<Refund>> list_refunds(const CallContext& context,
                                    const ListRequest& request) override;

  Result<Customer> create_customer(const CallContext& context,
                                   const CustomerRequest& request) override;
  Result<Customer> retrieve_customer(const CallContext& context,
                                     const RetrieveRequest& request) override;
  Result<Customer> update_customer(const CallContext& context,
                                   const CustomerUpdate& request) override;

  /// Verifies with the `webhook_secret` setting and `webhook_tolerance_s` at the host clock's
  /// time (see stripe::verify_webhook); kFailedPrecondition with reason "no_webhook_secret"
  /// when the settings have no secret.
  Result<WebhookEvent> verify_webhook(const CallContext& context,
                                      const WebhookVerifyRequest& request) override;

 private:
  /// Reply is a 2xx response's parsed body and the headers the SDK types carry.
  struct Reply {
    nlohmann::json body;
    std::string request_id;
    bool idempotent_replayed = false;
  };

  StripeGateway(ClientInfo info, Settings settings, const PluginContext& context);

  Status check_open() const;
  /// Sends one request: `form` is the body of a POST and the query of a GET. Returns the
  /// parsed body of a 2xx response, or the Status error_from_response gives.
  Result<Reply> send(const CallContext& context, const char* method, const std::string& path,
                     const Form& form, const RequestOptions& options) const;
  template <typename T, typename ReadObject>
  Result<T> object_call(const CallContext& context, const char* method, const std::string& path,
                        const Form& form, const RequestOptions& options,
                        ReadObject read_object) const;
  /// Checks `request.id` (naming it `kind` in errors) and GETs `collection`/id.
  template <typename T, typename ReadObject>
  Result<T> retrieve_call(const CallContext& context, const char* kind,
                          const std::string& collection, const RetrieveRequest& request,
                          ReadObject read_object) const;
  template <typename T, typename ReadObject>
  Result<Page<T>> list_call(const CallContext& context, const std::string& path,
                            const ListRequest& request, ReadObject read_object) const;

  ClientInfo info_;
  Settings settings_;
  std::shared_ptr<HttpTransport> http_;
  std::shared_ptr<const Clock> clock_;
  std::shared_ptr<spdlog::logger> logger_;
  /// The `X-Stripe-Client-User-Agent` value, built once.
  std::string client_user_agent_;
  std::atomic<bool> closed_{false};
};

}  // namespace outbound::stripe
