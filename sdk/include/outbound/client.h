#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "outbound/call_context.h"
#include "outbound/export.h"
#include "outbound/status.h"

namespace outbound {

/// ClientKind names the capability a client provides. Each kind has one interface:
/// kAuth is AuthProvider, kPayment is PaymentGateway and kMail is MailSender.
enum class ClientKind { kAuth, kPayment, kMail };

/// Returns "auth", "payment" or "mail".
OUTBOUND_SDK_API std::string_view client_kind_name(ClientKind kind);

/// Parses "auth", "payment" or "mail"; returns nullopt for anything else.
OUTBOUND_SDK_API std::optional<ClientKind> parse_client_kind(std::string_view name);

/// ClientInfo identifies one configured client: the id it has in the config's `clients`
/// object and the plugin that implements it.
struct ClientInfo {
  /// The key under `clients` in the configuration ("payments").
  std::string id;
  ClientKind kind = ClientKind::kAuth;
  /// The plugin's name from its descriptor ("stripe").
  std::string plugin_name;
  /// The plugin's version from its descriptor ("1.0.0").
  std::string plugin_version;
  /// The absolute, canonical path of the plugin's shared library.
  std::string plugin_file;
};

/// ExternalClient is what every client has in common, whichever service it talks to.
/// Objects come either from a plugin (the provider's implementation) or from the host, which
/// wraps each plugin object in its resilience pipeline and hands the wrapper to applications.
///
/// Thread safety: every method may be called from several threads at once.
class OUTBOUND_SDK_API ExternalClient {
 public:
  virtual ~ExternalClient();

  /// Returns the identity of the client; the reference stays valid for the object's life.
  virtual const ClientInfo& info() const = 0;

  /// Checks that the provider is usable without side effects at the provider: configuration
  /// is complete and, where the provider allows it cheaply, that it answers (an SMTP NOOP,
  /// an authenticated GET). Returns ok when healthy.
  virtual Status health_check(const CallContext& context) = 0;

  /// Releases connections and background work. Calls made after close() fail with
  /// kFailedPrecondition. Closing twice is harmless.
  virtual void close() = 0;

  const std::string& id() const { return info().id; }
  ClientKind kind() const { return info().kind; }
  const std::string& plugin_name() const { return info().plugin_name; }
  const std::string& plugin_version() const { return info().plugin_version; }
};

}  // namespace outbound
