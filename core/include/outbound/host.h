#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/logger.h>
#include <spdlog/sinks/sink.h>

#include "outbound/async.h"
#include "outbound/auth.h"
#include "outbound/client.h"
#include "outbound/clock.h"
#include "outbound/mail.h"
#include "outbound/metrics_snapshot.h"
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
  /// Threads of the pool that runs async calls; 0 means max(2, hardware concurrency). The
  /// pool starts with the first async client the host hands out.
  std::size_t async_threads = 0;
  /// Whether each warning about the configuration (see Host::warnings) is logged when the file
  /// is loaded. `outbound config check` turns this off, because it prints them in its report.
  bool log_config_warnings = true;
};

/// Host loads a configuration, the plugins it names and one client per entry of `clients`,
/// and hands applications the clients wrapped in the host's call policy (deadlines from the
/// configuration, logging with the client id, masking of every secret, metrics).
///
/// Each client comes in two forms with the same lookup rules and errors:
///
///   auto payments = host->payments("payments").value();      // blocking calls
///   Result<Charge> charge = payments->create_charge(ctx, request);
///
///   auto async = host->async_payments("payments").value();   // calls on the host's pool
///   std::future<Result<Charge>> f = async->create_charge(ctx, request);
///   async->create_charge(ctx, request, [](Result<Charge> charge) { ... });
///
/// The async form (outbound/async.h) runs the same hosted call on a thread pool the host owns,
/// with the deadline fixed when the call is submitted. Destroying the host completes the async
/// calls still queued with kFailedPrecondition "host_closed" and waits for the running ones.
///
/// metrics() returns what every client recorded (calls, failures, rejections, retries,
/// breaker transitions and states, durations), and to_prometheus_text() renders it for a
/// scrape endpoint.
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

  /// Returns the async form of the client that auth(), payments(), mail() or client() returns
  /// for the same `id`, with the same errors. Each call makes a new small object over the
  /// current hosted client; keep it rather than asking for it per call.
  Result<std::shared_ptr<AsyncAuthProvider>> async_auth(std::string_view id = {}) const;
  Result<std::shared_ptr<AsyncPaymentGateway>> async_payments(std::string_view id = {}) const;
  Result<std::shared_ptr<AsyncMailSender>> async_mail(std::string_view id = {}) const;
  Result<std::shared_ptr<AsyncClient>> async_client(std::string_view id) const;

  /// Returns every metric recorded since the host opened, plus gauges read now: the circuit
  /// breaker state of each current client (`outbound.circuit_breaker.state`: 0 closed, 1 open,
  /// 2 half-open) and the async calls waiting for a pool thread (`outbound.async.queue.size`).
  /// A breaker moves from open to half-open only when a call arrives, so an idle client whose
  /// open time has passed still reads 1.
  MetricsSnapshot metrics() const;

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

  /// Warnings found while loading the configuration (a secret too short to mask, say), and
  /// those each plugin logged while it read its client's settings, followed by "(plugin NAME)".
  std::vector<std::string> warnings() const;

  struct State;

 private:
  explicit Host(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace outbound
