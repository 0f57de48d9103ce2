#include "jwt_auth/config.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "outbound/setting_problems.h"

namespace outbound::jwt {
namespace {

// Reads the key material at `pointer`. Returns nullopt when the setting is absent, or after
// adding a problem at `pointer` when it cannot be read.
std::optional<Secret> read_key_material(const PluginContext& context, const std::string& pointer,
                                        SettingProblems& problems) {
  Result<Secret> secret = context.secret_setting(pointer);
  if (secret.ok()) return std::move(secret).value();
  if (secret.status().code() == StatusCode::kNotFound) return std::nullopt;
  if (secret.status().code() == StatusCode::kInvalidArgument) {
    problems.add(pointer, "must be a string: the HMAC secret, or the PEM text of the key");
  } else {
    problems.add(pointer, "cannot be read: " + secret.status().message());
  }
  return std::nullopt;
}

// Returns the signer, or nullopt for a verify-only client and after adding a problem.
std::optional<Signer> load_signer(const PluginContext& context, const Settings& settings,
                                  SettingProblems& problems) {
  std::optional<Secret> material = read_key_material(context, "/signing_key", problems);
  if (!material) {
    if (problems.contains("/signing_key")) return std::nullopt;
    if (!settings.key_id.empty()) {
      problems.add("/key_id",
                   "names the signing key, but /signing_key is missing; set /signing_key or "
                   "remove /key_id");
    }
    if (settings.has_ttl) {
      problems.add("/ttl_s",
                   "sets the lifetime of issued tokens, but /signing_key is missing; set "
                   "/signing_key or remove /ttl_s");
    }
    return std::nullopt;
  }
  if (!settings.algorithm) {
    // An /algorithm with a problem of its own is not missing.
    if (!problems.contains("/algorithm")) {
      problems.add("/algorithm",
                   "is missing; it binds /signing_key to one of " + supported_algorithm_names());
    }
    return std::nullopt;
  }
  Result<Key> key = Key::signing_key(*settings.algorithm, material->expose(), settings.key_id);
  if (!key.ok()) {
    problems.add("/signing_key", key.status().message());
    return std::nullopt;
  }

  SignerOptions options;
  options.issuer = settings.issuer;
  options.audiences = settings.audiences;
  options.ttl = settings.ttl;
  Result<Signer> signer = Signer::create(std::move(key).value(), std::move(options));
  if (!signer.ok()) {
    problems.add("/signing_key", signer.status().message());
    return std::nullopt;
  }
  return std::move(signer).value();
}

// Adds a problem for a key without key id that shares its algorithm with another key. A token
// without kid selects a key by algorithm only when one key has that algorithm, and a token
// with a kid never selects a key without one, so such a key could never verify anything.
void check_kid_less_keys(const std::vector<Key>& keys, const std::vector<std::string>& pointers,
                         SettingProblems& problems) {
  for (std::size_t i = 0; i < keys.size(); ++i) {
    for (std::size_t j = i + 1; j < keys.size(); ++j) {
      if ((keys[i].key_id().empty() || keys[j].key_id().empty()) &&
          keys[i].algorithm() == keys[j].algorithm()) {
        problems.add(pointers[j], "uses " + std::string(algorithm_name(keys[i].algorithm())) +
                                      " like " + pointers[i] +
                                      ", and one of the two has no key id, so a token could not "
                                      "select it; give both keys a key id (/key_id for "
                                      "/signing_key)");
      }
    }
  }
}

// Returns the pointer of the key id setting of the key loaded from `pointer`.
std::string key_id_pointer(const std::string& pointer) {
  return pointer == "/signing_key" ? "/key_id" : pointer + "/key_id";
}

// Returns whether a problem leaves the client's keys unknown, so that "no key" and
// "no key id" problems about the remaining keys would be wrong.
bool keys_unknown(const SettingProblems& problems) {
  for (const char* pointer :
       {"/signing_key", "/algorithm", "/key_id", "/verification_keys", "/jwks_url"}) {
    if (problems.contains(pointer)) return true;
  }
  return false;
}

KeySet load_verification_keys(const PluginContext& context, const Settings& settings,
                              const std::optional<Signer>& signer, SettingProblems& problems) {
  std::vector<Key> keys;
  std::vector<std::string> pointers;
  for (const VerificationKeySetting& entry : settings.verification_keys) {
    const std::string pointer = entry.pointer + "/key";
    std::optional<Secret> material = read_key_material(context, pointer, problems);
    if (!material) {
      if (!problems.contains(pointer)) {
        problems.add(pointer, "is missing; give the HMAC secret, or the PEM public key");
      }
      continue;
    }
    Result<Key> key = Key::verification_key(entry.algorithm, material->expose(), entry.key_id);
    if (!key.ok()) {
      problems.add(pointer, key.status().message());
      continue;
    }
    if (signer && !settings.key_id.empty() && entry.key_id == settings.key_id &&
        !key->same_key_as(signer->key())) {
      problems.add(entry.pointer,
                   "has the key_id of /signing_key but another key or algorithm, so tokens this "
                   "client issues would not verify; give the signing key's public key there, or "
                   "another key_id");
      continue;
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
      if (own.ok()) {
        keys.push_back(std::move(own).value());
        pointers.push_back("/signing_key");
      } else {
        problems.add("/signing_key", own.status().message());
      }
    }
  }
  if (!keys_unknown(problems)) {
    if (keys.empty() && !settings.jwks) {
      problems.add("",
                   "jwt-auth has no key: set /signing_key with /algorithm to issue and verify "
                   "tokens, or /verification_keys or /jwks_url for a client that only verifies");
    }
    check_kid_less_keys(keys, pointers, problems);
  }

  KeySet set;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (Status added = set.add(std::move(keys[i])); !added.ok()) {
      problems.add(key_id_pointer(pointers[i]), added.message());
    }
  }
  return set;
}

}  // namespace

Result<JwtConfig> load_config(const PluginContext& context) {
  SettingProblems problems;
  std::optional<Settings> settings = parse_settings(context, problems);
  if (!settings) return problems.status();

  std::optional<Signer> signer = load_signer(context, *settings, problems);
  KeySet keys = load_verification_keys(context, *settings, signer, problems);
  if (!problems.empty()) return problems.status();

  VerifierOptions options;
  options.claims.issuer = settings->issuer;
  options.claims.audiences = settings->audiences;
  options.claims.required_claims = settings->required_claims;
  options.claims.require_exp = settings->require_exp;
  options.claims.leeway_s = settings->leeway_s;
  options.max_token_bytes = settings->max_token_bytes;
  return JwtConfig{std::move(*settings), std::move(signer),
                   Verifier(std::move(keys), std::move(options))};
}

}  // namespace outbound::jwt
