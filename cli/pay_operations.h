#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "outbound/host.h"
#include "outbound/status.h"

namespace outbound::cli {

// The payment operations of run_operation. Each reads its `args`, checks them before the
// client is called, and returns the result document that `--json` and batch lines print.
// Every document names the client, its plugin and the plugin's version.

/// `pay.charge` {amount, currency, source, customer, description, metadata, capture,
/// idempotency_key, account}: creates a charge. The amount must be a positive integer of minor
/// units that check_amount accepts for the currency.
Result<nlohmann::json> pay_charge(const Host& host, const std::string& client_id,
                                  const nlohmann::json& args);

/// `pay.refund` {payment_id, amount, reason, metadata, idempotency_key, account}: refunds a
/// payment intent when payment_id starts with "pi_", else a charge. Without amount it refunds
/// the whole remaining amount.
Result<nlohmann::json> pay_refund(const Host& host, const std::string& client_id,
                                  const nlohmann::json& args);

/// `pay.get` {payment_id, account}: retrieves a payment intent ("pi_..."), a refund
/// ("re_...") or else a charge.
Result<nlohmann::json> pay_get(const Host& host, const std::string& client_id,
                               const nlohmann::json& args);

/// `pay.webhook_verify` {payload, signature}: verifies a webhook delivery and returns its
/// event. The payload is passed to the plugin byte for byte.
Result<nlohmann::json> pay_webhook_verify(const Host& host, const std::string& client_id,
                                          const nlohmann::json& args);

}  // namespace outbound::cli
