#include "pay_text.h"

#include <iomanip>
#include <ostream>
#include <string>

#include "command_support.h"
#include "outbound/currency.h"
#include "outbound/payment.h"
#include "terminal_text.h"

namespace outbound::cli {
namespace {

using nlohmann::json;

const std::string& text_of(const json& result, const char* name) {
  return result[name].get_ref<const std::string&>();
}

/// Formats the amount field `name` of `result` in the result's currency.
std::string amount_of(const json& result, const char* name) {
  return format_amount(result[name].get<MinorUnits>(), text_of(result, "currency"));
}

const char* yes_no(bool value) { return value ? "yes" : "no"; }

/// Prints "  label:          value". The value is escaped because providers choose most of
/// them: a description with a newline must not print a line of its own.
void print_field(std::ostream& out, const std::string& label, const std::string& value) {
  out << "  " << std::left << std::setw(18) << label + ":" << escape_for_terminal(value) << '\n';
}

/// Prints the field `name` under `label` unless it is empty.
void print_if_set(std::ostream& out, const std::string& label, const json& result,
                  const char* name) {
  if (!text_of(result, name).empty()) print_field(out, label, text_of(result, name));
}

void print_header(std::ostream& out, const json& result, const std::string& title) {
  out << "client '" << escape_for_terminal(text_of(result, "client")) << "' ("
      << escape_for_terminal(text_of(result, "plugin")) << " "
      << escape_for_terminal(text_of(result, "plugin_version"))
      << "): " << escape_for_terminal(title) << '\n';
}

void print_created(std::ostream& out, const json& result) {
  const auto created = result["created"].get<std::int64_t>();
  if (created != 0) print_field(out, "created", format_utc(created));
}

/// Prints metadata, the provider's request id, the idempotency key of a create or capture
/// call, and whether the reply was a replay.
void print_footer(std::ostream& out, const json& result) {
  std::string metadata;
  for (const auto& item : result["metadata"].items()) {
    metadata += (metadata.empty() ? "" : ", ") + item.key() + "=" +
                item.value().get_ref<const std::string&>();
  }
  if (!metadata.empty()) print_field(out, "metadata", metadata);
  print_if_set(out, "request id", result, "request_id");
  if (result.contains("idempotency_key")) {
    print_if_set(out, "idempotency key", result, "idempotency_key");
  }
  if (result["idempotent_replayed"].get<bool>()) {
    out << "  replayed from the idempotency cache (an earlier request had the same "
           "idempotency key)\n";
  }
}

void print_charge(const json& result, std::ostream& out) {
  print_header(out, result, "charge " + text_of(result, "id"));
  print_field(out, "amount", amount_of(result, "amount"));
  print_field(out, "status", text_of(result, "status"));
  const bool captured = result["captured"].get<bool>();
  print_field(out, "captured",
              captured ? "yes (" + amount_of(result, "amount_captured") + ")" : "no");
  std::string refunded = yes_no(result["refunded"].get<bool>());
  if (result["amount_refunded"].get<MinorUnits>() != 0) {
    refunded += " (" + amount_of(result, "amount_refunded") + " refunded)";
  }
  print_field(out, "refunded", refunded);
  print_if_set(out, "customer", result, "customer");
  print_if_set(out, "description", result, "description");
  print_if_set(out, "payment intent", result, "payment_intent");
  if (!text_of(result, "failure_code").empty() || !text_of(result, "failure_message").empty()) {
    print_field(out, "failure",
                text_of(result, "failure_code") + ": " + text_of(result, "failure_message"));
  }
  print_created(out, result);
  print_footer(out, result);
}

void print_refund(const json& result, std::ostream& out) {
  print_header(out, result, "refund " + text_of(result, "id"));
  print_field(out, "amount", amount_of(result, "amount"));
  print_if_set(out, "charge", result, "charge");
  print_if_set(out, "payment intent", result, "payment_intent");
  print_field(out, "status", text_of(result, "status"));
  print_if_set(out, "reason", result, "reason");
  print_created(out, result);
  print_footer(out, result);
}

void print_payment_intent(const json& result, std::ostream& out) {
  print_header(out, result, "payment intent " + text_of(result, "id"));
  print_field(out, "amount", amount_of(result, "amount"));
  print_field(out, "received", amount_of(result, "amount_received"));
  print_field(out, "capturable", amount_of(result, "amount_capturable"));
  print_field(out, "status", text_of(result, "status"));
  print_if_set(out, "customer", result, "customer");
  print_if_set(out, "payment method", result, "payment_method");
  print_if_set(out, "latest charge", result, "latest_charge");
  print_if_set(out, "capture method", result, "capture_method");
  print_if_set(out, "cancellation", result, "cancellation_reason");
  if (!text_of(result, "last_error_code").empty() ||
      !text_of(result, "last_error_message").empty()) {
    print_field(out, "last error",
                text_of(result, "last_error_code") + ": " + text_of(result, "last_error_message"));
  }
  print_created(out, result);
  print_footer(out, result);
}

}  // namespace

void print_payment_text(const json& result, std::ostream& out) {
  const std::string& object = text_of(result, "object");
  if (object == "refund") {
    print_refund(result, out);
  } else if (object == "payment_intent") {
    print_payment_intent(result, out);
  } else {
    print_charge(result, out);
  }
}

void print_webhook_event_text(const json& result, std::ostream& out) {
  print_header(out, result, "the webhook is valid");
  print_field(out, "event", text_of(result, "id"));
  print_field(out, "type", text_of(result, "type"));
  print_if_set(out, "api version", result, "api_version");
  print_created(out, result);
  print_field(out, "livemode", yes_no(result["livemode"].get<bool>()));
  // ensure_ascii escapes every non-ASCII character, so that no control or bidirectional
  // character of the provider's JSON reaches the terminal.
  out << "  data object:\n"
      << result["data_object"].dump(2, ' ', true, json::error_handler_t::replace) << '\n';
}

}  // namespace outbound::cli
