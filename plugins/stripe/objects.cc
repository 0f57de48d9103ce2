#include "stripe/objects.h"

#include <chrono>
#include <cstdint>
#include <utility>

namespace outbound::stripe {
namespace {

using nlohmann::json;

// Reads members of one object, remembering the first member of an unexpected type.
class Reader {
 public:
  Reader(const json& object, const char* kind) : object_(object), kind_(kind) {}

  std::string text(const char* name) {
    const json* value = find(name);
    if (!value) return {};
    if (value->is_string()) return value->get<std::string>();
    // Expandable references arrive as an object when the caller asked to expand them.
    if (value->is_object()) {
      const auto id = value->find("id");
      if (id != value->end() && id->is_string()) return id->get<std::string>();
    }
    fail(name, "a string");
    return {};
  }

  std::int64_t integer(const char* name) {
    const json* value = find(name);
    if (!value) return 0;
    if (value->is_number_integer()) return value->get<std::int64_t>();
    fail(name, "a whole number");
    return 0;
  }

  bool boolean(const char* name) {
    const json* value = find(name);
    if (!value) return false;
    if (value->is_boolean()) return value->get<bool>();
    fail(name, "true or false");
    return false;
  }

  std::chrono::system_clock::time_point time(const char* name) {
    return std::chrono::system_clock::time_point(std::chrono::seconds(integer(name)));
  }

  Metadata metadata() {
    Metadata entries;
    const json* value = find("metadata");
    if (!value) return entries;
    if (!value->is_object()) {
      fail("metadata", "an object");
      return entries;
    }
    for (auto entry = value->begin(); entry != value->end(); ++entry) {
      if (entry->is_string()) entries.emplace(entry.key(), entry->get<std::string>());
    }
    return entries;
  }

  // Reads a member of the nested object `parent` ("last_payment_error.code").
  std::string nested_text(const char* parent, const char* name) {
    const json* value = find(parent);
    if (!value || !value->is_object()) return {};
    return Reader(*value, kind_).text(name);
  }

  Status status() const { return status_; }

 private:
  const json* find(const char* name) const {
    const auto found = object_.find(name);
    if (found == object_.end() || found->is_null()) return nullptr;
    return &*found;
  }

  void fail(const char* name, const char* expected) {
    if (!status_.ok()) return;
    status_ = Status::internal(std::string("Stripe returned a ") + kind_ + " whose member '" +
                               name + "' is not " + expected +
                               "; check that api_version names a version this plugin reads");
  }

  const json& object_;
  const char* kind_;
  Status status_;
};

Status check_object(const json& object, const char* kind) {
  if (!object.is_object()) {
    return Status::internal(std::string("Stripe returned a ") + object.type_name() + " where a " +
                            kind + " object was expected");
  }
  const auto type = object.find("object");
  if (type != object.end() && type->is_string() && *type != kind) {
    return Status::internal(std::string("Stripe returned a '") + type->get<std::string>() +
                            "' object where a '" + kind + "' was expected");
  }
  return Status();
}

}  // namespace

Result<Charge> read_charge(const json& object) {
  if (Status shape = check_object(object, "charge"); !shape.ok()) return shape;
  Reader read(object, "charge");
  Charge charge;
  charge.id = read.text("id");
  charge.amount = read.integer("amount");
  charge.amount_captured = read.integer("amount_captured");
  charge.amount_refunded = read.integer("amount_refunded");
  charge.currency = read.text("currency");
  charge.status = read.text("status");
  charge.paid = read.boolean("paid");
  charge.captured = read.boolean("captured");
  charge.refunded = read.boolean("refunded");
  charge.customer = read.text("customer");
  charge.description = read.text("description");
  charge.payment_intent = read.text("payment_intent");
  charge.failure_code = read.text("failure_code");
  charge.failure_message = read.text("failure_message");
  charge.metadata = read.metadata();
  charge.created = read.time("created");
  charge.livemode = read.boolean("livemode");
  if (!read.status().ok()) return read.status();
  charge.raw_json = object.dump();
  return charge;
}

Result<Refund> read_refund(const json& object) {
  if (Status shape = check_object(object, "refund"); !shape.ok()) return shape;
  Reader read(object, "refund");
  Refund refund;
  refund.id = read.text("id");
  refund.amount = read.integer("amount");
  refund.currency = read.text("currency");
  refund.charge = read.text("charge");
  refund.payment_intent = read.text("payment_intent");
  refund.status = read.text("status");
  refund.reason = read.text("reason");
  refund.metadata = read.metadata();
  refund.created = read.time("created");
  if (!read.status().ok()) return read.status();
  refund.raw_json = object.dump();
  return refund;
}

Result<Customer> read_customer(const json& object) {
  if (Status shape = check_object(object, "customer"); !shape.ok()) return shape;
  Reader read(object, "customer");
  Customer customer;
  customer.id = read.text("id");
  customer.email = read.text("email");
  customer.name = read.text("name");
  customer.description = read.text("description");
  customer.phone = read.text("phone");
  customer.default_source = read.text("default_source");
  customer.metadata = read.metadata();
  customer.created = read.time("created");
  if (!read.status().ok()) return read.status();
  customer.raw_json = object.dump();
  return customer;
}

Result<PaymentIntent> read_payment_intent(const json& object) {
  if (Status shape = check_object(object, "payment_intent"); !shape.ok()) return shape;
  Reader read(object, "payment_intent");
  PaymentIntent intent;
  intent.id = read.text("id");
  intent.amount = read.integer("amount");
  intent.amount_capturable = read.integer("amount_capturable");
  intent.amount_received = read.integer("amount_received");
  intent.currency = read.text("currency");
  intent.status = read.text("status");
  intent.customer = read.text("customer");
  intent.payment_method = read.text("payment_method");
  intent.latest_charge = read.text("latest_charge");
  intent.capture_method = read.text("capture_method");
  intent.cancellation_reason = read.text("cancellation_reason");
  intent.last_error_code = read.nested_text("last_payment_error", "code");
  intent.last_error_message = read.nested_text("last_payment_error", "message");
  std::string client_secret = read.text("client_secret");
  intent.client_secret = Secret(std::move(client_secret));
  intent.metadata = read.metadata();
  intent.created = read.time("created");
  intent.livemode = read.boolean("livemode");
  if (!read.status().ok()) return read.status();
  // The raw text would carry the client secret, a credential, so it is left out.
  json without_secret = object;
  if (without_secret.contains("client_secret")) without_secret["client_secret"] = "[REDACTED]";
  intent.raw_json = without_secret.dump();
  return intent;
}

Result<ListPage> read_list(const json& object) {
  if (Status shape = check_object(object, "list"); !shape.ok()) return shape;
  const auto data = object.find("data");
  if (data == object.end() || !data->is_array()) {
    return Status::internal("Stripe returned a list without a 'data' array");
  }
  ListPage page;
  page.data = *data;
  const auto has_more = object.find("has_more");
  page.has_more = has_more != object.end() && has_more->is_boolean() && has_more->get<bool>();
  return page;
}

}  // namespace outbound::stripe
