#pragma once

// Runs the `outbound` binary of the build (OUTBOUND_CLI_PATH, a compile definition of each CLI
// test target) and describes its result, for the end-to-end tests of the commands.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "test_support.h"

namespace outbound::cli_testing {

/// Runs the command with `arguments`, OUTBOUND_CONFIG unset and `input` on standard input.
inline testing::ProcessResult run_cli(const std::vector<std::string>& arguments,
                                      const std::string& input = {}) {
  std::vector<std::string> argv = {OUTBOUND_CLI_PATH};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return testing::run_process(argv, {{"OUTBOUND_CONFIG", testing::kUnset}}, input);
}

/// Runs the command like run_cli above, with `environment` added to the test's own: a value
/// of testing::kUnset removes that variable.
inline testing::ProcessResult run_cli_with_environment(
    const std::vector<std::string>& arguments, std::map<std::string, std::string> environment,
    const std::string& input = {}) {
  std::vector<std::string> argv = {OUTBOUND_CLI_PATH};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  environment.emplace("OUTBOUND_CONFIG", testing::kUnset);
  return testing::run_process(argv, environment, input);
}

/// Returns the exit code and both outputs, for assertion messages.
inline std::string describe(const testing::ProcessResult& result) {
  return "exit " + std::to_string(result.exit_code) + "\nstdout:\n" + result.out + "\nstderr:\n" +
         result.err;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// Returns `first` followed by `second`, to build a command line from its parts.
inline std::vector<std::string> concatenated(std::vector<std::string> first,
                                             const std::vector<std::string>& second) {
  first.insert(first.end(), second.begin(), second.end());
  return first;
}

/// Returns `arguments` after the global option that selects the configuration file `config`.
inline std::vector<std::string> with_config(const std::filesystem::path& config,
                                            const std::vector<std::string>& arguments) {
  return concatenated({"--config", config.string()}, arguments);
}

/// Returns `arguments` after the global option --json, which makes the command print JSON.
inline std::vector<std::string> with_json(const std::vector<std::string>& arguments) {
  return concatenated({"--json"}, arguments);
}

/// Returns the arguments separated by spaces, to name a case in SCOPED_TRACE.
inline std::string joined(const std::vector<std::string>& arguments) {
  std::string text;
  for (const std::string& argument : arguments) text += argument + " ";
  return text;
}

}  // namespace outbound::cli_testing
