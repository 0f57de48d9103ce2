// The AUTH exchange of RFC 4954 with the PLAIN (RFC 4616) and LOGIN mechanisms.

#include <openssl/evp.h>

#include <string>
#include <string_view>

#include "outbound/secret.h"
#include "smtp/errors.h"
#include "smtp/session.h"

namespace outbound::smtp {
namespace {

/// The log form of a line that carries a credential.
constexpr std::string_view kRedactedLine = "[REDACTED]";

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(bytes.data()),
                                     static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(length));
  return out;
}

/// Replaces every occurrence of `secret` in `text` with [REDACTED], so that a server that
/// echoes what it received cannot put the password into a message or a log line.
void scrub(std::string& text, std::string_view secret) {
  if (secret.empty()) return;
  for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), kRedactedLine);
    at += kRedactedLine.size();
  }
}

/// Returns `reply` with the password and its base64 form removed from its text.
Reply scrubbed(Reply reply, const Settings& settings) {
  std::string encoded = base64(settings.password.expose());
  for (std::string& line : reply.lines) {
    scrub(line, settings.password.expose());
    scrub(line, encoded);
  }
  secure_wipe(encoded);
  return reply;
}

/// Sends `line` (a credential) and reads the reply; the log shows [REDACTED].
Result<Reply> send_secret(Connection& connection, std::string& line, const Stage& stage) {
  Result<Reply> reply = connection.command(line, stage, kRedactedLine);
  secure_wipe(line);
  return reply;
}

/// Returns the Status of a final reply to AUTH other than 235.
Status auth_failure(Connection& connection, const Reply& reply, const Settings& settings,
                    const std::string& mechanism) {
  connection.mark_broken();
  const std::string step = "AUTH " + mechanism + " for user '" + settings.username + "'";
  if (reply.code == 535) {
    return reply_status(reply, step, StatusCode::kUnauthenticated, reason::kAuthFailed)
        .set_retryable(false)
        .with_context(
            "the user name or password was rejected (check the username and password "
            "settings)");
  }
  if (reply.intermediate()) {
    return Status::unavailable("the SMTP server sent another 334 prompt after " + step +
                               " had sent every credential; authentication was abandoned")
        .set_retryable(false)
        .set_reason("protocol_error")
        .set_provider(details_of(reply));
  }
  return reply_status(reply, step, StatusCode::kFailedPrecondition, reason::kAuthRejected);
}

/// Picks the mechanism: the one the settings name, or PLAIN before LOGIN for "auto". Both
/// send the password as it is, so neither is stronger; PLAIN needs one round trip fewer.
Result<std::string> choose_mechanism(const Connection& connection, const Settings& settings) {
  const Capabilities& offered = connection.capabilities();
  std::string list;
  for (const std::string& mechanism : offered.auth_mechanisms) {
    list += (list.empty() ? "" : " ") + mechanism;
  }
  const std::string offers =
      list.empty() ? "it offers no AUTH mechanism" : "it offers AUTH " + list;
  const auto unavailable = [&](const std::string& wanted) {
    return Status::failed_precondition("the SMTP server " + connection.peer() +
                                       " does not offer AUTH " + wanted + " (" + offers +
                                       "); check /auth, or whether the server needs TLS first")
        .set_retryable(false)
        .set_reason(reason::kAuthUnavailable);
  };
  switch (settings.auth) {
    case AuthMechanism::kPlain:
      if (!offered.offers_auth("PLAIN")) return unavailable("PLAIN");
      return std::string("PLAIN");
    case AuthMechanism::kLogin:
      if (!offered.offers_auth("LOGIN")) return unavailable("LOGIN");
      return std::string("LOGIN");
    case AuthMechanism::kAuto:
      if (offered.offers_auth("PLAIN")) return std::string("PLAIN");
      if (offered.offers_auth("LOGIN")) return std::string("LOGIN");
      return unavailable("PLAIN or LOGIN");
  }
  return unavailable("PLAIN or LOGIN");
}

Result<Reply> auth_plain(Connection& connection, const Settings& settings, const Stage& stage) {
  std::string credentials;
  credentials.reserve(settings.username.size() + settings.password.expose().size() + 2);
  credentials.push_back('\0');
  credentials += settings.username;
  credentials.push_back('\0');
  credentials += settings.password.expose();
  std::string line = "AUTH PLAIN " + base64(credentials);
  secure_wipe(credentials);
  Result<Reply> reply = connection.command(line, stage, "AUTH PLAIN [REDACTED]");
  secure_wipe(line);
  return reply;
}

Result<Reply> auth_login(Connection& connection, const Settings& settings, const Stage& stage) {
  Result<Reply> reply = connection.command("AUTH LOGIN", stage);
  if (!reply.ok() || reply->code != 334) return reply;
  // The prompts are base64 text such as "Username:" or "User Name"; RFC 4954 fixes no
  // wording, so the first prompt gets the user name and the second the password.
  std::string line = base64(settings.username);
  reply = send_secret(connection, line, stage);
  if (!reply.ok() || reply->code != 334) return reply;
  line = base64(settings.password.expose());
  return send_secret(connection, line, stage);
}

}  // namespace

Status authenticate(Connection& connection, const Settings& settings, SteadyTime attempt_deadline) {
  if (!connection.tls_active() && !connection.peer_loopback()) {
    connection.mark_broken();
    return Status::failed_precondition("AUTH was not sent: the connection to the SMTP server " +
                                       connection.peer() +
                                       " is not encrypted and the server is not on loopback")
        .set_retryable(false)
        .set_reason(reason::kPlaintextAuth);
  }
  Result<std::string> mechanism = choose_mechanism(connection, settings);
  if (!mechanism.ok()) {
    connection.mark_broken();
    return mechanism.status();
  }
  const Stage stage =
      make_stage("AUTH " + *mechanism, settings.timeouts.auth, "auth_ms", attempt_deadline);
  Result<Reply> reply = *mechanism == "PLAIN" ? auth_plain(connection, settings, stage)
                                              : auth_login(connection, settings, stage);
  if (!reply.ok()) return reply.status();
  if (reply->code == 235) return Status();
  if (reply->code == 334) {
    // A prompt where none is due: cancel the exchange (RFC 4954 section 4) and give up.
    Result<Reply> cancelled = connection.command("*", stage);
    (void)cancelled;
  }
  return auth_failure(connection, scrubbed(std::move(reply).value(), settings), settings,
                      *mechanism);
}

}  // namespace outbound::smtp
