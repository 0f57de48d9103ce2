#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/logger.h>

#include "outbound/client.h"
#include "outbound/plugin_context.h"
#include "outbound/status.h"

// Defined in outbound/plugin.h, which users of the loader do not need to include.
struct outbound_plugin_descriptor_t;

namespace boost::dll {
class shared_library;
}

namespace outbound::loader {

/// PluginDescription is a plugin file's own account of itself, read from its descriptor.
struct PluginDescription {
  /// Absolute, canonical path of the shared library.
  std::string file;
  std::string name;
  std::string version;
  ClientKind kind = ClientKind::kAuth;
  std::uint32_t abi_major = 0;
  std::uint32_t abi_minor = 0;
  std::string fingerprint;
};

/// The host's side of the handshake; tests change it to exercise the checks.
struct HostAbi {
  std::uint32_t abi_major;
  std::uint32_t abi_minor;
  /// OUTBOUND_BUILD_FINGERPRINT: `field=value` pairs separated by `;`.
  std::string fingerprint;

  /// Returns OUTBOUND_ABI_MAJOR, OUTBOUND_ABI_MINOR and OUTBOUND_BUILD_FINGERPRINT as compiled
  /// into this host.
  static HostAbi current();
};

/// LoadedPlugin is one plugin library, loaded and checked. Every client it creates holds a
/// reference to the library, so the library stays mapped until the last client is destroyed,
/// even after the LoadedPlugin and its catalogue are gone.
///
/// Thread safety: create() may be called from several threads at once when the plugin's
/// `create` allows it.
class LoadedPlugin {
 public:
  /// `descriptor` points into `library` and must have passed check_descriptor().
  LoadedPlugin(PluginDescription description, std::shared_ptr<boost::dll::shared_library> library,
               const outbound_plugin_descriptor_t* descriptor);

  const PluginDescription& description() const { return description_; }

  /// Creates a client through the plugin's `create`. The returned pointer's deleter calls the
  /// plugin's `destroy` and then releases the library. A failure keeps the plugin's code and
  /// reason and prefixes the message with "plugin <name> (<file>)". A client whose info().kind
  /// differs from the descriptor's kind is destroyed and reported as kInternal.
  Result<std::shared_ptr<ExternalClient>> create(const PluginContext& context) const;

 private:
  PluginDescription description_;
  std::shared_ptr<boost::dll::shared_library> library_;
  const outbound_plugin_descriptor_t* descriptor_;
};

/// PluginCatalog is every plugin found in the configured folders, by name.
class PluginCatalog {
 public:
  /// Returns the plugin called `name`, or null.
  std::shared_ptr<const LoadedPlugin> find(std::string_view name) const;

  /// Returns every plugin, ordered by name.
  std::vector<std::shared_ptr<const LoadedPlugin>> plugins() const;

  /// Adds `plugin`, replacing any plugin of the same name. PluginLoader::load() rejects
  /// duplicate names before it adds anything.
  void add(std::shared_ptr<const LoadedPlugin> plugin);

 private:
  std::map<std::string, std::shared_ptr<const LoadedPlugin>, std::less<>> by_name_;
};

/// PluginLoader finds and loads provider plugins.
///
/// Every regular file ending in `.so` directly inside a plugin folder must be a plugin of
/// this host: the loader checks, in order, that its canonical path lies inside the folder's
/// canonical path, that it exports `outbound_plugin_descriptor` (read from the ELF symbol
/// table before the file is loaded), that it loads with RTLD_NOW | RTLD_LOCAL, and that its
/// descriptor's magic, size, ABI major, ABI minor and build fingerprint are acceptable. No C++
/// object crosses before those checks pass. Two files claiming one plugin name are an error
/// naming both.
///
/// Errors are kFailedPrecondition (kNotFound when every problem is a missing folder) with
/// messages that name the absolute file, the failed check and, for a mismatch, the host's and
/// the plugin's values. All problems found are reported together, one per line, and a load
/// with any problem returns no catalogue.
class PluginLoader {
 public:
  /// `logger` receives each load decision (info, debug) and each rejection (error); a null
  /// logger discards them.
  explicit PluginLoader(std::shared_ptr<spdlog::logger> logger, HostAbi host = HostAbi::current());

  /// Loads the plugins of every folder in `plugin_dirs`, which must be absolute paths.
  Result<PluginCatalog> load(const std::vector<std::filesystem::path>& plugin_dirs) const;

 private:
  std::shared_ptr<spdlog::logger> logger_;
  HostAbi host_;
};

}  // namespace outbound::loader
