#include "amount.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <limits>

#include "outbound/currency.h"

namespace outbound::cli {
namespace {

constexpr MinorUnits kMaxAmount = std::numeric_limits<MinorUnits>::max();

bool all_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isdigit(c) != 0; });
}

/// Parses digits into `*value`. Returns false when the number is above kMaxAmount.
bool parse_digits(std::string_view digits, MinorUnits* value) {
  std::uint64_t total = 0;
  for (char c : digits) {
    total = total * 10 + static_cast<std::uint64_t>(c - '0');
    if (total > static_cast<std::uint64_t>(kMaxAmount)) return false;
  }
  *value = static_cast<MinorUnits>(total);
  return true;
}

/// Returns `currency` upper-cased when it is a three-letter code, else "" (no currency known).
std::string example_currency(std::string_view currency) {
  const bool is_code =
      currency.size() == 3 && std::all_of(currency.begin(), currency.end(),
                                          [](unsigned char c) { return std::isalpha(c) != 0; });
  if (!is_code) return "";
  std::string code(currency);
  std::transform(code.begin(), code.end(), code.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return code;
}

/// Returns "2000 for 20.00 USD" in `currency`, for "such as --amount ..." hints. Without a
/// currency, as for a refund, whose currency is the payment's, it names no currency.
std::string example(const std::string& currency) {
  if (currency.empty()) return "1250 for 12.50 in a two-decimal currency";
  const MinorUnits amount = currency_minor_digits(currency) == 0 ? 500 : 2000;
  return std::to_string(amount) + " for " + format_amount(amount, currency);
}

/// Explains a decimal such as "12.50" and gives the minor units it stands for when the
/// currency has that many decimal places. With more decimal places than the currency has, it
/// offers the amounts on both sides, because picking one would round for the user.
std::string decimal_hint(const std::string& option, std::string_view whole,
                         std::string_view fraction, const std::string& currency) {
  const std::string whole_digits(whole.empty() ? "0" : whole);
  if (currency.empty()) {
    const std::string intro = option + " is in the payment's minor unit, such as ";
    const std::string cents =
        std::string(fraction) + std::string(2 - std::min<std::size_t>(2, fraction.size()), '0');
    MinorUnits minor = 0;
    if (fraction.size() > 2 || !parse_digits(whole_digits + cents, &minor)) {
      return intro + example(currency);
    }
    return intro + std::to_string(minor) + " for " + whole_digits + "." + cents +
           " in a two-decimal currency";
  }
  const std::size_t digits = static_cast<std::size_t>(currency_minor_digits(currency));
  std::string kept(fraction.substr(0, std::min(digits, fraction.size())));
  kept.append(digits - kept.size(), '0');
  MinorUnits minor = 0;
  if (!parse_digits(whole_digits + kept, &minor)) {
    return "amounts are whole numbers of minor units, such as " + option + " " + example(currency);
  }
  const bool exact = fraction.size() <= digits ||
                     fraction.find_first_not_of('0', digits) == std::string_view::npos;
  if (exact) return format_amount(minor, currency) + " is " + option + " " + std::to_string(minor);

  const std::string places =
      digits == 0 ? "no decimal places" : std::to_string(digits) + " decimal places";
  std::string hint = currency + " has " + places + ", so use " + option + " " +
                     std::to_string(minor) + " for " + format_amount(minor, currency);
  if (minor < kMaxAmount) {
    hint += " or " + option + " " + std::to_string(minor + 1) + " for " +
            format_amount(minor + 1, currency);
  }
  return hint;
}

/// Returns the digits that an exponent form such as "1e3" or "2.5E2" stands for, or "" when
/// it is not a whole number below the maximum.
std::string expand_exponent(std::string_view mantissa, std::string_view exponent) {
  std::string digits;
  std::size_t fraction_size = 0;
  if (auto dot = mantissa.find('.'); dot != std::string_view::npos) {
    digits = std::string(mantissa.substr(0, dot)) + std::string(mantissa.substr(dot + 1));
    fraction_size = mantissa.size() - dot - 1;
  } else {
    digits = std::string(mantissa);
  }

  bool negative = false;
  if (!exponent.empty() && (exponent[0] == '+' || exponent[0] == '-')) {
    negative = exponent[0] == '-';
    exponent.remove_prefix(1);
  }
  // An exponent of four or more digits gets no suggestion, because such a value is almost
  // never a whole number in the int64 range.
  if (exponent.empty() || exponent.size() > 3 || !all_digits(exponent)) return "";
  const long shift =
      (negative ? -1 : 1) * std::stol(std::string(exponent)) - static_cast<long>(fraction_size);
  if (shift >= 0) {
    if (digits.size() + static_cast<std::size_t>(shift) > 19) return "";
    digits.append(static_cast<std::size_t>(shift), '0');
  } else {
    const std::size_t cut = static_cast<std::size_t>(-shift);
    if (cut > digits.size() ||
        digits.find_first_not_of('0', digits.size() - cut) != std::string::npos) {
      return "";
    }
    digits.resize(digits.size() - cut);
  }

  MinorUnits value = 0;
  if (digits.empty() || !parse_digits(digits, &value)) return "";
  return std::to_string(value);
}

}  // namespace

Result<MinorUnits> parse_minor_units(std::string_view text, std::string_view option,
                                     std::string_view currency) {
  const std::string name(option);
  const std::string quoted = name + " '" + std::string(text) + "'";
  const std::string code = example_currency(currency);
  if (text.empty()) {
    return Status::invalid_argument(name +
                                    " is empty; give a whole number of minor units, such "
                                    "as " +
                                    name + " " + example(code));
  }
  if (all_digits(text)) {
    MinorUnits value = 0;
    if (!parse_digits(text, &value)) {
      return Status::invalid_argument(quoted + " is larger than the maximum, " +
                                      std::to_string(kMaxAmount) + " minor units");
    }
    return value;
  }
  if (text[0] == '-' && text.size() > 1) {
    return Status::invalid_argument(quoted +
                                    " is negative; give a positive whole number of minor "
                                    "units, such as " +
                                    name + " " + example(code));
  }
  const auto dot = text.find('.');
  if (dot != std::string_view::npos && text.size() > 1 && all_digits(text.substr(0, dot)) &&
      all_digits(text.substr(dot + 1))) {
    return Status::invalid_argument(
        quoted + " is not a whole number of minor units; " +
        decimal_hint(name, text.substr(0, dot), text.substr(dot + 1), code));
  }
  const auto e = text.find_first_of("eE");
  if (e != std::string_view::npos && e > 0) {
    const std::string_view mantissa = text.substr(0, e);
    const auto mantissa_dot = mantissa.find('.');
    const bool mantissa_ok = mantissa_dot == std::string_view::npos
                                 ? all_digits(mantissa)
                                 : all_digits(mantissa.substr(0, mantissa_dot)) &&
                                       all_digits(mantissa.substr(mantissa_dot + 1)) &&
                                       mantissa.size() > 1;
    if (mantissa_ok) {
      const std::string expanded = expand_exponent(mantissa, text.substr(e + 1));
      return Status::invalid_argument(
          quoted + " is not a whole number of minor units; write the digits out" +
          (expanded.empty() ? ", such as " + name + " " + example(code)
                            : ": " + std::string(text) + " is " + name + " " + expanded));
    }
  }
  return Status::invalid_argument(quoted +
                                  " is not a whole number of minor units; give digits only, "
                                  "such as " +
                                  name + " " + example(code));
}

}  // namespace outbound::cli
