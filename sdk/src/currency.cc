#include "outbound/currency.h"

#include <algorithm>
#include <array>
#include <cstdlib>

namespace outbound {
namespace {

constexpr std::array<std::string_view, 16> kZeroDecimal = {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF",
                                                           "KRW", "MGA", "PYG", "RWF", "UGX", "VND",
                                                           "VUV", "XAF", "XOF", "XPF"};
constexpr std::array<std::string_view, 5> kThreeDecimal = {"BHD", "JOD", "KWD", "OMR", "TND"};

char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

std::string upper_code(std::string_view currency) {
  std::string code(currency);
  std::transform(code.begin(), code.end(), code.begin(), upper);
  return code;
}

bool is_code(std::string_view currency) {
  return currency.size() == 3 && std::all_of(currency.begin(), currency.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
         });
}

template <typename List>
bool listed(std::string_view code, const List& list) {
  return std::find(list.begin(), list.end(), code) != list.end();
}

}  // namespace

int currency_minor_digits(std::string_view currency) {
  const std::string code = upper_code(currency);
  if (listed(code, kZeroDecimal)) return 0;
  if (listed(code, kThreeDecimal)) return 3;
  return 2;
}

Status check_amount(std::int64_t amount, std::string_view currency, std::string_view what) {
  const std::string name(what);
  if (!is_code(currency)) {
    return Status::invalid_argument("currency '" + std::string(currency) +
                                    "' is not a three-letter ISO 4217 code such as usd or eur");
  }
  const std::string code = upper_code(currency);
  if (amount < 0) {
    return Status::invalid_argument(name + " " + std::to_string(amount) +
                                    " is negative; give a positive number of minor units of " +
                                    code);
  }
  if (currency_minor_digits(code) == 3 && amount % 10 != 0) {
    const std::int64_t down = amount - amount % 10;
    return Status::invalid_argument(
        name + " " + std::to_string(amount) + " " + code +
        " ends in a non-zero digit; three-decimal currencies are charged in multiples of 10 "
        "minor units, so use " +
        std::to_string(down) + " or " + std::to_string(down + 10));
  }
  if (code == "ISK" && amount % 100 != 0) {
    const std::int64_t down = amount - amount % 100;
    return Status::invalid_argument(name + " " + std::to_string(amount) +
                                    " ISK has a fraction of a króna; ISK is charged in whole "
                                    "krónur (multiples of 100 minor units), so use " +
                                    std::to_string(down) + " or " + std::to_string(down + 100));
  }
  return Status();
}

std::string format_amount(std::int64_t amount, std::string_view currency) {
  const int digits = currency_minor_digits(currency);
  const bool negative = amount < 0;
  // Work on the magnitude as unsigned, so that the smallest int64 does not overflow.
  std::uint64_t magnitude =
      negative ? 0 - static_cast<std::uint64_t>(amount) : static_cast<std::uint64_t>(amount);
  std::uint64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  std::string text = negative ? "-" : "";
  text += std::to_string(magnitude / scale);
  if (digits > 0) {
    std::string fraction = std::to_string(magnitude % scale);
    text += '.' + std::string(static_cast<std::size_t>(digits) - fraction.size(), '0') + fraction;
  }
  return text + ' ' + upper_code(currency);
}

}  // namespace outbound
