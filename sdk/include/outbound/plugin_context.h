#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

#include "outbound/client.h"
#include "outbound/clock.h"
#include "outbound/export.h"
#include "outbound/http.h"
#include "outbound/metrics.h"
#include "outbound/secret.h"
#include "outbound/status.h"

namespace outbound {

/// SecretRegistry lets a plugin add values to the host's log masking, for credentials it
/// derives itself (a session token, a base64 form the host cannot guess).
class OUTBOUND_SDK_API SecretRegistry {
 public:
  virtual ~SecretRegistry();

  /// From now on, every log line of the process shows `[REDACTED]` in place of `secret`.
  virtual void add(const Secret& secret) = 0;
};

/// PluginContext is everything the host gives a plugin when it creates a client. The plugin
/// may keep the shared pointers for the life of the client; the host keeps the objects they
/// point to alive at least that long.
///
/// Plugins read settings and secrets only from here, never from the environment or files.
struct OUTBOUND_SDK_API PluginContext {
  /// The client being created: id, kind, plugin name, version and file.
  ClientInfo client;

  /// The client's `settings` object as JSON text. Every string that is a secret (see
  /// `secrets`) is replaced by "[REDACTED]" here, so the text is safe to log.
  std::string settings_json = "{}";

  /// Secrets, keyed by the JSON pointer of their string in `settings_json`: every resolved
  /// reference, and every literal string under a credential-like key ("password", "api_key",
  /// "key", names ending in "_key", "_secret" or "_token"), which is redacted there too.
  std::map<std::string, Secret> secrets;

  /// The absolute folder of the configuration file; relative paths in settings (a `ca_file`)
  /// are resolved against it.
  std::string base_directory;

  /// A logger named `plugin.<name>` whose sinks mask every known secret.
  std::shared_ptr<spdlog::logger> logger;

  /// The host's HTTP transport, with its pools, deadlines, TLS and header policy.
  std::shared_ptr<HttpTransport> http;

  /// The host's clock; tests replace it.
  std::shared_ptr<const Clock> clock;

  /// The sink for the plugin's own measurements.
  std::shared_ptr<MetricsSink> metrics;

  /// Adds derived credentials to the log masking.
  std::shared_ptr<SecretRegistry> secret_registry;

  /// Returns the secret the configuration gave at `pointer`: a resolved reference, or else a
  /// string literal found at that pointer in `settings_json`, copied into a Secret. Returns
  /// kNotFound when neither exists and kInvalidArgument when the value is not a string.
  Result<Secret> secret_setting(std::string_view pointer) const;
};

}  // namespace outbound
