#include "jwt_auth/settings.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include <nlohmann/json.hpp>

#include "jwt_auth/claims.h"
#include "jwt_auth/jwks_url.h"

namespace outbound::jwt {
namespace {

using nlohmann::json;

const std::vector<std::string_view> kVerificationKeyMembers = {"key_id", "algorithm", "key"};

Status invalid(const std::string& pointer, const std::string& problem) {
  return Status::invalid_argument("setting " + pointer + " " + problem);
}

// Escapes a member name as one JSON pointer token (RFC 6901 section 3).
std::string pointer_token(std::string_view name) {
  std::string token;
  for (char c : name) {
    if (c == '~') {
      token += "~0";
    } else if (c == '/') {
      token += "~1";
    } else {
      token += c;
    }
  }
  return token;
}

std::string join(const std::vector<std::string_view>& names) {
  std::string joined;
  for (std::string_view name : names) {
    if (!joined.empty()) joined += ", ";
    joined += name;
  }
  return joined;
}

// Maps a JOSE member name that people write out of habit ("kid", "aud") to the setting that
// means the same, when that setting is among `known`.
std::string_view jose_name_to_setting(std::string_view name,
                                      const std::vector<std::string_view>& known) {
  static constexpr std::pair<std::string_view, std::string_view> kJoseNames[] = {
      {"kid", "key_id"},   {"alg", "algorithm"}, {"iss", "issuer"},
      {"aud", "audience"}, {"ttl", "ttl_s"},     {"leeway", "leeway_s"}};
  for (const auto& [jose, setting] : kJoseNames) {
    if (name == jose && std::find(known.begin(), known.end(), setting) != known.end()) {
      return setting;
    }
  }
  return {};
}

Status check_known_names(const json& object, const std::string& base,
                         const std::vector<std::string_view>& known) {
  for (auto member = object.begin(); member != object.end(); ++member) {
    const std::string& name = member.key();
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string message = "setting " + base + "/" + pointer_token(name) + " is unknown";
    std::string_view suggestion = jose_name_to_setting(name, known);
    if (suggestion.empty()) suggestion = nearest_name(name, known);
    if (!suggestion.empty()) {
      message += "; did you mean " + base + "/" + std::string(suggestion) + "?";
    } else {
      message += "; the known settings are " + join(known);
    }
    return Status::invalid_argument(message);
  }
  return Status();
}

// Reads settings values. Strings come from the secrets map when the host moved them there:
// every resolved reference and every credential-like literal is replaced by "[REDACTED]" in
// the JSON text.
class SettingsReader {
 public:
  explicit SettingsReader(const PluginContext& context) : context_(context) {}

  Result<std::string> string_value(const std::string& pointer, const json& value) const {
    if (!value.is_string()) {
      return invalid(pointer, std::string("must be a string, not a JSON ") + value.type_name());
    }
    if (const auto secret = context_.secrets.find(pointer); secret != context_.secrets.end()) {
      return std::string(secret->second.expose());
    }
    return value.get<std::string>();
  }

  Result<std::string> non_empty_string(const std::string& pointer, const json& value) const {
    Result<std::string> text = string_value(pointer, value);
    if (text.ok() && text->empty()) return invalid(pointer, "is empty; give a value or remove it");
    return text;
  }

  Result<std::int64_t> integer_value(const std::string& pointer, const json& value,
                                     std::int64_t minimum, std::int64_t maximum) const {
    const std::string range =
        "a whole number from " + std::to_string(minimum) + " to " + std::to_string(maximum);
    if (!value.is_number_integer()) {
      return invalid(pointer,
                     std::string("must be ") + range + ", not a JSON " + value.type_name());
    }
    // The parser stores non-negative integers as unsigned, and one above INT64_MAX must be
    // rejected before it is read as int64.
    const bool above_maximum = value.is_number_unsigned() &&
                               value.get<std::uint64_t>() > static_cast<std::uint64_t>(maximum);
    if (above_maximum || value.get<std::int64_t>() < minimum ||
        value.get<std::int64_t>() > maximum) {
      return invalid(pointer, "is " + value.dump() + "; it must be " + range);
    }
    return value.get<std::int64_t>();
  }

  Result<Algorithm> algorithm_value(const std::string& pointer, const json& value) const {
    Result<std::string> name = string_value(pointer, value);
    if (!name.ok()) return name.status();
    if (const std::optional<Algorithm> algorithm = parse_algorithm(*name)) return *algorithm;

    std::string problem = "is \"" + name->substr(0, 32) + "\", which is not a supported algorithm";
    for (Algorithm candidate : kAllAlgorithms) {
      const std::string_view candidate_name = algorithm_name(candidate);
      if (candidate_name.size() == name->size() &&
          std::equal(candidate_name.begin(), candidate_name.end(), name->begin(),
                     [](char a, char b) {
                       return std::tolower(static_cast<unsigned char>(a)) ==
                              std::tolower(static_cast<unsigned char>(b));
                     })) {
        problem += " (names are case-sensitive: did you mean " + std::string(candidate_name) + "?)";
      }
    }
    return invalid(pointer, problem + "; use one of " + supported_algorithm_names());
  }

  Result<std::vector<std::string>> string_list(const std::string& pointer, const json& value,
                                               bool allow_single_string) const {
    std::vector<std::string> list;
    if (allow_single_string && value.is_string()) {
      Result<std::string> text = non_empty_string(pointer, value);
      if (!text.ok()) return text.status();
      list.push_back(std::move(text).value());
      return list;
    }
    if (!value.is_array()) {
      return invalid(pointer, std::string("must be ") +
                                  (allow_single_string ? "a string or a list of strings"
                                                       : "a list of strings") +
                                  ", not a JSON " + value.type_name());
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
      Result<std::string> text = non_empty_string(pointer + "/" + std::to_string(i), value[i]);
      if (!text.ok()) return text.status();
      list.push_back(std::move(text).value());
    }
    return list;
  }

 private:
  const PluginContext& context_;
};

Result<std::vector<VerificationKeySetting>> parse_verification_keys(
    const SettingsReader& reader, const json& value, std::optional<Algorithm> default_algorithm) {
  const std::string base = "/verification_keys";
  if (!value.is_array() || value.empty()) {
    return invalid(base,
                   "must be a non-empty list of {\"key_id\", \"algorithm\", \"key\"} "
                   "objects; remove it to verify with /signing_key alone");
  }
  std::vector<VerificationKeySetting> entries;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const json& entry = value[i];
    VerificationKeySetting setting;
    setting.pointer = base + "/" + std::to_string(i);
    if (!entry.is_object()) {
      return invalid(setting.pointer, std::string("must be an object with key_id, algorithm and "
                                                  "key, not a JSON ") +
                                          entry.type_name());
    }
    if (Status names = check_known_names(entry, setting.pointer, kVerificationKeyMembers);
        !names.ok()) {
      return names;
    }
    if (const auto key_id = entry.find("key_id"); key_id != entry.end()) {
      Result<std::string> text = reader.non_empty_string(setting.pointer + "/key_id", *key_id);
      if (!text.ok()) return text.status();
      setting.key_id = std::move(text).value();
    }
    if (const auto algorithm = entry.find("algorithm"); algorithm != entry.end()) {
      Result<Algorithm> parsed = reader.algorithm_value(setting.pointer + "/algorithm", *algorithm);
      if (!parsed.ok()) return parsed.status();
      setting.algorithm = *parsed;
    } else if (default_algorithm) {
      setting.algorithm = *default_algorithm;
    } else {
      return invalid(setting.pointer + "/algorithm",
                     "is missing, and /algorithm gives no default; set the algorithm this key "
                     "verifies, one of " +
                         supported_algorithm_names());
    }
    entries.push_back(std::move(setting));
  }
  return entries;
}

// Reads the claim and limit settings into `settings`.
Status parse_policy_settings(const SettingsReader& reader, const json& root, Settings& settings) {
  if (const auto issuer = root.find("issuer"); issuer != root.end()) {
    Result<std::string> text = reader.non_empty_string("/issuer", *issuer);
    if (!text.ok()) return text.status();
    settings.issuer = std::move(text).value();
  }
  if (const auto audience = root.find("audience"); audience != root.end()) {
    Result<std::vector<std::string>> list = reader.string_list("/audience", *audience, true);
    if (!list.ok()) return list.status();
    if (list->empty()) {
      return invalid("/audience", "is an empty list; give an audience or remove it");
    }
    settings.audiences = std::move(list).value();
  }
  if (const auto ttl = root.find("ttl_s"); ttl != root.end()) {
    Result<std::int64_t> seconds = reader.integer_value("/ttl_s", *ttl, 1, kMaxNumericDate);
    if (!seconds.ok()) return seconds.status();
    settings.ttl = std::chrono::seconds(*seconds);
    settings.has_ttl = true;
  }
  if (const auto leeway = root.find("leeway_s"); leeway != root.end()) {
    Result<std::int64_t> seconds = reader.integer_value("/leeway_s", *leeway, 0, kMaxNumericDate);
    if (!seconds.ok()) return seconds.status();
    settings.leeway_s = *seconds;
  }
  if (const auto required = root.find("required_claims"); required != root.end()) {
    Result<std::vector<std::string>> list =
        reader.string_list("/required_claims", *required, false);
    if (!list.ok()) return list.status();
    settings.required_claims = std::move(list).value();
  }
  if (const auto require_exp = root.find("require_exp"); require_exp != root.end()) {
    if (!require_exp->is_boolean()) {
      return invalid("/require_exp",
                     std::string("must be true or false, not a JSON ") + require_exp->type_name());
    }
    settings.require_exp = require_exp->get<bool>();
  }
  if (const auto limit = root.find("max_token_bytes"); limit != root.end()) {
    Result<std::int64_t> bytes =
        reader.integer_value("/max_token_bytes", *limit, 1, kMaxTokenBytesLimit);
    if (!bytes.ok()) return bytes.status();
    settings.max_token_bytes = static_cast<std::size_t>(*bytes);
  }
  return Status();
}

// The jwks_* settings that only make sense with jwks_url.
constexpr const char* kJwksTimeSettings[] = {"jwks_cache_s", "jwks_cache_min_s", "jwks_cache_max_s",
                                             "jwks_refresh_cooldown_s"};

// Reads `jwks_url` and the jwks_* settings into `settings.jwks`.
Status parse_jwks_settings(const SettingsReader& reader, const json& root, Settings& settings) {
  const auto url = root.find("jwks_url");
  if (url == root.end()) {
    for (const char* name : kJwksTimeSettings) {
      if (root.contains(name)) {
        return invalid(std::string("/") + name,
                       "applies to keys fetched from /jwks_url, which is missing; set "
                       "/jwks_url or remove /" +
                           std::string(name));
      }
    }
    return Status();
  }
  Result<std::string> text = reader.non_empty_string("/jwks_url", *url);
  if (!text.ok()) return text.status();
  if (Status checked = check_jwks_url(*text); !checked.ok()) {
    return invalid("/jwks_url", checked.message());
  }

  JwksSettings jwks;
  jwks.url = std::move(text).value();
  const std::pair<const char*, std::chrono::seconds*> durations[] = {
      {"jwks_cache_s", &jwks.cache},
      {"jwks_cache_min_s", &jwks.cache_min},
      {"jwks_cache_max_s", &jwks.cache_max},
      {"jwks_refresh_cooldown_s", &jwks.refresh_cooldown}};
  for (const auto& [name, duration] : durations) {
    const auto value = root.find(name);
    if (value == root.end()) continue;
    Result<std::int64_t> seconds =
        reader.integer_value(std::string("/") + name, *value, 1, kMaxJwksSeconds);
    if (!seconds.ok()) return seconds.status();
    *duration = std::chrono::seconds(*seconds);
  }
  if (jwks.cache_min > jwks.cache_max) {
    return invalid("/jwks_cache_min_s", "is " + std::to_string(jwks.cache_min.count()) +
                                            ", more than /jwks_cache_max_s (" +
                                            std::to_string(jwks.cache_max.count()) +
                                            "); lower it or raise /jwks_cache_max_s");
  }
  settings.jwks = std::move(jwks);
  return Status();
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> previous(b.size() + 1);
  std::vector<std::size_t> current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

}  // namespace

const std::vector<std::string_view>& known_setting_names() {
  static const std::vector<std::string_view> names = {"algorithm",
                                                      "signing_key",
                                                      "key_id",
                                                      "verification_keys",
                                                      "jwks_url",
                                                      "jwks_cache_s",
                                                      "jwks_cache_min_s",
                                                      "jwks_cache_max_s",
                                                      "jwks_refresh_cooldown_s",
                                                      "issuer",
                                                      "audience",
                                                      "ttl_s",
                                                      "leeway_s",
                                                      "required_claims",
                                                      "require_exp",
                                                      "max_token_bytes",
                                                      "ca_file"};
  return names;
}

std::string_view nearest_name(std::string_view name,
                              const std::vector<std::string_view>& candidates) {
  std::string_view best;
  std::size_t best_distance = 0;
  for (std::string_view candidate : candidates) {
    const std::size_t distance = edit_distance(name, candidate);
    if (best.empty() || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  // Two edits, or a third of the name, still reads as a slip ("leeway" for "leeway_s").
  const std::size_t tolerated = std::max<std::size_t>(2, name.size() / 3);
  return best_distance <= tolerated ? best : std::string_view();
}

Result<Settings> parse_settings(const PluginContext& context) {
  json root;
  try {
    root = json::parse(context.settings_json);
  } catch (const json::exception& error) {
    return Status::invalid_argument(std::string("jwt-auth settings are not valid JSON: ") +
                                    error.what());
  }
  if (!root.is_object()) {
    return Status::invalid_argument(
        std::string("jwt-auth settings must be a JSON object, but the text is a JSON ") +
        root.type_name());
  }
  if (Status names = check_known_names(root, "", known_setting_names()); !names.ok()) {
    return names;
  }
  const SettingsReader reader(context);
  Settings settings;
  if (const auto algorithm = root.find("algorithm"); algorithm != root.end()) {
    Result<Algorithm> parsed = reader.algorithm_value("/algorithm", *algorithm);
    if (!parsed.ok()) return parsed.status();
    settings.algorithm = *parsed;
  }
  if (const auto key_id = root.find("key_id"); key_id != root.end()) {
    Result<std::string> text = reader.non_empty_string("/key_id", *key_id);
    if (!text.ok()) return text.status();
    settings.key_id = std::move(text).value();
  }
  if (const auto keys = root.find("verification_keys"); keys != root.end()) {
    Result<std::vector<VerificationKeySetting>> entries =
        parse_verification_keys(reader, *keys, settings.algorithm);
    if (!entries.ok()) return entries.status();
    settings.verification_keys = std::move(entries).value();
    settings.has_verification_keys = true;
  }
  if (Status jwks = parse_jwks_settings(reader, root, settings); !jwks.ok()) return jwks;
  if (Status policy = parse_policy_settings(reader, root, settings); !policy.ok()) return policy;
  return settings;
}

}  // namespace outbound::jwt
