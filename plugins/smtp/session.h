#pragma once

#include <memory>
#include <string>

#include <Poco/Net/Context.h>
#include <spdlog/logger.h>

#include "outbound/status.h"
#include "smtp/connection.h"
#include "smtp/settings.h"

namespace outbound::smtp {

/// Opens a connection and brings it to where a mail transaction can start (RFC 5321 section
/// 3). The steps are the 220 greeting and EHLO, or HELO when the server rejects EHLO with 5xx.
/// With "tls": "starttls", STARTTLS with `tls` follows, then a second EHLO whose reply alone
/// gives the capabilities. AUTH comes last when the settings have a user name. Each step is
/// bounded by its timeout and by `attempt_deadline`.
///
/// A server that does not offer STARTTLS is an error (reason "starttls_unavailable") and no
/// AUTH or MAIL is sent. A failure closes the connection; the Status says which step failed
/// and quotes the server's reply, never the password.
Result<std::unique_ptr<Connection>> open_session(const Settings& settings,
                                                 Poco::Net::Context::Ptr tls,
                                                 SteadyTime attempt_deadline, std::string id,
                                                 std::shared_ptr<spdlog::logger> logger);

/// Runs the AUTH exchange on `connection` (RFC 4954): PLAIN with an initial response, or
/// LOGIN, which sends the user name after the first 334 prompt and the password after the
/// second, whatever the prompt text. The "auto" setting picks PLAIN when the server offers it,
/// else LOGIN. AUTH over a plaintext connection is refused unless the server's address is
/// a loopback address. A 535 reply is kUnauthenticated with reason "auth_failed".
Status authenticate(Connection& connection, const Settings& settings, SteadyTime attempt_deadline);

/// Sends NOOP and expects 250, within the EHLO timeout: checks that a pooled connection still
/// works.
Status probe(Connection& connection, const Settings& settings, SteadyTime attempt_deadline);

/// Sends RSET and expects 250, within the EHLO timeout: ends an aborted mail transaction.
Status reset(Connection& connection, const Settings& settings, SteadyTime attempt_deadline);

}  // namespace outbound::smtp
