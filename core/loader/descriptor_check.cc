#include "loader/descriptor_check.h"

#include <cstdio>
#include <optional>
#include <utility>

#include "outbound/client.h"

namespace outbound::loader {
namespace {

constexpr const char* kMissingValue = "(missing)";

using FingerprintFields = std::vector<std::pair<std::string, std::string>>;

// Splits "a=1;b=2" into its pairs, in order. A segment without '=' is a field with an empty
// value, so that a malformed fingerprint still compares field by field.
FingerprintFields parse_fingerprint(std::string_view text) {
  FingerprintFields fields;
  while (!text.empty()) {
    const std::size_t end = text.find(';');
    const std::string_view segment = text.substr(0, end);
    if (!segment.empty()) {
      const std::size_t equals = segment.find('=');
      if (equals == std::string_view::npos) {
        fields.emplace_back(std::string(segment), std::string());
      } else {
        fields.emplace_back(std::string(segment.substr(0, equals)),
                            std::string(segment.substr(equals + 1)));
      }
    }
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return fields;
}

std::optional<std::string> find_field(const FingerprintFields& fields, const std::string& name) {
  for (const auto& [field, value] : fields) {
    if (field == name) return value;
  }
  return std::nullopt;
}

std::string hex32(std::uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof(text), "0x%08x", static_cast<unsigned>(value));
  return text;
}

std::string mismatch(const std::string& label, std::uint64_t host, std::uint64_t plugin) {
  return label + ": host " + std::to_string(host) + ", plugin " + std::to_string(plugin);
}

bool valid_plugin_name(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!allowed) return false;
  }
  return true;
}

// Returns the first handshake failure, or nullopt when the handshake passes.
std::optional<std::string> check_handshake(const outbound_plugin_descriptor_t& descriptor,
                                           const HostAbi& host) {
  constexpr const char* kRebuild = "; rebuild the plugin against this SDK";
  if (descriptor.magic != OUTBOUND_PLUGIN_MAGIC) {
    return "descriptor magic mismatch: host " + hex32(OUTBOUND_PLUGIN_MAGIC) + ", plugin " +
           hex32(descriptor.magic) + "; the file was not built with OUTBOUND_PLUGIN";
  }
  if (descriptor.struct_size < sizeof(outbound_plugin_descriptor_t)) {
    return mismatch("descriptor struct_size mismatch", sizeof(outbound_plugin_descriptor_t),
                    descriptor.struct_size) +
           " (smaller than the struct the host reads)" + kRebuild;
  }
  if (descriptor.abi_major != host.abi_major) {
    return mismatch("ABI major mismatch", host.abi_major, descriptor.abi_major) + kRebuild;
  }
  if (descriptor.abi_minor > host.abi_minor) {
    return mismatch("ABI minor mismatch", host.abi_minor, descriptor.abi_minor) +
           " (the plugin is newer than the host)" + kRebuild + " or upgrade the host";
  }
  if (descriptor.fingerprint == nullptr) {
    return std::string("descriptor fingerprint is null; build the plugin with OUTBOUND_PLUGIN");
  }
  const std::vector<FingerprintDifference> differences =
      compare_fingerprints(host.fingerprint, descriptor.fingerprint);
  if (!differences.empty()) {
    std::string message = "build fingerprint mismatch: ";
    for (const FingerprintDifference& difference : differences) {
      message += "fingerprint field \"" + difference.field + "\": host " + difference.host_value +
                 ", plugin " + difference.plugin_value + "; ";
    }
    message += "rebuild the plugin with the host's compiler, standard library, spdlog and fmt";
    return message;
  }
  return std::nullopt;
}

}  // namespace

std::vector<FingerprintDifference> compare_fingerprints(std::string_view host,
                                                        std::string_view plugin) {
  const FingerprintFields host_fields = parse_fingerprint(host);
  const FingerprintFields plugin_fields = parse_fingerprint(plugin);
  std::vector<FingerprintDifference> differences;
  for (const auto& [field, host_value] : host_fields) {
    const std::optional<std::string> plugin_value = find_field(plugin_fields, field);
    if (!plugin_value) {
      differences.push_back({field, host_value, kMissingValue});
    } else if (*plugin_value != host_value) {
      differences.push_back({field, host_value, *plugin_value});
    }
  }
  for (const auto& [field, plugin_value] : plugin_fields) {
    if (!find_field(host_fields, field)) {
      differences.push_back({field, kMissingValue, plugin_value});
    }
  }
  return differences;
}

std::vector<std::string> check_descriptor(const outbound_plugin_descriptor_t& descriptor,
                                          const HostAbi& host) {
  if (std::optional<std::string> failure = check_handshake(descriptor, host)) {
    return {std::move(*failure)};
  }

  std::vector<std::string> problems;
  const std::string_view name = descriptor.name != nullptr ? descriptor.name : "";
  if (!valid_plugin_name(name)) {
    problems.push_back("descriptor name \"" + std::string(name) +
                       "\" is invalid; use a non-empty name of lowercase letters, digits and '-'");
  }
  if (descriptor.version == nullptr || descriptor.version[0] == '\0') {
    problems.push_back("descriptor version is empty; set the plugin's release, such as \"1.0.0\"");
  }
  const std::string_view kind = descriptor.kind != nullptr ? descriptor.kind : "";
  if (!parse_client_kind(kind)) {
    problems.push_back("descriptor kind \"" + std::string(kind) +
                       "\" is invalid; expected auth, payment or mail");
  }
  if (descriptor.create == nullptr) {
    problems.push_back("descriptor create function is null; build the plugin with OUTBOUND_PLUGIN");
  }
  if (descriptor.destroy == nullptr) {
    problems.push_back(
        "descriptor destroy function is null; build the plugin with OUTBOUND_PLUGIN");
  }
  return problems;
}

PluginDescription describe(const outbound_plugin_descriptor_t& descriptor, std::string file) {
  PluginDescription description;
  description.file = std::move(file);
  description.name = descriptor.name;
  description.version = descriptor.version;
  description.kind = parse_client_kind(descriptor.kind).value_or(ClientKind::kAuth);
  description.abi_major = descriptor.abi_major;
  description.abi_minor = descriptor.abi_minor;
  description.fingerprint = descriptor.fingerprint;
  return description;
}

}  // namespace outbound::loader
