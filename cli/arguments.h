#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "outbound/status.h"

namespace outbound::cli {

/// OptionSpec describes one `--name` option of a command.
struct OptionSpec {
  std::string name;
  /// Whether the option takes a value (`--ttl 60` or `--ttl=60`).
  bool takes_value = true;
  /// Whether the option may be given more than once (`--claim`).
  bool repeatable = false;
};

/// ParsedArguments are a command's options and positional arguments.
struct ParsedArguments {
  std::map<std::string, std::vector<std::string>> options;
  std::vector<std::string> positionals;

  bool has(const std::string& name) const { return options.count(name) != 0; }
  /// The last value of `name`, or nullopt when it was not given.
  std::optional<std::string> value(const std::string& name) const;
  /// Every value of a repeatable option, in order.
  std::vector<std::string> values(const std::string& name) const;
};

/// Parses `arguments` against `specs`. `--help` is always accepted. An unknown option, a
/// missing value or a repeated non-repeatable option is kInvalidArgument naming it. `-` alone
/// is a positional (standard input); everything after `--` is positional.
Result<ParsedArguments> parse_arguments(const std::vector<std::string>& arguments,
                                        const std::vector<OptionSpec>& specs);

}  // namespace outbound::cli
