#include "jwt_auth/settings.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include <nlohmann/json.hpp>

#include "outbound/near_miss.h"
#include "outbound/setting_problems.h"

#include "jwt_auth/claims.h"
#include "jwt_auth/jwks_url.h"

namespace outbound::jwt {
namespace {

using nlohmann::json;

const std::vector<std::string_view> kVerificationKeyMembers = {"key_id", "algorithm", "key"};

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

// Adds a problem for every member of `object` that is not one of `known`.
void check_known_names(const json& object, const std::string& base,
                       const std::vector<std::string_view>& known, SettingProblems& problems) {
  for (auto member = object.begin(); member != object.end(); ++member) {
    const std::string& name = member.key();
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string message = "is unknown";
    std::string_view suggestion = jose_name_to_setting(name, known);
    if (suggestion.empty()) suggestion = nearest_name(name, known);
    if (!suggestion.empty()) {
      message += "; did you mean " + base + "/" + std::string(suggestion) + "?";
    } else {
      message += "; the known settings are " + join(known);
    }
    problems.add(append_json_pointer(base, name), message);
  }
}

// Reads settings values. Strings come from the secrets map when the host moved them there:
// every resolved reference and every credential-like literal is replaced by "[REDACTED]" in
// the JSON text. A method that finds a problem adds it and returns nullopt.
class SettingsReader {
 public:
  SettingsReader(const PluginContext& context, SettingProblems& problems)
      : context_(context), problems_(problems) {}

  SettingProblems& problems() const { return problems_; }

  std::optional<std::string> string_value(const std::string& pointer, const json& value) const {
    if (!value.is_string()) {
      return invalid(pointer, std::string("must be a string, not a JSON ") + value.type_name());
    }
    if (const auto secret = context_.secrets.find(pointer); secret != context_.secrets.end()) {
      return std::string(secret->second.expose());
    }
    return value.get<std::string>();
  }

  std::optional<std::string> non_empty_string(const std::string& pointer, const json& value) const {
    std::optional<std::string> text = string_value(pointer, value);
    if (text && text->empty()) return invalid(pointer, "is empty; give a value or remove it");
    return text;
  }

  std::optional<std::int64_t> integer_value(const std::string& pointer, const json& value,
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

  std::optional<Algorithm> algorithm_value(const std::string& pointer, const json& value) const {
    std::optional<std::string> name = string_value(pointer, value);
    if (!name) return std::nullopt;
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

  std::optional<std::vector<std::string>> string_list(const std::string& pointer, const json& value,
                                                      bool allow_single_string) const {
    std::vector<std::string> list;
    if (allow_single_string && value.is_string()) {
      std::optional<std::string> text = non_empty_string(pointer, value);
      if (!text) return std::nullopt;
      list.push_back(std::move(*text));
      return list;
    }
    if (!value.is_array()) {
      return invalid(pointer, std::string("must be ") +
                                  (allow_single_string ? "a string or a list of strings"
                                                       : "a list of strings") +
                                  ", not a JSON " + value.type_name());
    }
    bool valid = true;
    for (std::size_t i = 0; i < value.size(); ++i) {
      std::optional<std::string> text =
          non_empty_string(pointer + "/" + std::to_string(i), value[i]);
      if (!text) {
        valid = false;
        continue;
      }
      list.push_back(std::move(*text));
    }
    if (!valid) return std::nullopt;
    return list;
  }

 private:
  // Adds `problem` at `pointer`. Returns nullopt, so that a reader can return the result.
  std::nullopt_t invalid(const std::string& pointer, std::string problem) const {
    problems_.add(pointer, std::move(problem));
    return std::nullopt;
  }

  const PluginContext& context_;
  SettingProblems& problems_;
};

// Returns the entries of `verification_keys` without a problem; the others get a problem each.
std::vector<VerificationKeySetting> parse_verification_keys(
    const SettingsReader& reader, const json& value, std::optional<Algorithm> default_algorithm,
    bool algorithm_known) {
  const std::string base = "/verification_keys";
  SettingProblems& problems = reader.problems();
  std::vector<VerificationKeySetting> entries;
  if (!value.is_array() || value.empty()) {
    problems.add(base,
                 "must be a non-empty list of {\"key_id\", \"algorithm\", \"key\"} "
                 "objects; remove it to verify with /signing_key alone");
    return entries;
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    const json& entry = value[i];
    VerificationKeySetting setting;
    setting.pointer = base + "/" + std::to_string(i);
    if (!entry.is_object()) {
      problems.add(setting.pointer,
                   std::string("must be an object with key_id, algorithm and key, not a JSON ") +
                       entry.type_name());
      continue;
    }
    check_known_names(entry, setting.pointer, kVerificationKeyMembers, problems);
    if (const auto key_id = entry.find("key_id"); key_id != entry.end()) {
      if (std::optional<std::string> text =
              reader.non_empty_string(setting.pointer + "/key_id", *key_id)) {
        setting.key_id = std::move(*text);
      }
    }
    if (const auto algorithm = entry.find("algorithm"); algorithm != entry.end()) {
      if (std::optional<Algorithm> parsed =
              reader.algorithm_value(setting.pointer + "/algorithm", *algorithm)) {
        setting.algorithm = *parsed;
      }
    } else if (default_algorithm) {
      setting.algorithm = *default_algorithm;
    } else if (!algorithm_known) {
      // /algorithm has a problem of its own, so the algorithm of this key is unknown.
      continue;
    } else {
      problems.add(setting.pointer + "/algorithm",
                   "is missing, and /algorithm gives no default; set the algorithm this key "
                   "verifies, one of " +
                       supported_algorithm_names());
    }
    if (!problems.contains(setting.pointer)) entries.push_back(std::move(setting));
  }
  return entries;
}

// Reads the claim and limit settings into `settings`.
void parse_policy_settings(const SettingsReader& reader, const json& root, Settings& settings) {
  SettingProblems& problems = reader.problems();
  if (const auto issuer = root.find("issuer"); issuer != root.end()) {
    if (std::optional<std::string> text = reader.non_empty_string("/issuer", *issuer)) {
      settings.issuer = std::move(*text);
    }
  }
  if (const auto audience = root.find("audience"); audience != root.end()) {
    std::optional<std::vector<std::string>> list = reader.string_list("/audience", *audience, true);
    if (list && list->empty()) {
      problems.add("/audience", "is an empty list; give an audience or remove it");
    } else if (list) {
      settings.audiences = std::move(*list);
    }
  }
  if (const auto ttl = root.find("ttl_s"); ttl != root.end()) {
    if (std::optional<std::int64_t> seconds =
            reader.integer_value("/ttl_s", *ttl, 1, kMaxNumericDate)) {
      settings.ttl = std::chrono::seconds(*seconds);
      settings.has_ttl = true;
    }
  }
  if (const auto leeway = root.find("leeway_s"); leeway != root.end()) {
    if (std::optional<std::int64_t> seconds =
            reader.integer_value("/leeway_s", *leeway, 0, kMaxNumericDate)) {
      settings.leeway_s = *seconds;
    }
  }
  if (const auto required = root.find("required_claims"); required != root.end()) {
    if (std::optional<std::vector<std::string>> list =
            reader.string_list("/required_claims", *required, false)) {
      settings.required_claims = std::move(*list);
    }
  }
  if (const auto require_exp = root.find("require_exp"); require_exp != root.end()) {
    if (!require_exp->is_boolean()) {
      problems.add("/require_exp",
                   std::string("must be true or false, not a JSON ") + require_exp->type_name());
    } else {
      settings.require_exp = require_exp->get<bool>();
    }
  }
  if (const auto limit = root.find("max_token_bytes"); limit != root.end()) {
    if (std::optional<std::int64_t> bytes =
            reader.integer_value("/max_token_bytes", *limit, 1, kMaxTokenBytesLimit)) {
      settings.max_token_bytes = static_cast<std::size_t>(*bytes);
    }
  }
}

// The jwks_* settings that only make sense with jwks_url.
constexpr const char* kJwksTimeSettings[] = {"jwks_cache_s", "jwks_cache_min_s", "jwks_cache_max_s",
                                             "jwks_refresh_cooldown_s", "jwks_max_stale_s"};

// Reads `jwks_url` and the jwks_* settings into `settings.jwks`.
void parse_jwks_settings(const SettingsReader& reader, const json& root, Settings& settings) {
  SettingProblems& problems = reader.problems();
  const auto url = root.find("jwks_url");
  if (url == root.end()) {
    for (const char* name : kJwksTimeSettings) {
      if (root.contains(name)) {
        problems.add(std::string("/") + name,
                     "applies to keys fetched from /jwks_url, which is missing; set /jwks_url or "
                     "remove /" +
                         std::string(name));
      }
    }
    return;
  }
  JwksSettings jwks;
  if (std::optional<std::string> text = reader.non_empty_string("/jwks_url", *url)) {
    if (Status checked = check_jwks_url(*text); !checked.ok()) {
      problems.add("/jwks_url", checked.message());
    } else {
      jwks.url = std::move(*text);
    }
  }

  const std::pair<const char*, std::chrono::seconds*> durations[] = {
      {"jwks_cache_s", &jwks.cache},
      {"jwks_cache_min_s", &jwks.cache_min},
      {"jwks_cache_max_s", &jwks.cache_max},
      {"jwks_refresh_cooldown_s", &jwks.refresh_cooldown},
      {"jwks_max_stale_s", &jwks.max_stale}};
  bool bounds_known = true;
  for (const auto& [name, duration] : durations) {
    const auto value = root.find(name);
    if (value == root.end()) continue;
    std::optional<std::int64_t> seconds =
        reader.integer_value(std::string("/") + name, *value, 1, kMaxJwksSeconds);
    if (!seconds) {
      bounds_known = false;
      continue;
    }
    *duration = std::chrono::seconds(*seconds);
  }
  if (bounds_known && jwks.cache_min > jwks.cache_max) {
    problems.add("/jwks_cache_min_s", "is " + std::to_string(jwks.cache_min.count()) +
                                          ", more than /jwks_cache_max_s (" +
                                          std::to_string(jwks.cache_max.count()) +
                                          "); lower it or raise /jwks_cache_max_s");
  }
  if (!jwks.url.empty()) settings.jwks = std::move(jwks);
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
                                                      "jwks_max_stale_s",
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

std::optional<Settings> parse_settings(const PluginContext& context, SettingProblems& problems) {
  json root;
  try {
    root = json::parse(context.settings_json);
  } catch (const json::exception& error) {
    problems.add("", std::string("is not valid JSON: ") + error.what());
    return std::nullopt;
  }
  if (!root.is_object()) {
    problems.add("",
                 std::string("must be a JSON object, but the text is a JSON ") + root.type_name());
    return std::nullopt;
  }
  check_known_names(root, "", known_setting_names(), problems);
  const SettingsReader reader(context, problems);
  Settings settings;
  if (const auto algorithm = root.find("algorithm"); algorithm != root.end()) {
    settings.algorithm = reader.algorithm_value("/algorithm", *algorithm);
  }
  if (const auto key_id = root.find("key_id"); key_id != root.end()) {
    if (std::optional<std::string> text = reader.non_empty_string("/key_id", *key_id)) {
      settings.key_id = std::move(*text);
    }
  }
  if (const auto keys = root.find("verification_keys"); keys != root.end()) {
    settings.verification_keys = parse_verification_keys(reader, *keys, settings.algorithm,
                                                         !problems.contains("/algorithm"));
    settings.has_verification_keys = true;
  }
  parse_jwks_settings(reader, root, settings);
  parse_policy_settings(reader, root, settings);
  return settings;
}

Result<Settings> parse_settings(const PluginContext& context) {
  SettingProblems problems;
  std::optional<Settings> settings = parse_settings(context, problems);
  if (!problems.empty()) return problems.status();
  return std::move(*settings);
}

}  // namespace outbound::jwt
