#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "outbound/status.h"

namespace outbound::cli {

/// Exit codes of the `outbound` command. Scripts depend on them; never renumber.
enum ExitCode : int {
  kExitOk = 0,
  /// A bug in outbound or a plugin.
  kExitInternal = 1,
  /// Unknown flag, missing argument.
  kExitUsage = 2,
  /// Invalid configuration, unknown plugin, ABI mismatch, missing secret.
  kExitConfiguration = 3,
  /// The provider or the verifier rejected the request for good.
  kExitRejected = 4,
  /// A transient failure: deadline, connection, circuit open, rate limit.
  kExitUnavailable = 5,
};

/// Returns the exit code for the failure of an operation: 4 for permanent rejections, 5 for
/// transient failures, 3 for a plugin that threw (reason "plugin_exception"), 1 for bugs.
int exit_code_for(const Status& status);

/// Returns the exit code of a command that ran several operations, after one more failed with
/// `failure`, given `current` for those before: 5 when any failure was transient, else 1 when
/// any was internal, else 4.
int combine_exit_codes(int current, const Status& failure);

/// Returns the provider's details for people: "code card_declined, decline code
/// generic_decline, param source, reply code 402", leaving out what is empty. The request id
/// is left out because it gets a line of its own.
std::string describe_provider_details(const ProviderDetails& provider);

/// Returns the JSON error object: {"code", "message", "retryable", and "reason" and
/// "provider" when present}.
nlohmann::json error_json(const Status& status);

/// Output writes results to stdout and errors to stderr, or with --json both as single JSON
/// documents on stdout.
class Output {
 public:
  Output(std::ostream& out, std::ostream& err, bool json) : out_(out), err_(err), json_(json) {}

  bool json() const { return json_; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

  /// Prints `status` as an error, with its message redacted, and returns `exit_code`. With
  /// --json, `extra_fields` are added to the error object ({"idempotency_key": ...}); in
  /// text mode the caller prints what they mean. Text mode escapes the message and the
  /// provider's details with escape_for_terminal, since a provider chooses them.
  int fail(const Status& status, int exit_code,
           const nlohmann::json& extra_fields = nlohmann::json::object());

  /// Sets the function that masks secrets in error messages; the host's, once it is open.
  /// A plugin may quote a credential in a message, and errors go to the terminal unlogged.
  void set_redactor(std::function<std::string(std::string_view)> redactor) {
    redactor_ = std::move(redactor);
  }

  /// Returns `status` with its message passed through the redactor.
  Status redacted(const Status& status) const;

  /// Prints a usage error with a pointer to `--help`, and returns kExitUsage. The message may
  /// quote an option's value, so text mode escapes it with escape_for_terminal.
  int usage(const std::string& message, const std::string& command);

  /// Prints a JSON document on stdout (compact with --json, indented otherwise).
  void print_json(const nlohmann::json& document);

 private:
  std::ostream& out_;
  std::ostream& err_;
  bool json_;
  std::function<std::string(std::string_view)> redactor_;
};

}  // namespace outbound::cli
