#include "config/config.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <system_error>
#include <utility>

#include "config/diagnostics.h"
#include "config/json_document.h"
#include "config/resilience.h"
#include "config/secret_reference.h"
#include "config/http_settings.h"
#include "config/settings.h"
#include "config/value_checks.h"

namespace outbound::config {
namespace {

const std::vector<std::string> kTopLevelKeys = {"plugin_dirs", "logging", "defaults", "clients"};
const std::vector<std::string> kLoggingKeys = {"level", "format"};
const std::vector<std::string> kClientKeys = {"plugin", "settings", "resilience"};
const std::vector<std::string> kLogLevels = {"trace", "debug",    "info", "warn",
                                             "error", "critical", "off"};
const std::vector<std::string> kLogFormats = {"text", "json"};

bool is_valid_client_id(std::string_view id) {
  if (id.empty()) return false;
  for (const char c : id) {
    const bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                         (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!allowed) return false;
  }
  return true;
}

/// Returns whether a plugin name could make the loader leave its plugin folders.
bool has_path_characters(std::string_view name) {
  for (const char c : name) {
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

std::filesystem::path absolute_normal(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::path absolute = std::filesystem::absolute(path, error);
  if (error) absolute = path;
  return absolute.lexically_normal();
}

/// ConfigParser turns a parsed document into a Config, collecting every problem on the way.
class ConfigParser {
 public:
  ConfigParser(Json& document, Diagnostics& diagnostics, const ReferenceResolver& resolver,
               Config& config)
      : document_(document), diagnostics_(diagnostics), resolver_(resolver), config_(config) {}

  void parse() {
    if (!expect_object(document_, "", "{\"plugin_dirs\": [...], \"clients\": {...}}",
                       diagnostics_)) {
      return;
    }
    check_keys(document_, "", kTopLevelKeys, diagnostics_);
    parse_plugin_dirs();
    if (const auto logging = document_.find("logging"); logging != document_.end()) {
      parse_logging(*logging);
    }
    defaults_ = builtin_resilience();
    if (const auto defaults = document_.find("defaults"); defaults != document_.end()) {
      merge_resilience(*defaults, "/defaults", resolver_, diagnostics_, defaults_);
    }
    config_.defaults = to_resilience(defaults_);
    parse_clients();
  }

 private:
  void parse_plugin_dirs() {
    const auto found = document_.find("plugin_dirs");
    if (found == document_.end()) {
      diagnostics_.error("/plugin_dirs", "missing required key \"plugin_dirs\"",
                         "add the folders to search for plugins, as in "
                         "\"plugin_dirs\": [\"../build/plugins\"]");
      return;
    }
    if (!found->is_array() || found->empty()) {
      const std::string got = found->is_array() ? "an empty array" : describe_value(*found);
      diagnostics_.error("/plugin_dirs", "expected a non-empty array of folders, got " + got,
                         "list at least one folder, as in [\"../build/plugins\"]");
      return;
    }
    for (std::size_t i = 0; i < found->size(); ++i) {
      const std::string pointer = append_pointer("/plugin_dirs", std::to_string(i));
      std::optional<std::string> folder =
          read_string((*found)[i], pointer, resolver_, diagnostics_);
      if (!folder) continue;
      if (folder->empty()) {
        diagnostics_.error(pointer, "empty folder path",
                           "name a folder; \".\" is the folder of the configuration file");
        continue;
      }
      std::filesystem::path path(*folder);
      if (path.is_relative()) path = config_.base_directory / path;
      config_.plugin_dirs.push_back(path.lexically_normal());
    }
  }

  void parse_logging(const Json& logging) {
    if (!expect_object(logging, "/logging", "{\"level\": \"info\", \"format\": \"text\"}",
                       diagnostics_)) {
      return;
    }
    check_keys(logging, "/logging", kLoggingKeys, diagnostics_);
    if (const auto level = logging.find("level"); level != logging.end()) {
      auto value = read_choice(*level, "/logging/level", kLogLevels, resolver_, diagnostics_);
      if (value) config_.logging.level = std::move(*value);
    }
    if (const auto format = logging.find("format"); format != logging.end()) {
      auto value = read_choice(*format, "/logging/format", kLogFormats, resolver_, diagnostics_);
      if (value) config_.logging.format = std::move(*value);
    }
  }

  void parse_clients() {
    const auto found = document_.find("clients");
    if (found == document_.end()) {
      diagnostics_.error("/clients", "missing required key \"clients\"",
                         "add the clients to create, as in "
                         "\"clients\": {\"auth\": {\"plugin\": \"jwt-auth\"}}");
      return;
    }
    if (!expect_object(*found, "/clients", "{\"auth\": {\"plugin\": \"jwt-auth\"}}",
                       diagnostics_)) {
      return;
    }
    bool any_client = false;
    for (auto& [id, client] : found->items()) {
      const std::string pointer = append_pointer("/clients", id);
      if (id == kCommentKey) {
        if (!client.is_string()) {
          diagnostics_.error(pointer, "expected a string, got " + describe_value(client),
                             "write the comment as a string");
        }
        continue;
      }
      any_client = true;
      parse_client(id, client, pointer);
    }
    if (!any_client) {
      diagnostics_.error("/clients", "no clients are defined",
                         "add at least one client, as in "
                         "\"auth\": {\"plugin\": \"jwt-auth\"}");
    }
  }

  void parse_client(const std::string& id, Json& entry, const std::string& pointer) {
    if (!is_valid_client_id(id)) {
      diagnostics_.error(pointer,
                         id.empty() ? std::string("empty client id")
                                    : "invalid client id \"" + printable(id) + "\"",
                         "use only letters, digits, \"_\" and \"-\", as in \"payments-eu\"");
    }
    if (!expect_object(entry, pointer, "{\"plugin\": \"stripe\", \"settings\": {}}",
                       diagnostics_)) {
      return;
    }
    check_keys(entry, pointer, kClientKeys, diagnostics_);

    ClientConfig client;
    client.id = id;
    parse_plugin_name(entry, pointer, client);

    if (const auto settings = entry.find("settings"); settings != entry.end()) {
      const std::string settings_pointer = pointer + "/settings";
      if (expect_object(*settings, settings_pointer, "{\"api_key\": \"${env:STRIPE_API_KEY}\"}",
                        diagnostics_)) {
        read_http_settings(*settings, settings_pointer, config_.base_directory, resolver_,
                           diagnostics_, client.http);
        resolve_settings(*settings, settings_pointer, resolver_, diagnostics_, client);
      }
    }

    MergedResilience merged = defaults_;
    if (const auto resilience = entry.find("resilience"); resilience != entry.end()) {
      merge_resilience(*resilience, pointer + "/resilience", resolver_, diagnostics_, merged);
    }
    client.resilience = to_resilience(merged);
    client.http_canonical_json = canonical_json(client.http);
    config_.clients.push_back(std::move(client));
  }

  void parse_plugin_name(const Json& entry, const std::string& pointer, ClientConfig& client) {
    const std::string plugin_pointer = pointer + "/plugin";
    const auto plugin = entry.find("plugin");
    if (plugin == entry.end()) {
      diagnostics_.error(plugin_pointer, "missing required key \"plugin\"",
                         "name the plugin that implements this client, as in "
                         "\"plugin\": \"stripe\"");
      return;
    }
    std::optional<std::string> name = read_string(*plugin, plugin_pointer, resolver_, diagnostics_);
    if (!name) return;
    if (name->empty()) {
      diagnostics_.error(plugin_pointer, "empty plugin name",
                         "name the plugin that implements this client, as in \"stripe\"");
    } else if (has_path_characters(*name)) {
      diagnostics_.error(plugin_pointer,
                         "plugin name \"" + printable(*name) +
                             "\" contains a path separator or a control character",
                         "give the bare plugin name and list its folder in plugin_dirs");
    } else {
      client.plugin = std::move(*name);
    }
  }

  Json& document_;
  Diagnostics& diagnostics_;
  const ReferenceResolver& resolver_;
  Config& config_;
  MergedResilience defaults_;
};

}  // namespace

Environment process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Result<Config> parse_config(std::string_view text, const std::filesystem::path& file,
                            const std::filesystem::path& base_directory,
                            const Environment& environment) {
  Config config;
  config.file = file.empty() ? file : absolute_normal(file);
  config.base_directory = absolute_normal(base_directory);
  Diagnostics diagnostics(config.file.string());

  std::optional<Json> document = parse_document(text, diagnostics);
  if (!document) return diagnostics.to_status();
  if (diagnostics.has_errors()) {
    // Too deep or repeated keys: walking the document could recurse too far or mislead.
    wipe_strings(*document);
    return diagnostics.to_status();
  }

  const ReferenceResolver resolver(environment, config.base_directory);
  ConfigParser(*document, diagnostics, resolver, config).parse();
  wipe_strings(*document);
  if (diagnostics.has_errors()) return diagnostics.to_status();
  config.warnings = diagnostics.take_warnings();
  return config;
}

Result<Config> load_config(const std::filesystem::path& path, const Environment& environment) {
  const std::filesystem::path file = absolute_normal(path);
  const std::string file_name = file.string();

  std::error_code error;
  const auto status = std::filesystem::status(file, error);
  if (status.type() == std::filesystem::file_type::not_found) {
    return Status::not_found(file_name + ": configuration file not found; check the path");
  }
  if (error) {
    return Status::invalid_argument(file_name + ": cannot read the configuration file: " +
                                    error.message() + "; check the path and its permissions");
  }
  if (status.type() != std::filesystem::file_type::regular) {
    return Status::invalid_argument(file_name +
                                    ": not a regular file; pass the path of a JSON file");
  }

  std::ifstream stream(file, std::ios::binary);
  if (!stream) {
    const std::error_code open_error(errno, std::generic_category());
    return Status::invalid_argument(file_name + ": cannot read the configuration file: " +
                                    open_error.message() + "; check its permissions");
  }
  // Size the buffer once: a buffer that grows leaves copies of literal credentials behind.
  const std::uintmax_t size = std::filesystem::file_size(file, error);
  std::string text(error ? 0 : static_cast<std::size_t>(size), '\0');
  stream.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(stream.gcount()));
  if (stream.bad()) {
    secure_wipe(text);
    return Status::invalid_argument(file_name +
                                    ": reading the configuration file failed; check "
                                    "the file and the device it is on");
  }
  Result<Config> config = parse_config(text, file, file.parent_path(), environment);
  // The text may hold literal credentials.
  secure_wipe(text);
  return config;
}

}  // namespace outbound::config
