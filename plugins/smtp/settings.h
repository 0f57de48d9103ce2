#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "outbound/plugin_context.h"
#include "outbound/secret.h"
#include "outbound/setting_problems.h"
#include "outbound/status.h"

namespace outbound::smtp {

/// TlsMode is how the connection to the server is protected.
enum class TlsMode {
  /// Plain TCP, then STARTTLS (RFC 3207), which the server must offer; port 587 by default.
  kStartTls,
  /// TLS from the first byte (RFC 8314); port 465 by default.
  kImplicit,
  /// No TLS at all; port 25 by default. Allowed only with `"allow_plaintext": true`.
  kNone,
};

/// Returns "starttls", "implicit" or "none".
std::string_view tls_mode_name(TlsMode mode);

/// AuthMechanism is the SASL mechanism used for AUTH (RFC 4954).
enum class AuthMechanism {
  /// PLAIN when the server offers it, else LOGIN.
  kAuto,
  kPlain,
  kLogin,
};

/// PoolSettings bound the connections one client keeps to its server.
struct PoolSettings {
  /// Connections open at once, idle or busy; a send that finds them all busy waits for one.
  int max_connections = 4;
  /// A pooled connection unused for longer than this is probed with NOOP before reuse.
  std::chrono::milliseconds idle{30000};
  /// After this many messages a connection is closed with QUIT and replaced.
  int max_messages_per_connection = 100;
  /// A connection left idle for this long is closed with QUIT in the background, so that the
  /// pool does not hold sockets that the server is about to drop.
  std::chrono::milliseconds close_idle{60000};
};

/// StageTimeouts bound each step of an SMTP session. Every step also ends by the call's
/// attempt deadline, whichever comes first.
struct StageTimeouts {
  /// TCP connect, plus the TLS handshake for implicit TLS.
  std::chrono::milliseconds connect{10000};
  /// The server's 220 greeting.
  std::chrono::milliseconds greeting{30000};
  /// Each EHLO or HELO, and NOOP, RSET and QUIT.
  std::chrono::milliseconds ehlo{30000};
  /// STARTTLS and its TLS handshake.
  std::chrono::milliseconds starttls{30000};
  /// The whole AUTH exchange.
  std::chrono::milliseconds auth{30000};
  /// MAIL FROM.
  std::chrono::milliseconds mail{30000};
  /// Each RCPT TO.
  std::chrono::milliseconds rcpt{30000};
  /// DATA, its 354 reply, and sending the message.
  std::chrono::milliseconds data{60000};
  /// The final reply after the terminating dot; longer, because servers scan the message then.
  std::chrono::milliseconds data_end{120000};
};

/// Settings are the `smtp` plugin's validated settings.
struct Settings {
  /// The server's host name or IP address, without brackets.
  std::string host;
  std::uint16_t port = 587;
  TlsMode tls = TlsMode::kStartTls;
  /// Empty when no AUTH is configured; then `password` is empty too.
  std::string username;
  Secret password;
  AuthMechanism auth = AuthMechanism::kAuto;
  /// The absolute path of the PEM bundle that verifies the server; empty for the system store.
  std::string ca_file;
  /// The name sent with EHLO and HELO: a domain name or an address literal ("[192.0.2.1]").
  /// Empty when the settings give none: the session then sends the machine's host name when it
  /// is fully qualified, else the connection's own address as a literal (RFC 5321 4.1.4).
  std::string helo_name;
  PoolSettings pool;
  StageTimeouts timeouts;
  /// Settings that are valid but do nothing (`allow_plaintext` with TLS, `ca_file` without
  /// it), with pointers relative to `settings`. SmtpSender::create logs each at warn level.
  std::vector<SettingProblem> warnings;
};

/// Returns whether `host` names this machine: 127.0.0.0/8, ::1 or "localhost".
bool loopback_host(std::string_view host);

/// Returns whether `name` is a domain name fit for EHLO (letters, digits and hyphens in
/// labels of 1 to 63 characters, at most 253 in all) or an address literal such as
/// "[192.0.2.1]" or "[IPv6:2001:db8::1]" (RFC 5321 section 4.1.3).
bool valid_helo_name(std::string_view name);

/// Returns the system's host name when it is fully qualified (has a dot) and valid_helo_name()
/// accepts it, else an empty string.
std::string qualified_host_name();

/// Returns `address` ("192.0.2.1", "2001:db8::1") as an EHLO address literal ("[192.0.2.1]",
/// "[IPv6:2001:db8::1]").
std::string address_literal(const std::string& address, bool ipv6);

/// Reads and checks the settings of `context`. Returns kInvalidArgument with reason
/// "invalid_settings" and one line per problem found (see SettingProblems), each naming the
/// setting's JSON pointer and the fix, and never quoting the password:
/// - `host` is required; `port` defaults by `tls` (587, 465 or 25).
/// - `tls` is "starttls" (the default), "implicit" or "none"; "none" needs
///   `"allow_plaintext": true`.
/// - `username` and `password` come together; with `tls` "none" only for a loopback host.
/// - `auth` is "auto", "plain" or "login" and needs a `username`.
/// - `ca_file` is resolved against the configuration's folder and must be a readable file.
/// - `pool` and `timeouts` hold whole numbers in range; unknown keys are errors everywhere.
Result<Settings> parse_settings(const PluginContext& context);

}  // namespace outbound::smtp
