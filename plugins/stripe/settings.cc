#include "stripe/settings.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "outbound/near_miss.h"

namespace outbound::stripe {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 7> kKnownSettings = {
    "base_url", "api_key", "api_version", "webhook_secret", "webhook_tolerance_s",
    "ca_file",  "http"};

Status invalid(std::string_view pointer, const std::string& problem) {
  return Status::invalid_argument("stripe setting " + std::string(pointer) + " " + problem);
}

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

Status check_names(const json& root) {
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
    return invalid("/" + name, message);
  }
  return Status();
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

Result<std::string> parse_base_url(const std::string& url) {
  const std::string pointer = "/base_url";
  std::string_view rest(url);
  bool plain = false;
  if (rest.substr(0, 8) == "https://") {
    rest.remove_prefix(8);
  } else if (rest.substr(0, 7) == "http://") {
    rest.remove_prefix(7);
    plain = true;
  } else {
    return invalid(pointer, "is \"" + url +
                                "\", which is not an http or https URL; use "
                                "https://api.stripe.com or a local server's http://127.0.0.1:PORT");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return invalid(
        pointer,
        "is \"" + url + "\"; remove the query or fragment, since request paths are appended to it");
  }
  const std::size_t path_start = rest.find('/');
  const std::string_view authority = rest.substr(0, path_start);
  std::string_view path =
      path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  if (authority.empty()) return invalid(pointer, "is \"" + url + "\", which names no host");
  if (authority.find('@') != std::string_view::npos) {
    return invalid(pointer, "contains a user name or password; give the key in /api_key instead");
  }
  // The host without its port; an IPv6 literal keeps its brackets.
  std::string_view host = authority;
  if (host.front() == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else if (const std::size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (plain && !loopback_host(lower(host))) {
    return invalid(pointer, "is \"" + url +
                                "\"; plain http is allowed only for a loopback host such as "
                                "127.0.0.1, so that the API key never crosses a network "
                                "unencrypted; use https");
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return (plain ? "http://" : "https://") + std::string(authority) + std::string(path);
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

Result<std::string> string_setting(const json& root, const char* name) {
  const auto found = root.find(name);
  if (found == root.end()) return std::string();
  if (!found->is_string()) {
    return invalid(std::string("/") + name,
                   std::string("must be a string, not a JSON ") + found->type_name());
  }
  if (found->get_ref<const std::string&>().empty()) {
    return invalid(std::string("/") + name, "is empty; give a value or remove it");
  }
  return found->get<std::string>();
}

Status read_api_key(const PluginContext& context, const json& root, bool plain_http,
                    Settings& settings) {
  if (root.find("api_key") == root.end()) {
    return invalid("/api_key",
                   "is missing; give the secret key, for example "
                   "\"${file:/etc/outbound/stripe-key}\" or \"${env:STRIPE_API_KEY}\"");
  }
  Result<Secret> key = context.secret_setting("/api_key");
  if (!key.ok()) return invalid("/api_key", "must be a string holding the secret key");
  const std::string_view value = key->expose();
  if (value.empty()) return invalid("/api_key", "is empty; give the secret key");
  if (has_whitespace(value)) {
    return invalid("/api_key",
                   "contains whitespace or a control character; check the file or variable it "
                   "comes from for a stray space or line break");
  }
  const bool secret_key = value.substr(0, 3) == "sk_" || value.substr(0, 3) == "rk_";
  if (!secret_key) {
    const std::string hint = value.substr(0, 3) == "pk_"
                                 ? "it is a publishable key (pk_), which cannot create charges"
                                 : "it does not start with sk_ or rk_";
    return invalid("/api_key", "is not a Stripe secret or restricted key: " + hint +
                                   "; copy the secret key from the Stripe dashboard");
  }
  if (plain_http && value.find("_live_") != std::string_view::npos) {
    return invalid("/api_key",
                   "is a live key, and /base_url is plain http; live keys go only to https "
                   "endpoints, and a local test server takes a test key (sk_test_)");
  }
  settings.api_key = std::move(key).value();
  return Status();
}

}  // namespace

Result<Settings> parse_settings(const PluginContext& context) {
  json root = json::parse(context.settings_json, nullptr, false);
  if (root.is_discarded() || !root.is_object()) {
    return Status::invalid_argument("stripe settings must be a JSON object");
  }
  if (Status names = check_names(root); !names.ok()) return names;
  Settings settings;

  Result<std::string> base_url = string_setting(root, "base_url");
  if (!base_url.ok()) return base_url.status();
  if (!base_url->empty()) {
    Result<std::string> parsed = parse_base_url(*base_url);
    if (!parsed.ok()) return parsed.status();
    settings.base_url = std::move(parsed).value();
  }
  const bool plain_http = settings.base_url.substr(0, 7) == "http://";
  if (Status key = read_api_key(context, root, plain_http, settings); !key.ok()) return key;

  Result<std::string> version = string_setting(root, "api_version");
  if (!version.ok()) return version.status();
  if (!version->empty()) {
    if (!api_version_shape(*version)) {
      return invalid("/api_version", "is \"" + *version +
                                         "\", which is not a Stripe API version; give a date "
                                         "such as \"" +
                                         kDefaultApiVersion +
                                         "\", optionally with its release name");
    }
    settings.api_version = std::move(version).value();
  }

  if (root.find("webhook_secret") != root.end()) {
    Result<Secret> secret = context.secret_setting("/webhook_secret");
    if (!secret.ok()) return invalid("/webhook_secret", "must be a string holding the secret");
    if (secret->empty()) return invalid("/webhook_secret", "is empty; give the signing secret");
    if (has_whitespace(secret->expose())) {
      return invalid("/webhook_secret",
                     "contains whitespace or a control character; check the file or variable it "
                     "comes from for a stray space or line break");
    }
    settings.webhook_secret = std::move(secret).value();
  }

  if (const auto tolerance = root.find("webhook_tolerance_s"); tolerance != root.end()) {
    if (!tolerance->is_number_integer() || tolerance->get<std::int64_t>() < 1 ||
        tolerance->get<std::int64_t>() > 86400) {
      return invalid("/webhook_tolerance_s", "is " + tolerance->dump() +
                                                 "; it must be a whole number of seconds from 1 "
                                                 "to 86400 (Stripe's SDKs use 300)");
    }
    settings.webhook_tolerance = std::chrono::seconds(tolerance->get<std::int64_t>());
  }

  Result<std::string> ca_file = string_setting(root, "ca_file");
  if (!ca_file.ok()) return ca_file.status();
  return settings;
}

}  // namespace outbound::stripe
