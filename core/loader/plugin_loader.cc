#include "loader/plugin_loader.h"

#include <algorithm>
#include <exception>
#include <optional>
#include <set>
#include <system_error>
#include <utility>

#include <spdlog/sinks/null_sink.h>
#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>

#include "loader/descriptor_check.h"
#include "outbound/plugin.h"
#include "outbound/version.h"

namespace outbound::loader {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPluginSuffix = ".so";

// The deleter of every client: destroys the object with the plugin's own `destroy`, then drops
// this client's reference to the library, so the code that runs the destructor is still mapped.
struct ClientDeleter {
  void (*destroy)(ExternalClient*);
  std::shared_ptr<boost::dll::shared_library> library;

  void operator()(ExternalClient* client) {
    destroy(client);
    library.reset();
  }
};

bool has_plugin_suffix(const fs::path& file) {
  const std::string name = file.filename().string();
  return name.size() >= kPluginSuffix.size() &&
         name.compare(name.size() - kPluginSuffix.size(), kPluginSuffix.size(), kPluginSuffix) == 0;
}

// Whether `file` is below `folder`; both must be canonical.
bool lies_inside(const fs::path& file, const fs::path& folder) {
  const auto [folder_end, file_rest] =
      std::mismatch(folder.begin(), folder.end(), file.begin(), file.end());
  return folder_end == folder.end() && file_rest != file.end();
}

// Reads the ELF symbol table without loading the file, so that nothing of a foreign library
// runs. Returns the problem, or nullopt when the file exports the descriptor.
std::optional<std::string> check_exports(const fs::path& file) {
  try {
    boost::dll::library_info info(boost::dll::fs::path(file.string()));
    const std::vector<std::string> symbols = info.symbols();
    if (std::find(symbols.begin(), symbols.end(), OUTBOUND_PLUGIN_SYMBOL) != symbols.end()) {
      return std::nullopt;
    }
    // NOTE: Boost 1.74's library_info reads .symtab only, not .dynsym, so a stripped plugin
    // (`strip`, `cmake --install --strip`) is rejected here although it exports the descriptor.
    const std::vector<std::string> sections = info.sections();
    if (std::find(sections.begin(), sections.end(), ".symtab") == sections.end()) {
      return std::string(
          "has no ELF symbol table (.symtab), so its exports cannot be checked before loading; "
          "install the plugin without stripping it");
    }
  } catch (const std::exception& error) {
    return std::string("not a readable ELF shared library (") + error.what() +
           "); remove it from the plugin folder";
  }
  return std::string("not an outbound plugin: it does not export ") + OUTBOUND_PLUGIN_SYMBOL +
         "; remove it from the plugin folder";
}

// The state of one PluginLoader::load() call.
class LoadRun {
 public:
  LoadRun(spdlog::logger& logger, const HostAbi& host) : logger_(logger), host_(host) {}

  void scan_folder(const fs::path& folder);
  Result<PluginCatalog> finish();

 private:
  struct Problem {
    StatusCode code;
    std::string message;
  };

  void load_file(const fs::path& file, const fs::path& canonical_folder);
  std::shared_ptr<const LoadedPlugin> open_plugin(const fs::path& file);
  void add_plugin(std::shared_ptr<const LoadedPlugin> plugin);
  void reject(StatusCode code, std::string message);

  spdlog::logger& logger_;
  const HostAbi& host_;
  std::vector<Problem> problems_;
  std::set<fs::path> seen_folders_;
  std::set<fs::path> seen_files_;
  PluginCatalog catalog_;
};

void LoadRun::reject(StatusCode code, std::string message) {
  // The caller receives every problem in the returned status and reports it, so a log line
  // at error would print each problem twice.
  logger_.debug("{}", message);
  problems_.push_back({code, std::move(message)});
}

void LoadRun::scan_folder(const fs::path& folder) {
  if (!folder.is_absolute()) {
    reject(StatusCode::kInvalidArgument,
           "plugin folder \"" + folder.string() +
               "\" is not an absolute path; resolve it against the configuration's folder");
    return;
  }
  std::error_code error;
  const fs::file_status status = fs::status(folder, error);
  if (status.type() == fs::file_type::not_found) {
    reject(StatusCode::kNotFound,
           "plugin folder " + folder.string() + " does not exist; create it or fix plugin_dirs");
    return;
  }
  if (error) {
    reject(StatusCode::kFailedPrecondition,
           "plugin folder " + folder.string() + " cannot be read: " + error.message());
    return;
  }
  if (status.type() != fs::file_type::directory) {
    reject(StatusCode::kFailedPrecondition,
           "plugin folder " + folder.string() + " is not a folder; fix plugin_dirs");
    return;
  }
  const fs::path canonical_folder = fs::canonical(folder, error);
  if (error) {
    reject(StatusCode::kFailedPrecondition,
           "plugin folder " + folder.string() + " cannot be resolved: " + error.message());
    return;
  }
  if (!seen_folders_.insert(canonical_folder).second) {
    logger_.debug("plugin folder {} is listed twice; scanning it once", folder.string());
    return;
  }

  std::vector<fs::path> files;
  for (fs::directory_iterator it(canonical_folder, error), end; !error && it != end;
       it.increment(error)) {
    if (!has_plugin_suffix(it->path())) continue;
    std::error_code type_error;
    if (it->is_regular_file(type_error)) {
      files.push_back(it->path());
    } else if (it->is_symlink(type_error) && !it->exists(type_error)) {
      logger_.warn("skipping {}: the symbolic link's target does not exist", it->path().string());
    }
  }
  if (error) {
    reject(StatusCode::kFailedPrecondition,
           "plugin folder " + folder.string() + " cannot be listed: " + error.message());
    return;
  }
  std::sort(files.begin(), files.end());
  logger_.debug("plugin folder {}: {} candidate file(s)", canonical_folder.string(), files.size());
  for (const fs::path& file : files) load_file(file, canonical_folder);
}

void LoadRun::load_file(const fs::path& file, const fs::path& canonical_folder) {
  std::error_code error;
  const fs::path canonical_file = fs::canonical(file, error);
  if (error) {
    reject(StatusCode::kFailedPrecondition,
           file.string() + ": cannot be resolved: " + error.message());
    return;
  }
  if (!lies_inside(canonical_file, canonical_folder)) {
    reject(StatusCode::kFailedPrecondition,
           file.string() + ": resolves to " + canonical_file.string() +
               ", outside the plugin folder " + canonical_folder.string() +
               "; move the plugin into the folder instead of linking to it");
    return;
  }
  if (!seen_files_.insert(canonical_file).second) {
    logger_.debug("{}: resolves to {}, which is already loaded", file.string(),
                  canonical_file.string());
    return;
  }
  if (std::optional<std::string> problem = check_exports(canonical_file)) {
    reject(StatusCode::kFailedPrecondition, canonical_file.string() + ": " + *problem);
    return;
  }
  if (std::shared_ptr<const LoadedPlugin> plugin = open_plugin(canonical_file)) {
    add_plugin(std::move(plugin));
  }
}

// Loads the library and checks its descriptor. Returns null after rejecting the file.
std::shared_ptr<const LoadedPlugin> LoadRun::open_plugin(const fs::path& file) {
  const std::string path = file.string();
  std::shared_ptr<boost::dll::shared_library> library;
  const outbound_plugin_descriptor_t* descriptor = nullptr;
  try {
    library = std::make_shared<boost::dll::shared_library>(
        boost::dll::fs::path(path),
        boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    descriptor = library->get<const outbound_plugin_descriptor_t*()>(OUTBOUND_PLUGIN_SYMBOL)();
  } catch (const std::exception& error) {
    reject(StatusCode::kFailedPrecondition,
           path + ": failed to load: " + error.what() +
               "; install the libraries it needs or relink it with -Wl,--no-undefined");
    return nullptr;
  }
  if (descriptor == nullptr) {
    reject(StatusCode::kFailedPrecondition,
           path + ": " + OUTBOUND_PLUGIN_SYMBOL +
               "() returned null; build the plugin with OUTBOUND_PLUGIN");
    return nullptr;
  }

  const std::vector<std::string> problems = check_descriptor(*descriptor, host_);
  for (const std::string& problem : problems) {
    reject(StatusCode::kFailedPrecondition, path + ": " + problem);
  }
  if (!problems.empty()) return nullptr;

  return std::make_shared<const LoadedPlugin>(describe(*descriptor, path), std::move(library),
                                              descriptor);
}

void LoadRun::add_plugin(std::shared_ptr<const LoadedPlugin> plugin) {
  const PluginDescription& description = plugin->description();
  if (std::shared_ptr<const LoadedPlugin> existing = catalog_.find(description.name)) {
    reject(StatusCode::kFailedPrecondition,
           "plugin name \"" + description.name + "\" is claimed by both " +
               existing->description().file + " and " + description.file +
               "; remove one of the files from the plugin folders");
    return;
  }
  logger_.info("loaded plugin {} {} ({}, ABI {}.{}) from {}", description.name, description.version,
               client_kind_name(description.kind), description.abi_major, description.abi_minor,
               description.file);
  catalog_.add(std::move(plugin));
}

Result<PluginCatalog> LoadRun::finish() {
  if (problems_.empty()) {
    logger_.info("plugin catalogue ready: {} plugin(s)", catalog_.plugins().size());
    return std::move(catalog_);
  }
  // One code for all lines: the shared code when every problem has it, else kFailedPrecondition.
  StatusCode code = problems_.front().code;
  std::string message;
  for (const Problem& problem : problems_) {
    if (problem.code != code) code = StatusCode::kFailedPrecondition;
    if (!message.empty()) message += '\n';
    message += problem.message;
  }
  return Status(code, std::move(message));
}

}  // namespace

HostAbi HostAbi::current() {
  return HostAbi{OUTBOUND_ABI_MAJOR, OUTBOUND_ABI_MINOR, OUTBOUND_BUILD_FINGERPRINT};
}

LoadedPlugin::LoadedPlugin(PluginDescription description,
                           std::shared_ptr<boost::dll::shared_library> library,
                           const outbound_plugin_descriptor_t* descriptor)
    : description_(std::move(description)), library_(std::move(library)), descriptor_(descriptor) {}

Result<std::shared_ptr<ExternalClient>> LoadedPlugin::create(const PluginContext& context) const {
  const std::string where = "plugin " + description_.name + " (" + description_.file + ")";
  Status status;
  ExternalClient* raw = nullptr;
  try {
    raw = descriptor_->create(&context, &status);
  } catch (...) {
    // The descriptor documents that `create` never throws, but a plugin not built with
    // OUTBOUND_PLUGIN might.
    return Status::internal("create threw an exception; build the plugin with OUTBOUND_PLUGIN")
        .with_context(where);
  }
  if (raw == nullptr) {
    if (status.ok()) {
      status = Status::internal("create returned no client and no error status");
    }
    return status.with_context(where);
  }

  // From here on the client is destroyed by the plugin's own `destroy`, also on early return.
  std::shared_ptr<ExternalClient> client(raw, ClientDeleter{descriptor_->destroy, library_});
  const ClientKind kind = client->info().kind;
  if (kind != description_.kind) {
    return Status::internal("created a " + std::string(client_kind_name(kind)) +
                            " client but the descriptor declares " +
                            std::string(client_kind_name(description_.kind)) +
                            "; fix the kind that the plugin's info() returns")
        .with_context(where);
  }
  return client;
}

std::shared_ptr<const LoadedPlugin> PluginCatalog::find(std::string_view name) const {
  const auto found = by_name_.find(name);
  return found == by_name_.end() ? nullptr : found->second;
}

std::vector<std::shared_ptr<const LoadedPlugin>> PluginCatalog::plugins() const {
  std::vector<std::shared_ptr<const LoadedPlugin>> all;
  all.reserve(by_name_.size());
  for (const auto& [name, plugin] : by_name_) all.push_back(plugin);
  return all;
}

void PluginCatalog::add(std::shared_ptr<const LoadedPlugin> plugin) {
  std::string name = plugin->description().name;
  by_name_[std::move(name)] = std::move(plugin);
}

PluginLoader::PluginLoader(std::shared_ptr<spdlog::logger> logger, HostAbi host)
    : logger_(std::move(logger)), host_(std::move(host)) {
  if (!logger_) {
    logger_ =
        std::make_shared<spdlog::logger>("loader", std::make_shared<spdlog::sinks::null_sink_mt>());
  }
}

Result<PluginCatalog> PluginLoader::load(const std::vector<fs::path>& plugin_dirs) const {
  LoadRun run(*logger_, host_);
  for (const fs::path& folder : plugin_dirs) run.scan_folder(folder);
  return run.finish();
}

}  // namespace outbound::loader
