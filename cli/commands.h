#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "outbound/host.h"
#include "output.h"

namespace outbound::cli {

/// Invocation is what every command receives: the global options and its own arguments.
struct Invocation {
  /// `--config`, else $OUTBOUND_CONFIG, else config/default.json.
  std::string config_file;
  /// Whether config_file is config/default.json because neither --config nor
  /// $OUTBOUND_CONFIG gave one.
  bool config_file_is_default = false;
  std::optional<std::string> log_level;
  /// The command words ("auth issue"), for messages and help.
  std::string command;
  /// The arguments after the command words.
  std::vector<std::string> arguments;
  Output* output = nullptr;

  /// Opens the host on config_file. On failure prints the error and returns null; the exit
  /// code is then kExitConfiguration (kExitInternal for a bug). With !log_config_warnings the
  /// host does not log the configuration's warnings, for a caller that prints them itself.
  std::unique_ptr<Host> open_host(int* exit_code, bool log_config_warnings = true) const;
};

int run_plugins(const Invocation& invocation);
int run_check(const Invocation& invocation);
int run_config_check(const Invocation& invocation);
int run_auth_issue(const Invocation& invocation);
int run_auth_verify(const Invocation& invocation);
int run_pay_charge(const Invocation& invocation);
int run_pay_refund(const Invocation& invocation);
int run_pay_capture(const Invocation& invocation);
int run_pay_get(const Invocation& invocation);
int run_pay_webhook_verify(const Invocation& invocation);
int run_mail_send(const Invocation& invocation);
int run_batch(const Invocation& invocation);
int run_demo(const Invocation& invocation);

/// Returns the exit code of a failed operation. A client id the user typed that does not
/// exist or is ambiguous is a usage error. No client of the kind at all is a configuration
/// error. Anything else follows exit_code_for.
int exit_code_for_lookup(const Status& status);

/// Returns `status` with the host's fix replaced by `fix`, such as "choose one with --client
/// ID", when several clients of the kind are configured (reason "ambiguous_client").
Status with_client_choice(const Status& status, std::string_view fix);

}  // namespace outbound::cli
