#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "outbound/payment.h"

namespace outbound::stripe {

/// Reads Stripe objects into the SDK's types. Missing and null members leave the field at its
/// default; a member of the wrong type gives kInternal naming it, since it means the API
/// version or the server is not what the plugin expects. `raw_json` keeps the object's text.
/// An expanded object where an id is expected ("customer": {...}) gives its id.
Result<Charge> read_charge(const nlohmann::json& object);
Result<Refund> read_refund(const nlohmann::json& object);
Result<Customer> read_customer(const nlohmann::json& object);
Result<PaymentIntent> read_payment_intent(const nlohmann::json& object);

/// ListPage is one page of a Stripe list: its objects as JSON and `has_more`.
struct ListPage {
  nlohmann::json data = nlohmann::json::array();
  bool has_more = false;
};

/// Reads `{"object":"list","data":[...],"has_more":...}`; kInternal when the shape differs.
Result<ListPage> read_list(const nlohmann::json& object);

}  // namespace outbound::stripe
