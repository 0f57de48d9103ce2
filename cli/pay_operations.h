#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "outbound/host.h"
#include "outbound/status.h"

namespace outbound::cli {

// The payment operations of run_operation. Each reads its `args`, checks them before the
// client is called, and returns the result document that `--json` and batch lines print.
// Every document names the client, its plugin and the plugin's version.
//
// The operations that create or change an object (charge, refund, capture) send an
// idempotency key: the argument idempotency_key, or a new UUID when it is missing. Their
// result has the key as "idempotency_key". When the client call fails, they store in
// `*error_fields` (when not null) the fields for the error object: "idempotency_key", and
// "may_be_replayed": true when the caller gave the key and the provider replied. The
// provider may then have returned the error it stored for that key.

/// `pay.charge` {amount, currency, source, customer, description, metadata, capture,
/// idempotency_key, account}: creates a charge. The amount must be a positive integer of minor
/// units that check_amount accepts for the currency.
Result<nlohmann::json> pay_charge(const Host& host, const std::string& client_id,
                                  const nlohmann::json& args, nlohmann::json* error_fields);

/// `pay.refund` {payment_id, amount, reason, metadata, idempotency_key, account}: refunds a
/// payment intent when payment_id starts with "pi_", else a charge. Without amount it refunds
/// the whole remaining amount.
Result<nlohmann::json> pay_refund(const Host& host, const std::string& client_id,
                                  const nlohmann::json& args, nlohmann::json* error_fields);

/// `pay.capture` {payment_id, amount, idempotency_key, account}: captures a payment that was
/// authorised without capture: a payment intent when payment_id starts with "pi_", else a
/// charge. Without amount it captures the whole authorised amount.
Result<nlohmann::json> pay_capture(const Host& host, const std::string& client_id,
                                   const nlohmann::json& args, nlohmann::json* error_fields);

/// `pay.get` {payment_id, account}: retrieves a payment intent ("pi_..."), a refund
/// ("re_...") or else a charge.
Result<nlohmann::json> pay_get(const Host& host, const std::string& client_id,
                               const nlohmann::json& args);

/// `pay.webhook_verify` {payload, signature}: verifies a webhook delivery and returns its
/// event. The payload is passed to the plugin byte for byte.
Result<nlohmann::json> pay_webhook_verify(const Host& host, const std::string& client_id,
                                          const nlohmann::json& args);

}  // namespace outbound::cli
