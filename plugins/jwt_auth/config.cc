#include "jwt_auth/config.h"

#include <algorithm>
#include <utility>

namespace outbound::jwt {
namespace {

Status invalid(const std::string& pointer, const std::string& problem) {
  return Status::invalid_argument("setting " + pointer + " " + problem);
}

// Returns the key material at `pointer`, or nullopt when the setting is absent.
Result<std::optional<Secret>> read_key_material(const PluginContext& context,
                                                const std::string& pointer) {
  Result<Secret> secret = context.secret_setting(pointer);
  if (secret.ok()) return std::optional<Secret>(std::move(secret).value());
  if (secret.status().code() == StatusCode::kNotFound) return std::optional<Secret>();
  if (secret.status().code() == StatusCode::kInvalidArgument) {
    return invalid(pointer, "must be a string: the HMAC secret, or the PEM text of the key");
  }
  return invalid(pointer, "cannot be read: " + secret.status().message());
}

Result<std::optional<Signer>> load_signer(const PluginContext& context, const Settings& settings) {
  Result<std::optional<Secret>> material = read_key_material(context, "/signing_key");
  if (!material.ok()) return material.status();
  if (!material->has_value()) {
    if (!settings.key_id.empty()) {
      return invalid("/key_id",
                     "names the signing key, but /signing_key is missing; set "
                     "/signing_key or remove /key_id");
    }
    if (settings.has_ttl) {
      return invalid("/ttl_s",
                     "sets the lifetime of issued tokens, but /signing_key is "
                     "missing; set /signing_key or remove /ttl_s");
    }
    return std::optional<Signer>();
  }
  if (!settings.algorithm) {
    return invalid("/algorithm",
                   "is missing; it binds /signing_key to one of " + supported_algorithm_names());
  }
  Result<Key> key = Key::signing_key(*settings.algorithm, (*material)->expose(), settings.key_id);
  if (!key.ok()) return invalid("/signing_key", key.status().message());

  SignerOptions options;
  options.issuer = settings.issuer;
  options.audiences = settings.audiences;
  options.ttl = settings.ttl;
  Result<Signer> signer = Signer::create(std::move(key).value(), std::move(options));
  if (!signer.ok()) {
    return Status::invalid_argument("setting /signing_key: " + signer.status().message());
  }
  return std::optional<Signer>(std::move(signer).value());
}

// Rejects a key without key id that shares its algorithm with another key. A token without
// kid selects a key by algorithm only when one key has that algorithm, and a token with a kid
// never selects a key without one, so such a key could never verify anything.
Status check_kid_less_keys(const std::vector<Key>& keys, const std::vector<std::string>& pointers) {
  for (std::size_t i = 0; i < keys.size(); ++i) {
    for (std::size_t j = i + 1; j < keys.size(); ++j) {
      if ((keys[i].key_id().empty() || keys[j].key_id().empty()) &&
          keys[i].algorithm() == keys[j].algorithm()) {
        return Status::invalid_argument(
            "settings " + pointers[i] + " and " + pointers[j] + " both use " +
            std::string(algorithm_name(keys[i].algorithm())) +
            " and one has no key id, so a token could not select it; give both keys a key id "
            "(/key_id for /signing_key)");
      }
    }
  }
  return Status();
}

// Returns the pointer of the key id setting of the key loaded from `pointer`.
std::string key_id_pointer(const std::string& pointer) {
  return pointer == "/signing_key" ? "/key_id" : pointer + "/key_id";
}

Result<KeySet> load_verification_keys(const PluginContext& context, const Settings& settings,
                                      const std::optional<Signer>& signer) {
  std::vector<Key> keys;
  std::vector<std::string> pointers;
  for (const VerificationKeySetting& entry : settings.verification_keys) {
    const std::string pointer = entry.pointer + "/key";
    Result<std::optional<Secret>> material = read_key_material(context, pointer);
    if (!material.ok()) return material.status();
    if (!material->has_value()) {
      return invalid(pointer, "is missing; give the HMAC secret, or the PEM public key");
    }
    Result<Key> key = Key::verification_key(entry.algorithm, (*material)->expose(), entry.key_id);
    if (!key.ok()) return invalid(pointer, key.status().message());

    if (signer && !settings.key_id.empty() && entry.key_id == settings.key_id &&
        !key->same_key_as(signer->key())) {
      return invalid(entry.pointer,
                     "has the key_id of /signing_key but another key or algorithm, so tokens "
                     "this client issues would not verify; give the signing key's public key "
                     "there, or another key_id");
    }
    keys.push_back(std::move(key).value());
    pointers.push_back(entry.pointer);
  }

  if (signer) {
    const bool listed =
        !settings.key_id.empty() && std::any_of(keys.begin(), keys.end(), [&](const Key& key) {
          return key.key_id() == settings.key_id;
        });
    if (!listed) {
      Result<Key> own = signer->key().verification_copy(settings.key_id);
      if (!own.ok()) return invalid("/signing_key", own.status().message());
      keys.push_back(std::move(own).value());
      pointers.push_back("/signing_key");
    }
  }
  if (keys.empty() && !settings.jwks) {
    return Status::invalid_argument(
        "jwt-auth has no key: set /signing_key with /algorithm to issue and verify tokens, or "
        "/verification_keys or /jwks_url for a client that only verifies");
  }
  if (Status ambiguous = check_kid_less_keys(keys, pointers); !ambiguous.ok()) return ambiguous;

  KeySet set;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (Status added = set.add(std::move(keys[i])); !added.ok()) {
      return Status::invalid_argument("setting " + key_id_pointer(pointers[i]) + ": " +
                                      added.message());
    }
  }
  return set;
}

}  // namespace

Result<JwtConfig> load_config(const PluginContext& context) {
  Result<Settings> settings = parse_settings(context);
  if (!settings.ok()) return settings.status();

  Result<std::optional<Signer>> signer = load_signer(context, *settings);
  if (!signer.ok()) return signer.status();
  Result<KeySet> keys = load_verification_keys(context, *settings, *signer);
  if (!keys.ok()) return keys.status();

  VerifierOptions options;
  options.claims.issuer = settings->issuer;
  options.claims.audiences = settings->audiences;
  options.claims.required_claims = settings->required_claims;
  options.claims.require_exp = settings->require_exp;
  options.claims.leeway_s = settings->leeway_s;
  options.max_token_bytes = settings->max_token_bytes;
  return JwtConfig{std::move(settings).value(), std::move(signer).value(),
                   Verifier(std::move(keys).value(), std::move(options))};
}

}  // namespace outbound::jwt
