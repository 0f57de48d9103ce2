#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "loader/plugin_loader.h"
#include "outbound/plugin.h"

namespace outbound::loader {

/// One field of a build fingerprint whose value differs between the host and a plugin.
struct FingerprintDifference {
  std::string field;
  /// The host's value, or "(missing)" when the host's fingerprint lacks the field.
  std::string host_value;
  /// The plugin's value, or "(missing)" when the plugin's fingerprint lacks the field.
  std::string plugin_value;
};

/// Compares two fingerprints in OUTBOUND_BUILD_FINGERPRINT form (`field=value` pairs separated
/// by `;`). Returns the differing fields in the host's order, followed by the fields that only
/// the plugin has; an empty vector means the fingerprints match.
std::vector<FingerprintDifference> compare_fingerprints(std::string_view host,
                                                        std::string_view plugin);

/// Checks a descriptor against the host before any of the plugin's objects are created.
///
/// The handshake is checked in order (magic, struct_size, ABI major, ABI minor, fingerprint)
/// and stops at the first failure, because the later fields of a foreign or older struct
/// cannot be trusted. After a successful handshake the name, version, kind, create and
/// destroy fields are validated. Returns one message per problem, without the file name; an
/// empty vector means the plugin is acceptable.
std::vector<std::string> check_descriptor(const outbound_plugin_descriptor_t& descriptor,
                                          const HostAbi& host);

/// Copies the fields of a descriptor that passed check_descriptor() into a description of
/// `file`.
PluginDescription describe(const outbound_plugin_descriptor_t& descriptor, std::string file);

}  // namespace outbound::loader
