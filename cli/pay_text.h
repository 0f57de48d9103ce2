#pragma once

#include <iosfwd>

#include <nlohmann/json.hpp>

namespace outbound::cli {

// Text forms of the payment result documents (see pay_operations.h), for the `pay` commands
// without --json. Each starts with a line naming the client, plugin and version, then one
// "name: value" line per fact, amounts formatted with format_amount ("20.00 USD"). Strings
// from the provider are printed through escape_for_terminal.

/// Prints a charge, refund or payment intent document, according to its "object".
void print_payment_text(const nlohmann::json& result, std::ostream& out);

/// Prints a verified webhook event document.
void print_webhook_event_text(const nlohmann::json& result, std::ostream& out);

}  // namespace outbound::cli
