#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "outbound/host.h"
#include "outbound/status.h"

namespace outbound::cli {

/// The operations `batch` accepts, in the order `--help` lists them.
const std::vector<std::string>& operation_names();

/// Runs the operation `op` ("auth.issue") with `args` on the client `client_id` (empty: the
/// only client of the operation's kind). Commands and batch lines both come through here, so
/// a command and the same batch line give the same result document.
///
/// Returns the result document, or kInvalidArgument for arguments that do not fit the
/// operation (naming the argument), kNotFound for an unknown client, or the client's own error.
/// On failure, `*error_fields` (when not null) receives the fields the operation adds to the
/// error object, or stays as it is when it adds none: see pay_operations.h.
Result<nlohmann::json> run_operation(const Host& host, const std::string& op,
                                     const std::string& client_id, const nlohmann::json& args,
                                     nlohmann::json* error_fields = nullptr);

}  // namespace outbound::cli
