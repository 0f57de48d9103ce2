#include "outbound/host.h"

#include <map>
#include <mutex>
#include <utility>

#include "async/async_clients.h"
#include "async/executor.h"
#include "config/config.h"
#include "host_services.h"
#include "hosted_clients.h"
#include "http/transport.h"
#include "loader/plugin_loader.h"
#include "logging/logging.h"
#include "metrics/registry.h"
#include "outbound/setting_problems.h"
#include "outbound/version.h"
#include "resilience/pipeline.h"

namespace outbound {
namespace {

/// The resilience pipeline of one client and what it was built for. A reload reuses it when
/// nothing here changed, so the client's breaker keeps its state.
struct PipelineEntry {
  std::string plugin;
  std::string settings_json;
  std::map<std::string, Secret> secrets;
  std::string resilience_json;
  std::string http_json;
  std::shared_ptr<resilience::Pipeline> pipeline;

  bool same_client(const config::ClientConfig& client) const {
    if (plugin != client.plugin || settings_json != client.settings_json ||
        resilience_json != client.resilience.canonical_json ||
        http_json != client.http_canonical_json || secrets.size() != client.secrets.size()) {
      return false;
    }
    for (const auto& [pointer, secret] : client.secrets) {
      auto found = secrets.find(pointer);
      if (found == secrets.end() || !found->second.equals(secret)) return false;
    }
    return true;
  }
};

/// One loaded configuration: the plugins it needed and the clients made from them.
struct ClientSet {
  std::filesystem::path config_file;
  std::vector<std::string> warnings;
  std::vector<ClientInfo> infos;
  /// Released, not closed, when the set is replaced: a call that still holds a client
  /// finishes on it, and the plugin's destroy runs when the last holder lets go.
  std::vector<std::shared_ptr<ExternalClient>> clients;
  /// By client id.
  std::map<std::string, std::shared_ptr<const PipelineEntry>> pipelines;
};

}  // namespace

struct Host::State {
  HostOptions options;
  std::unique_ptr<logging::LogSystem> logs;
  std::shared_ptr<spdlog::logger> host_log;
  std::shared_ptr<const Clock> clock;
  std::shared_ptr<metrics::MetricsRegistry> metrics;
  std::shared_ptr<MaskerSecretRegistry> secret_registry;

  mutable std::mutex mutex;
  std::shared_ptr<const ClientSet> clients;

  /// The pool of async calls, started by the first async client handed out.
  mutable std::mutex executor_mutex;
  mutable std::unique_ptr<async::AsyncExecutor> executor;

  std::shared_ptr<const ClientSet> snapshot() const {
    std::lock_guard lock(mutex);
    return clients;
  }

  Result<std::shared_ptr<const ClientSet>> build(const std::filesystem::path& file);
  /// Returns the current pipeline of `client` when the client did not change, else null.
  std::shared_ptr<const PipelineEntry> reuse_pipeline(const config::ClientConfig& client) const;
  Result<std::shared_ptr<ExternalClient>> find(std::string_view id, ClientKind kind) const;
  Result<std::shared_ptr<ExternalClient>> find(const ClientSet& set, std::string_view id,
                                               ClientKind kind) const;
  /// Returns the client `id` of any kind.
  Result<std::shared_ptr<ExternalClient>> find_any(const ClientSet& set, std::string_view id) const;
  /// Returns the async form of the client `id`: of `kind`, or of any kind when it is empty.
  Result<std::shared_ptr<AsyncClient>> find_async(std::string_view id,
                                                  std::optional<ClientKind> kind) const;
  /// Returns the gate of the async pool, starting the pool on first use.
  std::shared_ptr<async::AsyncGate> async_gate() const;
};

namespace {

/// Registers every secret of the configuration with the log masking, before anything logs.
void mask_secrets(const config::Config& config, logging::Masker& masker) {
  for (const auto& client : config.clients) {
    for (const auto& [pointer, secret] : client.secrets) masker.add(secret.expose());
  }
}

/// Returns the HTTP transport of one client. Each client gets its own pools, so one vendor's
/// slow connections never take another's slots.
std::shared_ptr<HttpTransport> make_transport(const config::ClientConfig& client,
                                              const loader::PluginDescription& plugin,
                                              Host::State& state) {
  http::TransportOptions options;
  options.client_id = client.id;
  options.user_agent =
      std::string("outbound/") + OUTBOUND_VERSION + " " + plugin.name + "/" + plugin.version;
  options.http = client.http;
  options.connect_timeout = client.resilience.timeouts.connect;
  options.logger = state.logs->logger("http");
  options.metrics = state.metrics;
  // With verify_tls false, the configuration's warning is logged each time it is loaded.
  return std::make_shared<http::PooledTransport>(std::move(options));
}

PluginContext make_context(const config::ClientConfig& client,
                           const loader::PluginDescription& plugin, const config::Config& config,
                           Host::State& state, std::shared_ptr<logging::WarningCapture> capture) {
  PluginContext context;
  context.client.id = client.id;
  context.client.kind = plugin.kind;
  context.client.plugin_name = plugin.name;
  context.client.plugin_version = plugin.version;
  context.client.plugin_file = plugin.file;
  context.settings_json = client.settings_json;
  for (const auto& [pointer, secret] : client.secrets) {
    context.secrets.emplace(pointer, secret.clone());
  }
  context.base_directory = config.base_directory.string();
  context.logger = state.logs->capturing_logger("plugin." + plugin.name, std::move(capture));
  context.http = make_transport(client, plugin, state);
  context.clock = state.clock;
  context.metrics = state.metrics;
  context.secret_registry = state.secret_registry;
  return context;
}

/// Returns the lines, each ending in '\n', that report why the plugin could not create
/// `client`. Setting problems (reason "invalid_settings") get a line each, in the shape of the
/// configuration's own errors: "<file>: /clients/<id>/settings/port: <problem> (plugin smtp)".
/// The plugin name moves to the end of each line, in place of the loader's "plugin NAME (FILE)"
/// in front of the first. Any other failure is one line at the client's `settings`.
std::string describe_create_failure(const config::Config& config,
                                    const config::ClientConfig& client,
                                    const loader::PluginDescription& plugin, const Status& failed) {
  const std::string settings = config.file.string() + ": " + client_settings_pointer(client.id);
  if (failed.reason() == kInvalidSettingsReason) {
    if (auto problems = parse_setting_problems(failed.message())) {
      std::string lines;
      for (const SettingProblem& problem : *problems) {
        lines +=
            settings + problem.pointer + ": " + problem.problem + " (plugin " + plugin.name + ")\n";
      }
      return lines;
    }
  }
  return settings + ": " + failed.message() + "\n";
}

}  // namespace

Result<std::shared_ptr<const ClientSet>> Host::State::build(const std::filesystem::path& file) {
  Result<config::Config> loaded = config::load_config(file);
  if (!loaded.ok()) return loaded.status();
  config::Config& config = *loaded;
  mask_secrets(config, *logs->masker());

  if (!options.log_level) {
    auto level = logging::parse_level(config.logging.level);
    if (level.ok()) logs->set_level(*level);
  }
  if (!options.log_format) {
    auto format = logging::parse_format(config.logging.format);
    if (format.ok()) logs->set_format(*format);
  }
  if (options.log_config_warnings) {
    for (const auto& warning : config.warnings) host_log->warn("{}", warning);
  }

  loader::PluginLoader loader(logs->logger("loader"));
  Result<loader::PluginCatalog> catalog = loader.load(config.plugin_dirs);
  if (!catalog.ok()) return catalog.status().with_context(config.file.string());

  auto set = std::make_shared<ClientSet>();
  set->config_file = config.file;
  set->warnings = config.warnings;
  std::string errors;
  for (const auto& client : config.clients) {
    std::shared_ptr<const loader::LoadedPlugin> plugin = catalog->find(client.plugin);
    if (!plugin) {
      std::string known;
      for (const auto& candidate : catalog->plugins()) {
        known += known.empty() ? "" : ", ";
        known += candidate->description().name;
      }
      errors += config.file.string() + ": /clients/" + client.id + "/plugin: no plugin named '" +
                client.plugin +
                "' in the plugin folders (found: " + (known.empty() ? "none" : known) +
                "); check the name or plugin_dirs\n";
      continue;
    }
    // Warnings the plugin logs while it reads its settings join the configuration's own, so
    // that `outbound config check` lists them; they are logged once, like those.
    auto capture = std::make_shared<logging::WarningCapture>();
    PluginContext context = make_context(client, plugin->description(), config, *this, capture);
    const spdlog::level::level_enum level = logs->level();
    capture->begin(options.log_config_warnings ? level : spdlog::level::off);
    context.logger->set_level(std::min(level, spdlog::level::warn));
    Result<std::shared_ptr<ExternalClient>> made = plugin->create(context);
    context.logger->set_level(level);
    for (const std::string& warning : capture->end()) {
      // A plugin names the setting by its full JSON pointer, as the smtp plugin does; any other
      // warning is shown at the client's settings.
      const std::string where = warning.rfind("/clients/", 0) == 0
                                    ? std::string()
                                    : client_settings_pointer(client.id) + ": ";
      set->warnings.push_back(config.file.string() + ": " + where + warning + " (plugin " +
                              plugin->description().name + ")");
    }
    if (!made.ok()) {
      errors += describe_create_failure(config, client, plugin->description(), made.status());
      continue;
    }
    auto client_log = logs->logger("client." + client.id);
    std::shared_ptr<const PipelineEntry> entry = reuse_pipeline(client);
    if (!entry) {
      auto fresh = std::make_shared<PipelineEntry>();
      fresh->plugin = client.plugin;
      fresh->settings_json = client.settings_json;
      for (const auto& [pointer, secret] : client.secrets) {
        fresh->secrets.emplace(pointer, secret.clone());
      }
      fresh->resilience_json = client.resilience.canonical_json;
      fresh->http_json = client.http_canonical_json;
      fresh->pipeline = std::make_shared<resilience::Pipeline>(client.id, client.resilience, clock,
                                                               client_log, metrics);
      entry = std::move(fresh);
    } else {
      host_log->info("client '{}' is unchanged; it keeps its circuit breaker state", client.id);
    }
    set->pipelines[client.id] = entry;
    CallPolicy policy{client.resilience, clock, client_log, metrics, entry->pipeline};
    std::shared_ptr<ExternalClient> hosted = wrap_client(std::move(*made), std::move(policy));
    if (!hosted) {
      return Status::internal("plugin '" + plugin->description().name +
                              "' made a client that does not implement its declared kind");
    }
    host_log->info("client '{}' ready: plugin {} {} ({})", client.id, plugin->description().name,
                   plugin->description().version, plugin->description().file);
    set->infos.push_back(hosted->info());
    set->clients.push_back(std::move(hosted));
  }
  if (!errors.empty()) {
    errors.pop_back();
    return Status::invalid_argument(std::move(errors)).set_reason("configuration");
  }
  return std::shared_ptr<const ClientSet>(std::move(set));
}

std::shared_ptr<const PipelineEntry> Host::State::reuse_pipeline(
    const config::ClientConfig& client) const {
  std::shared_ptr<const ClientSet> current = snapshot();
  if (!current) return nullptr;
  auto found = current->pipelines.find(client.id);
  if (found == current->pipelines.end() || !found->second->same_client(client)) return nullptr;
  return found->second;
}

Result<std::shared_ptr<ExternalClient>> Host::State::find(std::string_view id,
                                                          ClientKind kind) const {
  return find(*snapshot(), id, kind);
}

Result<std::shared_ptr<ExternalClient>> Host::State::find(const ClientSet& set, std::string_view id,
                                                          ClientKind kind) const {
  const std::string kind_name(client_kind_name(kind));
  if (id.empty()) {
    std::shared_ptr<ExternalClient> only;
    std::string ids;
    int count = 0;
    for (const auto& client : set.clients) {
      if (client->kind() != kind) continue;
      ids += ids.empty() ? "" : ", ";
      ids += client->id();
      only = client;
      ++count;
    }
    if (count > 1) {
      return Status::invalid_argument("several " + kind_name + " clients are configured (" + ids +
                                      "); pass the id of the one to use")
          .set_reason("ambiguous_client");
    }
    if (!only) {
      return Status::not_found("no " + kind_name + " client is configured in " +
                               set.config_file.string() + "; add one under \"clients\" with a " +
                               kind_name + " plugin")
          .set_reason("no_client_configured");
    }
    return only;
  }
  for (const auto& client : set.clients) {
    if (client->id() != id) continue;
    if (client->kind() != kind) {
      const auto with_article = [](std::string_view kind) {
        return (kind == "auth" ? "an " : "a ") + std::string(kind);
      };
      return Status::invalid_argument("client '" + std::string(id) + "' is " +
                                      with_article(client_kind_name(client->kind())) +
                                      " client, not " + with_article(kind_name) + " client")
          .set_reason("wrong_client_kind");
    }
    return client;
  }
  std::string ids;
  for (const auto& client : set.clients) {
    ids += ids.empty() ? "" : ", ";
    ids += client->id();
  }
  return Status::not_found("no client '" + std::string(id) + "' in " + set.config_file.string() +
                           " (configured: " + (ids.empty() ? "none" : ids) + ")")
      .set_reason("unknown_client");
}

Result<std::shared_ptr<ExternalClient>> Host::State::find_any(const ClientSet& set,
                                                              std::string_view id) const {
  for (const auto& client : set.clients) {
    if (client->id() == id) return client;
  }
  return Status::not_found("no client '" + std::string(id) + "' in " + set.config_file.string());
}

std::shared_ptr<async::AsyncGate> Host::State::async_gate() const {
  std::lock_guard lock(executor_mutex);
  if (!executor) {
    executor = std::make_unique<async::AsyncExecutor>(options.async_threads, host_log);
    host_log->debug("async pool started with {} threads", executor->threads());
  }
  return executor->gate();
}

Result<std::shared_ptr<AsyncClient>> Host::State::find_async(std::string_view id,
                                                             std::optional<ClientKind> kind) const {
  std::shared_ptr<const ClientSet> set = snapshot();
  Result<std::shared_ptr<ExternalClient>> found = kind ? find(*set, id, *kind) : find_any(*set, id);
  if (!found.ok()) return found.status();
  const std::string& client_id = (*found)->id();
  auto pipeline = set->pipelines.find(client_id);
  if (pipeline == set->pipelines.end()) {
    return Status::internal("client '" + client_id + "' has no resilience pipeline");
  }
  auto binding = std::make_shared<AsyncBinding>();
  binding->client = *found;
  binding->gate = async_gate();
  binding->total_timeout = pipeline->second->pipeline->policy().timeouts.total;
  binding->clock = clock;
  binding->logger = logs->logger("client." + client_id);
  binding->metrics = metrics;
  binding->client_attributes = {{"outbound.client", client_id}};
  return make_async_client(std::move(binding));
}

Result<std::unique_ptr<Host>> Host::open(HostOptions options) {
  auto state = std::make_unique<State>();
  state->options = std::move(options);
  std::error_code error;
  std::filesystem::path file = std::filesystem::absolute(state->options.config_file, error);
  if (error) {
    return Status::invalid_argument("cannot resolve configuration path '" +
                                    state->options.config_file.string() + "': " + error.message());
  }
  state->options.config_file = file.lexically_normal();

  auto level = logging::parse_level(state->options.log_level.value_or("info"));
  if (!level.ok()) return level.status();
  auto format = logging::parse_format(state->options.log_format.value_or("text"));
  if (!format.ok()) return format.status();
  if (state->options.log_destinations.empty()) {
    state->logs = std::make_unique<logging::LogSystem>(*level, *format);
  } else {
    state->logs =
        std::make_unique<logging::LogSystem>(*level, *format, state->options.log_destinations);
  }
  state->host_log = state->logs->logger("host");
  state->clock = state->options.clock;
  if (!state->clock) {
    state->clock = std::shared_ptr<const Clock>(&Clock::system(), [](const Clock*) {});
  }
  state->metrics = std::make_shared<metrics::MetricsRegistry>();
  state->secret_registry = std::make_shared<MaskerSecretRegistry>(state->logs->masker());

  state->host_log->debug("opening {}", state->options.config_file.string());
  auto built = state->build(state->options.config_file);
  if (!built.ok()) {
    // The caller receives and reports this status, so a log line at error would repeat it.
    state->host_log->debug("cannot open {}: {}", state->options.config_file.string(),
                           built.status().message());
    // A plugin's message may quote a credential, and the caller shows it unlogged.
    const Status& failed = built.status();
    Status status(failed.code(), state->logs->masker()->mask(failed.message()));
    status.set_retryable(failed.retryable());
    status.set_reason(failed.reason());
    if (status.code() != StatusCode::kInternal && status.reason().empty()) {
      status.set_reason("configuration");
    }
    return status;
  }
  state->clients = std::move(*built);
  return std::unique_ptr<Host>(new Host(std::move(state)));
}

Host::Host(std::unique_ptr<State> state) : state_(std::move(state)) {}

Host::~Host() {
  // Queued async calls complete with "host_closed" and running ones end before the clients
  // are released below.
  std::unique_ptr<async::AsyncExecutor> executor;
  {
    std::lock_guard lock(state_->executor_mutex);
    executor = std::move(state_->executor);
  }
  if (executor) executor->shutdown();
  std::shared_ptr<const ClientSet> last;
  {
    std::lock_guard lock(state_->mutex);
    last = std::move(state_->clients);
  }
  last.reset();
  state_->host_log->debug("host closed");
}

Status Host::reload() {
  state_->host_log->info("reloading {}", state_->options.config_file.string());
  auto built = state_->build(state_->options.config_file);
  if (!built.ok()) {
    state_->host_log->warn("reload failed, keeping the previous clients: {}",
                           built.status().message());
    return built.status();
  }
  std::shared_ptr<const ClientSet> previous;
  {
    std::lock_guard lock(state_->mutex);
    previous = std::exchange(state_->clients, std::move(*built));
  }
  return Status();
}

std::vector<ClientInfo> Host::clients() const { return state_->snapshot()->infos; }

Result<std::shared_ptr<AuthProvider>> Host::auth(std::string_view id) const {
  auto found = state_->find(id, ClientKind::kAuth);
  if (!found.ok()) return found.status();
  return std::static_pointer_cast<AuthProvider>(*found);
}

Result<std::shared_ptr<PaymentGateway>> Host::payments(std::string_view id) const {
  auto found = state_->find(id, ClientKind::kPayment);
  if (!found.ok()) return found.status();
  return std::static_pointer_cast<PaymentGateway>(*found);
}

Result<std::shared_ptr<MailSender>> Host::mail(std::string_view id) const {
  auto found = state_->find(id, ClientKind::kMail);
  if (!found.ok()) return found.status();
  return std::static_pointer_cast<MailSender>(*found);
}

Result<std::shared_ptr<ExternalClient>> Host::client(std::string_view id) const {
  return state_->find_any(*state_->snapshot(), id);
}

Result<std::shared_ptr<AsyncAuthProvider>> Host::async_auth(std::string_view id) const {
  auto found = state_->find_async(id, ClientKind::kAuth);
  if (!found.ok()) return found.status();
  return std::static_pointer_cast<AsyncAuthProvider>(*found);
}

Result<std::shared_ptr<AsyncPaymentGateway>> Host::async_payments(std::string_view id) const {
  auto found = state_->find_async(id, ClientKind::kPayment);
  if (!found.ok()) return found.status();
  return std::static_pointer_cast<AsyncPaymentGateway>(*found);
}

Result<std::shared_ptr<AsyncMailSender>> Host::async_mail(std::string_view id) const {
  auto found = state_->find_async(id, ClientKind::kMail);
  if (!found.ok()) return found.status();
  return std::static_pointer_cast<AsyncMailSender>(*found);
}

Result<std::shared_ptr<AsyncClient>> Host::async_client(std::string_view id) const {
  return state_->find_async(id, std::nullopt);
}

MetricsSnapshot Host::metrics() const {
  MetricsSnapshot snapshot = state_->metrics->snapshot();
  std::shared_ptr<const ClientSet> set = state_->snapshot();
  for (const auto& [id, entry] : set->pipelines) {
    const resilience::BreakerState state = entry->pipeline->breaker().snapshot().state;
    snapshot.gauges.push_back(
        {"outbound.circuit_breaker.state", {{"outbound.client", id}}, static_cast<double>(state)});
  }
  std::size_t queued = 0;
  {
    std::lock_guard lock(state_->executor_mutex);
    if (state_->executor) queued = state_->executor->gate()->queued();
  }
  snapshot.gauges.push_back({"outbound.async.queue.size", {}, static_cast<double>(queued)});
  return snapshot;
}

std::shared_ptr<spdlog::logger> Host::logger(const std::string& name) const {
  return state_->logs->logger(name);
}

void Host::mask(std::string_view value) const { state_->logs->masker()->add(value); }

std::string Host::redact(std::string_view text) const { return state_->logs->masker()->mask(text); }

std::function<std::string(std::string_view)> Host::redactor() const {
  std::shared_ptr<const logging::Masker> masker = state_->logs->masker();
  return [masker](std::string_view text) { return masker->mask(text); };
}

const std::filesystem::path& Host::config_file() const { return state_->options.config_file; }

std::vector<std::string> Host::warnings() const { return state_->snapshot()->warnings; }

}  // namespace outbound
