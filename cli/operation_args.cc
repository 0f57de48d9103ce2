#include "operation_args.h"

#include <chrono>
#include <cmath>
#include <limits>

#include "outbound/near_miss.h"

namespace outbound::cli {

using nlohmann::json;

Status expect_object(const json& args, const std::string& op) {
  if (!args.is_object()) {
    return Status::invalid_argument("arguments of " + op + " must be a JSON object, got " +
                                    std::string(args.type_name()));
  }
  return Status();
}

Status reject_unknown(const json& args, const std::string& op,
                      std::initializer_list<const char*> known) {
  for (const auto& item : args.items()) {
    bool listed = false;
    std::string names;
    std::vector<std::string> candidates;
    for (const char* name : known) {
      listed = listed || item.key() == name;
      names += names.empty() ? "" : ", ";
      names += name;
      candidates.emplace_back(name);
    }
    if (!listed) {
      const std::optional<std::string> near = suggest_near_miss(item.key(), candidates);
      return Status::invalid_argument(
          op + " has no argument '" + item.key() + "'" +
          (near ? "; did you mean '" + *near + "'? Valid arguments: " : "; valid arguments: ") +
          names);
    }
  }
  return Status();
}

Result<std::string> required_string(const json& args, const std::string& op,
                                    const std::string& name) {
  auto found = args.find(name);
  if (found == args.end() || found->is_null()) {
    return Status::invalid_argument(op + " needs the argument '" + name + "'");
  }
  if (!found->is_string() || found->get_ref<const std::string&>().empty()) {
    return Status::invalid_argument(op + " argument '" + name + "' must be a non-empty string");
  }
  return found->get<std::string>();
}

Result<std::string> optional_string(const json& args, const std::string& op,
                                    const std::string& name, bool non_empty) {
  auto found = args.find(name);
  if (found == args.end() || found->is_null()) return std::string();
  if (!found->is_string()) {
    return Status::invalid_argument(op + " argument '" + name + "' must be a string, got " +
                                    std::string(found->type_name()));
  }
  if (non_empty && found->get_ref<const std::string&>().empty()) {
    return Status::invalid_argument(op + " argument '" + name +
                                    "' is empty; give a value or leave the argument out");
  }
  return found->get<std::string>();
}

Result<std::optional<bool>> optional_bool(const json& args, const std::string& op,
                                          const std::string& name) {
  auto found = args.find(name);
  if (found == args.end() || found->is_null()) return std::optional<bool>();
  if (!found->is_boolean()) {
    return Status::invalid_argument(op + " argument '" + name + "' must be true or false, got " +
                                    std::string(found->type_name()));
  }
  return std::optional<bool>(found->get<bool>());
}

Result<std::optional<MinorUnits>> optional_amount(const json& args, const std::string& op,
                                                  const std::string& name) {
  auto found = args.find(name);
  if (found == args.end() || found->is_null()) return std::optional<MinorUnits>();
  const std::string argument = op + " argument '" + name + "'";
  if (found->is_string()) {
    return Status::invalid_argument(argument +
                                    " must be a JSON integer of minor units, got the string " +
                                    found->dump() + "; write the number without quotes");
  }
  if (found->is_number_float()) {
    // A whole value written with a decimal point or an exponent (1250.0, 1e3) is still
    // rejected: money never passes through a floating-point number.
    const double value = found->get<double>();
    if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e18) {
      return Status::invalid_argument(argument + " is " + found->dump() +
                                      ", a floating-point number; amounts must be JSON integers "
                                      "such as 1250, not 1250.0, so write " +
                                      std::to_string(static_cast<long long>(value)));
    }
    return Status::invalid_argument(argument + " must be a whole number of minor units, got " +
                                    found->dump() +
                                    "; amounts must be JSON integers in the currency's minor "
                                    "unit, so 20.00 USD is 2000");
  }
  if (!found->is_number_integer()) {
    return Status::invalid_argument(argument + " must be a JSON integer of minor units, got " +
                                    std::string(found->type_name()));
  }
  if (found->is_number_unsigned() &&
      found->get<std::uint64_t>() >
          static_cast<std::uint64_t>(std::numeric_limits<MinorUnits>::max())) {
    return Status::invalid_argument(argument + " " + found->dump() +
                                    " is larger than the maximum, " +
                                    std::to_string(std::numeric_limits<MinorUnits>::max()));
  }
  return std::optional<MinorUnits>(found->get<MinorUnits>());
}

Result<Metadata> optional_metadata(const json& args, const std::string& op,
                                   const std::string& name) {
  auto found = args.find(name);
  if (found == args.end() || found->is_null()) return Metadata();
  if (!found->is_object()) {
    return Status::invalid_argument(op + " argument '" + name +
                                    "' must be a JSON object of strings, got " +
                                    std::string(found->type_name()));
  }
  Metadata metadata;
  for (const auto& item : found->items()) {
    if (item.key().empty()) {
      return Status::invalid_argument(op + " argument '" + name + "' has an empty key");
    }
    if (!item.value().is_string()) {
      return Status::invalid_argument(op + " argument '" + name + "." + item.key() +
                                      "' must be a string, got " +
                                      std::string(item.value().type_name()));
    }
    metadata[item.key()] = item.value().get<std::string>();
  }
  return metadata;
}

json parse_or_text(const std::string& text) {
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded()) return text;
  return parsed;
}

std::int64_t to_unix_seconds(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

}  // namespace outbound::cli
