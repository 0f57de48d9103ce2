#include "stripe/stripe_gateway.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <utility>

#include "outbound/currency.h"
#include "outbound/version.h"
#include "stripe/errors.h"
#include "stripe/objects.h"
#include "stripe/webhook.h"

namespace outbound::stripe {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxIdempotencyKey = 255;
constexpr int kMaxPageSize = 100;

// Returns a random UUID v4 from OpenSSL's CSPRNG, or an empty string when it has no entropy.
std::string random_uuid_v4() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) return {};
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | 0x40);
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80);
  std::array<char, 37> text{};
  std::snprintf(text.data(), text.size(),
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", bytes[0],
                bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
                bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
  return std::string(text.data(), 36);
}

bool id_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Checks an object id before it goes into a URL path, so that "ch_1/../x" cannot reach
// another endpoint.
Status check_id(std::string_view id, const char* what) {
  if (id.empty()) return Status::invalid_argument(std::string(what) + " id is empty");
  if (id.size() > 255 || !std::all_of(id.begin(), id.end(), id_character)) {
    return Status::invalid_argument(std::string(what) + " id '" + std::string(id.substr(0, 64)) +
                                    "' is not a Stripe id; ids are letters, digits and _, such "
                                    "as ch_3MmlLrLkdIwHu7ix0snN0B15");
  }
  return Status();
}

Status check_positive(const std::optional<MinorUnits>& amount, const char* what) {
  if (amount && *amount < 1) {
    return Status::invalid_argument(std::string(what) + " " + std::to_string(*amount) +
                                    " is not positive; give at least 1 minor unit, or leave it "
                                    "out for the whole amount");
  }
  return Status();
}

Status check_charge_amount(MinorUnits amount, const std::string& currency) {
  if (Status checked = check_amount(amount, currency, "amount"); !checked.ok()) return checked;
  if (amount < 1) {
    return Status::invalid_argument("amount " + std::to_string(amount) + " " + currency +
                                    " charges nothing; give a positive number of minor units");
  }
  return Status();
}

Status check_choice(const std::string& value, const char* what,
                    std::initializer_list<const char*> allowed) {
  if (value.empty()) return Status();
  std::string names;
  for (const char* name : allowed) {
    if (value == name) return Status();
    names += names.empty() ? "" : ", ";
    names += name;
  }
  return Status::invalid_argument(std::string(what) + " '" + value.substr(0, 64) +
                                  "' is invalid; use one of " + names);
}

std::string lower_ascii(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return text;
}

void add_if(Form& form, const char* name, const std::string& value) {
  if (!value.empty()) form.add(name, value);
}

void add_options(Form& form, const RequestOptions& options) {
  form.add_list("expand", options.expand);
}

std::string client_user_agent(const ClientInfo& info) {
  const json agent = {{"bindings_version", info.plugin_version},
                      {"lang", "c++"},
                      {"lang_version", std::to_string(__cplusplus)},
                      {"publisher", "outbound"},
                      {"httplib", "outbound/" OUTBOUND_VERSION}};
  return agent.dump();
}

}  // namespace

Result<std::unique_ptr<StripeGateway>> StripeGateway::create(const PluginContext& context) {
  Result<Settings> settings = parse_settings(context);
  if (!settings.ok()) return settings.status();
  if (!context.http) {
    return Status::failed_precondition(
        "the stripe plugin needs the host's HTTP transport, and "
        "the host gave none");
  }
  return std::unique_ptr<StripeGateway>(
      new StripeGateway(context.client, std::move(settings).value(), context));
}

StripeGateway::StripeGateway(ClientInfo info, Settings settings, const PluginContext& context)
    : info_(std::move(info)),
      settings_(std::move(settings)),
      http_(context.http),
      clock_(context.clock ? context.clock
                           : std::shared_ptr<const Clock>(&Clock::system(), [](const Clock*) {})),
      logger_(context.logger),
      client_user_agent_(client_user_agent(info_)) {}

Status StripeGateway::check_open() const {
  if (closed_.load(std::memory_order_acquire)) {
    return Status::failed_precondition("stripe client '" + info_.id + "' is closed");
  }
  return Status();
}

void StripeGateway::close() { closed_.store(true, std::memory_order_release); }

Result<StripeGateway::Reply> StripeGateway::send(const CallContext& context, const char* method,
                                                 const std::string& path, const Form& form,
                                                 const RequestOptions& options) const {
  if (Status open = check_open(); !open.ok()) return open;
  const bool post = std::string_view(method) == "POST";
  const std::string operation = std::string(method) + " " + path;

  HttpRequest request;
  request.method = method;
  request.url = settings_.base_url + path;
  if (!post && !form.empty()) request.url += "?" + form.encoded();
  request.headers.reserve(7);
  request.headers.emplace_back("Authorization",
                               "Bearer " + std::string(settings_.api_key.expose()));
  request.headers.emplace_back("Stripe-Version", settings_.api_version);
  request.headers.emplace_back("X-Stripe-Client-User-Agent", client_user_agent_);
  request.headers.emplace_back("Accept", "application/json");
  if (!options.account.empty()) {
    if (Status id = check_id(options.account, "connected account"); !id.ok()) return id;
    request.headers.emplace_back("Stripe-Account", options.account);
  }
  std::string idempotency_key;
  if (post) {
    idempotency_key = context.idempotency_key;
    if (idempotency_key.empty()) idempotency_key = random_uuid_v4();
    if (idempotency_key.empty()) {
      return Status::internal(
          "OpenSSL's random generator failed, so no idempotency key could "
          "be made; refusing to send a payment request without one");
    }
    const bool printable = std::all_of(idempotency_key.begin(), idempotency_key.end(),
                                       [](char c) { return c > 0x20 && c < 0x7f; });
    if (idempotency_key.size() > kMaxIdempotencyKey || !printable) {
      return Status::invalid_argument(
          "idempotency key '" + idempotency_key.substr(0, 64) +
          "' is invalid: Stripe takes at most 255 printable ASCII characters without "
          "spaces, such as a UUID");
    }
    request.headers.emplace_back("Idempotency-Key", idempotency_key);
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    request.body = form.encoded();
  }
  // A GET changes nothing, and a POST with an idempotency key is replayed by Stripe, not
  // repeated, so both may be re-sent after a connection failure.
  request.replay_safe = true;

  const auto started = clock_->steady_now();
  Result<HttpResponse> response = http_->send(context, request);
  const double elapsed_ms =
      std::chrono::duration<double, std::milli>(clock_->steady_now() - started).count();
  if (!response.ok()) {
    if (logger_) {
      logger_->debug("stripe {} failed after {:.1f} ms (attempt {}, idempotency key {}): {}",
                     operation, elapsed_ms, context.attempt, idempotency_key,
                     response.status().message());
    }
    return response.status().with_context("stripe " + operation);
  }
  const std::string request_id(request_id_of(*response));
  const bool replayed = response->header("Idempotent-Replayed") == "true";
  if (logger_) {
    logger_->debug("stripe {} -> {} in {:.1f} ms (attempt {}, request {}, idempotency key {}{})",
                   operation, response->status, elapsed_ms, context.attempt,
                   request_id.empty() ? "-" : request_id, post ? idempotency_key : "-",
                   replayed ? ", replayed" : "");
  }
  if (response->status < 200 || response->status > 299) {
    return error_from_response(*response, operation, settings_.api_key.expose(), *clock_);
  }
  Reply reply;
  reply.body = json::parse(response->body, nullptr, false);
  if (reply.body.is_discarded()) {
    ProviderDetails details;
    details.request_id = request_id;
    details.reply_code = response->status;
    // The request may have taken effect, so this is not retried: with the same idempotency
    // key a retry would only replay this body.
    return Status(StatusCode::kUnavailable, "Stripe answered " + operation + " with HTTP " +
                                                std::to_string(response->status) +
                                                " and a body that is not JSON")
        .set_retryable(false)
        .set_reason(kNotStripeError)
        .set_provider(std::move(details));
  }
  reply.request_id = request_id;
  reply.idempotent_replayed = replayed;
  return reply;
}

template <typename T, typename ReadObject>
Result<T> StripeGateway::object_call(const CallContext& context, const char* method,
                                     const std::string& path, const Form& form,
                                     const RequestOptions& options, ReadObject read_object) const {
  Result<Reply> reply = send(context, method, path, form, options);
  if (!reply.ok()) return reply.status();
  Result<T> object = read_object(reply->body);
  if (!object.ok()) {
    Status status = object.status();
    ProviderDetails details;
    details.request_id = reply->request_id;
    return status.set_provider(std::move(details));
  }
  object->request_id = std::move(reply->request_id);
  object->idempotent_replayed = reply->idempotent_replayed;
  return object;
}

template <typename T, typename ReadObject>
Result<T> StripeGateway::retrieve_call(const CallContext& context, const char* kind,
                                       const std::string& collection,
                                       const RetrieveRequest& request,
                                       ReadObject read_object) const {
  if (Status id = check_id(request.id, kind); !id.ok()) return id;
  Form query;
  add_options(query, request.options);
  return object_call<T>(context, "GET", collection + "/" + request.id, query, request.options,
                        read_object);
}

template <typename T, typename ReadObject>
Result<Page<T>> StripeGateway::list_call(const CallContext& context, const std::string& path,
                                         const ListRequest& request, ReadObject read_object) const {
  if (request.page_size < 1 || request.page_size > kMaxPageSize) {
    return Status::invalid_argument("page size " + std::to_string(request.page_size) +
                                    " is outside Stripe's range; use 1 to 100");
  }
  if (request.max_items < 0) {
    return Status::invalid_argument("max_items " + std::to_string(request.max_items) +
                                    " is negative; use 0 for no limit");
  }
  for (const auto& [name, value] : request.filters) {
    if (name == "limit" || name == "starting_after" || name == "ending_before" ||
        name.rfind("expand", 0) == 0) {
      return Status::invalid_argument("list filter '" + name +
                                      "' is set by the listing itself; use page_size, "
                                      "starting_after or options.expand instead");
    }
    if (name.empty()) return Status::invalid_argument("a list filter has an empty name");
  }
  if (!request.starting_after.empty()) {
    if (Status id = check_id(request.starting_after, "starting_after"); !id.ok()) return id;
  }

  Page<T> page;
  std::string cursor = request.starting_after;
  while (true) {
    Form query;
    query.add("limit", static_cast<std::int64_t>(request.page_size));
    for (const auto& [name, value] : request.filters) query.add(name, value);
    if (!cursor.empty()) query.add("starting_after", cursor);
    add_options(query, request.options);

    Result<Reply> reply = send(context, "GET", path, query, request.options);
    if (!reply.ok()) return reply.status();
    Result<ListPage> list = read_list(reply->body);
    if (!list.ok()) return list.status();
    ++page.pages_fetched;
    if (list->data.empty()) {
      // An empty page ends the listing even when it claims there is more.
      page.has_more = false;
      return page;
    }
    std::string last_id;
    for (const json& item : list->data) {
      Result<T> object = read_object(item);
      if (!object.ok()) return object.status();
      object->request_id = reply->request_id;
      last_id = object->id;
      page.data.push_back(std::move(object).value());
      if (request.max_items > 0 &&
          page.data.size() >= static_cast<std::size_t>(request.max_items)) {
        page.has_more = list->has_more || &item != &list->data.back();
        return page;
      }
    }
    page.has_more = list->has_more;
    if (!list->has_more) return page;
    if (last_id.empty() || last_id == cursor) {
      return Status::internal("Stripe's list at " + path + " says it has more after '" + last_id +
                              "' but gave no new cursor; stopping to avoid a loop");
    }
    cursor = last_id;
  }
}

Status StripeGateway::health_check(const CallContext& context) {
  Form query;
  query.add("limit", static_cast<std::int64_t>(1));
  Result<Reply> reply = send(context, "GET", "/v1/charges", query, RequestOptions{});
  return reply.ok() ? Status() : reply.status();
}

Result<Charge> StripeGateway::create_charge(const CallContext& context,
                                            const ChargeRequest& request) {
  if (Status amount = check_charge_amount(request.amount, request.currency); !amount.ok()) {
    return amount;
  }
  if (request.source.empty() && request.customer.empty()) {
    return Status::invalid_argument(
        "a charge needs a source (a card token such as tok_visa) or a customer with a default "
        "source");
  }
  if (!request.customer.empty()) {
    if (Status id = check_id(request.customer, "customer"); !id.ok()) return id;
  }
  if (Status metadata = check_metadata(request.metadata, false); !metadata.ok()) return metadata;
  Form form;
  form.add("amount", request.amount);
  form.add("currency", lower_ascii(request.currency));
  add_if(form, "source", request.source);
  add_if(form, "customer", request.customer);
  add_if(form, "description", request.description);
  add_if(form, "statement_descriptor", request.statement_descriptor);
  add_if(form, "receipt_email", request.receipt_email);
  form.add_map("metadata", request.metadata);
  if (!request.capture) form.add_bool("capture", false);
  add_options(form, request.options);
  return object_call<Charge>(context, "POST", "/v1/charges", form, request.options, read_charge);
}

Result<Charge> StripeGateway::capture_charge(const CallContext& context,
                                             const CaptureRequest& request) {
  if (Status id = check_id(request.id, "charge"); !id.ok()) return id;
  if (Status amount = check_positive(request.amount, "capture amount"); !amount.ok()) {
    return amount;
  }
  Form form;
  if (request.amount) form.add("amount", *request.amount);
  add_options(form, request.options);
  return object_call<Charge>(context, "POST", "/v1/charges/" + request.id + "/capture", form,
                             request.options, read_charge);
}

Result<Charge> StripeGateway::retrieve_charge(const CallContext& context,
                                              const RetrieveRequest& request) {
  return retrieve_call<Charge>(context, "charge", "/v1/charges", request, read_charge);
}

Result<Page<Charge>> StripeGateway::list_charges(const CallContext& context,
                                                 const ListRequest& request) {
  return list_call<Charge>(context, "/v1/charges", request, read_charge);
}

Result<PaymentIntent> StripeGateway::create_payment_intent(const CallContext& context,
                                                           const PaymentIntentRequest& request) {
  if (Status amount = check_charge_amount(request.amount, request.currency); !amount.ok()) {
    return amount;
  }
  if (Status method = check_choice(request.capture_method, "capture_method",
                                   {"automatic", "automatic_async", "manual"});
      !method.ok()) {
    return method;
  }
  if (!request.customer.empty()) {
    if (Status id = check_id(request.customer, "customer"); !id.ok()) return id;
  }
  if (Status metadata = check_metadata(request.metadata, false); !metadata.ok()) return metadata;
  Form form;
  form.add("amount", request.amount);
  form.add("currency", lower_ascii(request.currency));
  add_if(form, "customer", request.customer);
  add_if(form, "payment_method", request.payment_method);
  form.add_list("payment_method_types", request.payment_method_types);
  add_if(form, "description", request.description);
  add_if(form, "receipt_email", request.receipt_email);
  form.add_map("metadata", request.metadata);
  if (request.confirm) form.add_bool("confirm", true);
  add_if(form, "capture_method", request.capture_method);
  add_if(form, "return_url", request.return_url);
  add_options(form, request.options);
  return object_call<PaymentIntent>(context, "POST", "/v1/payment_intents", form, request.options,
                                    read_payment_intent);
}

Result<PaymentIntent> StripeGateway::confirm_payment_intent(
    const CallContext& context, const ConfirmPaymentIntentRequest& request) {
  if (Status id = check_id(request.id, "payment intent"); !id.ok()) return id;
  Form form;
  add_if(form, "payment_method", request.payment_method);
  add_if(form, "return_url", request.return_url);
  add_options(form, request.options);
  return object_call<PaymentIntent>(context, "POST",
                                    "/v1/payment_intents/" + request.id + "/confirm", form,
                                    request.options, read_payment_intent);
}

Result<PaymentIntent> StripeGateway::capture_payment_intent(const CallContext& context,
                                                            const CaptureRequest& request) {
  if (Status id = check_id(request.id, "payment intent"); !id.ok()) return id;
  if (Status amount = check_positive(request.amount, "capture amount"); !amount.ok()) {
    return amount;
  }
  Form form;
  if (request.amount) form.add("amount_to_capture", *request.amount);
  add_options(form, request.options);
  return object_call<PaymentIntent>(context, "POST",
                                    "/v1/payment_intents/" + request.id + "/capture", form,
                                    request.options, read_payment_intent);
}

Result<PaymentIntent> StripeGateway::cancel_payment_intent(
    const CallContext& context, const CancelPaymentIntentRequest& request) {
  if (Status id = check_id(request.id, "payment intent"); !id.ok()) return id;
  if (Status reason =
          check_choice(request.cancellation_reason, "cancellation_reason",
                       {"duplicate", "fraudulent", "requested_by_customer", "abandoned"});
      !reason.ok()) {
    return reason;
  }
  Form form;
  add_if(form, "cancellation_reason", request.cancellation_reason);
  add_options(form, request.options);
  return object_call<PaymentIntent>(context, "POST",
                                    "/v1/payment_intents/" + request.id + "/cancel", form,
                                    request.options, read_payment_intent);
}

Result<PaymentIntent> StripeGateway::retrieve_payment_intent(const CallContext& context,
                                                             const RetrieveRequest& request) {
  return retrieve_call<PaymentIntent>(context, "payment intent", "/v1/payment_intents", request,
                                      read_payment_intent);
}

Result<Refund> StripeGateway::create_refund(const CallContext& context,
                                            const RefundRequest& request) {
  if (request.charge.empty() == request.payment_intent.empty()) {
    return Status::invalid_argument(
        "a refund names exactly one of a charge (ch_...) or a payment intent (pi_...)");
  }
  if (!request.charge.empty()) {
    if (Status id = check_id(request.charge, "charge"); !id.ok()) return id;
  } else if (Status id = check_id(request.payment_intent, "payment intent"); !id.ok()) {
    return id;
  }
  if (Status amount = check_positive(request.amount, "refund amount"); !amount.ok()) {
    return amount;
  }
  if (Status reason = check_choice(request.reason, "refund reason",
                                   {"duplicate", "fraudulent", "requested_by_customer"});
      !reason.ok()) {
    return reason;
  }
  if (Status metadata = check_metadata(request.metadata, false); !metadata.ok()) return metadata;
  Form form;
  add_if(form, "charge", request.charge);
  add_if(form, "payment_intent", request.payment_intent);
  if (request.amount) form.add("amount", *request.amount);
  add_if(form, "reason", request.reason);
  form.add_map("metadata", request.metadata);
  add_options(form, request.options);
  return object_call<Refund>(context, "POST", "/v1/refunds", form, request.options, read_refund);
}

Result<Refund> StripeGateway::retrieve_refund(const CallContext& context,
                                              const RetrieveRequest& request) {
  return retrieve_call<Refund>(context, "refund", "/v1/refunds", request, read_refund);
}

Result<Page<Refund>> StripeGateway::list_refunds(const CallContext& context,
                                                 const ListRequest& request) {
  return list_call<Refund>(context, "/v1/refunds", request, read_refund);
}

Result<Customer> StripeGateway::create_customer(const CallContext& context,
                                                const CustomerRequest& request) {
  if (Status metadata = check_metadata(request.metadata, false); !metadata.ok()) return metadata;
  Form form;
  add_if(form, "email", request.email);
  add_if(form, "name", request.name);
  add_if(form, "description", request.description);
  add_if(form, "phone", request.phone);
  add_if(form, "source", request.source);
  form.add_map("metadata", request.metadata);
  add_options(form, request.options);
  return object_call<Customer>(context, "POST", "/v1/customers", form, request.options,
                               read_customer);
}

Result<Customer> StripeGateway::retrieve_customer(const CallContext& context,
                                                  const RetrieveRequest& request) {
  return retrieve_call<Customer>(context, "customer", "/v1/customers", request, read_customer);
}

Result<Customer> StripeGateway::update_customer(const CallContext& context,
                                                const CustomerUpdate& request) {
  if (Status id = check_id(request.id, "customer"); !id.ok()) return id;
  if (Status metadata = check_metadata(request.metadata, true); !metadata.ok()) return metadata;
  Form form;
  // An empty string clears a field at Stripe, so a set optional is sent even when empty.
  if (request.email) form.add("email", *request.email);
  if (request.name) form.add("name", *request.name);
  if (request.description) form.add("description", *request.description);
  if (request.phone) form.add("phone", *request.phone);
  if (request.source) form.add("source", *request.source);
  form.add_map("metadata", request.metadata);
  add_options(form, request.options);
  return object_call<Customer>(context, "POST", "/v1/customers/" + request.id, form,
                               request.options, read_customer);
}

Result<WebhookEvent> StripeGateway::verify_webhook(const CallContext& /*context*/,
                                                   const WebhookVerifyRequest& request) {
  if (Status open = check_open(); !open.ok()) return open;
  if (settings_.webhook_secret.empty()) {
    return Status::failed_precondition("stripe client '" + info_.id +
                                       "' has no webhook_secret setting; add the endpoint's "
                                       "signing secret (whsec_...) to verify webhooks")
        .set_reason("no_webhook_secret");
  }
  return stripe::verify_webhook(request.signature_header, request.payload, settings_.webhook_secret,
                                settings_.webhook_tolerance, clock_->now());
}

}  // namespace outbound::stripe
