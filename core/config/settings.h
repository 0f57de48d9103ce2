#pragma once

#include <string>
#include <string_view>

#include "config/config.h"
#include "config/diagnostics.h"
#include "config/json_document.h"
#include "config/secret_reference.h"

namespace outbound::config {

/// The text that replaces every secret in ClientConfig::settings_json.
inline constexpr std::string_view kRedactedSetting = "[REDACTED]";

/// Returns whether a settings key names a credential, compared case-insensitively with "-"
/// read as "_": exactly key, password, passwd, secret, token, passphrase or apikey, or ending in
/// _key, _secret, _token or _password. Keys ending in _id ("key_id") are never credentials.
bool is_credential_key(std::string_view key);

/// Resolves the `settings` object of one client, found at `pointer`, into `client`: expands
/// every reference, moves every string that had a reference or sits under a credential key
/// into `client.secrets` (keyed by its pointer relative to `settings`), and stores the object
/// with those strings replaced by "[REDACTED]" in `client.settings_json`. A string in an array
/// takes the key of the array. Secrets too short for the log masker are recorded as warnings.
/// The literal credentials left in `settings` are wiped.
void resolve_settings(Json& settings, std::string_view pointer, const ReferenceResolver& resolver,
                      Diagnostics& diagnostics, ClientConfig& client);

}  // namespace outbound::config
