#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "config/config.h"
#include "config/diagnostics.h"
#include "config/json_document.h"
#include "config/secret_reference.h"

namespace outbound::config {

/// MergedResilience is a resilience object built up layer by layer: the built-in defaults,
/// then the file's `defaults`, then one client's `resilience`.
struct MergedResilience {
  /// The merged values; nlohmann::json sorts keys, so dump() is canonical.
  nlohmann::json values;
  /// The origin of each value set by the file: a pointer relative to the resilience object
  /// ("/timeouts/total_ms") mapped to the pointer in the file. Built-in values have no entry.
  std::map<std::string, std::string> origins;
};

/// Returns the built-in defaults, the values a configuration gets for every key it omits.
MergedResilience builtin_resilience();

/// Merges `overrides`, the object at `pointer` in the file, into `merged`, key by key and
/// depth first, so that overriding `circuit_breaker.window.size` keeps `window.type`.
/// Records unknown keys, type errors, values out of range and broken relations between values
/// (attempt_ms above total_ms) that involve a value of this layer. Invalid values are not merged.
void merge_resilience(const Json& overrides, std::string_view pointer,
                      const ReferenceResolver& resolver, Diagnostics& diagnostics,
                      MergedResilience& merged);

/// Converts a merged object into the typed policy, including its canonical JSON text.
Resilience to_resilience(const MergedResilience& merged);

}  // namespace outbound::config
