#include "jwt_auth/jwt_auth.h"

#include <utility>

#include "jwt_auth/jws.h"

namespace outbound::jwt {
namespace {

constexpr const char* kVerificationsMetric = "outbound.jwt.verifications";
constexpr const char* kIssuedMetric = "outbound.jwt.issued";

std::string describe_keys(const JwtConfig& config, const JwksCache* jwks) {
  std::string text =
      config.signer ? "signs with " + std::string(algorithm_name(config.signer->key().algorithm()))
                    : std::string("verify-only");
  text += ", verifies with " + std::to_string(config.verifier.keys().keys().size()) + " key(s)";
  if (!config.verifier.keys().empty()) {
    text += " (" + config.verifier.keys().allowed_algorithm_names() + ")";
  }
  if (jwks != nullptr) {
    text += " and the JWK Set at " + jwks->url_for_messages() + ", fetched on first use";
  }
  return text;
}

// Returns whether a rejection by `keys` may be cured by keys from the JWK Set: the token names
// an asymmetric algorithm, and either a kid that `keys` lacks or no kid at all. HMAC keys never
// come from a URL, so an HS* token never causes a fetch.
bool may_need_fetched_key(const Status& rejection, const JwsHeader& header, const KeySet& keys) {
  const std::string& reason = rejection.reason();
  if (reason != auth_reason::kUnknownKey && reason != auth_reason::kAlgorithmNotAllowed) {
    return false;
  }
  if (!header.alg.present || header.alg.type != JsonType::kString) return false;
  const std::optional<Algorithm> algorithm = parse_algorithm(header.alg.value);
  if (!algorithm || algorithm_family(*algorithm) == AlgorithmFamily::kHmac) return false;
  if (!header.kid.present) return true;
  return header.kid.type == JsonType::kString && !keys.has_key_id(header.kid.value);
}

}  // namespace

JwtAuth::JwtAuth(ClientInfo info, JwtConfig config, std::shared_ptr<const Clock> clock,
                 std::shared_ptr<spdlog::logger> logger, std::shared_ptr<MetricsSink> metrics,
                 std::unique_ptr<JwksCache> jwks)
    : info_(std::move(info)),
      config_(std::move(config)),
      clock_(std::move(clock)),
      logger_(std::move(logger)),
      metrics_(std::move(metrics)),
      jwks_(std::move(jwks)) {}

Result<std::unique_ptr<JwtAuth>> JwtAuth::create(const PluginContext& context) {
  const std::string client = "jwt-auth client '" + context.client.id + "'";
  Result<JwtConfig> config = load_config(context);
  if (!config.ok()) return config.status().with_context(client);

  // Without an injected clock the client uses the process clock. The aliasing constructor makes
  // a pointer that does not own the static system clock.
  std::shared_ptr<const Clock> clock =
      context.clock ? context.clock
                    : std::shared_ptr<const Clock>(std::shared_ptr<void>(), &Clock::system());

  std::unique_ptr<JwksCache> jwks;
  if (config->settings.jwks) {
    if (!context.http) {
      return Status::failed_precondition(
          client +
          " sets jwks_url, but the host gave it no HTTP transport (PluginContext::http "
          "is null); this is a host bug, or remove jwks_url and list the keys in "
          "verification_keys");
    }
    jwks = std::make_unique<JwksCache>(context.client.id, *config->settings.jwks,
                                       config->verifier.keys(), context.http, clock, context.logger,
                                       context.metrics);
  }
  if (context.logger) {
    context.logger->info("{} loaded: {}", client, describe_keys(*config, jwks.get()));
  }
  return std::unique_ptr<JwtAuth>(new JwtAuth(context.client, std::move(config).value(),
                                              std::move(clock), context.logger, context.metrics,
                                              std::move(jwks)));
}

Status JwtAuth::check_open() const {
  if (closed_.load(std::memory_order_acquire)) {
    return Status::failed_precondition("jwt-auth client '" + info_.id + "' is closed");
  }
  return Status();
}

Status JwtAuth::health_check(const CallContext& context) {
  if (Status open = check_open(); !open.ok()) return open;
  if (!jwks_) return Status();
  Status fetched = jwks_->fetch_now(context);
  if (fetched.ok()) return fetched;
  return fetched.with_context("jwt-auth client '" + info_.id + "'");
}

void JwtAuth::close() { closed_.store(true, std::memory_order_release); }

Result<IssuedToken> JwtAuth::issue(const CallContext&, const IssueRequest& request) {
  if (Status open = check_open(); !open.ok()) return open;
  if (!config_.signer) {
    const char* keys = jwks_ ? "verifies with keys from jwks_url" : "only verifies";
    return Status::failed_precondition("jwt-auth client '" + info_.id + "' " + keys +
                                       " and has no signing key; set signing_key and algorithm "
                                       "in its settings to issue tokens");
  }
  Result<IssuedToken> issued = config_.signer->issue(request, clock_->now());
  if (metrics_ && issued.ok()) metrics_->add(kIssuedMetric, 1, {{"outbound.client", info_.id}});
  return issued;
}

Result<VerifiedToken> JwtAuth::verify(const CallContext& context, const VerifyRequest& request) {
  if (Status open = check_open(); !open.ok()) return open;
  Result<VerifiedToken> verified = jwks_ ? verify_with_jwks(context, request.token)
                                         : config_.verifier.verify(request.token, clock_->now());
  if (metrics_) {
    const std::string result = verified.ok() ? "ok" : verified.status().reason();
    metrics_->add(kVerificationsMetric, 1, {{"outbound.client", info_.id}, {"result", result}});
  }
  if (!verified.ok() && logger_) {
    logger_->debug("jwt-auth client '{}' rejected a token: {} ({})", info_.id,
                   verified.status().message(), verified.status().reason());
  }
  return verified;
}

Result<VerifiedToken> JwtAuth::verify_with_jwks(const CallContext& context,
                                                std::string_view token) {
  const std::size_t max_token_bytes = config_.verifier.options().max_token_bytes;
  // `keys` owns the set that jws.key points into, so it lives until verify_claims() returns.
  std::shared_ptr<const JwksSnapshot> keys = jwks_->current(context);
  VerifiedJws jws;
  Status checked = verify_compact_into(keys->keys, token, max_token_bytes, jws);
  if (!checked.ok() && may_need_fetched_key(checked, jws.header, keys->keys)) {
    Result<std::shared_ptr<const JwksSnapshot>> newer =
        jwks_->refresh_for_unknown_key(context, *keys, jws.header.kid.present);
    if (!newer.ok()) return newer.status();
    if (*newer) {
      keys = std::move(newer).value();
      jws = VerifiedJws();
      checked = verify_compact_into(keys->keys, token, max_token_bytes, jws);
    }
  }
  if (!checked.ok()) return checked;
  return config_.verifier.verify_claims(jws, clock_->now());
}

}  // namespace outbound::jwt
