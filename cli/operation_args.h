#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "outbound/payment.h"
#include "outbound/status.h"

namespace outbound::cli {

// Readers of the `args` object of an operation. Each error is kInvalidArgument and names the
// operation and the argument, so a batch line or a command points at the value to fix.

/// Returns ok when `args` is a JSON object.
Status expect_object(const nlohmann::json& args, const std::string& op);

/// Rejects any key of `args` that is not in `known`, listing the valid ones.
Status reject_unknown(const nlohmann::json& args, const std::string& op,
                      std::initializer_list<const char*> known);

/// Reads a required non-empty string argument.
Result<std::string> required_string(const nlohmann::json& args, const std::string& op,
                                    const std::string& name);

/// Reads an optional string argument, returning "" when it is missing or null. With
/// `non_empty`, an empty string is rejected as well.
Result<std::string> optional_string(const nlohmann::json& args, const std::string& op,
                                    const std::string& name, bool non_empty = false);

/// Reads an optional boolean argument, returning nullopt when it is missing or null.
Result<std::optional<bool>> optional_bool(const nlohmann::json& args, const std::string& op,
                                          const std::string& name);

/// Reads an amount of minor units. It must be a JSON integer: 2000.5, 2000.0, 1e3 and "2000"
/// are rejected, and so is a value above the int64 maximum. For a whole value such as 1250.0
/// the message gives the integer to write instead. Missing or null is nullopt.
Result<std::optional<MinorUnits>> optional_amount(const nlohmann::json& args, const std::string& op,
                                                  const std::string& name);

/// Reads an optional object of string values (`metadata`), returning an empty map when it
/// is missing or null.
Result<Metadata> optional_metadata(const nlohmann::json& args, const std::string& op,
                                   const std::string& name);

/// Returns `text` parsed as JSON, or as a JSON string when it does not parse.
nlohmann::json parse_or_text(const std::string& text);

/// Returns `time` as whole seconds since the Unix epoch.
std::int64_t to_unix_seconds(std::chrono::system_clock::time_point time);

}  // namespace outbound::cli
