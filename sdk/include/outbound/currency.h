#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "outbound/export.h"
#include "outbound/status.h"

namespace outbound {

/// Returns how many decimal digits the minor unit of `currency` has in payment APIs: 0 for the
/// zero-decimal currencies (BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF),
/// 3 for the three-decimal ones (BHD JOD KWD OMR TND), 2 for every other code. `currency` is
/// an ISO 4217 code in either case ("jpy", "JPY").
OUTBOUND_SDK_API int currency_minor_digits(std::string_view currency);

/// Checks that `amount`, in minor units of `currency`, is one a card network accepts, before
/// any request is made. `what` names the value in messages ("amount", "refund amount").
///
/// Rejects with kInvalidArgument: a currency that is not three ASCII letters; a negative
/// amount; for three-decimal currencies an amount whose last digit is not 0 (5.125 KWD is
/// 5125, which must be rounded to 5120 or 5130); for ISK an amount that is not a multiple of
/// 100, since ISK is charged in whole krónur although its API amounts keep two decimals.
OUTBOUND_SDK_API Status check_amount(std::int64_t amount, std::string_view currency,
                                     std::string_view what);

/// Formats `amount` minor units of `currency` for people: "20.00 USD", "500 JPY", "5.120 KWD",
/// "-0.05 EUR". The code is printed upper-case.
OUTBOUND_SDK_API std::string format_amount(std::int64_t amount, std::string_view currency);

}  // namespace outbound
