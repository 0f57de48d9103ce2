#pragma once

#include <chrono>
#include <string>

#include "outbound/plugin_context.h"
#include "outbound/secret.h"
#include "outbound/status.h"

namespace outbound::stripe {

/// The API version sent as `Stripe-Version` when the settings name none: the version whose
/// object shapes this plugin reads (PaymentIntent `latest_charge`, Charge `amount_captured`).
inline constexpr const char* kDefaultApiVersion = "2024-06-20";

/// Settings are the `stripe` plugin's validated settings.
struct Settings {
  /// Scheme, host, port and an optional path prefix, without a trailing slash.
  std::string base_url = "https://api.stripe.com";
  Secret api_key;
  std::string api_version = kDefaultApiVersion;
  /// Empty when the configuration gives none; verify_webhook then fails.
  Secret webhook_secret;
  std::chrono::seconds webhook_tolerance{300};
};

/// Reads and checks the settings of `context`. Returns kInvalidArgument with reason
/// "invalid_settings" and one line per problem found (see SettingProblems), each naming the
/// setting's JSON pointer and the fix, and never quoting a credential:
/// - `base_url` must be https, or http for a loopback host (127.0.0.0/8, ::1, localhost) such
///   as a local test server; no user, query or fragment.
/// - `api_key` is required, without whitespace, a secret key (`sk_`) or a restricted key
///   (`rk_`); a live key is refused over http.
/// - `api_version` is a date (`2024-06-20`), optionally with a release name (`.acacia`).
/// - `webhook_secret` has no whitespace; `webhook_tolerance_s` is 1 to 86400.
/// - `ca_file` is read by the host; unknown keys are errors.
Result<Settings> parse_settings(const PluginContext& context);

}  // namespace outbound::stripe
