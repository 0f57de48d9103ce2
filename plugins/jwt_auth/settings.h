#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jwt_auth/algorithm.h"
#include "jwt_auth/jws.h"
#include "jwt_auth/signer.h"
#include "outbound/plugin_context.h"
#include "outbound/setting_problems.h"
#include "outbound/status.h"

namespace outbound::jwt {

/// The default `leeway_s`.
inline constexpr std::int64_t kDefaultLeewaySeconds = 30;

/// The largest `max_token_bytes` accepted, so that one token cannot make a verifier decode
/// megabytes.
inline constexpr std::size_t kMaxTokenBytesLimit = 1 << 20;

/// The `jwks_cache_s`, `jwks_cache_min_s`, `jwks_cache_max_s`, `jwks_refresh_cooldown_s` and
/// `jwks_max_stale_s` defaults.
inline constexpr std::chrono::seconds kDefaultJwksCache{300};
inline constexpr std::chrono::seconds kDefaultJwksCacheMin{60};
inline constexpr std::chrono::seconds kDefaultJwksCacheMax{86400};
inline constexpr std::chrono::seconds kDefaultJwksRefreshCooldown{30};
inline constexpr std::chrono::seconds kDefaultJwksMaxStale{86400};

/// The largest value of the jwks_* time settings: a week.
inline constexpr std::int64_t kMaxJwksSeconds = 7 * 86400;

/// JwksSettings are the checked `jwks_url` and `jwks_*` settings.
struct JwksSettings {
  /// An https URL, or http to a loopback host (see check_jwks_url()).
  std::string url;
  /// How long a JWK Set stays fresh when the response has no usable Cache-Control max-age.
  std::chrono::seconds cache = kDefaultJwksCache;
  /// The bounds on a lifetime the response's max-age sets. no-cache and no-store give the
  /// minimum.
  std::chrono::seconds cache_min = kDefaultJwksCacheMin;
  std::chrono::seconds cache_max = kDefaultJwksCacheMax;
  /// The minimum time between fetches that a token with an unknown kid, or a failed fetch,
  /// may cause.
  std::chrono::seconds refresh_cooldown = kDefaultJwksRefreshCooldown;
  /// How long past their lifetime fetched keys stay in use while every fetch fails. After that
  /// they are dropped, so that a key the issuer has withdrawn does not verify for ever.
  std::chrono::seconds max_stale = kDefaultJwksMaxStale;
};

/// VerificationKeySetting is one entry of `verification_keys`, without its key material,
/// which load_config() reads from the secrets at `pointer` + "/key".
struct VerificationKeySetting {
  /// The JSON pointer of the entry ("/verification_keys/0").
  std::string pointer;
  std::string key_id;
  Algorithm algorithm = Algorithm::kHs256;
};

/// Settings are the checked jwt-auth settings other than key material.
struct Settings {
  /// The signing algorithm, and the default algorithm of verification keys.
  std::optional<Algorithm> algorithm;
  std::string key_id;
  bool has_verification_keys = false;
  std::vector<VerificationKeySetting> verification_keys;
  /// Set when `jwks_url` is given.
  std::optional<JwksSettings> jwks;
  std::string issuer;
  std::vector<std::string> audiences;
  std::chrono::seconds ttl = kDefaultTtl;
  /// Whether `ttl_s` was given, which only makes sense with a signing key.
  bool has_ttl = false;
  std::int64_t leeway_s = kDefaultLeewaySeconds;
  std::vector<std::string> required_claims;
  bool require_exp = true;
  std::size_t max_token_bytes = kDefaultMaxTokenBytes;
};

/// Returns the settings every jwt-auth client accepts, in the order messages list them.
const std::vector<std::string_view>& known_setting_names();

/// Parses `context.settings_json` and checks every setting except the key material, adding
/// each problem found to `problems`. String values are read from `context.secrets` when the
/// host moved them there. A setting with a problem keeps its default in the result, and a
/// `verification_keys` entry with a problem is left out. Returns nullopt when the text is not
/// a JSON object, so that nothing else can be checked.
std::optional<Settings> parse_settings(const PluginContext& context, SettingProblems& problems);

/// Like the overload above, and returns kInvalidArgument with reason "invalid_settings" and
/// one line per problem (see SettingProblems::status) when any was found.
Result<Settings> parse_settings(const PluginContext& context);

/// Returns the name in `candidates` closest to `name` by edit distance when it is close
/// enough to be a typing slip, else an empty view.
std::string_view nearest_name(std::string_view name,
                              const std::vector<std::string_view>& candidates);

}  // namespace outbound::jwt
