#pragma once

#include <optional>

#include "jwt_auth/settings.h"
#include "jwt_auth/signer.h"
#include "jwt_auth/verifier.h"
#include "outbound/plugin_context.h"
#include "outbound/status.h"

namespace outbound::jwt {

/// JwtConfig is a loaded jwt-auth configuration: every key parsed and checked once.
struct JwtConfig {
  Settings settings;
  /// The signer; absent for a verify-only client, which has no `signing_key`.
  std::optional<Signer> signer;
  Verifier verifier;
};

/// Loads a jwt-auth configuration from `context`: parses the settings, reads `signing_key`
/// and every `verification_keys[i].key` through PluginContext::secret_setting(), and binds each
/// key to its algorithm. Without `verification_keys`, the signing key verifies. With them, the
/// signing key also verifies under `key_id`, unless an entry has that key id. Such an entry
/// must contain the same key. The verifier contains these static keys only: keys from `jwks_url`
/// are fetched on first use, never here. Returns kInvalidArgument with reason
/// "invalid_settings" and one line per problem found (see SettingProblems), each naming the
/// setting by JSON pointer, and never puts key material into a message. A key is checked only
/// when the settings it depends on (`algorithm`, `key_id`) have no problem of their own.
Result<JwtConfig> load_config(const PluginContext& context);

}  // namespace outbound::jwt
