#pragma once

#include <string>
#include <string_view>

#include "outbound/payment.h"
#include "outbound/status.h"

namespace outbound::cli {

/// Parses the value of an amount option such as `--amount` as a whole number of minor units:
/// ASCII digits only, at most the int64 maximum. `option` names the option in messages
/// ("--amount"). `currency` may be empty; when it is a currency code, the suggestions in
/// messages are in that currency, else in USD.
///
/// Returns kInvalidArgument naming the value and the fix for a decimal ("12.50", which is
/// 1250 in USD), an exponent ("1e3"), a sign ("-5", "+5"), any other character, an empty
/// value, or a value above the maximum. Whether the currency accepts the amount is
/// check_amount's job, not this function's.
Result<MinorUnits> parse_minor_units(std::string_view text, std::string_view option,
                                     std::string_view currency);

}  // namespace outbound::cli
