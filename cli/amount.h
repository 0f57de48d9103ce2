#pragma once

#include <string>
#include <string_view>

#include "outbound/payment.h"
#include "outbound/status.h"

namespace outbound::cli {

/// Parses the value of an amount option such as `--amount` as a whole number of minor units:
/// ASCII digits only, at most the int64 maximum. `option` names the option in messages
/// ("--amount"). When `currency` is a currency code, the suggestions in messages are in that
/// currency. When it is empty, as for a refund, whose currency is the payment's, they name no
/// currency ("1250 for 12.50 in a two-decimal currency").
///
/// Returns kInvalidArgument naming the value and the fix for a decimal (12.50 USD is 1250,
/// and JPY has no decimal places), an exponent ("1e3"), a sign ("-5",
/// "+5"), any other character, an empty value, or a value above the maximum. Whether the currency
/// accepts the amount is check_amount's job, not this function's.
Result<MinorUnits> parse_minor_units(std::string_view text, std::string_view option,
                                     std::string_view currency);

}  // namespace outbound::cli
