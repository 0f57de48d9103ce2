#include "smtp/session.h"

#include <utility>

#include "smtp/errors.h"

namespace outbound::smtp {
namespace {

Stage ehlo_stage(const Settings& settings, SteadyTime attempt_deadline, std::string name) {
  return make_stage(std::move(name), settings.timeouts.ehlo, "ehlo_ms", attempt_deadline);
}

/// Reads the greeting: 220 to go on; 421 and 4xx are transient, 554 and other 5xx mean the
/// server refuses this client.
Status read_greeting(Connection& connection, const Settings& settings,
                     SteadyTime attempt_deadline) {
  const Stage stage = make_stage("waiting for the greeting", settings.timeouts.greeting,
                                 "greeting_ms", attempt_deadline);
  Result<Reply> greeting = connection.read_reply(stage);
  if (!greeting.ok()) {
    const Status& failed = greeting.status();
    if (failed.reason() != "timeout" || settings.tls == TlsMode::kImplicit) return failed;
    // A server on an implicit-TLS port waits for the client's TLS hello and never greets.
    return Status(failed.code(), failed.message() +
                                     "; a port that starts with TLS, such as 465, sends its "
                                     "greeting only after a TLS handshake, so if this is one, "
                                     "set tls to \"implicit\"")
        .set_retryable(failed.retryable())
        .set_reason(failed.reason());
  }
  if (greeting->code == 220) return Status();
  connection.mark_broken();
  return reply_status(*greeting, "the connection (greeting)", StatusCode::kFailedPrecondition,
                      reason::kServerRejected);
}

/// Sends EHLO, falling back to HELO on a 5xx reply, and stores the capabilities.
Status hello(Connection& connection, const Settings& settings, SteadyTime attempt_deadline) {
  const std::string name =
      settings.helo_name.empty() ? connection.local_address_literal() : settings.helo_name;
  const std::string ehlo = "EHLO " + name;
  Result<Reply> reply = connection.command(ehlo, ehlo_stage(settings, attempt_deadline, "EHLO"));
  if (!reply.ok()) return reply.status();
  if (reply->code == 250) {
    connection.set_capabilities(parse_capabilities(*reply));
    return Status();
  }
  if (!reply->permanent()) {
    connection.mark_broken();
    return reply_status(*reply, "EHLO", StatusCode::kFailedPrecondition, reason::kServerRejected);
  }
  const std::string helo = "HELO " + name;
  reply = connection.command(helo, ehlo_stage(settings, attempt_deadline, "HELO"));
  if (!reply.ok()) return reply.status();
  if (reply->code != 250) {
    connection.mark_broken();
    return reply_status(*reply, "HELO", StatusCode::kFailedPrecondition, reason::kServerRejected);
  }
  connection.set_capabilities(Capabilities());
  return Status();
}

Status upgrade(Connection& connection, const Settings& settings, Poco::Net::Context::Ptr tls,
               SteadyTime attempt_deadline) {
  if (!connection.capabilities().starttls) {
    connection.quit(quit_stage(attempt_deadline));
    return Status::failed_precondition(
               "the SMTP server " + connection.peer() +
               " does not offer STARTTLS, and the settings require it (\"tls\": \"starttls\"); "
               "nothing was sent in clear text. Use \"implicit\" for a server that speaks TLS "
               "from the start (port 465)")
        .set_retryable(false)
        .set_reason(reason::kStartTlsUnavailable);
  }
  const Stage stage =
      make_stage("STARTTLS", settings.timeouts.starttls, "starttls_ms", attempt_deadline);
  Result<Reply> reply = connection.command("STARTTLS", stage);
  if (!reply.ok()) return reply.status();
  if (reply->code != 220) {
    connection.mark_broken();
    return reply_status(*reply, "STARTTLS", StatusCode::kFailedPrecondition,
                        reason::kServerRejected);
  }
  if (Status secured = connection.start_tls(std::move(tls), settings.host, stage); !secured.ok()) {
    return secured;
  }
  // RFC 3207 section 4.2: discard the capabilities received before TLS and send EHLO again.
  return hello(connection, settings, attempt_deadline);
}

}  // namespace

Result<std::unique_ptr<Connection>> open_session(const Settings& settings,
                                                 Poco::Net::Context::Ptr tls,
                                                 SteadyTime attempt_deadline, std::string id,
                                                 std::shared_ptr<spdlog::logger> logger) {
  Endpoint endpoint;
  endpoint.host = settings.host;
  endpoint.port = settings.port;
  endpoint.implicit_tls = settings.tls == TlsMode::kImplicit;
  endpoint.tls = tls;
  const Stage connect =
      make_stage("connecting", settings.timeouts.connect, "connect_ms", attempt_deadline);
  Result<std::unique_ptr<Connection>> opened =
      Connection::open(endpoint, connect, std::move(id), std::move(logger));
  if (!opened.ok()) return opened.status();
  std::unique_ptr<Connection> connection = std::move(opened).value();
  if (Status status = read_greeting(*connection, settings, attempt_deadline); !status.ok()) {
    return status;
  }
  if (Status status = hello(*connection, settings, attempt_deadline); !status.ok()) return status;
  if (settings.tls == TlsMode::kStartTls) {
    if (Status status = upgrade(*connection, settings, tls, attempt_deadline); !status.ok()) {
      return status;
    }
  }
  if (!settings.username.empty()) {
    if (Status status = authenticate(*connection, settings, attempt_deadline); !status.ok()) {
      return status;
    }
  }
  connection->set_last_use(std::chrono::steady_clock::now());
  return connection;
}

Status probe(Connection& connection, const Settings& settings, SteadyTime attempt_deadline) {
  Result<Reply> reply = connection.command("NOOP", ehlo_stage(settings, attempt_deadline, "NOOP"));
  if (!reply.ok()) return reply.status();
  if (reply->code == 250) return Status();
  connection.mark_broken();
  return reply_status(*reply, "NOOP", StatusCode::kUnavailable, reason::kServerRejected);
}

Status reset(Connection& connection, const Settings& settings, SteadyTime attempt_deadline) {
  Result<Reply> reply = connection.command("RSET", ehlo_stage(settings, attempt_deadline, "RSET"));
  if (!reply.ok()) return reply.status();
  if (reply->code == 250) return Status();
  connection.mark_broken();
  return reply_status(*reply, "RSET", StatusCode::kUnavailable, reason::kServerRejected);
}

}  // namespace outbound::smtp
