#include "stripe/settings.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "outbound/near_miss.h"
#include "outbound/setting_problems.h"

namespace outbound::stripe {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 7> kKnownSettings = {
    "base_url", "api_key", "api_version", "webhook_secret", "webhook_tolerance_s",
    "ca_file",  "http"};

bool has_whitespace(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isspace(c) != 0 || c < 0x20; });
}

std::string known_names() {
  std::string names;
  for (std::string_view name : kKnownSettings) {
    // The host reads and removes "http" before passing the settings to the plugin.
    if (name == "http") continue;
    names += names.empty() ? "" : ", ";
    names += name;
  }
  return names;
}

// Lower-cases ASCII letters, for comparing host names.
std::string lower(std::string_view text) {
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lowered;
}

void check_names(const json& root, SettingProblems& problems) {
  const std::vector<std::string> known(kKnownSettings.begin(), kKnownSettings.end());
  for (auto member = root.begin(); member != root.end(); ++member) {
    const std::string& name = member.key();
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string message = "is unknown; the known settings are " + known_names();
    if (name == "secret_key" || name == "key") {
      message = "is unknown; did you mean /api_key?";
    } else if (const auto near = suggest_near_miss(name, known)) {
      message = "is unknown; did you mean /" + *near + "?";
    }
    problems.add(append_json_pointer("", name), message);
  }
}

bool loopback_host(std::string_view host) {
  if (host == "localhost" || host == "[::1]") return true;
  // 127.0.0.0/8 written as a dotted quad.
  if (host.substr(0, 4) != "127.") return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

/// Returns the URL without its trailing slashes. Adds a problem and returns nullopt when it is
/// not a URL the plugin may send the API key to.
std::optional<std::string> parse_base_url(const std::string& url, SettingProblems& problems) {
  const std::string pointer = "/base_url";
  const auto invalid = [&](const std::string& problem) -> std::optional<std::string> {
    problems.add(pointer, problem);
    return std::nullopt;
  };
  std::string_view rest(url);
  bool plain = false;
  if (rest.substr(0, 8) == "https://") {
    rest.remove_prefix(8);
  } else if (rest.substr(0, 7) == "http://") {
    rest.remove_prefix(7);
    plain = true;
  } else {
    return invalid("is \"" + url +
                   "\", which is not an http or https URL; use "
                   "https://api.stripe.com or a local server's http://127.0.0.1:PORT");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return invalid("is \"" + url +
                   "\"; remove the query or fragment, since request paths are appended to it");
  }
  const std::size_t path_start = rest.find('/');
  const std::string_view authority = rest.substr(0, path_start);
  std::string_view path =
      path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  if (authority.empty()) return invalid("is \"" + url + "\", which names no host");
  if (authority.find('@') != std::string_view::npos) {
    return invalid("contains a user name or password; give the key in /api_key instead");
  }
  // The host without its port; an IPv6 literal keeps its brackets.
  std::string_view host = authority;
  if (host.front() == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else if (const std::size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (plain && !loopback_host(lower(host))) {
    return invalid("is \"" + url +
                   "\"; plain http is allowed only for a loopback host such as "
                   "127.0.0.1, so that the API key never crosses a network "
                   "unencrypted; use https");
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return std::optional<std::string>((plain ? "http://" : "https://") + std::string(authority) +
                                    std::string(path));
}

bool api_version_shape(std::string_view version) {
  // YYYY-MM-DD, then optionally "." and a lower-case release name.
  if (version.size() < 10) return false;
  for (std::size_t i = 0; i < 10; ++i) {
    const bool dash = i == 4 || i == 7;
    if (dash ? version[i] != '-' : !std::isdigit(static_cast<unsigned char>(version[i]))) {
      return false;
    }
  }
  const int month = (version[5] - '0') * 10 + (version[6] - '0');
  const int day = (version[8] - '0') * 10 + (version[9] - '0');
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  if (version.size() == 10) return true;
  if (version[10] != '.' || version.size() == 11) return false;
  return std::all_of(version.begin() + 11, version.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
}

/// Reads an optional non-empty string. Returns an empty string when the key is absent, and
/// nullopt after adding a problem when the value is not a non-empty string.
std::optional<std::string> string_setting(const json& root, const char* name,
                                          SettingProblems& problems) {
  const auto found = root.find(name);
  if (found == root.end()) return std::string();
  const std::string pointer = append_json_pointer("", name);
  if (!found->is_string()) {
    problems.add(pointer, std::string("must be a string, not a JSON ") + found->type_name());
    return std::nullopt;
  }
  if (found->get_ref<const std::string&>().empty()) {
    problems.add(pointer, "is empty; give a value or remove it");
    return std::nullopt;
  }
  return found->get<std::string>();
}

/// Reads `base_url` into `settings`. Returns whether the URL is known, plain http or not,
/// which the check of a live key depends on.
bool read_base_url(const json& root, Settings& settings, SettingProblems& problems) {
  std::optional<std::string> base_url = string_setting(root, "base_url", problems);
  if (!base_url) return false;
  if (base_url->empty()) return true;
  std::optional<std::string> parsed = parse_base_url(*base_url, problems);
  if (!parsed) return false;
  settings.base_url = std::move(*parsed);
  return true;
}

void read_api_key(const PluginContext& context, const json& root, bool base_url_known,
                  Settings& settings, SettingProblems& problems) {
  if (root.find("api_key") == root.end()) {
    problems.add("/api_key",
                 "is missing; give the secret key, for example "
                 "\"${file:/etc/outbound/stripe-key}\" or \"${env:STRIPE_API_KEY}\"");
    return;
  }
  Result<Secret> key = context.secret_setting("/api_key");
  if (!key.ok()) {
    problems.add("/api_key", "must be a string holding the secret key");
    return;
  }
  const std::string_view value = key->expose();
  if (value.empty()) {
    problems.add("/api_key", "is empty; give the secret key");
    return;
  }
  if (has_whitespace(value)) {
    problems.add("/api_key",
                 "contains whitespace or a control character; check the file or variable it "
                 "comes from for a stray space or line break");
    return;
  }
  const bool secret_key = value.substr(0, 3) == "sk_" || value.substr(0, 3) == "rk_";
  if (!secret_key) {
    const std::string hint = value.substr(0, 3) == "pk_"
                                 ? "it is a publishable key (pk_), which cannot create charges"
                                 : "it does not start with sk_ or rk_";
    problems.add("/api_key", "is not a Stripe secret or restricted key: " + hint +
                                 "; copy the secret key from the Stripe dashboard");
    return;
  }
  const bool plain_http = settings.base_url.substr(0, 7) == "http://";
  if (base_url_known && plain_http && value.find("_live_") != std::string_view::npos) {
    problems.add("/api_key",
                 "is a live key, and /base_url is plain http; live keys go only to https "
                 "endpoints, and a local test server takes a test key (sk_test_)");
    return;
  }
  settings.api_key = std::move(key).value();
}

void read_api_version(const json& root, Settings& settings, SettingProblems& problems) {
  std::optional<std::string> version = string_setting(root, "api_version", problems);
  if (!version || version->empty()) return;
  if (!api_version_shape(*version)) {
    problems.add("/api_version", "is \"" + *version +
                                     "\", which is not a Stripe API version; give a date such "
                                     "as \"" +
                                     kDefaultApiVersion + "\", optionally with its release name");
    return;
  }
  settings.api_version = std::move(*version);
}

void read_webhook_settings(const PluginContext& context, const json& root, Settings& settings,
                           SettingProblems& problems) {
  if (root.find("webhook_secret") != root.end()) {
    Result<Secret> secret = context.secret_setting("/webhook_secret");
    if (!secret.ok()) {
      problems.add("/webhook_secret", "must be a string holding the secret");
    } else if (secret->empty()) {
      problems.add("/webhook_secret", "is empty; give the signing secret");
    } else if (has_whitespace(secret->expose())) {
      problems.add("/webhook_secret",
                   "contains whitespace or a control character; check the file or variable it "
                   "comes from for a stray space or line break");
    } else {
      settings.webhook_secret = std::move(secret).value();
    }
  }

  if (const auto tolerance = root.find("webhook_tolerance_s"); tolerance != root.end()) {
    if (!tolerance->is_number_integer() || tolerance->get<std::int64_t>() < 1 ||
        tolerance->get<std::int64_t>() > 86400) {
      problems.add("/webhook_tolerance_s", "is " + tolerance->dump() +
                                               "; it must be a whole number of seconds from 1 "
                                               "to 86400 (Stripe's SDKs use 300)");
    } else {
      settings.webhook_tolerance = std::chrono::seconds(tolerance->get<std::int64_t>());
    }
  }
}

}  // namespace

Result<Settings> parse_settings(const PluginContext& context) {
  SettingProblems problems;
  json root = json::parse(context.settings_json, nullptr, false);
  if (root.is_discarded() || !root.is_object()) {
    problems.add("", "must be a JSON object");
    return problems.status();
  }
  check_names(root, problems);
  Settings settings;
  const bool base_url_known = read_base_url(root, settings, problems);
  read_api_key(context, root, base_url_known, settings, problems);
  read_api_version(root, settings, problems);
  read_webhook_settings(context, root, settings, problems);
  // The host reads `ca_file`, so here it is only checked to be a non-empty string.
  string_setting(root, "ca_file", problems);
  if (!problems.empty()) return problems.status();
  return settings;
}

}  // namespace outbound::stripe
