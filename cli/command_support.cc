#include "command_support.h"

#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "operations.h"

namespace outbound::cli {

using nlohmann::json;

bool parse(const Invocation& invocation, const std::vector<OptionSpec>& specs, const char* help,
           std::size_t max_positionals, ParsedArguments* parsed, int* exit_code) {
  auto result = parse_arguments(invocation.arguments, specs);
  if (!result.ok()) {
    *exit_code = invocation.output->usage(result.status().message(), invocation.command);
    return false;
  }
  if (result->has("help")) {
    std::cout << help;
    *exit_code = kExitOk;
    return false;
  }
  if (result->positionals.size() > max_positionals) {
    *exit_code = invocation.output->usage(
        "unexpected argument '" + result->positionals[max_positionals] + "'", invocation.command);
    return false;
  }
  *parsed = std::move(*result);
  return true;
}

std::string format_utc(std::int64_t unix_seconds) {
  std::time_t time = static_cast<std::time_t>(unix_seconds);
  std::tm parts{};
  gmtime_r(&time, &parts);
  std::ostringstream text;
  text << std::put_time(&parts, "%Y-%m-%dT%H:%M:%SZ");
  return text.str();
}

int run_and_print(const Invocation& invocation, const Host& host, const std::string& op,
                  const std::string& client, const json& args,
                  void (*print_text)(const json&, std::ostream&)) {
  auto result = run_operation(host, op, client, args);
  Output& output = *invocation.output;
  if (!result.ok()) {
    return output.fail(with_client_choice(result.status(), "choose one with --client ID"),
                       exit_code_for_lookup(result.status()));
  }
  if (output.json()) {
    output.print_json(*result);
  } else {
    print_text(*result, output.out());
  }
  return kExitOk;
}

}  // namespace outbound::cli
