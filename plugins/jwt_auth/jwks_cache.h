#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <spdlog/logger.h>

#include "jwt_auth/cache_lifetime.h"
#include "jwt_auth/key_set.h"
#include "jwt_auth/settings.h"
#include "outbound/call_context.h"
#include "outbound/clock.h"
#include "outbound/http.h"
#include "outbound/metrics.h"
#include "outbound/status.h"

namespace outbound::jwt {

/// The Status::reason() of a verification that needs keys from `jwks_url` when none could be
/// fetched. Its code is kUnavailable, and a retry can help.
inline constexpr const char* kJwksUnavailableReason = "jwks_unavailable";

/// JwksSnapshot is one immutable set of verification keys: the static keys (signing key and
/// `verification_keys`) followed by the keys of one fetched JWK Set, or the static keys alone
/// before the first successful fetch.
struct JwksSnapshot {
  KeySet keys;
  /// Whether `keys` contains a fetched JWK Set.
  bool fetched = false;
};

/// JwksCache keeps the keys of one `jwks_url`: it fetches the JWK Set through the host's
/// transport, parses it once per fetch, and publishes the result as a JwksSnapshot.
///
/// Fetches happen only when a call needs one, never in the constructor. The calls that fetch are
/// the first token the static keys cannot verify, a call after the keys' lifetime ends, a token
/// whose kid is unknown (at most once per `jwks_refresh_cooldown_s`), and health checks. A
/// failed fetch keeps the last good keys, and is logged as a warning once per run of failures.
/// A failed fetch more than `jwks_max_stale_s` after the keys' lifetime ended drops them
/// instead, with an error in the log, and tokens that need them are kUnavailable until a fetch
/// succeeds.
///
/// Thread safety: every method may be called from several threads at once. Verifiers copy the
/// current snapshot's shared pointer under a mutex that is never held during a fetch. One fetch
/// runs at a time; callers that need its result wait for it within their deadline, and the
/// others keep verifying with the snapshot they have.
class JwksCache {
 public:
  JwksCache(std::string client_id, JwksSettings settings, KeySet static_keys,
            std::shared_ptr<HttpTransport> http, std::shared_ptr<const Clock> clock,
            std::shared_ptr<spdlog::logger> logger, std::shared_ptr<MetricsSink> metrics);

  JwksCache(const JwksCache&) = delete;
  JwksCache& operator=(const JwksCache&) = delete;

  /// Returns the snapshot to verify with. When the fetched keys have outlived their lifetime
  /// and no fetch is running, this caller fetches first, within `context`'s deadline. If that
  /// fails, the old keys are returned and the next attempt waits for the cooldown.
  std::shared_ptr<const JwksSnapshot> current(const CallContext& context);

  /// Looks for newer keys after a token found no key in `used`, and returns a newer snapshot to
  /// verify the token again with. Returns null when there is none to try, because the token
  /// has no kid and a JWK Set was already fetched, or because the last fetch succeeded less
  /// than the cooldown ago. Otherwise it fetches, or waits for the fetch already running. Returns
  /// kUnavailable with reason jwks_unavailable when that fetch, or the last one within the
  /// cooldown, failed, and kDeadlineExceeded when `context`'s deadline passes while waiting.
  Result<std::shared_ptr<const JwksSnapshot>> refresh_for_unknown_key(const CallContext& context,
                                                                      const JwksSnapshot& used,
                                                                      bool token_has_key_id);

  /// Fetches the JWK Set now, whatever its lifetime and the cooldown, after any fetch already
  /// running, and keeps the keys when it succeeds. Returns ok, or kUnavailable naming the URL
  /// and the cause.
  Status fetch_now(const CallContext& context);

  /// The URL without its query string, for messages.
  const std::string& url_for_messages() const { return url_for_messages_; }

 private:
  struct FetchOutcome;

  std::shared_ptr<const JwksSnapshot> snapshot() const;

  // Runs one fetch. `lock` must own fetch_mutex_ while no fetch runs. It is released during the
  // request and owned again on return.
  Status run_fetch(const CallContext& context, std::unique_lock<std::mutex>& lock,
                   const char* trigger);

  // Sends the request and builds the snapshot, without a lock and without throwing.
  FetchOutcome fetch_keys(const CallContext& context) const;
  FetchOutcome build_snapshot(const std::string& body, const HttpHeaders& headers) const;

  // Waits, holding `lock` on fetch_mutex_, until no fetch runs or `context`'s deadline passes.
  Status wait_for_fetch(std::unique_lock<std::mutex>& lock, const CallContext& context);

  // Returns the status of a verification that needs keys the failing endpoint would give.
  // Called with fetch_mutex_ held.
  Status unavailable(bool had_keys) const;

  // Replaces the snapshot with the static keys alone and logs why. Called with fetch_mutex_
  // held.
  void drop_fetched_keys();

  void report(const FetchOutcome& outcome, const char* trigger, double seconds, bool first_failure,
              std::size_t failures_before, bool body_changed) const;

  const std::string client_id_;
  const JwksSettings settings_;
  const std::string url_for_messages_;
  const CacheLimits limits_;
  const KeySet static_keys_;
  const std::shared_ptr<HttpTransport> http_;
  const std::shared_ptr<const Clock> clock_;
  const std::shared_ptr<spdlog::logger> logger_;
  const std::shared_ptr<MetricsSink> metrics_;

  mutable std::mutex snapshot_mutex_;
  std::shared_ptr<const JwksSnapshot> snapshot_;  // guarded by snapshot_mutex_

  // The steady-clock tick at which the fetched keys go stale. current() reads it without a lock.
  std::atomic<std::int64_t> refresh_at_;

  std::mutex fetch_mutex_;
  std::condition_variable fetch_done_;
  // The members below are guarded by fetch_mutex_.
  bool fetch_running_ = false;
  std::optional<std::chrono::steady_clock::time_point> last_fetch_start_;
  std::size_t failed_fetches_ = 0;
  std::string last_failure_;
  std::size_t last_body_hash_ = 0;
  // The steady-clock tick after which a failed fetch drops the fetched keys.
  std::int64_t drop_at_ = 0;
  // Whether the fetched keys were dropped and no fetch has succeeded since.
  bool dropped_ = false;
};

}  // namespace outbound::jwt
