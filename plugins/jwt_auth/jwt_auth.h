#pragma once

#include <atomic>
#include <memory>

#include <spdlog/logger.h>

#include "jwt_auth/config.h"
#include "outbound/auth.h"
#include "outbound/clock.h"
#include "outbound/metrics.h"
#include "outbound/plugin_context.h"

namespace outbound::jwt {

/// JwtAuth is the `jwt-auth` plugin: an AuthProvider that issues and verifies JWTs with keys
/// from its settings. It touches no network; `jwks_url` is not supported yet.
///
/// Thread safety: every method may be called from several threads at once.
class JwtAuth final : public AuthProvider {
 public:
  /// Loads the configuration from `context` (see load_config) and returns the client, or
  /// kInvalidArgument naming the setting at fault, or kUnimplemented for `jwks_url`.
  static Result<std::unique_ptr<JwtAuth>> create(const PluginContext& context);

  const ClientInfo& info() const override { return info_; }

  /// Returns ok while the client is open, because its keys were loaded by create().
  Status health_check(const CallContext& context) override;

  void close() override;

  /// Issues a token signed with `signing_key`; kFailedPrecondition when the client has none.
  Result<IssuedToken> issue(const CallContext& context, const IssueRequest& request) override;

  /// Verifies a token at the host clock's current time.
  Result<VerifiedToken> verify(const CallContext& context, const VerifyRequest& request) override;

 private:
  JwtAuth(ClientInfo info, JwtConfig config, std::shared_ptr<const Clock> clock,
          std::shared_ptr<spdlog::logger> logger, std::shared_ptr<MetricsSink> metrics);

  Status check_open() const;

  ClientInfo info_;
  JwtConfig config_;
  std::shared_ptr<const Clock> clock_;
  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<MetricsSink> metrics_;
  std::atomic<bool> closed_{false};
};

}  // namespace outbound::jwt
