// The `outbound` command: a thin front end over outbound::Host, the same API applications use.

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "commands.h"
#include "outbound/version.h"

namespace outbound::cli {
namespace {

constexpr const char* kUsage =
    R"(usage: outbound [--config FILE] [--log-level LEVEL] [--json] COMMAND ...

Runs operations on the clients configured in FILE (default: $OUTBOUND_CONFIG, then
config/default.json).

commands:
  plugins                    list each client: id, kind, plugin name and version, file
  check [--client ID]        health-check every client; exit 0 only if all are healthy
  config check [FILE]        validate a configuration without network access
  auth issue --sub S ...     print a signed token
  auth verify TOKEN|-        print the verified claims of a token
  pay charge --amount MINOR --currency CUR --source TOKEN ...
                             create a charge; amounts are integers in the minor unit
  pay refund PAYMENT_ID ...  refund a charge or payment intent, in full or in part
  pay capture PAYMENT_ID ... capture a charge or payment intent authorised with --no-capture
  pay get PAYMENT_ID         print a charge, refund or payment intent
  pay webhook-verify --signature HEADER [--payload-file F]
                             verify a webhook delivery and print its event
  mail send --from A --to B --subject S [--text T | --text-file F] [--html-file F] ...
                             send a message; prints each recipient's reply
  batch FILE|- ...           run one operation per JSON line
  demo                       run the demo on every configured client

global options:
  --config FILE              the configuration file
  --log-level LEVEL          trace, debug, info, warn, error, critical or off (logs go to stderr)
  --json                     print results and errors as single JSON documents on stdout
  --version                  print the version
  --help                     print this help, or a command's help after the command

exit codes: 0 success, 1 internal error, 2 usage error, 3 configuration error,
4 rejected for good (invalid token, declined card, every mail recipient refused, bad input),
5 unavailable for now (deadline, connection refused, circuit open, rate limited, SMTP 4xx).
)";

struct GlobalOptions {
  std::optional<std::string> config;
  std::optional<std::string> log_level;
  bool json = false;
  bool version = false;
  std::vector<std::string> rest;
};

/// Takes the global options out of `arguments`, wherever they appear before `--`.
Result<GlobalOptions> parse_global_options(const std::vector<std::string>& arguments) {
  GlobalOptions options;
  bool after_separator = false;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string& argument = arguments[i];
    if (after_separator) {
      options.rest.push_back(argument);
      continue;
    }
    if (argument == "--") after_separator = true;
    auto take_value = [&](const std::string& name,
                          std::optional<std::string>* target) -> Result<bool> {
      if (argument == "--" + name) {
        if (i + 1 >= arguments.size()) {
          return Status::invalid_argument("option '--" + name + "' needs a value");
        }
        *target = arguments[++i];
        return true;
      }
      if (argument.rfind("--" + name + "=", 0) == 0) {
        *target = argument.substr(name.size() + 3);
        return true;
      }
      return false;
    };
    auto config = take_value("config", &options.config);
    if (!config.ok()) return config.status();
    if (*config) continue;
    auto level = take_value("log-level", &options.log_level);
    if (!level.ok()) return level.status();
    if (*level) continue;
    if (argument == "--json") {
      options.json = true;
      continue;
    }
    if (argument == "--version" && options.rest.empty()) {
      options.version = true;
      continue;
    }
    options.rest.push_back(argument);
  }
  return options;
}

constexpr const char* kDefaultConfigFile = "config/default.json";

std::string default_config_file(const GlobalOptions& options) {
  if (options.config) return *options.config;
  if (const char* from_environment = std::getenv("OUTBOUND_CONFIG");
      from_environment != nullptr && *from_environment != '\0') {
    return from_environment;
  }
  return kDefaultConfigFile;
}

using Handler = int (*)(const Invocation&);

int run(const std::vector<std::string>& arguments) {
  auto parsed = parse_global_options(arguments);
  Output early(std::cout, std::cerr, false);
  if (!parsed.ok()) return early.usage(parsed.status().message(), "");
  GlobalOptions options = std::move(*parsed);
  Output output(std::cout, std::cerr, options.json);

  if (options.version) {
    std::cout << "outbound " << OUTBOUND_VERSION << " (plugin ABI " << OUTBOUND_ABI_MAJOR << "."
              << OUTBOUND_ABI_MINOR << ")\n";
    return kExitOk;
  }
  if (options.rest.empty() || options.rest.front() == "--help" || options.rest.front() == "-h" ||
      options.rest.front() == "help") {
    std::cout << kUsage;
    return options.rest.empty() ? kExitUsage : kExitOk;
  }

  static const std::map<std::string, Handler> kOneWord = {
      {"plugins", run_plugins}, {"check", run_check}, {"batch", run_batch}, {"demo", run_demo}};
  static const std::map<std::string, std::map<std::string, Handler>> kTwoWords = {
      {"config", {{"check", run_config_check}}},
      {"auth", {{"issue", run_auth_issue}, {"verify", run_auth_verify}}},
      {"pay",
       {{"charge", run_pay_charge},
        {"refund", run_pay_refund},
        {"capture", run_pay_capture},
        {"get", run_pay_get},
        {"webhook-verify", run_pay_webhook_verify}}},
      {"mail", {{"send", run_mail_send}}}};

  Invocation invocation;
  invocation.config_file = default_config_file(options);
  invocation.config_file_is_default = invocation.config_file == kDefaultConfigFile &&
                                      !options.config && std::getenv("OUTBOUND_CONFIG") == nullptr;
  invocation.log_level = options.log_level;
  invocation.output = &output;

  if (options.log_level) {
    static const char* const kLevels[] = {"trace", "debug",    "info", "warn",
                                          "error", "critical", "off"};
    if (std::find(std::begin(kLevels), std::end(kLevels), *options.log_level) ==
        std::end(kLevels)) {
      return output.usage("--log-level '" + *options.log_level +
                              "' is not a level; use trace, debug, info, warn, error, critical "
                              "or off",
                          "");
    }
  }

  const std::string& first = options.rest.front();
  if (first.size() > 1 && first[0] == '-') {
    return output.usage("unknown option '" + first +
                            "'; global options: --config FILE, --log-level LEVEL, --json, "
                            "--version, --help",
                        "");
  }
  if (auto one = kOneWord.find(first); one != kOneWord.end()) {
    invocation.command = first;
    invocation.arguments.assign(options.rest.begin() + 1, options.rest.end());
    return one->second(invocation);
  }
  auto group = kTwoWords.find(first);
  if (group == kTwoWords.end()) {
    return output.usage("unknown command '" + first +
                            "'; commands: plugins, check, config check, auth issue, auth verify, "
                            "pay charge, pay refund, pay capture, pay get, pay webhook-verify, "
                            "mail send, batch, demo",
                        "");
  }
  std::string subcommands;
  for (const auto& [name, handler] : group->second) {
    subcommands += (subcommands.empty() ? "" : ", ") + first + " " + name;
  }
  if (options.rest.size() < 2 || options.rest[1] == "--help") {
    if (options.rest.size() >= 2) {
      std::cout << "usage: outbound " << first << " SUBCOMMAND ...\nsubcommands: " << subcommands
                << "\n";
      return kExitOk;
    }
    return output.usage("'" + first + "' needs a subcommand: " + subcommands, "");
  }
  auto sub = group->second.find(options.rest[1]);
  if (sub == group->second.end()) {
    return output.usage(
        "unknown subcommand '" + first + " " + options.rest[1] + "'; subcommands: " + subcommands,
        "");
  }
  invocation.command = first + " " + options.rest[1];
  invocation.arguments.assign(options.rest.begin() + 2, options.rest.end());
  return sub->second(invocation);
}

}  // namespace
}  // namespace outbound::cli

int main(int argc, char** argv) {
  std::vector<std::string> arguments(argv + 1, argv + argc);
  try {
    return outbound::cli::run(arguments);
  } catch (const std::exception& error) {
    std::cerr << "internal error: " << error.what()
              << "\nthis is a bug in outbound; please report it with the command you ran\n";
    return outbound::cli::kExitInternal;
  }
}
