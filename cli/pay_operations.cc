#include "pay_operations.h"

#include <algorithm>
#include <optional>

#include "idempotency_key.h"
#include "operation_args.h"
#include "outbound/currency.h"

namespace outbound::cli {
namespace {

using nlohmann::json;

/// The refund reasons the SDK's RefundRequest allows, besides none.
constexpr const char* kRefundReasons[] = {"duplicate", "fraudulent", "requested_by_customer"};

/// Returns the fields every payment result starts with: which client and plugin produced it.
json client_fields(const PaymentGateway& client) {
  return {{"client", client.id()},
          {"plugin", client.plugin_name()},
          {"plugin_version", client.plugin_version()}};
}

json charge_json(const PaymentGateway& client, const Charge& charge) {
  json result = client_fields(client);
  result.update({{"object", "charge"},
                 {"id", charge.id},
                 {"amount", charge.amount},
                 {"currency", charge.currency},
                 {"status", charge.status},
                 {"paid", charge.paid},
                 {"captured", charge.captured},
                 {"amount_captured", charge.amount_captured},
                 {"refunded", charge.refunded},
                 {"amount_refunded", charge.amount_refunded},
                 {"customer", charge.customer},
                 {"description", charge.description},
                 {"payment_intent", charge.payment_intent},
                 {"failure_code", charge.failure_code},
                 {"failure_message", charge.failure_message},
                 {"metadata", charge.metadata},
                 {"created", to_unix_seconds(charge.created)},
                 {"livemode", charge.livemode},
                 {"request_id", charge.request_id},
                 {"idempotent_replayed", charge.idempotent_replayed}});
  return result;
}

json refund_json(const PaymentGateway& client, const Refund& refund) {
  json result = client_fields(client);
  result.update({{"object", "refund"},
                 {"id", refund.id},
                 {"amount", refund.amount},
                 {"currency", refund.currency},
                 {"charge", refund.charge},
                 {"payment_intent", refund.payment_intent},
                 {"status", refund.status},
                 {"reason", refund.reason},
                 {"metadata", refund.metadata},
                 {"created", to_unix_seconds(refund.created)},
                 {"request_id", refund.request_id},
                 {"idempotent_replayed", refund.idempotent_replayed}});
  return result;
}

/// Returns the document of a payment intent. The client secret is a credential, so it is left
/// out.
json payment_intent_json(const PaymentGateway& client, const PaymentIntent& intent) {
  json result = client_fields(client);
  result.update({{"object", "payment_intent"},
                 {"id", intent.id},
                 {"amount", intent.amount},
                 {"amount_capturable", intent.amount_capturable},
                 {"amount_received", intent.amount_received},
                 {"currency", intent.currency},
                 {"status", intent.status},
                 {"customer", intent.customer},
                 {"payment_method", intent.payment_method},
                 {"latest_charge", intent.latest_charge},
                 {"capture_method", intent.capture_method},
                 {"cancellation_reason", intent.cancellation_reason},
                 {"last_error_code", intent.last_error_code},
                 {"last_error_message", intent.last_error_message},
                 {"metadata", intent.metadata},
                 {"created", to_unix_seconds(intent.created)},
                 {"livemode", intent.livemode},
                 {"request_id", intent.request_id},
                 {"idempotent_replayed", intent.idempotent_replayed}});
  return result;
}

json webhook_event_json(const PaymentGateway& client, const WebhookEvent& event) {
  json result = client_fields(client);
  result.update(
      {{"valid", true},
       {"id", event.id},
       {"type", event.type},
       {"api_version", event.api_version},
       {"created", to_unix_seconds(event.created)},
       {"livemode", event.livemode},
       {"data_object",
        event.data_object_json.empty() ? json(nullptr) : parse_or_text(event.data_object_json)}});
  return result;
}

/// Returns the options shared by every payment request: the connected account, if given.
Result<RequestOptions> request_options(const json& args, const std::string& op) {
  auto account = optional_string(args, op, "account", true);
  if (!account.ok()) return account.status();
  RequestOptions options;
  options.account = *account;
  return options;
}

/// IdempotencyKey is the key of one call that creates or changes a payment object.
struct IdempotencyKey {
  std::string value;
  /// Whether the caller gave the key, so that the provider may have stored a reply for it.
  bool from_caller = false;
};

/// Reads the caller's idempotency key, or makes a new one. The key is made here and not left
/// to the host, so that a failure can show it and a rerun with it cannot pay twice.
Result<IdempotencyKey> read_idempotency_key(const json& args, const std::string& op) {
  auto key = optional_string(args, op, "idempotency_key", true);
  if (!key.ok()) return key.status();
  if (!key->empty()) {
    if (Status s = check_idempotency_key(*key, op + " argument 'idempotency_key'"); !s.ok()) {
      return s;
    }
    return IdempotencyKey{*key, true};
  }
  auto generated = new_idempotency_key();
  if (!generated.ok()) return generated.status();
  return IdempotencyKey{*generated, false};
}

CallContext call_context(const IdempotencyKey& key) {
  CallContext context;
  context.idempotency_key = key.value;
  return context;
}

/// Returns the fields a failed call adds to its error object: the idempotency key, and
/// may_be_replayed when the caller gave the key and the provider replied. Stripe stores the
/// first reply to a key, errors included, and returns it for a reused key, but the SDK's
/// Status has no field that marks such a replay.
json failure_fields(const IdempotencyKey& key, const Status& status) {
  json fields = {{"idempotency_key", key.value}};
  if (key.from_caller && !status.provider().empty()) fields["may_be_replayed"] = true;
  return fields;
}

/// Stores `fields` in `*error_fields` when the caller asked for them.
void set_error_fields(json* error_fields, json fields) {
  if (error_fields != nullptr) *error_fields = std::move(fields);
}

std::string lower_case(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return text;
}

bool starts_with(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

/// Reads the charge arguments into `request`, checking the amount with check_amount.
Status read_charge_request(const json& args, const std::string& op, ChargeRequest* request) {
  auto amount = optional_amount(args, op, "amount");
  if (!amount.ok()) return amount.status();
  if (!*amount) return Status::invalid_argument(op + " needs the argument 'amount'");
  auto currency = required_string(args, op, "currency");
  if (!currency.ok()) return currency.status();
  auto source = required_string(args, op, "source");
  if (!source.ok()) return source.status();
  auto customer = optional_string(args, op, "customer");
  if (!customer.ok()) return customer.status();
  auto description = optional_string(args, op, "description");
  if (!description.ok()) return description.status();
  auto metadata = optional_metadata(args, op, "metadata");
  if (!metadata.ok()) return metadata.status();
  auto capture = optional_bool(args, op, "capture");
  if (!capture.ok()) return capture.status();
  auto options = request_options(args, op);
  if (!options.ok()) return options.status();

  if (**amount == 0) {
    return Status::invalid_argument(op +
                                    " argument 'amount' is 0; a charge is at least 1 minor "
                                    "unit");
  }
  if (Status checked = check_amount(**amount, *currency, "amount"); !checked.ok()) {
    return checked.with_context(op);
  }
  request->amount = **amount;
  request->currency = lower_case(*currency);
  request->source = *source;
  request->customer = *customer;
  request->description = *description;
  request->metadata = std::move(*metadata);
  request->capture = capture->value_or(true);
  request->options = std::move(*options);
  return Status();
}

/// Reads the refund arguments into `request`. The payment id picks charge or payment intent.
Status read_refund_request(const json& args, const std::string& op, RefundRequest* request) {
  auto payment_id = required_string(args, op, "payment_id");
  if (!payment_id.ok()) return payment_id.status();
  auto amount = optional_amount(args, op, "amount");
  if (!amount.ok()) return amount.status();
  auto reason = optional_string(args, op, "reason");
  if (!reason.ok()) return reason.status();
  auto metadata = optional_metadata(args, op, "metadata");
  if (!metadata.ok()) return metadata.status();
  auto options = request_options(args, op);
  if (!options.ok()) return options.status();

  if (*amount && **amount <= 0) {
    return Status::invalid_argument(op + " argument 'amount' is " + std::to_string(**amount) +
                                    "; give a positive number of minor units, or leave it out "
                                    "to refund the whole remaining amount");
  }
  if (!reason->empty() && std::find(std::begin(kRefundReasons), std::end(kRefundReasons),
                                    *reason) == std::end(kRefundReasons)) {
    return Status::invalid_argument(op + " argument 'reason' is '" + *reason +
                                    "'; use duplicate, fraudulent or requested_by_customer");
  }
  if (starts_with(*payment_id, "pi_")) {
    request->payment_intent = *payment_id;
  } else {
    request->charge = *payment_id;
  }
  request->amount = *amount;
  request->reason = *reason;
  request->metadata = std::move(*metadata);
  request->options = std::move(*options);
  return Status();
}

}  // namespace

Result<json> pay_charge(const Host& host, const std::string& client_id, const json& args,
                        json* error_fields) {
  const std::string op = "pay.charge";
  if (Status s = reject_unknown(args, op,
                                {"amount", "currency", "source", "customer", "description",
                                 "metadata", "capture", "idempotency_key", "account"});
      !s.ok()) {
    return s;
  }
  ChargeRequest request;
  if (Status s = read_charge_request(args, op, &request); !s.ok()) return s;
  auto key = read_idempotency_key(args, op);
  if (!key.ok()) return key.status();

  auto client = host.payments(client_id);
  if (!client.ok()) return client.status();
  auto charge = (*client)->create_charge(call_context(*key), request);
  if (!charge.ok()) {
    set_error_fields(error_fields, failure_fields(*key, charge.status()));
    return charge.status();
  }
  json result = charge_json(**client, *charge);
  result["idempotency_key"] = key->value;
  return result;
}

Result<json> pay_refund(const Host& host, const std::string& client_id, const json& args,
                        json* error_fields) {
  const std::string op = "pay.refund";
  if (Status s = reject_unknown(
          args, op, {"payment_id", "amount", "reason", "metadata", "idempotency_key", "account"});
      !s.ok()) {
    return s;
  }
  RefundRequest request;
  if (Status s = read_refund_request(args, op, &request); !s.ok()) return s;
  auto key = read_idempotency_key(args, op);
  if (!key.ok()) return key.status();

  auto client = host.payments(client_id);
  if (!client.ok()) return client.status();
  auto refund = (*client)->create_refund(call_context(*key), request);
  if (!refund.ok()) {
    set_error_fields(error_fields, failure_fields(*key, refund.status()));
    return refund.status();
  }
  json result = refund_json(**client, *refund);
  result["idempotency_key"] = key->value;
  return result;
}

Result<json> pay_capture(const Host& host, const std::string& client_id, const json& args,
                         json* error_fields) {
  const std::string op = "pay.capture";
  if (Status s = reject_unknown(args, op, {"payment_id", "amount", "idempotency_key", "account"});
      !s.ok()) {
    return s;
  }
  auto payment_id = required_string(args, op, "payment_id");
  if (!payment_id.ok()) return payment_id.status();
  auto amount = optional_amount(args, op, "amount");
  if (!amount.ok()) return amount.status();
  if (*amount && **amount <= 0) {
    return Status::invalid_argument(op + " argument 'amount' is " + std::to_string(**amount) +
                                    "; give a positive number of minor units, or leave it out "
                                    "to capture the whole amount");
  }
  auto options = request_options(args, op);
  if (!options.ok()) return options.status();
  auto key = read_idempotency_key(args, op);
  if (!key.ok()) return key.status();

  auto client = host.payments(client_id);
  if (!client.ok()) return client.status();
  const CaptureRequest request{*payment_id, *amount, std::move(*options)};
  json result;
  if (starts_with(*payment_id, "pi_")) {
    auto intent = (*client)->capture_payment_intent(call_context(*key), request);
    if (!intent.ok()) {
      set_error_fields(error_fields, failure_fields(*key, intent.status()));
      return intent.status();
    }
    result = payment_intent_json(**client, *intent);
  } else {
    auto charge = (*client)->capture_charge(call_context(*key), request);
    if (!charge.ok()) {
      set_error_fields(error_fields, failure_fields(*key, charge.status()));
      return charge.status();
    }
    result = charge_json(**client, *charge);
  }
  result["idempotency_key"] = key->value;
  return result;
}

Result<json> pay_get(const Host& host, const std::string& client_id, const json& args) {
  const std::string op = "pay.get";
  if (Status s = reject_unknown(args, op, {"payment_id", "account"}); !s.ok()) return s;
  auto payment_id = required_string(args, op, "payment_id");
  if (!payment_id.ok()) return payment_id.status();
  auto options = request_options(args, op);
  if (!options.ok()) return options.status();

  auto client = host.payments(client_id);
  if (!client.ok()) return client.status();
  const RetrieveRequest request{*payment_id, std::move(*options)};
  if (starts_with(*payment_id, "pi_")) {
    auto intent = (*client)->retrieve_payment_intent(CallContext{}, request);
    if (!intent.ok()) return intent.status();
    return payment_intent_json(**client, *intent);
  }
  if (starts_with(*payment_id, "re_")) {
    auto refund = (*client)->retrieve_refund(CallContext{}, request);
    if (!refund.ok()) return refund.status();
    return refund_json(**client, *refund);
  }
  auto charge = (*client)->retrieve_charge(CallContext{}, request);
  if (!charge.ok()) return charge.status();
  return charge_json(**client, *charge);
}

Result<json> pay_webhook_verify(const Host& host, const std::string& client_id, const json& args) {
  const std::string op = "pay.webhook_verify";
  if (Status s = reject_unknown(args, op, {"payload", "signature"}); !s.ok()) return s;
  auto payload = required_string(args, op, "payload");
  if (!payload.ok()) return payload.status();
  auto signature = required_string(args, op, "signature");
  if (!signature.ok()) return signature.status();

  auto client = host.payments(client_id);
  if (!client.ok()) return client.status();
  auto event = (*client)->verify_webhook(CallContext{}, {*payload, *signature});
  if (!event.ok()) return event.status();
  return webhook_event_json(**client, *event);
}

}  // namespace outbound::cli
