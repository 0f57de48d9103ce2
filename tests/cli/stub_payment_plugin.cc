// A payment plugin for the command-line tests that keeps its objects in memory and never
// touches the network. It is deterministic: charges are ch_<tag>_1, ch_<tag>_2, ..., refunds
// re_<tag>_N and provider request ids req_<tag>_N, counted from 1 in each process (or from the
// state file, when one is set).
//
// - Source tok_visa succeeds. Source tok_chargeDeclined is declined the way Stripe declines a
//   card: kFailedPrecondition, reason card_declined, provider code card_declined, decline code
//   generic_decline, reply code 402. Any other source is an unknown token.
// - An idempotency key used again with the same parameters returns the first result with
//   idempotent_replayed set; with other parameters it is kFailedPrecondition
//   "idempotency_error". Only successful results are kept for replay.
// - Objects created for a connected account (RequestOptions::account) are found only with that
//   account, as with Stripe's Stripe-Account header.
// - verify_webhook accepts only the signature header "stub-valid".
// - capture_charge captures a charge made with capture false, in full or for a smaller
//   amount. The uncaptured rest is released and not counted as refunded. Capturing twice is
//   kFailedPrecondition, provider code charge_already_captured.
// - Payment intents, customers and listings are kUnimplemented; a refund of a payment intent
//   is kNotFound, since no payment intent exists.
//
// Settings: an empty object, or {"state_file": PATH} to keep the objects in a JSON file
// between processes, so that one test can charge, refund and retrieve through separate
// commands. A relative PATH resolves against the configuration's folder.
//
// The build compiles this file twice: as "stub-payment" (tag "stub") and, with other values of
// the three macros below, as a second vendor, to show a swap through the configuration alone.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include <nlohmann/json.hpp>

#include "outbound/currency.h"
#include "outbound/plugin.h"
#include "stub_payment_state.h"

#ifndef OUTBOUND_STUB_PLUGIN_NAME
#define OUTBOUND_STUB_PLUGIN_NAME "stub-payment"
#endif
#ifndef OUTBOUND_STUB_PLUGIN_VERSION
#define OUTBOUND_STUB_PLUGIN_VERSION "1.0.0"
#endif
#ifndef OUTBOUND_STUB_ID_TAG
#define OUTBOUND_STUB_ID_TAG "stub"
#endif

namespace {

using nlohmann::json;
using outbound::CallContext;
using outbound::Charge;
using outbound::ProviderDetails;
using outbound::Refund;
using outbound::Result;
using outbound::Status;
using outbound_stub::charge_to_json;
using outbound_stub::from_unix_seconds;
using outbound_stub::refund_to_json;
using outbound_stub::Replay;
using outbound_stub::State;

namespace fs = std::filesystem;

constexpr const char* kTag = OUTBOUND_STUB_ID_TAG;
constexpr const char* kValidSignature = "stub-valid";

Status unknown_object(const std::string& kind, const std::string& id, const std::string& param,
                      const std::string& request_id) {
  return Status::not_found("no such " + kind + ": '" + id + "'")
      .set_provider({"resource_missing", "", param, request_id, 404});
}

Status bad_parameter(const std::string& message, const std::string& param,
                     const std::string& request_id) {
  return Status::invalid_argument(message).set_provider(
      {"parameter_invalid", "", param, request_id, 400});
}

/// Returns the operation and parameters of a charge request, to detect an idempotency key
/// reused for another request.
std::string charge_fingerprint(const outbound::ChargeRequest& request) {
  const json fingerprint = {{"op", "create_charge"},
                            {"account", request.options.account},
                            {"amount", request.amount},
                            {"currency", request.currency},
                            {"source", request.source},
                            {"customer", request.customer},
                            {"description", request.description},
                            {"metadata", request.metadata},
                            {"capture", request.capture}};
  return fingerprint.dump();
}

std::string refund_fingerprint(const outbound::RefundRequest& request) {
  const json fingerprint = {{"op", "create_refund"},
                            {"account", request.options.account},
                            {"charge", request.charge},
                            {"payment_intent", request.payment_intent},
                            {"amount", request.amount ? json(*request.amount) : json(nullptr)},
                            {"reason", request.reason},
                            {"metadata", request.metadata}};
  return fingerprint.dump();
}

std::string capture_fingerprint(const outbound::CaptureRequest& request) {
  const json fingerprint = {{"op", "capture_charge"},
                            {"account", request.options.account},
                            {"id", request.id},
                            {"amount", request.amount ? json(*request.amount) : json(nullptr)}};
  return fingerprint.dump();
}

/// Returns the error for a charge the stub does not make: an amount check_amount rejects, a
/// zero amount, the declined test card or an unknown token. Returns ok for tok_visa.
Status check_charge(const outbound::ChargeRequest& request, const std::string& request_id) {
  if (Status checked = outbound::check_amount(request.amount, request.currency, "amount");
      !checked.ok()) {
    return bad_parameter(checked.message(), "amount", request_id);
  }
  if (request.amount <= 0) {
    return bad_parameter("amount must be at least 1 minor unit", "amount", request_id);
  }
  if (request.source == "tok_chargeDeclined") {
    ProviderDetails details;
    details.code = "card_declined";
    details.decline_code = "generic_decline";
    details.request_id = request_id;
    details.reply_code = 402;
    return Status::failed_precondition("the card was declined (generic_decline)")
        .set_reason("card_declined")
        .set_retryable(false)
        .set_provider(details);
  }
  if (request.source != "tok_visa") {
    return bad_parameter(
        "no such token: '" + request.source + "'; the stub knows tok_visa and tok_chargeDeclined",
        "source", request_id);
  }
  return Status();
}

/// Returns the amount to refund from `charge`: the request's amount, or all that is left.
/// A charge that is not captured or fully refunded, or an amount above what is left, is an
/// error.
Result<std::int64_t> refund_amount(const Charge& charge, const outbound::RefundRequest& request,
                                   const std::string& request_id) {
  if (!charge.captured) {
    return Status::failed_precondition("charge " + charge.id +
                                       " is not captured; the stub refunds only captured charges")
        .set_provider({"charge_not_captured", "", "charge", request_id, 400});
  }
  const std::int64_t remaining = charge.amount_captured - charge.amount_refunded;
  if (remaining == 0) {
    return Status::failed_precondition("charge " + charge.id + " is already fully refunded")
        .set_provider({"charge_already_refunded", "", "charge", request_id, 400});
  }
  const std::int64_t amount = request.amount.value_or(remaining);
  if (amount <= 0 || amount > remaining) {
    return bad_parameter("refund amount " + std::to_string(amount) + " is not between 1 and " +
                             std::to_string(remaining) + ", the amount left to refund",
                         "amount", request_id);
  }
  return amount;
}

class StubPayment final : public outbound::PaymentGateway {
 public:
  static Result<std::unique_ptr<StubPayment>> create(const outbound::PluginContext& context) {
    const std::string plugin = OUTBOUND_STUB_PLUGIN_NAME;
    const json settings = json::parse(context.settings_json, nullptr, false);
    if (!settings.is_object()) {
      return Status::invalid_argument(plugin + " settings must be a JSON object");
    }
    std::string state_file;
    for (const auto& [key, value] : settings.items()) {
      if (key != "state_file") {
        return Status::invalid_argument(plugin + " settings have no key '" + key +
                                        "'; valid keys: state_file");
      }
      if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
        return Status::invalid_argument(plugin + " setting 'state_file' must be a non-empty path");
      }
      fs::path path = value.get<std::string>();
      if (path.is_relative()) path = fs::path(context.base_directory) / path;
      state_file = path.string();
    }
    auto stub = std::unique_ptr<StubPayment>(new StubPayment(context, state_file));
    if (Status loaded = stub->load(); !loaded.ok()) return loaded;
    return stub;
  }

  const outbound::ClientInfo& info() const override { return info_; }

  Status health_check(const CallContext&) override {
    std::lock_guard lock(mutex_);
    return closed_ ? closed_error() : Status();
  }

  void close() override {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }

  Result<Charge> create_charge(const CallContext& context,
                               const outbound::ChargeRequest& request) override {
    std::lock_guard lock(mutex_);
    const std::string& account = request.options.account;
    const Result<std::string> started = start_write("create_charge", account, context);
    if (!started.ok()) return started.status();
    const std::string& request_id = *started;
    const std::string fingerprint = charge_fingerprint(request);
    if (auto replayed = replay(&Replay::charge, context, fingerprint, request_id)) {
      return *replayed;
    }

    if (Status checked = check_charge(request, request_id); !checked.ok()) return checked;

    Charge charge;
    charge.id = "ch_" + std::string(kTag) + "_" + std::to_string(state_.next_charge++);
    charge.amount = request.amount;
    charge.amount_captured = request.capture ? request.amount : 0;
    charge.currency = request.currency;
    charge.status = "succeeded";
    charge.paid = true;
    charge.captured = request.capture;
    charge.customer = request.customer;
    charge.description = request.description;
    charge.metadata = request.metadata;
    charge.created = now();
    charge.raw_json = charge_to_json(charge).dump();
    state_.charges[account][charge.id] = charge;
    remember(context.idempotency_key, fingerprint, charge, std::nullopt);
    charge.request_id = request_id;
    return save_then(charge);
  }

  Result<Charge> retrieve_charge(const CallContext&,
                                 const outbound::RetrieveRequest& request) override {
    return retrieve(state_.charges, "charge", request);
  }

  Result<Refund> create_refund(const CallContext& context,
                               const outbound::RefundRequest& request) override {
    std::lock_guard lock(mutex_);
    const std::string& account = request.options.account;
    const Result<std::string> started = start_write("create_refund", account, context);
    if (!started.ok()) return started.status();
    const std::string& request_id = *started;
    const std::string fingerprint = refund_fingerprint(request);
    if (auto replayed = replay(&Replay::refund, context, fingerprint, request_id)) {
      return *replayed;
    }

    if (!request.payment_intent.empty()) {
      return unknown_object("payment intent", request.payment_intent, "payment_intent", request_id);
    }
    Charge* charge = find(state_.charges, account, request.charge);
    if (!charge) return unknown_object("charge", request.charge, "charge", request_id);
    auto amount_result = refund_amount(*charge, request, request_id);
    if (!amount_result.ok()) return amount_result.status();
    const std::int64_t amount = *amount_result;

    Refund refund;
    refund.id = "re_" + std::string(kTag) + "_" + std::to_string(state_.next_refund++);
    refund.amount = amount;
    refund.currency = charge->currency;
    refund.charge = charge->id;
    refund.status = "succeeded";
    refund.reason = request.reason;
    refund.metadata = request.metadata;
    refund.created = now();
    refund.raw_json = refund_to_json(refund).dump();
    charge->amount_refunded += amount;
    charge->refunded = charge->amount_refunded == charge->amount_captured;
    charge->raw_json = charge_to_json(*charge).dump();
    state_.refunds[account][refund.id] = refund;
    remember(context.idempotency_key, fingerprint, std::nullopt, refund);
    refund.request_id = request_id;
    return save_then(refund);
  }

  Result<Refund> retrieve_refund(const CallContext&,
                                 const outbound::RetrieveRequest& request) override {
    return retrieve(state_.refunds, "refund", request);
  }

  Result<outbound::WebhookEvent> verify_webhook(
      const CallContext&, const outbound::WebhookVerifyRequest& request) override {
    // The byte count lets tests check that the payload arrived unchanged.
    logger_->debug("verify_webhook payload of {} bytes", request.payload.size());
    {
      std::lock_guard lock(mutex_);
      if (closed_) return closed_error();
    }
    if (request.signature_header.empty()) {
      return Status::unauthenticated("the signature header is empty")
          .set_reason("malformed_signature_header");
    }
    if (request.signature_header != kValidSignature) {
      return Status::unauthenticated("no valid signature in the signature header; " +
                                     std::string(OUTBOUND_STUB_PLUGIN_NAME) + " accepts only '" +
                                     kValidSignature + "'")
          .set_reason("no_valid_signature");
    }
    const json event = json::parse(request.payload, nullptr, false);
    if (!event.is_object()) {
      return Status::invalid_argument("the webhook payload is not a JSON object");
    }
    outbound::WebhookEvent parsed;
    parsed.id = event.value("id", "");
    parsed.type = event.value("type", "");
    if (auto version = event.find("api_version"); version != event.end() && version->is_string()) {
      parsed.api_version = version->get<std::string>();
    }
    if (auto created = event.find("created");
        created != event.end() && created->is_number_integer()) {
      parsed.created = from_unix_seconds(created->get<std::int64_t>());
    }
    parsed.livemode = event.value("livemode", false);
    if (auto data = event.find("data"); data != event.end() && data->contains("object")) {
      parsed.data_object_json = data->at("object").dump();
    }
    parsed.raw_json = request.payload;
    return parsed;
  }

  Result<Charge> capture_charge(const CallContext& context,
                                const outbound::CaptureRequest& request) override {
    std::lock_guard lock(mutex_);
    const Result<std::string> started =
        start_write("capture_charge", request.options.account, context);
    if (!started.ok()) return started.status();
    const std::string& request_id = *started;
    const std::string fingerprint = capture_fingerprint(request);
    if (auto replayed = replay(&Replay::charge, context, fingerprint, request_id)) {
      return *replayed;
    }

    Charge* charge = find(state_.charges, request.options.account, request.id);
    if (!charge) return unknown_object("charge", request.id, "charge", request_id);
    if (charge->captured) {
      return Status::failed_precondition("charge " + charge->id + " is already captured")
          .set_provider({"charge_already_captured", "", "charge", request_id, 400});
    }
    const std::int64_t amount = request.amount.value_or(charge->amount);
    if (amount <= 0 || amount > charge->amount) {
      return bad_parameter("capture amount " + std::to_string(amount) + " is not between 1 and " +
                               std::to_string(charge->amount) + ", the authorised amount",
                           "amount", request_id);
    }
    charge->captured = true;
    charge->amount_captured = amount;
    charge->raw_json = charge_to_json(*charge).dump();
    remember(context.idempotency_key, fingerprint, *charge, std::nullopt);
    Charge captured = *charge;
    captured.request_id = request_id;
    return save_then(captured);
  }
  Result<outbound::Page<Charge>> list_charges(const CallContext&,
                                              const outbound::ListRequest&) override {
    return unimplemented("list_charges");
  }
  Result<outbound::PaymentIntent> create_payment_intent(
      const CallContext&, const outbound::PaymentIntentRequest&) override {
    return unimplemented("create_payment_intent");
  }
  Result<outbound::PaymentIntent> confirm_payment_intent(
      const CallContext&, const outbound::ConfirmPaymentIntentRequest&) override {
    return unimplemented("confirm_payment_intent");
  }
  Result<outbound::PaymentIntent> capture_payment_intent(const CallContext&,
                                                         const outbound::CaptureRequest&) override {
    return unimplemented("capture_payment_intent");
  }
  Result<outbound::PaymentIntent> cancel_payment_intent(
      const CallContext&, const outbound::CancelPaymentIntentRequest&) override {
    return unimplemented("cancel_payment_intent");
  }
  Result<outbound::PaymentIntent> retrieve_payment_intent(
      const CallContext&, const outbound::RetrieveRequest&) override {
    return unimplemented("retrieve_payment_intent");
  }
  Result<outbound::Page<Refund>> list_refunds(const CallContext&,
                                              const outbound::ListRequest&) override {
    return unimplemented("list_refunds");
  }
  Result<outbound::Customer> create_customer(const CallContext&,
                                             const outbound::CustomerRequest&) override {
    return unimplemented("create_customer");
  }
  Result<outbound::Customer> retrieve_customer(const CallContext&,
                                               const outbound::RetrieveRequest&) override {
    return unimplemented("retrieve_customer");
  }
  Result<outbound::Customer> update_customer(const CallContext&,
                                             const outbound::CustomerUpdate&) override {
    return unimplemented("update_customer");
  }

 private:
  StubPayment(const outbound::PluginContext& context, std::string state_file)
      : info_(context.client),
        logger_(context.logger),
        clock_(context.clock),
        state_file_(std::move(state_file)) {}

  static Status unimplemented(const char* operation) {
    return Status::unimplemented(std::string(OUTBOUND_STUB_PLUGIN_NAME) + " does not implement " +
                                 operation);
  }

  Status closed_error() const {
    return Status::failed_precondition("client '" + info_.id + "' is closed");
  }

  std::chrono::system_clock::time_point now() const {
    return clock_ ? clock_->now() : std::chrono::system_clock::now();
  }

  std::string next_request_id() {
    return "req_" + std::string(kTag) + "_" + std::to_string(state_.next_request++);
  }

  /// Starts a call while the caller holds mutex_. Returns the closed error when the client is
  /// closed, and otherwise counts a request id, saves the count and returns the id.
  Result<std::string> start_request() {
    if (closed_) return closed_error();
    std::string request_id = next_request_id();
    save();
    return request_id;
  }

  /// Starts a call that may create or change an object, like start_request, and logs the
  /// operation with its account and idempotency key.
  Result<std::string> start_write(const char* operation, const std::string& account,
                                  const CallContext& context) {
    Result<std::string> request_id = start_request();
    if (request_id.ok()) {
      logger_->debug("{} account='{}' idempotency_key='{}' request_id={}", operation, account,
                     context.idempotency_key, *request_id);
    }
    return request_id;
  }

  /// Runs a retrieve call on `objects`, which is state_.charges or state_.refunds. Returns a copy
  /// of the request's object with this call's request id, or kNotFound naming `kind`.
  template <typename Object>
  Result<Object> retrieve(std::map<std::string, std::map<std::string, Object>>& objects,
                          const std::string& kind, const outbound::RetrieveRequest& request) {
    std::lock_guard lock(mutex_);
    const Result<std::string> started = start_request();
    if (!started.ok()) return started.status();
    const Object* object = find(objects, request.options.account, request.id);
    if (!object) return unknown_object(kind, request.id, "id", *started);
    Object found = *object;
    found.request_id = *started;
    return found;
  }

  template <typename Object>
  static Object* find(std::map<std::string, std::map<std::string, Object>>& objects,
                      const std::string& account, const std::string& id) {
    auto by_account = objects.find(account);
    if (by_account == objects.end()) return nullptr;
    auto found = by_account->second.find(id);
    return found == by_account->second.end() ? nullptr : &found->second;
  }

  /// Returns the replay kept for `key`, null when there is none (or no key), or the
  /// idempotency error when the key was first used with other parameters.
  Result<const Replay*> find_replay(const std::string& key, const std::string& fingerprint,
                                    const std::string& request_id) {
    if (key.empty()) return static_cast<const Replay*>(nullptr);
    auto found = state_.replays.find(key);
    if (found == state_.replays.end()) return static_cast<const Replay*>(nullptr);
    if (found->second.fingerprint != fingerprint) {
      return Status::failed_precondition("idempotency key '" + key +
                                         "' was first used with other parameters; use a new "
                                         "key for a different request")
          .set_reason("idempotency_error")
          .set_provider({"idempotency_key_in_use", "", "", request_id, 400});
    }
    return static_cast<const Replay*>(&found->second);
  }

  /// Returns the result kept for the call's idempotency key, marked as replayed and with
  /// `request_id`, or nothing when there is none to replay. `kept` selects the replay's charge
  /// or refund. A key first used with other parameters returns the idempotency error.
  template <typename Object>
  std::optional<Result<Object>> replay(std::optional<Object> Replay::*kept,
                                       const CallContext& context, const std::string& fingerprint,
                                       const std::string& request_id) {
    Result<const Replay*> found = find_replay(context.idempotency_key, fingerprint, request_id);
    if (!found.ok()) return Result<Object>(found.status());
    if (*found == nullptr || !((*found)->*kept)) return std::nullopt;
    Object object = *((*found)->*kept);
    object.request_id = request_id;
    object.idempotent_replayed = true;
    return Result<Object>(save_then(object));
  }

  void remember(const std::string& key, const std::string& fingerprint,
                std::optional<Charge> charge, std::optional<Refund> refund) {
    if (key.empty()) return;
    state_.replays[key] = Replay{fingerprint, std::move(charge), std::move(refund)};
  }

  Status load() {
    if (state_file_.empty() || !fs::exists(state_file_)) return Status();
    std::ifstream file(state_file_);
    const json document = json::parse(file, nullptr, false);
    if (document.is_discarded()) {
      return Status::invalid_argument(std::string(OUTBOUND_STUB_PLUGIN_NAME) + " state file '" +
                                      state_file_ +
                                      "' is not valid JSON; delete it to start "
                                      "empty");
    }
    try {
      state_ = State::from_json(document);
    } catch (const json::exception& error) {
      return Status::invalid_argument(std::string(OUTBOUND_STUB_PLUGIN_NAME) + " state file '" +
                                      state_file_ +
                                      "' is not a state this plugin wrote: " + error.what());
    }
    return Status();
  }

  /// Writes the state file, when one is set. Every call counts a request id, so a call saves
  /// once for that and again after it changes an object. A write failure is logged and the call
  /// goes on, since the state in memory is still right for this process.
  void save() {
    if (state_file_.empty()) return;
    const std::string temporary = state_file_ + ".tmp";
    {
      std::ofstream file(temporary, std::ios::trunc);
      file << state_.to_json().dump(2);
      if (!file) {
        logger_->error("cannot write state file '{}'", temporary);
        return;
      }
    }
    std::error_code error;
    fs::rename(temporary, state_file_, error);
    if (error) logger_->error("cannot replace state file '{}': {}", state_file_, error.message());
  }

  template <typename Object>
  Object save_then(Object object) {
    save();
    return object;
  }

  const outbound::ClientInfo info_;
  const std::shared_ptr<spdlog::logger> logger_;
  const std::shared_ptr<const outbound::Clock> clock_;
  const std::string state_file_;

  std::mutex mutex_;
  bool closed_ = false;
  State state_;
};

}  // namespace

OUTBOUND_PLUGIN(StubPayment, OUTBOUND_STUB_PLUGIN_NAME, OUTBOUND_STUB_PLUGIN_VERSION)
