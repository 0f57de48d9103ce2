#include "jwt_auth/jwks_cache.h"

#include <exception>
#include <functional>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

#include "jwt_auth/jwk_set.h"
#include "jwt_auth/jwks_url.h"
#include "jwt_auth/rejection.h"

namespace outbound::jwt {
namespace {

constexpr const char* kFetchesMetric = "outbound.jwt.jwks.fetches";
constexpr const char* kFetchDurationMetric = "outbound.jwt.jwks.fetch.duration";

// The causes of a fetch, as the `trigger` attribute of the metrics and in log lines.
constexpr const char* kFirstUse = "first_use";
constexpr const char* kExpired = "expired";
constexpr const char* kUnknownKid = "unknown_kid";
constexpr const char* kHealthCheck = "health_check";

constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

std::int64_t ticks(std::chrono::steady_clock::time_point time) {
  return time.time_since_epoch().count();
}

}  // namespace

// The result of one fetch, built without any lock held.
struct JwksCache::FetchOutcome {
  /// ok, or kUnavailable whose message names the request and the cause.
  Status status;
  /// The `result` attribute of the metrics: ok, transport_error, http_status or invalid_jwks.
  const char* result = "ok";
  std::shared_ptr<const JwksSnapshot> snapshot;
  CacheLifetime lifetime;
  std::vector<SkippedJwk> skipped;
  /// The kids of the fetched keys, for the log line.
  std::string key_ids;
  std::size_t key_count = 0;
  std::size_t body_hash = 0;
};

JwksCache::JwksCache(std::string client_id, JwksSettings settings, KeySet static_keys,
                     std::shared_ptr<HttpTransport> http, std::shared_ptr<const Clock> clock,
                     std::shared_ptr<spdlog::logger> logger, std::shared_ptr<MetricsSink> metrics)
    : client_id_(std::move(client_id)),
      settings_(std::move(settings)),
      url_for_messages_(url_without_query(settings_.url)),
      limits_{settings_.cache, settings_.cache_min, settings_.cache_max},
      static_keys_(std::move(static_keys)),
      http_(std::move(http)),
      clock_(std::move(clock)),
      logger_(std::move(logger)),
      metrics_(std::move(metrics)),
      refresh_at_(kNever) {
  auto initial = std::make_shared<JwksSnapshot>();
  initial->keys = static_keys_;
  snapshot_ = std::move(initial);
}

std::shared_ptr<const JwksSnapshot> JwksCache::snapshot() const {
  const std::lock_guard<std::mutex> lock(snapshot_mutex_);
  return snapshot_;
}

std::shared_ptr<const JwksSnapshot> JwksCache::current(const CallContext& context) {
  std::shared_ptr<const JwksSnapshot> keys = snapshot();
  if (!keys->fetched || ticks(clock_->steady_now()) < refresh_at_.load(std::memory_order_acquire)) {
    return keys;
  }
  std::unique_lock<std::mutex> lock(fetch_mutex_);
  if (fetch_running_ || ticks(clock_->steady_now()) < refresh_at_.load(std::memory_order_relaxed)) {
    return snapshot();
  }
  // run_fetch logs and counts a failure, and the old keys stay in use meanwhile.
  run_fetch(context, lock, kExpired);
  return snapshot();
}

Result<std::shared_ptr<const JwksSnapshot>> JwksCache::refresh_for_unknown_key(
    const CallContext& context, const JwksSnapshot& used, bool token_has_key_id) {
  const std::shared_ptr<const JwksSnapshot> nothing_newer;
  std::unique_lock<std::mutex> lock(fetch_mutex_);
  for (;;) {
    std::shared_ptr<const JwksSnapshot> latest = snapshot();
    if (latest.get() != &used) return latest;
    if (fetch_running_) {
      if (Status waited = wait_for_fetch(lock, context); !waited.ok()) return waited;
      continue;
    }
    // Once a JWK Set is loaded, only a kid can show that the issuer has a key not seen yet.
    if (used.fetched && !token_has_key_id) return nothing_newer;
    const bool cooling_down =
        last_fetch_start_ && clock_->steady_now() - *last_fetch_start_ < settings_.refresh_cooldown;
    if (cooling_down) {
      if (failed_fetches_ > 0) return unavailable(used.fetched);
      return nothing_newer;
    }
    if (Status fetched = run_fetch(context, lock, used.fetched ? kUnknownKid : kFirstUse);
        !fetched.ok()) {
      return unavailable(used.fetched);
    }
  }
}

Status JwksCache::fetch_now(const CallContext& context) {
  std::unique_lock<std::mutex> lock(fetch_mutex_);
  if (Status waited = wait_for_fetch(lock, context); !waited.ok()) return waited;
  return run_fetch(context, lock, kHealthCheck);
}

Status JwksCache::wait_for_fetch(std::unique_lock<std::mutex>& lock, const CallContext& context) {
  const auto idle = [this] { return !fetch_running_; };
  if (context.effective_deadline() == CallContext::TimePoint{}) {
    fetch_done_.wait(lock, idle);
    return Status();
  }
  // The deadline is on the host's clock, so the wait runs on the real clock for the time left.
  const auto until = std::chrono::steady_clock::now() + context.remaining(clock_->steady_now());
  if (fetch_done_.wait_until(lock, until, idle)) return Status();
  Status late = Status::deadline_exceeded(
      "the deadline passed while waiting for the JWK Set from " + url_for_messages_);
  late.set_reason(kJwksUnavailableReason);
  return late;
}

Status JwksCache::unavailable(bool had_keys) const {
  std::string message;
  if (had_keys) {
    message =
        "token kid matches no key, and the JWK Set could not be fetched again to look "
        "for it: " +
        last_failure_;
  } else if (dropped_) {
    message = "the keys fetched from " + url_for_messages_ + " were dropped, because they are " +
              "more than jwks_max_stale_s (" + std::to_string(settings_.max_stale.count()) +
              " s) past their lifetime, and fetching them again failed: " + last_failure_;
  } else {
    message = "no JWK Set has been fetched yet: " + last_failure_;
  }
  Status status = Status::unavailable(message);
  status.set_reason(kJwksUnavailableReason);
  // Another attempt within the cooldown would not fetch again, so the host must not retry.
  status.set_retryable(false);
  return status;
}

void JwksCache::drop_fetched_keys() {
  auto static_only = std::make_shared<JwksSnapshot>();
  static_only->keys = static_keys_;
  {
    const std::lock_guard<std::mutex> snapshot_lock(snapshot_mutex_);
    snapshot_ = std::move(static_only);
  }
  dropped_ = true;
  if (logger_) {
    logger_->error(
        "jwt-auth client '{}' dropped the keys fetched from {}: they are more than "
        "jwks_max_stale_s ({} s) past their lifetime and fetching them again failed ({}); tokens "
        "signed with them are rejected as unavailable until a fetch succeeds",
        client_id_, url_for_messages_, settings_.max_stale.count(), last_failure_);
  }
}

Status JwksCache::run_fetch(const CallContext& context, std::unique_lock<std::mutex>& lock,
                            const char* trigger) {
  fetch_running_ = true;
  const auto started = clock_->steady_now();
  last_fetch_start_ = started;
  lock.unlock();

  FetchOutcome outcome = fetch_keys(context);
  const auto finished = clock_->steady_now();
  if (outcome.snapshot) {
    const std::lock_guard<std::mutex> snapshot_lock(snapshot_mutex_);
    snapshot_ = outcome.snapshot;
  }

  lock.lock();
  fetch_running_ = false;
  const std::size_t failures_before = failed_fetches_;
  bool body_changed = false;
  if (outcome.status.ok()) {
    failed_fetches_ = 0;
    last_failure_.clear();
    body_changed = outcome.body_hash != last_body_hash_;
    last_body_hash_ = outcome.body_hash;
    refresh_at_.store(ticks(finished + outcome.lifetime.ttl), std::memory_order_release);
    drop_at_ = ticks(finished + outcome.lifetime.ttl + settings_.max_stale);
    dropped_ = false;
  } else {
    ++failed_fetches_;
    last_failure_ = outcome.status.message();
    if (snapshot()->fetched && ticks(finished) >= drop_at_) drop_fetched_keys();
    // Stale keys are retried after the cooldown, not on every call. Fresh keys keep their
    // lifetime, so a failed health check or unknown-kid fetch does not bring the refresh forward.
    if (snapshot()->fetched) {
      const std::int64_t retry_at = ticks(finished + settings_.refresh_cooldown);
      if (retry_at > refresh_at_.load(std::memory_order_relaxed)) {
        refresh_at_.store(retry_at, std::memory_order_release);
      }
    }
  }
  fetch_done_.notify_all();

  lock.unlock();
  const double seconds = std::chrono::duration<double>(finished - started).count();
  report(outcome, trigger, seconds, !outcome.status.ok() && failures_before == 0, failures_before,
         body_changed);
  lock.lock();
  return outcome.status;
}

JwksCache::FetchOutcome JwksCache::fetch_keys(const CallContext& context) const {
  const std::string request_line = "GET " + url_for_messages_;
  // `message` names the request and the cause.
  const auto failed = [&](const char* result, const std::string& message) {
    FetchOutcome outcome;
    outcome.result = result;
    outcome.status = Status::unavailable(message);
    outcome.status.set_reason(kJwksUnavailableReason);
    return outcome;
  };
  try {
    HttpRequest request;
    request.method = "GET";
    request.url = settings_.url;
    request.headers = {{"Accept", "application/json"}};
    request.replay_safe = true;
    Result<HttpResponse> response = http_->send(context, request);
    if (!response.ok()) {
      // The host's transport starts its messages with the method and the URL already.
      const std::string& cause = response.status().message();
      return failed("transport_error",
                    cause.rfind(request_line, 0) == 0 ? cause : request_line + " failed: " + cause);
    }
    if (response->status != 200) {
      // The SDK's wording adds the fix for common statuses ("check the URL" for 404).
      const Status http_error = status_from_response(*response, request_line, *clock_);
      if (!http_error.ok()) return failed("http_status", http_error.message());
      return failed("http_status", request_line + " returned HTTP " +
                                       std::to_string(response->status) +
                                       "; a JWK Set is expected with HTTP 200");
    }
    FetchOutcome outcome = build_snapshot(response->body, response->headers);
    if (!outcome.status.ok()) {
      return failed("invalid_jwks", request_line +
                                        " returned a body that is not a usable JWK Set: it " +
                                        outcome.status.message());
    }
    return outcome;
  } catch (const std::exception& error) {
    return failed("transport_error", request_line + " failed with an exception: " + error.what());
  } catch (...) {
    return failed("transport_error", request_line + " failed with an exception of unknown type");
  }
}

JwksCache::FetchOutcome JwksCache::build_snapshot(const std::string& body,
                                                  const HttpHeaders& headers) const {
  FetchOutcome outcome;
  Result<JwkSetKeys> parsed = parse_jwk_set(body);
  if (!parsed.ok()) {
    outcome.status = parsed.status();
    return outcome;
  }
  outcome.skipped = std::move(parsed->skipped);

  auto snapshot = std::make_shared<JwksSnapshot>();
  snapshot->keys = static_keys_;
  snapshot->fetched = true;
  for (std::vector<Key>& group : parsed->groups) {
    const std::string key_id = group.front().key_id();
    const std::string described =
        key_id.empty() ? "a key without kid" : "kid " + quote_token_value(key_id);
    if (!key_id.empty() && static_keys_.has_key_id(key_id)) {
      outcome.skipped.push_back({"the key with " + described +
                                     " is skipped: a configured key (verification_keys or the "
                                     "signing key) has this key id and takes precedence",
                                 false});
      continue;
    }
    if (Status added = snapshot->keys.add_group(std::move(group)); !added.ok()) {
      outcome.skipped.push_back(
          {"the key with " + described + " is skipped: " + added.message(), false});
      continue;
    }
    if (!outcome.key_ids.empty()) outcome.key_ids += ", ";
    outcome.key_ids += key_id.empty() ? "(none)" : quote_token_value(key_id);
    ++outcome.key_count;
  }
  if (outcome.key_count == 0) {
    outcome.status =
        Status::invalid_argument("lists only keys whose key ids configured keys already use");
    return outcome;
  }
  outcome.lifetime = cache_lifetime(headers, limits_);
  outcome.body_hash = std::hash<std::string_view>{}(body);
  outcome.snapshot = std::move(snapshot);
  return outcome;
}

void JwksCache::report(const FetchOutcome& outcome, const char* trigger, double seconds,
                       bool first_failure, std::size_t failures_before, bool body_changed) const {
  try {
    if (metrics_) {
      metrics_->add(
          kFetchesMetric, 1,
          {{"outbound.client", client_id_}, {"result", outcome.result}, {"trigger", trigger}});
      metrics_->record(kFetchDurationMetric, seconds,
                       {{"outbound.client", client_id_}, {"result", outcome.result}});
    }
    if (!logger_) return;
    if (!outcome.status.ok()) {
      // One warning per run of failures, and the repeats at debug, so an outage does not flood.
      const auto level = first_failure ? spdlog::level::warn : spdlog::level::debug;
      logger_->log(level,
                   "jwt-auth client '{}' could not fetch its JWK Set ({}): {}; until a fetch "
                   "succeeds, tokens are verified with the keys fetched before, if any, and "
                   "fetches caused by tokens wait at least {} s (health checks fetch at once)",
                   client_id_, trigger, outcome.status.message(),
                   settings_.refresh_cooldown.count());
      return;
    }
    if (failures_before > 0) {
      logger_->info(
          "jwt-auth client '{}' fetched its JWK Set from {} again after {} failed "
          "attempt(s)",
          client_id_, url_for_messages_, failures_before);
    }
    // An unchanged body logs at debug, so a steady JWK Set costs one info line, not one per TTL.
    const auto level = body_changed ? spdlog::level::info : spdlog::level::debug;
    logger_->log(level,
                 "jwt-auth client '{}' fetched {} key(s) from {} ({}): kid {}; fresh for {} s "
                 "({})",
                 client_id_, outcome.key_count, url_for_messages_, trigger, outcome.key_ids,
                 outcome.lifetime.ttl.count(), outcome.lifetime.source);
    for (const SkippedJwk& skipped : outcome.skipped) {
      const auto skip_level =
          body_changed && !skipped.expected ? spdlog::level::warn : spdlog::level::debug;
      logger_->log(skip_level, "jwt-auth client '{}' ignores a key from {}: {}", client_id_,
                   url_for_messages_, skipped.description);
    }
  } catch (const std::exception&) {
    // A metrics sink that throws must not break verification. spdlog itself does not throw.
  }
}

}  // namespace outbound::jwt
