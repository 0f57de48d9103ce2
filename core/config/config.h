#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outbound/secret.h"
#include "outbound/status.h"

namespace outbound::config {

/// Timeouts of one client, all strictly positive: no call runs without a deadline.
struct Timeouts {
  /// TCP connect plus TLS handshake.
  std::chrono::milliseconds connect{5000};
  /// One attempt, from sending the request to the last byte of the response.
  std::chrono::milliseconds attempt{10000};
  /// The whole call: every attempt and every backoff sleep.
  std::chrono::milliseconds total{30000};
};

/// Jitter applied to exponential backoff.
enum class Jitter { kFull, kEqual, kNone };

struct RetryPolicy {
  int max_retries = 2;
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{5000};
  Jitter jitter = Jitter::kFull;
  /// Percent, in [0, 100], of the requests of the last 10 seconds that retries may add.
  double budget_percent = 20;
  /// Retries per second allowed on top of budget_percent, so that a client with little traffic
  /// can still retry; 0 or more.
  int min_retries_per_second = 10;
};

/// The sliding window a circuit breaker decides on: the last `size` calls (kCount), or the
/// calls of the last `size` seconds (kTime).
struct WindowPolicy {
  enum class Type { kCount, kTime };
  Type type = Type::kTime;
  int size = 30;
};

struct CircuitBreakerPolicy {
  /// Percent of failed calls, in (0, 100], at or above which the breaker opens.
  double failure_rate_threshold = 50;
  /// A call slower than this counts as slow.
  std::chrono::milliseconds slow_call{5000};
  /// Percent of slow calls, in (0, 100], at or above which the breaker opens.
  double slow_call_rate_threshold = 100;
  /// Calls needed in the window before any verdict.
  int minimum_calls = 20;
  WindowPolicy window;
  /// Time the breaker stays open before it admits trial calls.
  std::chrono::milliseconds open{5000};
  /// Trial calls admitted in half-open.
  int half_open_calls = 3;
  /// Time a half-open breaker waits for all its trial calls to report. After it the breaker
  /// opens again, so trial calls that never report cannot keep it half-open.
  std::chrono::milliseconds half_open_max_wait{30000};
};

struct BulkheadPolicy {
  int max_concurrent = 64;
  /// How long a call may wait for a free slot; 0 rejects at once.
  std::chrono::milliseconds max_wait{0};
};

struct RateLimitPolicy {
  /// Sustained calls per second; 0 means no limit.
  double per_second = 0;
  /// Calls allowed at once above the sustained rate; 0 means max(1, per_second).
  int burst = 0;
  /// How long a call may wait for a token; 0 rejects at once.
  std::chrono::milliseconds max_wait{0};
};

/// Resilience is the merged policy of one client: `defaults`, then the client's overrides.
struct Resilience {
  Timeouts timeouts;
  RetryPolicy retry;
  CircuitBreakerPolicy circuit_breaker;
  BulkheadPolicy bulkhead;
  RateLimitPolicy rate_limit;
  /// The merged object as canonical JSON text; two clients with equal text behave alike,
  /// which is how a reload knows that a breaker's state can be kept.
  std::string canonical_json;
};

struct LoggingConfig {
  /// "trace", "debug", "info", "warn", "error", "critical" or "off".
  std::string level = "info";
  /// "text" or "json".
  std::string format = "text";
};

/// HttpSettings are the host-owned settings of a client's HTTP transport: the `http` object of
/// its `settings`, and its `ca_file`.
struct HttpSettings {
  /// Connections open at once to one origin (scheme, host, port), idle or busy.
  int max_connections_per_host = 10;
  /// A pooled connection unused for this long is closed instead of reused. Below the 60 s
  /// keep-alive of common servers, so that the client, not the server, closes idle connections.
  std::chrono::milliseconds idle_timeout{30000};
  /// The largest response body accepted; a larger one fails the request.
  std::size_t max_response_bytes = 8 * 1024 * 1024;
  /// Whether TLS peers are verified (chain and host name). Turning it off adds a warning to
  /// the configuration, which the host logs every time it loads it.
  bool verify_tls = true;
  /// The CA bundle that verifies TLS peers, absolute; the system store when empty.
  std::filesystem::path ca_file;
};

/// ClientConfig is one entry of `clients`, validated and with its secrets resolved.
struct ClientConfig {
  std::string id;
  /// The plugin name to load ("jwt-auth").
  std::string plugin;
  /// The `settings` object as JSON text with every secret replaced by "[REDACTED]".
  std::string settings_json = "{}";
  /// Secret values, keyed by JSON pointer relative to `settings` ("/api_key"): every string
  /// that contained a `${...}` reference, and every string under a credential-like key.
  std::map<std::string, Secret> secrets;
  Resilience resilience;
  HttpSettings http;
  /// The merged `http` object and `ca_file` as canonical JSON text, compared on reload.
  std::string http_canonical_json;
};

/// Config is a whole configuration file, validated and resolved.
struct Config {
  /// The absolute path of the file.
  std::filesystem::path file;
  /// The file's folder; relative paths in the file are resolved against it.
  std::filesystem::path base_directory;
  /// Absolute plugin folders, in the order given.
  std::vector<std::filesystem::path> plugin_dirs;
  LoggingConfig logging;
  Resilience defaults;
  /// Clients in the order of the file.
  std::vector<ClientConfig> clients;
  /// Problems that do not stop loading, one line each in the format of errors, such as a secret
  /// shorter than the 4 characters the log masker needs. Lines name pointers, never values.
  std::vector<std::string> warnings;
};

/// Environment looks up a variable; tests replace it.
using Environment = std::function<std::optional<std::string>(const std::string& name)>;

/// Returns an Environment backed by getenv.
Environment process_environment();

/// Reads, validates and resolves the configuration file at `path`.
///
/// Errors are kNotFound when the configuration file itself does not exist, and otherwise
/// kInvalidArgument: bad JSON, unknown keys with the near miss, values out of range, timeouts
/// of 0 or less, a missing environment variable or referenced file. All problems found are
/// reported together, one per line, as `<file>: <json pointer>: <problem>; <fix>`. A message
/// about a secret names the variable or path and never the value.
Result<Config> load_config(const std::filesystem::path& path,
                           const Environment& environment = process_environment());

/// Like load_config, for text already read. `file` names the file in messages and in
/// Config::file; relative paths resolve against `base_directory`.
Result<Config> parse_config(std::string_view text, const std::filesystem::path& file,
                            const std::filesystem::path& base_directory,
                            const Environment& environment = process_environment());

}  // namespace outbound::config
