#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "outbound/client.h"
#include "outbound/export.h"
#include "outbound/secret.h"

namespace outbound {

/// Amounts are integers in the currency's minor unit (cents for USD, yen for JPY, fils for
/// KWD); currencies are lower-case ISO 4217 codes ("usd").
using MinorUnits = std::int64_t;

/// Metadata is the provider's free-form key-value store on an object.
using Metadata = std::map<std::string, std::string>;

/// RequestOptions are per-request settings that every payment operation accepts.
struct RequestOptions {
  /// A connected account to act for (Stripe's `Stripe-Account` header), or empty.
  std::string account;
  /// Related objects to expand inline in the response (Stripe's `expand[]`).
  std::vector<std::string> expand;
};

/// ChargeRequest creates a one-step card payment.
struct ChargeRequest {
  MinorUnits amount = 0;
  std::string currency;
  /// A card token or source id ("tok_visa"); may be empty when `customer` has a default.
  std::string source;
  std::string customer;
  std::string description;
  std::string statement_descriptor;
  std::string receipt_email;
  Metadata metadata;
  /// False authorises only; capture later with capture_charge().
  bool capture = true;
  RequestOptions options;
};

/// Charge is a payment as the provider reports it.
struct Charge {
  std::string id;
  MinorUnits amount = 0;
  MinorUnits amount_captured = 0;
  MinorUnits amount_refunded = 0;
  std::string currency;
  /// "succeeded", "pending" or "failed".
  std::string status;
  bool paid = false;
  bool captured = false;
  bool refunded = false;
  std::string customer;
  std::string description;
  std::string payment_intent;
  std::string failure_code;
  std::string failure_message;
  Metadata metadata;
  std::chrono::system_clock::time_point created;
  bool livemode = false;
  /// The provider's request id of the response this object came from.
  std::string request_id;
  /// True when the provider replied from its idempotency cache instead of acting again.
  bool idempotent_replayed = false;
  /// The provider's full object as JSON text, for fields this struct does not model.
  std::string raw_json;
};

/// CaptureRequest captures an authorised charge or payment intent, in full or in part.
struct CaptureRequest {
  std::string id;
  std::optional<MinorUnits> amount;
  RequestOptions options;
};

/// RetrieveRequest fetches one object by id.
struct RetrieveRequest {
  std::string id;
  RequestOptions options;
};

/// ListRequest lists objects newest first, following the provider's cursor (`starting_after`,
/// `has_more`) until `max_items` objects are collected or no page is left.
struct ListRequest {
  /// Page size asked of the provider (Stripe allows 1 to 100).
  int page_size = 100;
  /// Stop after this many objects; 0 means no limit.
  int max_items = 0;
  /// Start after this object id, for resuming a listing.
  std::string starting_after;
  /// Filters sent unchanged on every page ("customer" -> "cus_1", "created[gte]" -> "...").
  std::map<std::string, std::string> filters;
  RequestOptions options;
};

template <typename T>
struct Page {
  std::vector<T> data;
  /// True when the provider has more objects after the last one returned.
  bool has_more = false;
  /// The number of pages fetched to build this result.
  int pages_fetched = 0;
};

/// PaymentIntentRequest creates a payment intent (a payment that may need several steps).
struct PaymentIntentRequest {
  MinorUnits amount = 0;
  std::string currency;
  std::string customer;
  std::string payment_method;
  std::vector<std::string> payment_method_types;
  std::string description;
  std::string receipt_email;
  Metadata metadata;
  /// Confirm at creation.
  bool confirm = false;
  /// "automatic" or "manual" (authorise now, capture later).
  std::string capture_method;
  std::string return_url;
  RequestOptions options;
};

/// PaymentIntent as the provider reports it.
struct PaymentIntent {
  std::string id;
  MinorUnits amount = 0;
  MinorUnits amount_capturable = 0;
  MinorUnits amount_received = 0;
  std::string currency;
  /// "requires_payment_method", "requires_confirmation", "requires_action", "processing",
  /// "requires_capture", "canceled" or "succeeded".
  std::string status;
  std::string customer;
  std::string payment_method;
  std::string latest_charge;
  std::string capture_method;
  std::string cancellation_reason;
  std::string last_error_code;
  std::string last_error_message;
  /// The client secret that front ends use to confirm; a credential, so it never prints.
  Secret client_secret;
  Metadata metadata;
  std::chrono::system_clock::time_point created;
  bool livemode = false;
  std::string request_id;
  bool idempotent_replayed = false;
  std::string raw_json;
};

struct ConfirmPaymentIntentRequest {
  std::string id;
  std::string payment_method;
  std::string return_url;
  RequestOptions options;
};

struct CancelPaymentIntentRequest {
  std::string id;
  /// "duplicate", "fraudulent", "requested_by_customer" or "abandoned"; may be empty.
  std::string cancellation_reason;
  RequestOptions options;
};

/// RefundRequest refunds a charge or a payment intent; without `amount`, the whole
/// remaining amount.
struct RefundRequest {
  std::string charge;
  std::string payment_intent;
  std::optional<MinorUnits> amount;
  /// "duplicate", "fraudulent" or "requested_by_customer"; may be empty.
  std::string reason;
  Metadata metadata;
  RequestOptions options;
};

struct Refund {
  std::string id;
  MinorUnits amount = 0;
  std::string currency;
  std::string charge;
  std::string payment_intent;
  /// "pending", "succeeded", "failed" or "canceled".
  std::string status;
  std::string reason;
  Metadata metadata;
  std::chrono::system_clock::time_point created;
  std::string request_id;
  bool idempotent_replayed = false;
  std::string raw_json;
};

struct CustomerRequest {
  std::string email;
  std::string name;
  std::string description;
  std::string phone;
  /// A card token to attach as the default source.
  std::string source;
  Metadata metadata;
  RequestOptions options;
};

/// CustomerUpdate changes only the fields that are set.
struct CustomerUpdate {
  std::string id;
  std::optional<std::string> email;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::string> phone;
  std::optional<std::string> source;
  /// Keys to set; a key mapped to an empty string is removed at the provider.
  Metadata metadata;
  RequestOptions options;
};

struct Customer {
  std::string id;
  std::string email;
  std::string name;
  std::string description;
  std::string phone;
  std::string default_source;
  Metadata metadata;
  std::chrono::system_clock::time_point created;
  std::string request_id;
  bool idempotent_replayed = false;
  std::string raw_json;
};

/// WebhookVerifyRequest carries a webhook delivery exactly as received.
struct WebhookVerifyRequest {
  /// The raw request body, byte for byte; re-serialised JSON does not verify.
  std::string payload;
  /// The signature header's value (Stripe's `Stripe-Signature`).
  std::string signature_header;
};

/// WebhookEvent is a verified webhook delivery.
struct WebhookEvent {
  std::string id;
  std::string type;
  std::string api_version;
  std::chrono::system_clock::time_point created;
  bool livemode = false;
  /// The event's `data.object` as JSON text.
  std::string data_object_json;
  std::string raw_json;
};

/// PaymentGateway takes card payments, refunds them and reports on them.
///
/// Errors, each keeping the provider's request id:
/// - Declines (Stripe `card_error`) are kFailedPrecondition with reason "card_declined" and
///   the provider's code, decline code and param. Never retryable.
/// - Bad parameters are kInvalidArgument; bad credentials kUnauthenticated; a forbidden
///   account kPermissionDenied; an unknown id kNotFound; a reused idempotency key with other
///   parameters kFailedPrecondition with reason "idempotency_error"; rate limits
///   kResourceExhausted; provider outages kUnavailable.
///
/// Operations that create or change an object send CallContext::idempotency_key, which the
/// host keeps the same across the retries of one logical call.
class OUTBOUND_SDK_API PaymentGateway : public ExternalClient {
 public:
  ~PaymentGateway() override;

  virtual Result<Charge> create_charge(const CallContext& context,
                                       const ChargeRequest& request) = 0;
  virtual Result<Charge> capture_charge(const CallContext& context,
                                        const CaptureRequest& request) = 0;
  virtual Result<Charge> retrieve_charge(const CallContext& context,
                                         const RetrieveRequest& request) = 0;
  virtual Result<Page<Charge>> list_charges(const CallContext& context,
                                            const ListRequest& request) = 0;

  virtual Result<PaymentIntent> create_payment_intent(const CallContext& context,
                                                      const PaymentIntentRequest& request) = 0;
  virtual Result<PaymentIntent> confirm_payment_intent(
      const CallContext& context, const ConfirmPaymentIntentRequest& request) = 0;
  virtual Result<PaymentIntent> capture_payment_intent(const CallContext& context,
                                                       const CaptureRequest& request) = 0;
  virtual Result<PaymentIntent> cancel_payment_intent(
      const CallContext& context, const CancelPaymentIntentRequest& request) = 0;
  virtual Result<PaymentIntent> retrieve_payment_intent(const CallContext& context,
                                                        const RetrieveRequest& request) = 0;

  virtual Result<Refund> create_refund(const CallContext& context,
                                       const RefundRequest& request) = 0;
  virtual Result<Refund> retrieve_refund(const CallContext& context,
                                         const RetrieveRequest& request) = 0;
  virtual Result<Page<Refund>> list_refunds(const CallContext& context,
                                            const ListRequest& request) = 0;

  virtual Result<Customer> create_customer(const CallContext& context,
                                           const CustomerRequest& request) = 0;
  virtual Result<Customer> retrieve_customer(const CallContext& context,
                                             const RetrieveRequest& request) = 0;
  virtual Result<Customer> update_customer(const CallContext& context,
                                           const CustomerUpdate& request) = 0;

  /// Verifies a webhook's signature and timestamp and parses the event. Makes no network
  /// call. An invalid delivery is kUnauthenticated with reason "malformed_signature_header",
  /// "missing_timestamp", "no_valid_signature" or "timestamp_outside_tolerance".
  virtual Result<WebhookEvent> verify_webhook(const CallContext& context,
                                              const WebhookVerifyRequest& request) = 0;
};

}  // namespace outbound
