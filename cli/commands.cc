#include "commands.h"

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <iterator>

#include "arguments.h"
#include "command_support.h"
#include "operations.h"
#include "terminal_text.h"

namespace outbound::cli {
namespace {

using nlohmann::json;

constexpr const char* kPluginsHelp = R"(usage: outbound plugins

Lists each configured client: its id, kind, plugin name and version, and the plugin's file.
)";

constexpr const char* kCheckHelp = R"(usage: outbound check [--client ID]

Health-checks every client (or one), printing one line each. Exit 0 when all are healthy;
otherwise 5 if any failed for a transient reason (a retry may help), else 1 if any failed
with an internal error, else 4.
)";

constexpr const char* kConfigCheckHelp = R"(usage: outbound config check [FILE]

Validates FILE (default: the --config file) as the host would load it: JSON syntax, every key
and range, secret references, plugin files and ABI, and each plugin's settings. Makes no
network call. Exit 0 when valid, 3 otherwise, with every problem on its own line.
)";

constexpr const char* kIssueHelp =
    R"(usage: outbound auth issue --sub S [--claim K=V]... [--ttl SECONDS] [--client ID]

Prints a signed token for subject S.
  --sub S          the subject (`sub` claim)
  --claim K=V      an extra claim; V is read as JSON when it parses (true, 42, {"a":1}),
                   else as a string; repeatable
  --ttl SECONDS    lifetime in seconds (default: the client's ttl_s setting)
  --client ID      the auth client to use when several are configured
)";

constexpr const char* kVerifyHelp = R"(usage: outbound auth verify TOKEN|- [--client ID]

Verifies TOKEN (or the token on standard input with -) and prints its claims. Exit 4 with a
reason when it is not valid: expired, not_yet_valid, bad_signature, algorithm_not_allowed,
malformed, claim_mismatch, unknown_key or unsupported_critical. Exit 5 with the reason
jwks_unavailable when the token needs keys from the client's jwks_url that could not be fetched.
  --client ID      the auth client to use when several are configured
)";

}  // namespace

std::unique_ptr<Host> Invocation::open_host(int* exit_code, bool log_config_warnings) const {
  HostOptions options;
  options.config_file = config_file;
  options.log_level = log_level;
  options.log_config_warnings = log_config_warnings;
  auto host = Host::open(std::move(options));
  if (!host.ok()) {
    const bool internal = host.status().code() == StatusCode::kInternal;
    Status failure = host.status();
    if (config_file_is_default && failure.code() == StatusCode::kNotFound) {
      // The command was given no configuration, and the default is relative to the folder.
      failure = Status(failure.code(),
                       failure.message() +
                           "; that is the default, config/default.json in the current folder, "
                           "so run from the repository's folder, pass --config FILE, or set "
                           "OUTBOUND_CONFIG")
                    .set_retryable(failure.retryable())
                    .set_reason(failure.reason());
    }
    *exit_code = output->fail(failure, internal ? kExitInternal : kExitConfiguration);
    return nullptr;
  }
  output->set_redactor((*host)->redactor());
  return std::move(*host);
}

int exit_code_for_lookup(const Status& status) {
  const std::string& reason = status.reason();
  if (reason == "no_client_configured") return kExitConfiguration;
  if (reason == "unknown_client" || reason == "ambiguous_client" || reason == "wrong_client_kind") {
    return kExitUsage;
  }
  return exit_code_for(status);
}

Status with_client_choice(const Status& status, std::string_view fix) {
  if (status.reason() != "ambiguous_client") return status;
  // The host's message ends in the fix for library callers ("; pass the id of ..."), which the
  // command line's own fix replaces.
  std::string message = status.message();
  if (const std::size_t fix_start = message.rfind("; "); fix_start != std::string::npos) {
    message.resize(fix_start);
  }
  Status copy(status.code(), message + "; " + std::string(fix));
  copy.set_retryable(status.retryable());
  copy.set_reason(status.reason());
  return copy;
}

int run_plugins(const Invocation& invocation) {
  ParsedArguments arguments;
  int exit_code = kExitOk;
  if (!parse(invocation, {}, kPluginsHelp, 0, &arguments, &exit_code)) return exit_code;
  auto host = invocation.open_host(&exit_code);
  if (!host) return exit_code;

  json clients = json::array();
  for (const ClientInfo& info : host->clients()) {
    clients.push_back({{"id", info.id},
                       {"kind", std::string(client_kind_name(info.kind))},
                       {"plugin", info.plugin_name},
                       {"version", info.plugin_version},
                       {"file", info.plugin_file}});
  }
  if (invocation.output->json()) {
    invocation.output->print_json({{"clients", clients}});
    return kExitOk;
  }
  std::size_t id_width = 2;
  std::size_t plugin_width = 6;
  for (const auto& client : clients) {
    id_width = std::max(id_width, client["id"].get_ref<const std::string&>().size());
    plugin_width = std::max(plugin_width, client["plugin"].get_ref<const std::string&>().size());
  }
  std::ostream& out = invocation.output->out();
  out << std::left << std::setw(static_cast<int>(id_width) + 2) << "ID" << std::setw(9) << "KIND"
      << std::setw(static_cast<int>(plugin_width) + 2) << "PLUGIN" << std::setw(10) << "VERSION"
      << "FILE\n";
  for (const auto& client : clients) {
    out << std::setw(static_cast<int>(id_width) + 2) << client["id"].get<std::string>()
        << std::setw(9) << client["kind"].get<std::string>()
        << std::setw(static_cast<int>(plugin_width) + 2) << client["plugin"].get<std::string>()
        << std::setw(10) << client["version"].get<std::string>()
        << client["file"].get<std::string>() << '\n';
  }
  return kExitOk;
}

int run_check(const Invocation& invocation) {
  ParsedArguments arguments;
  int exit_code = kExitOk;
  if (!parse(invocation, {{"client"}}, kCheckHelp, 0, &arguments, &exit_code)) return exit_code;
  auto host = invocation.open_host(&exit_code);
  if (!host) return exit_code;

  const std::string only = arguments.value("client").value_or("");
  json clients = json::array();
  int result = kExitOk;
  bool found = false;
  for (const ClientInfo& info : host->clients()) {
    if (!only.empty() && info.id != only) continue;
    found = true;
    auto client = host->client(info.id);
    const Status health = invocation.output->redacted(
        client.ok() ? (*client)->health_check(CallContext{}) : client.status());
    json entry = {{"id", info.id},
                  {"kind", std::string(client_kind_name(info.kind))},
                  {"plugin", info.plugin_name},
                  {"version", info.plugin_version},
                  {"healthy", health.ok()}};
    if (!health.ok()) {
      entry["error"] = error_json(health);
      result = combine_exit_codes(result, health);
    }
    clients.push_back(std::move(entry));
  }
  if (!only.empty() && !found) {
    return invocation.output->fail(Status::not_found("no client '" + only + "' is configured"),
                                   kExitUsage);
  }
  if (invocation.output->json()) {
    invocation.output->print_json({{"healthy", result == kExitOk}, {"clients", clients}});
    return result;
  }
  std::size_t id_width = 2;
  std::size_t plugin_width = 6;
  for (const auto& client : clients) {
    id_width = std::max(id_width, client["id"].get_ref<const std::string&>().size());
    plugin_width =
        std::max(plugin_width, client["plugin"].get_ref<const std::string&>().size() +
                                   client["version"].get_ref<const std::string&>().size() + 1);
  }
  std::ostream& out = invocation.output->out();
  for (const auto& client : clients) {
    const std::string plugin =
        client["plugin"].get<std::string>() + " " + client["version"].get<std::string>();
    out << std::left << std::setw(static_cast<int>(id_width) + 2) << client["id"].get<std::string>()
        << std::setw(static_cast<int>(plugin_width) + 2) << plugin;
    if (client["healthy"].get<bool>()) {
      out << "ok\n";
    } else {
      const json& error = client["error"];
      out << error["code"].get<std::string>();
      if (error.contains("reason")) {
        out << " (" << escape_for_terminal(error["reason"].get<std::string>()) << ")";
      }
      out << ": " << escape_for_terminal(error["message"].get<std::string>()) << '\n';
    }
  }
  return result;
}

int run_config_check(const Invocation& invocation) {
  ParsedArguments arguments;
  int exit_code = kExitOk;
  if (!parse(invocation, {}, kConfigCheckHelp, 1, &arguments, &exit_code)) return exit_code;
  Invocation target = invocation;
  if (!arguments.positionals.empty()) target.config_file = arguments.positionals.front();
  // The report lists the configuration's warnings, so the host does not log them as well.
  auto host = target.open_host(&exit_code, false);
  if (!host) return exit_code;

  json clients = json::array();
  for (const ClientInfo& info : host->clients()) {
    clients.push_back({{"id", info.id},
                       {"kind", std::string(client_kind_name(info.kind))},
                       {"plugin", info.plugin_name},
                       {"version", info.plugin_version}});
  }
  const std::vector<std::string> warnings = host->warnings();
  if (invocation.output->json()) {
    invocation.output->print_json({{"valid", true},
                                   {"file", host->config_file().string()},
                                   {"clients", clients},
                                   {"warnings", warnings}});
    return kExitOk;
  }
  std::ostream& out = invocation.output->out();
  out << "valid: " << host->config_file().string() << " (" << clients.size()
      << (clients.size() == 1 ? " client" : " clients") << ")\n";
  for (const auto& client : clients) {
    out << "  " << client["id"].get<std::string>() << ": " << client["kind"].get<std::string>()
        << ", " << client["plugin"].get<std::string>() << " "
        << client["version"].get<std::string>() << '\n';
  }
  for (const auto& warning : warnings) out << "warning: " << warning << '\n';
  return kExitOk;
}

int run_auth_issue(const Invocation& invocation) {
  ParsedArguments arguments;
  int exit_code = kExitOk;
  const std::vector<OptionSpec> specs = {{"sub"}, {"claim", true, true}, {"ttl"}, {"client"}};
  if (!parse(invocation, specs, kIssueHelp, 0, &arguments, &exit_code)) return exit_code;
  if (!arguments.has("sub")) {
    return invocation.output->usage("--sub is required", invocation.command);
  }
  json args = {{"sub", *arguments.value("sub")}};
  json claims = json::object();
  for (const std::string& claim : arguments.values("claim")) {
    const auto equals = claim.find('=');
    if (equals == std::string::npos || equals == 0) {
      return invocation.output->usage("--claim '" + claim + "' must look like NAME=VALUE",
                                      invocation.command);
    }
    const std::string value = claim.substr(equals + 1);
    json parsed = json::parse(value, nullptr, false);
    claims[claim.substr(0, equals)] = parsed.is_discarded() ? json(value) : parsed;
  }
  if (!claims.empty()) args["claims"] = claims;
  if (auto ttl = arguments.value("ttl")) {
    std::size_t used = 0;
    long long seconds = 0;
    try {
      seconds = std::stoll(*ttl, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != ttl->size() || seconds <= 0) {
      return invocation.output->usage("--ttl '" + *ttl +
                                          "' must be a positive whole number of "
                                          "seconds",
                                      invocation.command);
    }
    args["ttl"] = seconds;
  }
  auto host = invocation.open_host(&exit_code);
  if (!host) return exit_code;
  return run_and_print(invocation, *host, "auth.issue", arguments.value("client").value_or(""),
                       args, [](const json& result, std::ostream& out) {
                         out << result["token"].get<std::string>() << '\n';
                       });
}

int run_auth_verify(const Invocation& invocation) {
  ParsedArguments arguments;
  int exit_code = kExitOk;
  if (!parse(invocation, {{"client"}}, kVerifyHelp, 1, &arguments, &exit_code)) return exit_code;
  if (arguments.positionals.empty()) {
    return invocation.output->usage("TOKEN is required (or - to read it from standard input)",
                                    invocation.command);
  }
  std::string token = arguments.positionals.front();
  const bool from_stdin = token == "-";
  if (from_stdin) {
    token.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    const auto not_space = [](unsigned char c) { return !std::isspace(c); };
    token.erase(token.begin(), std::find_if(token.begin(), token.end(), not_space));
    token.erase(std::find_if(token.rbegin(), token.rend(), not_space).base(), token.end());
  }
  if (token.empty()) {
    return invocation.output->usage(
        from_stdin ? "no token on standard input" : "TOKEN is empty; pass the token itself",
        invocation.command);
  }
  auto host = invocation.open_host(&exit_code);
  if (!host) return exit_code;
  host->mask(token);
  return run_and_print(
      invocation, *host, "auth.verify", arguments.value("client").value_or(""), {{"token", token}},
      [](const json& result, std::ostream& out) { out << result["claims"].dump(2) << '\n'; });
}

}  // namespace outbound::cli
