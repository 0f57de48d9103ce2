#include "config/settings.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "outbound/secret.h"

namespace outbound::config {
namespace {

/// Values shorter than this are not masked in logs; it matches logging::Masker::kMinSecretLength.
constexpr std::size_t kMinMaskedLength = 4;

constexpr std::array<std::string_view, 7> kCredentialNames = {
    "key", "password", "passwd", "secret", "token", "passphrase", "apikey"};
constexpr std::array<std::string_view, 4> kCredentialSuffixes = {"_key", "_secret", "_token",
                                                                 "_password"};

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct SettingsWalk {
  std::string pointer;
  const ReferenceResolver& resolver;
  Diagnostics& diagnostics;
  ClientConfig& client;
};

void resolve_string(Json& value, const std::string& relative, std::string_view key,
                    SettingsWalk& walk) {
  auto& text = value.get_ref<std::string&>();
  ExpandedString expanded = walk.resolver.expand(text);
  const std::string absolute = walk.pointer + relative;
  if (!expanded.problems.empty()) {
    for (const auto& problem : expanded.problems) {
      walk.diagnostics.error(absolute, problem.problem, problem.fix);
    }
    return;
  }
  if (!expanded.has_reference && !is_credential_key(key)) {
    // Only escapes ("$${") may have changed the text.
    secure_wipe(text);
    text = std::move(expanded.value);
    return;
  }

  const std::size_t length = expanded.value.size();
  if (length < kMinMaskedLength) {
    walk.diagnostics.warning(absolute,
                             "secret is " + std::to_string(length) +
                                 " characters long, and the log masker only " +
                                 "masks values of at least " + std::to_string(kMinMaskedLength),
                             "use a longer credential, or make sure nothing logs this value");
  }
  walk.client.secrets.insert_or_assign(relative, Secret(std::move(expanded.value)));
  secure_wipe(text);
  value = std::string(kRedactedSetting);
}

void resolve_value(Json& value, const std::string& relative, std::string_view key,
                   SettingsWalk& walk) {
  if (value.is_object()) {
    for (auto& [child_key, child] : value.items()) {
      resolve_value(child, append_pointer(relative, child_key), child_key, walk);
    }
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      resolve_value(value[i], append_pointer(relative, std::to_string(i)), key, walk);
    }
  } else if (value.is_string()) {
    resolve_string(value, relative, key, walk);
  }
}

}  // namespace

bool is_credential_key(std::string_view key) {
  std::string normalised(key);
  for (char& c : normalised) {
    c = c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (ends_with(normalised, "_id")) return false;
  for (const auto name : kCredentialNames) {
    if (normalised == name) return true;
  }
  for (const auto suffix : kCredentialSuffixes) {
    if (ends_with(normalised, suffix)) return true;
  }
  return false;
}

void resolve_settings(Json& settings, std::string_view pointer, const ReferenceResolver& resolver,
                      Diagnostics& diagnostics, ClientConfig& client) {
  SettingsWalk walk{std::string(pointer), resolver, diagnostics, client};
  resolve_value(settings, "", "", walk);
  // Replace rather than throw on invalid UTF-8; the parser already rejected it in the file.
  client.settings_json = settings.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace outbound::config
