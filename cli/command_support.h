#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "arguments.h"
#include "commands.h"

namespace outbound::cli {

/// Parses the command's arguments or prints the usage error; returns false when the command
/// must stop with *exit_code (after --help, exit 0).
bool parse(const Invocation& invocation, const std::vector<OptionSpec>& specs, const char* help,
           std::size_t max_positionals, ParsedArguments* parsed, int* exit_code);

/// Formats Unix seconds as an RFC 3339 UTC time ("2026-12-04T16:45:00Z").
std::string format_utc(std::int64_t unix_seconds);

/// Runs one operation for a command and prints its result document (with --json) or the
/// text `print_text` makes of it, or else its error. Returns the exit code.
int run_and_print(const Invocation& invocation, const Host& host, const std::string& op,
                  const std::string& client, const nlohmann::json& args,
                  void (*print_text)(const nlohmann::json&, std::ostream&));

}  // namespace outbound::cli
