#pragma once

#include <atomic>
#include <memory>
#include <string_view>

#include <spdlog/logger.h>

#include "jwt_auth/config.h"
#include "jwt_auth/jwks_cache.h"
#include "outbound/auth.h"
#include "outbound/clock.h"
#include "outbound/metrics.h"
#include "outbound/plugin_context.h"

namespace outbound::jwt {

/// JwtAuth is the `jwt-auth` plugin: an AuthProvider that issues and verifies JWTs with keys
/// from its settings and, when `jwks_url` is set, from a JWK Set fetched through the host's
/// HTTP transport (see JwksCache).
///
/// Thread safety: every method may be called from several threads at once.
class JwtAuth final : public AuthProvider {
 public:
  /// Loads the configuration from `context` (see load_config) and returns the client, or
  /// kInvalidArgument naming the setting at fault. Makes no network call: a JWK Set is fetched
  /// on first use. Returns kFailedPrecondition when `jwks_url` is set and the host gives no
  /// HTTP transport.
  static Result<std::unique_ptr<JwtAuth>> create(const PluginContext& context);

  const ClientInfo& info() const override { return info_; }

  /// Without `jwks_url`, returns ok while the client is open, because its keys were loaded by
  /// create(). With it, fetches the JWK Set now (see JwksCache::fetch_now) and returns
  /// kUnavailable when the endpoint fails.
  Status health_check(const CallContext& context) override;

  void close() override;

  /// Issues a token signed with `signing_key`; kFailedPrecondition when the client has none.
  Result<IssuedToken> issue(const CallContext& context, const IssueRequest& request) override;

  /// Verifies a token at the host clock's current time. With `jwks_url`, a token the static
  /// keys cannot verify may wait for a fetch, within `context`'s deadline, and fails with
  /// kUnavailable (reason jwks_unavailable) when keys it needs could not be fetched.
  Result<VerifiedToken> verify(const CallContext& context, const VerifyRequest& request) override;

 private:
  JwtAuth(ClientInfo info, JwtConfig config, std::shared_ptr<const Clock> clock,
          std::shared_ptr<spdlog::logger> logger, std::shared_ptr<MetricsSink> metrics,
          std::unique_ptr<JwksCache> jwks);

  Status check_open() const;

  Result<VerifiedToken> verify_with_jwks(const CallContext& context, std::string_view token);

  ClientInfo info_;
  JwtConfig config_;
  std::shared_ptr<const Clock> clock_;
  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<MetricsSink> metrics_;
  /// Set when `jwks_url` is configured.
  std::unique_ptr<JwksCache> jwks_;
  std::atomic<bool> closed_{false};
};

}  // namespace outbound::jwt
