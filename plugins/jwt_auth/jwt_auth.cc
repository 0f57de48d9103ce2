#include "jwt_auth/jwt_auth.h"

#include <utility>

namespace outbound::jwt {
namespace {

constexpr const char* kVerificationsMetric = "outbound.jwt.verifications";
constexpr const char* kIssuedMetric = "outbound.jwt.issued";

std::string describe_keys(const JwtConfig& config) {
  std::string text =
      config.signer ? "signs with " + std::string(algorithm_name(config.signer->key().algorithm()))
                    : std::string("verify-only");
  text += ", verifies with " + std::to_string(config.verifier.keys().keys().size()) + " key(s) (" +
          config.verifier.keys().allowed_algorithm_names() + ")";
  return text;
}

}  // namespace

JwtAuth::JwtAuth(ClientInfo info, JwtConfig config, std::shared_ptr<const Clock> clock,
                 std::shared_ptr<spdlog::logger> logger, std::shared_ptr<MetricsSink> metrics)
    : info_(std::move(info)),
      config_(std::move(config)),
      clock_(std::move(clock)),
      logger_(std::move(logger)),
      metrics_(std::move(metrics)) {}

Result<std::unique_ptr<JwtAuth>> JwtAuth::create(const PluginContext& context) {
  Result<JwtConfig> config = load_config(context);
  if (!config.ok()) {
    return config.status().with_context("jwt-auth client '" + context.client.id + "'");
  }

  // Without an injected clock the client uses the process clock. The aliasing constructor makes
  // a pointer that does not own the static system clock.
  std::shared_ptr<const Clock> clock =
      context.clock ? context.clock
                    : std::shared_ptr<const Clock>(std::shared_ptr<void>(), &Clock::system());
  if (context.logger) {
    context.logger->info("jwt-auth client '{}' loaded: {}", context.client.id,
                         describe_keys(*config));
  }
  return std::unique_ptr<JwtAuth>(new JwtAuth(context.client, std::move(config).value(),
                                              std::move(clock), context.logger, context.metrics));
}

Status JwtAuth::check_open() const {
  if (closed_.load(std::memory_order_acquire)) {
    return Status::failed_precondition("jwt-auth client '" + info_.id + "' is closed");
  }
  return Status();
}

Status JwtAuth::health_check(const CallContext&) { return check_open(); }

void JwtAuth::close() { closed_.store(true, std::memory_order_release); }

Result<IssuedToken> JwtAuth::issue(const CallContext&, const IssueRequest& request) {
  if (Status open = check_open(); !open.ok()) return open;
  if (!config_.signer) {
    return Status::failed_precondition("jwt-auth client '" + info_.id +
                                       "' only verifies; set signing_key and algorithm in its "
                                       "settings to issue tokens");
  }
  Result<IssuedToken> issued = config_.signer->issue(request, clock_->now());
  if (metrics_ && issued.ok()) metrics_->add(kIssuedMetric, 1, {});
  return issued;
}

Result<VerifiedToken> JwtAuth::verify(const CallContext&, const VerifyRequest& request) {
  if (Status open = check_open(); !open.ok()) return open;
  Result<VerifiedToken> verified = config_.verifier.verify(request.token, clock_->now());
  if (metrics_) {
    const std::string result = verified.ok() ? "ok" : verified.status().reason();
    metrics_->add(kVerificationsMetric, 1, {{"result", result}});
  }
  if (!verified.ok() && logger_) {
    logger_->debug("jwt-auth client '{}' rejected a token: {} ({})", info_.id,
                   verified.status().message(), verified.status().reason());
  }
  return verified;
}

}  // namespace outbound::jwt
