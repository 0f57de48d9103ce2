#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/logger.h>
#include <spdlog/sinks/sink.h>

#include "outbound/auth.h"
#include "outbound/client.h"
#include "outbound/clock.h"
#include "outbound/mail.h"
#include "outbound/payment.h"
#include "outbound/status.h"

namespace outbound {

/// HostOptions are the configuration file and the settings that override parts of it.
struct HostOptions {
  /// The configuration file; relative paths inside it resolve against its folder.
  std::filesystem::path config_file;
  /// Overrides `logging.level` of the file ("trace" ... "off").
  std::optional<std::string> log_level;
  /// Overrides `logging.format` of the file ("text" or "json").
  std::optional<std::string> log_format;
  /// Destinations of the log lines, stderr when empty. Every destination receives masked lines.
  std::vector<std::shared_ptr<spdlog::sinks::sink>> log_destinations;
  /// The clock given to plugins; the system clock when null.
  std::shared_ptr<const Clock> clock;
};

/// Host loads a configuration, the plugins it names and one client per entry of `clients`,
/// and hands applications the clients wrapped in the host's call policy (deadlines from the
/// configuration, logging with the client id, masking of every secret).
///
/// Thread safety: the client accessors and the clients they return may be used from any
/// thread. reload() may run concurrently with calls: calls that already hold a client finish
/// on it, and the old plugin stays loaded until the last such client is released.
class Host {
 public:
  /// Opens the host. Every failure except kInternal is a configuration problem: the file, a
  /// secret reference, a plugin that does not load, or settings a plugin rejects. The message
  /// names the file, JSON pointer or plugin at fault. Opening makes no network call.
  static Result<std::unique_ptr<Host>> open(HostOptions options);

  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  /// Reads the configuration file again and replaces every client. The new set is built
  /// completely before it replaces the old one. On any error the old set stays in service and
  /// the error is returned.
  Status reload();

  /// The identities of every configured client, in the order of the file.
  std::vector<ClientInfo> clients() const;

  /// Returns the client `id`, or, when `id` is empty, the only client of that kind.
  /// Errors carry a reason. An unknown id is kNotFound "unknown_client", and no client of the
  /// kind is kNotFound "no_client_configured". An id of a client of another kind is
  /// kInvalidArgument "wrong_client_kind". An empty `id` with several clients of the kind is
  /// kInvalidArgument "ambiguous_client".
  Result<std::shared_ptr<AuthProvider>> auth(std::string_view id = {}) const;
  Result<std::shared_ptr<PaymentGateway>> payments(std::string_view id = {}) const;
  Result<std::shared_ptr<MailSender>> mail(std::string_view id = {}) const;
  Result<std::shared_ptr<ExternalClient>> client(std::string_view id) const;

  /// Returns the host's logger called `name`; its lines are masked like every other.
  std::shared_ptr<spdlog::logger> logger(const std::string& name) const;

  /// Returns `text` with every known secret and credential shape replaced by `[REDACTED]`,
  /// as log lines are. Applications pass error messages through it before showing them,
  /// because a plugin may quote a credential in a message.
  std::string redact(std::string_view text) const;

  /// Returns a function that does what redact() does and stays valid after the host is gone.
  std::function<std::string(std::string_view)> redactor() const;

  /// Registers a value to be masked in every log line from now on (a token the application
  /// handles, say). Values shorter than four characters are not masked.
  void mask(std::string_view value) const;

  /// The absolute path of the configuration file.
  const std::filesystem::path& config_file() const;

  /// Warnings found while loading the configuration (a secret too short to mask, say).
  std::vector<std::string> warnings() const;

  struct State;

 private:
  explicit Host(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace outbound
